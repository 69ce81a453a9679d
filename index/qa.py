"""Question answering on top of the Searcher: extractive by default, optional LLM generation."""

from __future__ import annotations

import re
import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any

from index.answer import Sentence, is_comparison, pick, split_sentences
from index.answerability import answerability, evidence, weights_of
from index.answertype import asked_kind, gives
from index.memo import PerSearcher
from index.probes import cosine_shift
from index.results import WEAK_LABEL, InitiativeRef
from index.romaji import could_be_place, key, place_keys
from index.searcher import Filters, Hit, Searcher
from ingest.normalize import fold
from ingest.paging import page_label, pages_of

_PLACE = re.compile(r"([一-龥]{2,3}(?:市|区|町|村|府|県))(?![一-龥])")
# wider than _PLACE (日の出町, あきる野市): a name read here only makes an English question's place known
_MENTION = re.compile(r"([一-龥][一-龥ぁ-んァ-ヶ]{1,4}(?:市|区|町|村))")
_LATIN_PLACE = re.compile(r"\b([A-Z][a-z]+(?:[- ][A-Z][a-z]+)?)(?= (?:City|Town|Village|Ward)\b)")
NO_ANSWER = "該当する記述が見つかりませんでした。質問の言葉を変えるか、市や年度の絞り込みを外してお試しください。"


LEFT_OUT = "比較できる記述が見つからなかった市"


def weak_note(cities: list[str]) -> str:
    """A line naming a comparison's weakly matching cities, for answers that do not mark each line."""
    return f"\n（{WEAK_LABEL}: {'、'.join(cities)} は最も近い記述も関連が弱い）"


def left_out_note(cities: list[str]) -> str:
    """The closing line of a comparison answer naming the cities with nothing comparable."""
    return f"\n（{LEFT_OUT}: {'、'.join(cities)}）"


@dataclass
class AnswerLine:
    """One quoted sentence with where it comes from."""

    quote: str
    city: str
    document_id: str
    document_title: str
    initiative: InitiativeRef | None
    citation: int  # 1-based index into Answer.citations
    char_start: int
    char_end: int
    page: int | None = None  # page of the quote in a paged (PDF) original, else None
    page_end: int | None = None
    weak: bool = False  # a comparison's line for a city flagged as a weak match (CityGroup.weak)


@dataclass
class Answer:
    question: str
    answerable: bool
    answer: str
    lines: list[AnswerLine]
    citations: list[Hit]
    confidence: float
    took_ms: float
    mode: str = "extractive"
    extra: dict[str, Any] = field(default_factory=dict)
    retrieved: list[Hit] = field(default_factory=list)  # every hit the answer was drawn from


def confidence_of(hits: list[Hit]) -> float:
    """Evidence strength: the best dense cosine among the top hits (calibrated on eval)."""
    return max((h.dense_score or 0.0) for h in hits[:5]) if hits else 0.0


def _mentioned(searcher: Searcher) -> dict[str, frozenset[str]]:
    # every tail of a match (山梨県北杜市 also gives 北杜市): the regex cannot tell where a name starts
    places = {m[i:] for t in searcher.folded_texts for m in _MENTION.findall(t) for i in range(len(m) - 1)}
    names: dict[str, set[str]] = {}
    for place, keys in {**place_keys((p, searcher.tokenizer.place_readings(p)) for p in places),
                        **searcher.filters.latin_names}.items():  # the corpus's own cities too
        for k in keys:
            names.setdefault(k, set()).add(place)
    return {k: frozenset(v) for k, v in names.items()}


# Romanized keys (index.romaji) of every municipality the corpus mentions, each with its Japanese
# names (kunitachi → 国立市), so an English question naming one is judged as its Japanese twin
# would be; built once per searcher.
mentioned_places: "PerSearcher[dict[str, frozenset[str]]]" = PerSearcher(_mentioned)

# Stems of 市/区/町/村 words that name no one municipality (近隣市, 中核市, 区市町村)
_GENERIC = frozenset("近隣 周辺 類似 中核 政令 指定 隣接 特別 区市町 市町 他 各 全 本 当 同".split())


def outside_places(searcher: Searcher, question: str) -> list[str]:
    """Municipalities the question names that the corpus mentions but holds no documents of, in
    Japanese (国立市, named in a list of neighbouring mayors; 調布市, a partner of 狛江市's film
    commission; "Kunitachi City" too): an answer about one must quote a passage naming it."""
    folded = fold(question)
    cities = set(searcher.filters.cities)
    out = [p for p in dict.fromkeys(_PLACE.findall(folded))
           if p not in cities and p[:-1] not in _GENERIC and any(p in t for t in searcher.folded_texts)]
    names = mentioned_places(searcher)
    for p in dict.fromkeys(_LATIN_PLACE.findall(folded)):
        last = p.replace("-", " ").split()[-1]
        k = next((k for k in (key(p), key(last)) if k in names), None)
        if k and not names[k] & cities:
            out += [n for n in sorted(names[k]) if n not in out]
    return out


