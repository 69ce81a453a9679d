"""English questions over Japanese documents, beyond the thesaurus' exact rules.

The thesaurus (index.thesaurus.translation) turns the English words it has rules for into
Japanese terms. Everyday English that no rule covers still has a nearest official Japanese term
in the multilingual encoder's space: :class:`TermSpace` embeds every Japanese term of the
thesaurus once, and the ranking vector of an English question is that of the question plus its
nearest terms (settings.translate_neighbours). Only ranking uses it; answerability keeps the
plain vector its z-scores were calibrated on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from index.memo import PerSearcher
from index.thesaurus import has_japanese


def japanese_terms(rules: Sequence[Any]) -> list[str]:
    """Every term of the thesaurus rules (sources and targets) written in Japanese, sorted."""
    return sorted({t for r in rules for t in (*r.sources, *r.targets) if has_japanese(t)})


def nearest_terms(matrix: np.ndarray, terms: Sequence[str], qvec: np.ndarray, k: int,
                  exclude: str = "") -> list[str]:
    """The `k` terms whose vectors are nearest to `qvec` (ties by term), leaving out those already
    in `exclude` (the text the question is embedded as)."""
    if k <= 0 or not len(terms):
        return []
    sims = matrix @ np.asarray(qvec, dtype=np.float32).reshape(-1)
    order = sorted(range(len(terms)), key=lambda i: (-float(sims[i]), terms[i]))
    return [terms[i] for i in order if terms[i] not in exclude][:k]


class TermSpace:
    """The thesaurus' Japanese terms and their query vectors (about 1,500 terms, ~2 s to embed)."""

    def __init__(self, terms: Sequence[str], encoder: Any) -> None:
        self.terms = list(terms)
        vecs = encoder.encode_queries(self.terms, batch_size=64) if self.terms else np.zeros((0, 1))
        self.matrix = np.asarray(vecs, dtype=np.float32)

    def nearest(self, qvec: np.ndarray, k: int, exclude: str = "") -> list[str]:
        return nearest_terms(self.matrix, self.terms, qvec, k, exclude)


def _space(searcher: Any) -> TermSpace:
    thesaurus = searcher.lexical.thesaurus
    return TermSpace(japanese_terms(thesaurus.rules if thesaurus else ()), searcher.encoder)


# Embedded on the searcher's first English question (index.memo). The one batch runs on the calling
# thread, not the query batcher's worker: 1,500 terms would evict every cached query vector, and a
# `then` on the worker could wait on itself.
term_space: "PerSearcher[TermSpace]" = PerSearcher(_space)
