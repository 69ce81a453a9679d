"""Ranking metrics over chunking-independent judgments (pure functions).

A judgment is a distinctive substring of the relevant passage (a "nugget"); a hit matches
it when the substring occurs in the hit's folded, whitespace-free text. Each judgment earns
its gain once, at the first rank where it is found, so overlapping chunks of one passage
don't inflate scores; a hit that contains several judged passages earns all of them (the
reader sees them all). Because several nuggets may share a rank, DCG can exceed the
one-nugget-per-rank ideal; nDCG is capped at 1.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ingest.normalize import compact, fold


@dataclass(frozen=True)
class Judgment:
    doc: str
    match: str
    grade: int

    @property
    def key(self) -> str:
        return compact(self.match)


def gains(hit_texts: Sequence[tuple[str, str]], judgments: Sequence[Judgment]) -> list[list[int]]:
    """For each hit (document_id, text): indexes of the judgments it satisfies."""
    keys = [(j.doc, j.key) for j in judgments]
    out = []
    for doc_id, text in hit_texts:
        t = compact(text)
        out.append([n for n, (d, key) in enumerate(keys) if d == doc_id and key and key in t])
    return out


def quote_grade(doc_id: str, quote: str, judgments: Sequence[Judgment], min_overlap: int = 12) -> int:
    """Best grade of a judged passage a quoted sentence overlaps: the judgment's nugget and the
    quote share a run of at least `min_overlap` characters (the whole nugget if shorter), in the
    same document. A sentence is often shorter than its passage's nugget, or cuts it in two."""
    from difflib import SequenceMatcher

    t = compact(quote)
    best = 0
    for j in judgments:
        if j.doc != doc_id or not j.key or j.grade <= best:
            continue
        m = SequenceMatcher(None, j.key, t, autojunk=False).find_longest_match(0, len(j.key), 0, len(t))
        if m.size >= min(len(j.key), min_overlap):
            best = j.grade
    return best


def ndcg_at_k(matches: list[list[int]], judgments: Sequence[Judgment], k: int = 10) -> float:
    credited: set[int] = set()
    dcg = 0.0
    for rank, ms in enumerate(matches[:k], 1):
        for m in ms:
            if m not in credited:
                credited.add(m)
                dcg += (2 ** judgments[m].grade - 1) / math.log2(rank + 1)
    ideal = sorted((j.grade for j in judgments), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(r + 1) for r, g in enumerate(ideal, 1))
    return min(1.0, dcg / idcg) if idcg > 0 else 0.0


def recall_at_k(matches: list[list[int]], judgments: Sequence[Judgment], k: int = 10) -> float:
    if not judgments:
        return 0.0
    found = {m for ms in matches[:k] for m in ms}
    return len(found) / len(judgments)


def mrr(matches: list[list[int]], k: int | None = None) -> float:
    for rank, ms in enumerate(matches[:k] if k else matches, 1):
        if ms:
            return 1.0 / rank
    return 0.0


def named_cities(query: str, cities: Sequence[str]) -> list[str]:
    """The cities of a query's list that its text names (小平市 or 小平, or romanized: "Kodaira
    City"); a query that names none (各市の…, 市ごとに…) asks about every city, whatever list its
    writer guessed. The rule the server applies to a query (index.filters.city_named)."""
    from index.filters import city_named
    from index.romaji import latin_words

    folded = fold(query)
    words = latin_words(folded)
    keys = _romanized(tuple(cities)) if words else {}
    return [c for c in cities if city_named(folded, words, c, keys.get(c, ()))]


@functools.lru_cache(maxsize=64)
def _romanized(cities: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    from index.romaji import place_keys
    from index.tokenize import JapaneseTokenizer

    tokenizer = JapaneseTokenizer()
    return place_keys((c, tokenizer.place_readings(c)) for c in cities)


def judged_cities(named: Sequence[str], judgments: Sequence[Judgment], doc_city: Mapping[str, str]) -> list[str]:
    """The cities a cross-city query can be covered by: those it names (:func:`named_cities`)
    that hold a judged passage; with no names, every city that holds one.

    A query written blind may name a city whose documents say nothing on the topic (pooling over
    every system found no passage there); no ranking could cover it, so it is not expected."""
    held = {doc_city[j.doc] for j in judgments if j.doc in doc_city}
    return [c for c in dict.fromkeys(named) if c in held] if named else sorted(held)


def expected_cities(q: Any, doc_city: Mapping[str, str]) -> list[str]:
    """The cities a cross-city query `q` (an eval.queries.Query) expects: :func:`judged_cities`
    of the cities its text names."""
    return judged_cities(named_cities(q.query, q.cities), q.relevant, doc_city)


def city_coverage(hit_cities: Sequence[str], matches: list[list[int]], expected: Sequence[str], k: int = 10) -> float:
    """Share of the expected cities that have at least one *relevant* hit in the top k."""
    if not expected:
        return 0.0
    got = {c for c, ms in zip(hit_cities[:k], matches[:k]) if ms}
    return len(got & set(expected)) / len(set(expected))


def bootstrap_interval(values: Sequence[float], resamples: int = 2000, seed: int = 0,
                       level: float = 0.95) -> tuple[float, float, float]:
    """Mean of per-query `values` and its percentile bootstrap interval (resampling queries).

    For a paired comparison pass the per-query differences of two systems on the same queries.
    Seeded, so one run's interval is reproduced exactly by the next."""
    import numpy as np

    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(resamples, x.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return (float(x.mean()), float(lo), float(hi))


def within_budget(hits: Sequence[tuple[str, str]], budget: int) -> list[tuple[str, str]]:
    """The (document_id, text) hits a reader gets through with `budget` characters, in rank order,
    the last one cut short: nDCG over them compares systems whose passages differ in length
    (a longer passage can hold more judged nuggets, but costs more reading)."""
    out: list[tuple[str, str]] = []
    left = budget
    for doc, text in hits:
        if left <= 0:
            break
        out.append((doc, text[:left]))
        left -= len(text)
    return out
