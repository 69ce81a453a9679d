"""Answerability: does the corpus hold evidence for a question (or for one city of a comparison)?

Cheap features of one query (:class:`Evidence`), each a pure function of things the Searcher
already has, combined by :func:`answerability` into one score in [0, 1]:

* **coverage** — IDF-weighted share of the question's content words that occur in the corpus
  (a topic the corpus never mentions has key words with document frequency 0);
* **phrases** — share of the question's compound parts (touching content-word pairs such as
  公営+競技, 宿泊+税) that occur together in at least one chunk;
* **compounds** — share of the question's compound terms (runs of touching noun parts such as
  宿泊税, 議員定数, 市営バス事業; :meth:`JapaneseTokenizer.compounds`) that the corpus writes:
  verbatim, in a thesaurus wording, or as pieces of a keyword string (:func:`composed`). An absent
  topic is usually named by a compound the corpus never writes, even when each of its parts
  (宿泊, 税) is common;
* **agreement** — overlap of the lexical and the dense top-k (absent topics scatter);
* **cosine_z** — the best *sentence* cosine of the top passages (index/sentences.py; the
  passages' own cosine when the index has no sentence vectors) as a z-score against what the
  same corpus gives a fixed set of generic municipal probe questions (index.probes), so the
  scale is the corpus's own. A sentence, unlike a whole passage of up to ~1,100 characters,
  must itself be about the question: an absent topic's best passage often matches on its
  administrative words only.

The weights and the threshold are settings (``answer_*``), calibrated on dev queries by
``python -m eval.calibrate`` (see there). The same score, computed on one city's passages,
decides when a comparison leaves a city out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np

from index.memo import PerSearcher
from index.probes import TOP, best_sentence, probe_distribution
from index.thesaurus import is_foreign

# Content words that say what is asked rather than about what.
STOPWORDS = frozenset(
    "何 どう どの どこ どれ いくつ いくら どれくらい 何件 ある いる する なる れる できる 思う こと もの ため よう "
    "とき 的 市 か 取組 取り組み 取組む 取り組む 状況 実績 内容 方法 について".split()
)

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Evidence:
    """Features of one question (or one city's share of it); every value is in a fixed range."""

    coverage: float  # 0..1
    phrases: float  # 0..1 (1.0 when the question has no touching content-word pair)
    agreement: float  # 0..1
    cosine: float  # best dense cosine among the top hits (passage vectors)
    cosine_z: float  # (best sentence cosine among the top hits - probe mean) / probe std
    compounds: float = 1.0  # 0..1 (1.0 when the question has no compound term)

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Weights:
    """A logistic model over :class:`Evidence` (bias plus one weight per feature)."""

    bias: float
    coverage: float
    phrases: float
    agreement: float
    cosine_z: float
    compounds: float = 0.0


# ---- pure feature functions ------------------------------------------------------------------


def content_tokens(tokens: Iterable[str]) -> list[str]:
    """Tokens of a question minus question words and one-kana particles, in order."""
    return [t for t in tokens if t not in STOPWORDS and not (len(t) == 1 and "\u3040" <= t <= "\u309f")]


def idf(df: int, n_docs: int) -> float:
    """BM25-style IDF that stays positive; a word absent from the corpus gets the maximum."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def token_coverage(tokens: Sequence[str], df: Callable[[str], int], n_docs: int) -> float:
    """IDF-weighted share of `tokens` with a document frequency above 0 (1.0 for no tokens)."""
    weights = [(idf(df(t), n_docs), df(t) > 0) for t in dict.fromkeys(tokens)]
    total = sum(w for w, _ in weights)
    return sum(w for w, seen in weights if seen) / total if total else 1.0


def adjacent_pairs(spans: Sequence[tuple[int, int, str]], skip: frozenset[str] = STOPWORDS) -> list[tuple[str, str]]:
    """Token pairs of touching content words (the parts of a compound) of a question's spans."""
    out = []
    for (_s1, e1, t1), (s2, _e2, t2) in zip(spans, spans[1:]):
        if e1 == s2 and t1 not in skip and t2 not in skip and t1 != t2:
            out.append((t1, t2))
    return list(dict.fromkeys(out))


def phrase_coverage(pairs: Sequence[tuple[str, str]], together: Callable[[tuple[str, str]], bool]) -> float:
    """Share of `pairs` whose words the corpus has together in one chunk (1.0 for none)."""
    return sum(map(together, pairs)) / len(pairs) if pairs else 1.0


class Compound(NamedTuple):
    """A compound term of a question: its text, its parts (surface, BM25 token, verbal noun?) and
    its other wordings (from the thesaurus)."""

    text: str
    parts: tuple[tuple[str, str, bool], ...]
    wordings: tuple[str, ...] = ()


def compound_coverage(compounds: Sequence[Compound], found: Callable[[Compound], bool]) -> float:
    """Share of `compounds` that `found` finds in the corpus (1.0 for none)."""
    hits = [found(c) for c in compounds]
    return sum(hits) / len(hits) if hits else 1.0


OCCURS_CACHE = 50_000  # needles remembered per searcher (a few MB at most; cleared when full)
MAX_SPLIT_PARTS = 8  # longer runs are looked up whole (the split search grows as n³)
Part = tuple[str, str, bool]


def composed(parts: Sequence[Part], verbatim: Callable[[Sequence[Part]], bool], known: Callable[[Part], bool]) -> bool:
    """Whether a compound is written in the corpus, or is pieces the corpus writes.

    A keyword query strings terms together (市有地売却 = 市有地 + 売却, RPA導入効果 = RPA + 導入効果,
    テレワーク導入 = テレワーク + a verbal noun) where a topic the corpus lacks is one term (宿泊税,
    議員定数). So a piece of three parts or more may split in two anywhere, a piece of two only
    before a verbal noun, and a one-part piece must be `known` (a corpus word of two characters or
    more, so that 消防団員 is not 消防団 + 員)."""
    n = len(parts)
    memo: dict[tuple[int, int], bool] = {}

    def found(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if j - i == 1:
                memo[i, j] = known(parts[i])
            elif verbatim(parts[i:j]):
                memo[i, j] = True
            elif j - i == 2:
                memo[i, j] = parts[i + 1][2] and known(parts[i]) and known(parts[i + 1])
            else:
                memo[i, j] = n <= MAX_SPLIT_PARTS and any(found(i, k) and found(k, j) for k in range(i + 1, j))
        return memo[i, j]

    return n >= 1 and (verbatim(parts) if n < 2 else found(0, n))


def agreement(lexical: Sequence[Any], dense: Sequence[Any], k: int) -> float:
    """Overlap of the first `k` keys (rows, units, documents) of the two rankings, 0..1."""
    if k <= 0:
        return 0.0
    return len(set(lexical[:k]) & set(dense[:k])) / k


def zscore(x: float, mean: float, std: float) -> float:
    return (x - mean) / std if std > 1e-9 else 0.0


def answerability(e: Evidence, w: Weights) -> float:
    """The calibrated probability that the corpus answers the question (logistic)."""
    z = (w.bias + w.coverage * e.coverage + w.phrases * e.phrases + w.agreement * e.agreement
         + w.cosine_z * e.cosine_z + w.compounds * e.compounds)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def weights_of(settings: Any) -> Weights:
    return Weights(settings.answer_bias, settings.answer_w_coverage, settings.answer_w_phrases,
                   settings.answer_w_agreement, settings.answer_w_cosine_z, settings.answer_w_compounds)


# ---- extraction from a Searcher ----------------------------------------------------------------


class CorpusStats:
    """What the features need of one index, computed once per Searcher (lazily, then cached)."""

    def __init__(self, searcher: Any) -> None:
        self.n_docs = int(searcher.bm25.scores["num_docs"])
        self._indptr = searcher.bm25.scores["indptr"]
        self._indices = searcher.bm25.scores["indices"]
        self._vocab: Mapping[str, int] = searcher.bm25.vocab_dict
        self._city = np.asarray([c.city for c in searcher.meta.chunks], dtype=object)
        self._chunks = searcher.meta.chunks
        self._compact: dict[int, str] = {}  # row -> its text without layout, lower-cased (filled as read)
        self._occurs: dict[tuple[str, frozenset[str]], bool] = {}  # (needle, tokens) -> some chunk has it

    def rows(self, token: str, city: str | None = None) -> np.ndarray:
        """Chunks containing `token` (of one city if given), from the BM25 index."""
        i = self._vocab.get(token)
        if i is None:
            return np.empty(0, dtype=np.int64)
        found = np.asarray(self._indices[int(self._indptr[i]) : int(self._indptr[i + 1])])
        return found if city is None else found[self._city[found] == city]

    def df(self, token: str, city: str | None = None) -> int:
        return int(self.rows(token, city).size)

    def together(self, pair: tuple[str, str], city: str | None = None) -> bool:
        """Whether both words of `pair` occur in one chunk (of one city if given)."""
        return bool(np.intersect1d(self.rows(pair[0], city), self.rows(pair[1], city)).size)

    def occurs(self, text: str, tokens: Sequence[str]) -> bool:
        """Whether a chunk has `text` (folded, lower-case) verbatim, layout aside; only the chunks
        holding its rarest token (of `tokens`, its BM25 tokens) are read. Not the chunks holding
        all of them: a chunk may split the same characters otherwise (庁内無線 is 庁|内|無線 in
        庁内無線LAN). Answers are cached, since :func:`composed` asks for the same pieces again."""
        from ingest.normalize import compact

        needle = compact(text).lower()
        key = (needle, frozenset(tokens))
        hit = self._occurs.get(key)
        if hit is None:
            rows = min((self.rows(t) for t in dict.fromkeys(tokens)), key=len, default=np.empty(0, dtype=np.int64))
            hit = any(needle in self._compacted(int(r)) for r in rows)
            if len(self._occurs) >= OCCURS_CACHE:
                self._occurs.clear()
            self._occurs[key] = hit
        return hit

    def _compacted(self, row: int) -> str:
        """A chunk's text as `occurs` compares it, computed once per row: chunk texts are already
        in search form (folded), so only layout and case are dropped."""
        text = self._compact.get(row)
        if text is None:
            text = self._compact[row] = _SPACE.sub("", self._chunks[row].text).lower()
        return text


# The searcher's stats, built once (index.memo): its concurrent first requests wait for one build
corpus_stats: "PerSearcher[CorpusStats]" = PerSearcher(CorpusStats)


def question_parts(searcher: Any, question: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Content tokens and touching content-word pairs of a question (folded, lower-cased)."""
    from ingest.normalize import fold

    spans = searcher.tokenizer.spans(fold(question).lower())
    return content_tokens(t for _s, _e, t in spans), adjacent_pairs(spans)


def question_compounds(searcher: Any, question: str) -> list[Compound]:
    """Compound terms of a question (folded, lower-cased; question words break a compound), each
    with its other wordings: a thesaurus phrase inside it replaced by what the phrase expands to
    (入力作業 → rpa, 住民組織 → 自治会). A compound the corpus words otherwise is not an absent topic."""
    from ingest.normalize import fold

    folded = fold(question).lower()
    spans = searcher.tokenizer.spans(folded)
    thesaurus = getattr(searcher.lexical, "thesaurus", None)
    expansions = thesaurus.expand(folded, {s for s, _e, _t in spans}, {e for _s, e, _t in spans}) if thesaurus else []
    out: dict[str, Compound] = {}
    pos = 0
    for text, parts in searcher.tokenizer.compounds(folded, STOPWORDS):
        start = folded.find(text, pos)  # compounds come in order: 市営バス事業とバス事業 has two
        pos = start + len(text)
        wordings = tuple(text[: x.start - start] + add + text[x.end - start :] for x in expansions
                         if start <= x.start and x.end <= start + len(text) for add in x.adds)
        earlier = out.get(text)  # met again: the first one's parts, the wordings of both
        out[text] = (earlier._replace(wordings=tuple(dict.fromkeys((*earlier.wordings, *wordings)))) if earlier
                     else Compound(text, tuple(parts), wordings))
    return list(out.values())


def compound_found(searcher: Any, stats: CorpusStats, compound: Compound) -> bool:
    """Whether the corpus writes the compound (:func:`composed`) or one of its other wordings."""

    def verbatim(parts: Sequence[Part]) -> bool:
        return stats.occurs("".join(p[0] for p in parts), [p[1] for p in parts])

    def known(part: Part) -> bool:
        return len(part[0]) >= 2 and stats.df(part[1]) > 0

    return (composed(compound.parts, verbatim, known)
            or any(stats.occurs(w, searcher.tokenizer.tokens(w) or [w]) for w in compound.wordings))


def unit_of(hit: Any) -> str:
    """What agreement compares: the initiative, else the section, else the chunk."""
    return (hit.initiative.id if hit.initiative else None) or hit.section_id or hit.chunk_id


def evidence(searcher: Any, question: str, hits: Sequence[Any], filters: Any = None, city: str | None = None,
             k: int = 10) -> Evidence:
    """Features of `question` against the whole corpus, or for one `city` of a comparison.

    `hits`: the passages the answer (or the city's comparison cell) is drawn from. For a city,
    coverage and phrases stay corpus-wide (is the topic in the corpus at all?) while agreement
    and the cosine are the city's own (does this city have passages on it?), so a city that
    words the topic differently (電子決裁 for ペーパーレス) is not dropped for its vocabulary.
    """
    from index.results import Filters

    stats = corpus_stats(searcher)
    tokens, phrases = question_parts(searcher, question)
    cov = token_coverage(tokens, stats.df, stats.n_docs)
    ph = phrase_coverage(phrases, stats.together)
    comp = compound_coverage(question_compounds(searcher, question), lambda c: compound_found(searcher, stats, c))
    f = filters or Filters()
    if city:
        f = Filters((city,), f.kind, f.fiscal_year, f.rating)
    lex = [unit_of(h) for h in searcher.search(question, k=k, mode="lexical", filters=f).hits]
    den = [unit_of(h) for h in searcher.search(question, k=k, mode="dense", filters=f).hits]
    cos = max((h.dense_score or 0.0 for h in hits[:TOP]), default=0.0)
    sentence = best_sentence(searcher, hits, searcher.encode_query(question))
    mean, std, _ = probe_distribution(searcher, is_foreign(question))
    return Evidence(cov, ph, agreement(lex, den, k), cos, zscore(sentence, mean, std), comp)