def unknown_places(question: str, folded_texts: list[str], latin_names: Collection[str] = ()) -> list[str]:
    """Municipalities named in the question that no document mentions (e.g. 三鷹市), or, in Latin
    script, a "Mitaka City" whose name is none of `latin_names` (:func:`mentioned_places`)."""
    folded = fold(question)
    out = [p for p in dict.fromkeys(_PLACE.findall(folded)) if not any(p in t for t in folded_texts)]
    known = set(latin_names)
    for p in dict.fromkeys(_LATIN_PLACE.findall(folded)):
        last = p.replace("-", " ").split()[-1]  # "In Nishitokyo City" matches two capitalized words
        if could_be_place(last) and key(p) not in known and key(last) not in known:  # not "Which City"
            out.append(p)
    return out


def _line(sentence: Sentence, hits: list[Hit], cited: list[Hit], texts: dict[str, str]) -> AnswerLine:
    hit = hits[sentence.hit_index]
    if hit not in cited:
        cited.append(hit)
    page, page_end = pages_of(texts[hit.document_id], sentence.start, sentence.end) if hit.page else (None, None)
    return AnswerLine(
        quote=sentence.quote,
        city=hit.city,
        document_id=hit.document_id,
        document_title=hit.document_title,
        initiative=hit.initiative,
        citation=cited.index(hit) + 1,
        char_start=sentence.start,
        char_end=sentence.end,
        page=page,
        page_end=page_end,
    )


def _label(line: AnswerLine) -> str:
    where = line.initiative.label if line.initiative else line.document_title
    return f"{line.city}「{where}」{page_label(line.page, line.page_end)}"


def extractive_answer(searcher: Searcher, question: str, k: int = 8, filters: Filters | None = None,
                      min_confidence: float | None = None, min_support: float | None = None) -> Answer:
    """Quote the sentences that answer `question`; one line per city for comparison questions.

    Refused (NO_ANSWER) when no sentence is found, a municipality the corpus does not know is
    named, the best cosine is under `min_confidence`, the answerability of the evidence
    (index/answerability.py) is under `min_support`, or the question asks for a value (いくら,
    何人, how many; index/answertype.py) that no quote gives. A question naming a municipality the
    corpus only mentions (:func:`outside_places`) is quoted from passages naming it, or refused.
    `confidence` is that answerability.
    """
    t0 = time.perf_counter()
    cfg = searcher.settings
    floor = (cfg.answer_min_confidence + cosine_shift(searcher, question)) if min_confidence is None else min_confidence
    threshold = cfg.answer_min_support if min_support is None else min_support
    terms = searcher.query_terms(question)
    cited: list[Hit] = []
    lines: list[AnswerLine] = []
    left_out: list[str] = []
    comparing = is_comparison(question)
    if comparing:
        comparison = searcher.compare(question, per_city=2, filters=filters)
        groups, left_out = comparison.groups, comparison.without_match
        hits = [h for g in groups for h in g.hits]
        start = 0
        for g in groups:
            cands = [s for n, h in enumerate(g.hits, start) for s in split_sentences(n, h.text, h.source.char_start)]
            start += len(g.hits)
            lines.extend(replace(_line(s, hits, cited, searcher.meta.texts), weak=g.weak)
                         for s in pick(cands, terms, question, limit=1))
    else:
        hits = searcher.search(question, k=k, filters=filters).hits
        outside = outside_places(searcher, question)
        quotable = ([n for n, h in enumerate(hits) if any(p in fold(h.text) for p in outside)] if outside
                    else range(min(5, len(hits))))
        cands = [s for n in quotable[:5] for s in split_sentences(n, hits[n].text, hits[n].source.char_start)]
        lines = [_line(s, hits, cited, searcher.meta.texts) for s in pick(cands, terms, question, limit=3)]
    ev = evidence(searcher, question, hits, filters)
    support = round(answerability(ev, weights_of(cfg)), 4)
    extra: dict[str, Any] = {"evidence": ev.as_dict()}
    kind = None if comparing else asked_kind(question)  # a comparison quotes one line per city
    if kind:
        extra["asked_value"] = {"kind": kind, "given": any(gives(kind, ln.quote) for ln in lines)}
    answerable = (bool(lines) and confidence_of(hits) >= floor and support >= threshold
                  and not (kind and not extra["asked_value"]["given"])
                  and not unknown_places(question, searcher.folded_texts, mentioned_places(searcher)))
    if not answerable:
        return Answer(question, False, NO_ANSWER, [], [], support, (time.perf_counter() - t0) * 1000,
                      extra=extra, retrieved=hits)
    text = "\n".join(f"- {_label(ln)}{f'（{WEAK_LABEL}）' if ln.weak else ''}: {ln.quote} [{ln.citation}]"
                     for ln in lines)
    if left_out:  # a comparison says which cities had nothing comparable rather than hiding them
        text += left_out_note(left_out)
        extra["cities_without_match"] = left_out
    return Answer(question, True, text, lines, cited, support, (time.perf_counter() - t0) * 1000,
                  extra=extra, retrieved=hits)
