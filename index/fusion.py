"""Rank fusion and result shaping (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence


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
