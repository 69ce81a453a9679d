"""Query-time synonym expansion for the lexical side (like Elasticsearch's synonym_graph filter).

The thesaurus (``index/data/thesaurus.txt``, Solr/Elasticsearch synonym format) maps official
行財政改革 terms and everyday words to each other. A query phrase found in it — matched on the
folded query text, at content-word boundaries, longest match first — brings in the other
members of its group as extra BM25 query terms (index.lexical weights and scores them).
Everything here is a pure function of the query text and the parsed file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from ingest.normalize import fold

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "thesaurus.txt"


@dataclass(frozen=True)
class Rule:
    """Phrases that trigger the rule, and what they expand to (equivalence: the same phrases)."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Expansion:
    """One matched phrase of the query and the phrases it adds (the phrase itself left out)."""

    phrase: str
    start: int
    end: int
    adds: tuple[str, ...]


@dataclass(frozen=True)
class Thesaurus:
    rules: tuple[Rule, ...]

    @cached_property
    def phrases(self) -> dict[str, tuple[int, ...]]:
        """Source phrase → indexes of the rules it triggers."""
        out: dict[str, list[int]] = {}
        for n, rule in enumerate(self.rules):
            for p in rule.sources:
                out.setdefault(p, []).append(n)
        return {p: tuple(ns) for p, ns in out.items()}

    def expand(self, folded: str, starts: set[int], ends: set[int]) -> list[Expansion]:
        """Phrases of the folded query that start and end on a content-word boundary
        (`starts`, `ends`: offsets of the query's content tokens), longest first; a match
        overlapping a longer one is skipped. Deterministic: ties by position, then phrase."""
        found: list[tuple[int, int, str]] = []
        for phrase in self.phrases:
            pos = folded.find(phrase)
            while pos >= 0:
                end = pos + len(phrase)
                if pos in starts and end in ends:
                    found.append((pos, end, phrase))
                pos = folded.find(phrase, pos + 1)
        found.sort(key=lambda m: (-(m[1] - m[0]), m[0], m[2]))
        taken: list[tuple[int, int]] = []
        out: list[Expansion] = []
        index = self.phrases
        for s, e, phrase in found:
            if any(s < te and ts < e for ts, te in taken):
                continue
            taken.append((s, e))
            adds: list[str] = []
            for n in index[phrase]:
                adds.extend(t for t in self.rules[n].targets if t != phrase and t not in adds)
            if adds:
                out.append(Expansion(phrase, s, e, tuple(adds)))
        return sorted(out, key=lambda x: (x.start, x.phrase))


_LATIN = re.compile(r"[A-Za-z]")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


_WORD = re.compile(r"[A-Za-z]{3,}")


def is_foreign(query: str) -> bool:
    """Whether a query is written mainly in Latin script (an English question), not Japanese:
    more than twice as many Latin letters as kana and kanji (RPAの導入 is Japanese), and a word of
    three letters or more that is not all capitals (DX, RPA, ＰＰＰ ＰＦＩ are keyword queries of
    the documents' own abbreviations, not English)."""
    text = fold(query)
    return (len(_LATIN.findall(text)) > 2 * len(_JAPANESE.findall(text))
            and any(not w.isupper() for w in _WORD.findall(text)))


def translation(query: str, expansions: Sequence[Expansion]) -> str:
    """Dictionary-based query translation for the dense side: the query followed by the Japanese
    terms its thesaurus matches bring in (each once, in order), e.g. "naming rights revenue" ->
    "naming rights revenue ネーミングライツ 命名権". The query itself stays, since the encoder is
    multilingual and words without a rule still carry meaning; the query when nothing matched."""
    terms = japanese_terms_of(expansions)
    return f"{query} {' '.join(terms)}" if terms else query


def has_japanese(text: str) -> bool:
    """Whether `text` has a kana or kanji character."""
    return bool(_JAPANESE.search(text))


def japanese_terms_of(expansions: Sequence[Expansion]) -> list[str]:
    """The Japanese terms the matches bring in, each once, in order (what an English question is
    searched, highlighted and quoted by)."""
    return list(dict.fromkeys(t for e in expansions for t in e.adds if has_japanese(t)))


def parse(text: str) -> Thesaurus:
    """Rules of a synonym file: ``a, b, c`` (equivalence) or ``x, y => a, b`` (one-way); ``#`` comments.
    Terms are folded like queries. A malformed line raises ValueError naming the line."""
    rules: list[Rule] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.count("=>") > 1:
            raise ValueError(f"thesaurus line {n}: more than one '=>'")
        left, _, right = line.partition("=>")
        sources = _terms(left)
        targets = _terms(right) if "=>" in line else sources
        if not sources or not targets or ("=>" not in line and len(sources) < 2):
            raise ValueError(f"thesaurus line {n}: needs two terms or 'a => b': {raw!r}")
        rules.append(Rule(sources, targets))
    return Thesaurus(tuple(rules))


def _terms(part: str) -> tuple[str, ...]:
    out: list[str] = []
    for t in part.split(","):
        f = fold(t).strip().lower()
        if f and f not in out:
            out.append(f)
    return tuple(out)


@lru_cache(maxsize=4)
def load(path: Path = DEFAULT_PATH) -> Thesaurus:
    return parse(path.read_text(encoding="utf-8"))
