"""Rank fusion and result shaping (pure functions)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def rrf(rankings: Sequence[tuple[Sequence[int], float]], k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: score(d) = sum_w w / (k + rank_d), rank from 1.

    Ties break on the smaller id, so results are deterministic.
    """
    scores: dict[int, float] = {}
    for ids, weight in rankings:
        if weight <= 0:
            continue
        for rank, doc in enumerate(ids, 1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def convex(rankings: Sequence[tuple[Sequence[tuple[int, float]], float]]) -> list[tuple[int, float]]:
    """Weighted sum of min-max normalized scores (convex combination fusion, Bruch et al. 2022).

    Each list's scores are scaled to [0, 1] over that list (a list whose scores are all equal
    counts 1); a document missing from a list gets 0 there. Unlike RRF it keeps how far apart
    scores are, not only their order. Ties break on the smaller id.
    """
    scores: dict[int, float] = {}
    for pairs, weight in rankings:
        if weight <= 0 or not pairs:
            continue
        hi = max(v for _, v in pairs)
        lo = min(v for _, v in pairs)
        for doc, v in pairs:
            scores[doc] = scores.get(doc, 0.0) + weight * ((v - lo) / (hi - lo) if hi > lo else 1.0)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def top_k(scores: "Sequence[float]", allowed: "Sequence[bool] | None", n: int, min_score: float = 0.0) -> list[tuple[int, float]]:
    """Ids of the n best scores above min_score (optionally masked), ties on the smaller id."""
    import numpy as np

    arr = np.asarray(scores, dtype=np.float64)
    if allowed is not None:
        arr = np.where(np.asarray(allowed), arr, -np.inf)
    candidates = np.flatnonzero(arr > min_score)
    if candidates.size == 0:
        return []
    if candidates.size > n:
        kth = np.partition(arr[candidates], -n)[-n]
        candidates = candidates[arr[candidates] >= kth]
    order = np.lexsort((candidates, -arr[candidates]))
    best = candidates[order[:n]]
    return [(int(i), float(arr[i])) for i in best]


def char_ngrams(text: str, n: int = 3) -> set[str]:
    t = "".join(text.split())
    return {t[i : i + n] for i in range(max(1, len(t) - n + 1))}


def near_duplicate(a: set[str], b: set[str], threshold: float = 0.8) -> bool:
    """Containment of the smaller n-gram set in the larger one."""
    if not a or not b:
        return False
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) >= threshold


def adaptive_weights(lexical_weight: float, dense_weight: float, match_share: float, floor: float) -> tuple[float, float]:
    """Per-query fusion weights: the lexical side keeps its weight when one passage holds all of the
    query's words (IDF-weighted `match_share` 1) and falls linearly to `floor` x its weight when
    none does; the dense side keeps its own. `floor` 1 is the fixed global weighting."""
    share = min(1.0, max(0.0, match_share))
    return lexical_weight * (floor + (1.0 - floor) * share), dense_weight


def rocchio(query: "np.ndarray", feedback: "np.ndarray", beta: float) -> "np.ndarray":
    """Dense pseudo-relevance feedback: unit(query + beta * mean of the feedback vectors).

    With no feedback rows or beta 0 the query is returned unchanged."""
    import numpy as np

    q = np.asarray(query, dtype=np.float32).reshape(-1)
    if beta <= 0 or len(feedback) == 0:
        return q
    moved = q + beta * np.asarray(feedback, dtype=np.float32).reshape(len(feedback), -1).mean(axis=0)
    norm = float(np.linalg.norm(moved))
    return moved / norm if norm > 0 else q


def feedback_terms(docs: "Sequence[Sequence[str]]", idf: "Callable[[str], float]", exclude: "set[str]",
                   n_terms: int, min_chars: int = 2) -> list[tuple[str, float]]:
    """RM3-style expansion terms from feedback passages (token lists, best first): each term's
    relevance-model weight sum_d P(t|d) / rank_d, times its IDF; the `n_terms` best, not in `exclude`,
    of at least `min_chars` characters, with weights scaled so the best is 1. Ties by term."""
    weight: dict[str, float] = {}
    for rank, toks in enumerate(docs, 1):
        if not toks:
            continue
        for t in set(toks):
            if t in exclude or len(t) < min_chars:
                continue
            weight[t] = weight.get(t, 0.0) + toks.count(t) / len(toks) / rank
    scored = sorted(((t, w * idf(t)) for t, w in weight.items()), key=lambda kv: (-kv[1], kv[0]))[:n_terms]
    if not scored or scored[0][1] <= 0:
        return []
    top = scored[0][1]
    return [(t, w / top) for t, w in scored if w > 0]
