"""Comparing cities and finding similar initiatives in other cities."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from index.answerability import answerability, evidence, weights_of
from index.probes import cosine_shift
from index.results import COMPARE_POOL, CityGroup, Comparison, Filters, Hit, SimilarResult
from ingest.records import Initiative
from reform_search.errors import InvalidQuery, NotFound
from reform_search.limits import PER_CITY_MAX, SIMILAR_K_MAX


def strong_cities(best: dict[str, float], share: float) -> set[str]:
    """Cities whose best score is at least `share` of the best city's (fused scores have no
    absolute scale, so the bar is relative to this query's best); all of them for share 0 or
    when the best score is not positive (no scale to be relative to)."""
    top = max(best.values(), default=0.0)
    if share <= 0 or top <= 0:
        return set(best)
    return {c for c, v in best.items() if v >= share * top}


def mark_strength(groups: list[CityGroup], weak_share: float) -> None:
    """Each group's best score as a share of the best group's, and whether that is under
    `weak_share` (a weak match: still shown, so a reader sees what little there is, but flagged)."""
    top = max((g.best_score for g in groups), default=0.0)
    for g in groups:
        g.strength = round(min(1.0, max(0.0, g.best_score / top)), 4) if top > 0 else 1.0
        g.weak = weak_share > 0 and g.strength < weak_share


class ComparisonMixin:
    """compare / initiative / similar for :class:`index.searcher.Searcher`."""

    meta: Any

    def compare(self, query: str, per_city: int = 3, cities: tuple[str, ...] = (), filters: Filters | None = None,
                min_dense: float | None = None, min_support: float | None = None,
                min_share: float | None = None) -> Comparison:
        """Best `per_city` initiatives of each city, cities ordered by their best match.

        Passages weaker than `min_dense` (cosine) are no candidates. A city whose best passage
        scores under `min_share` of the best city's best, or whose passages' answerability
        (index/answerability.py, on that city's documents) is under `min_support`, is left out
        rather than padded with noise. The share bar applies only to an open comparison under
        convex fusion (where it was measured): cities asked for by `cities`, a city filter or by
        name in the query are exempt from it (not from the other two). `without_match` lists the
        cities compared (those asked for, else all) that got no group.
        """
        t0 = time.perf_counter()
        filters = filters or Filters()
        if cities:  # they replace filters.city, whose values must still be known ones
            self.validate(query, COMPARE_POOL, "hybrid", filters)
            filters = Filters(tuple(cities), filters.kind, filters.fiscal_year, filters.rating)
        if not 1 <= per_city <= PER_CITY_MAX:
            raise InvalidQuery(f"per_city must be between 1 and {PER_CITY_MAX}, not {per_city}")
        q = self.validate(query, COMPARE_POOL, "hybrid", filters)
        threshold = (self.settings.compare_min_dense + cosine_shift(self, q)) if min_dense is None else min_dense
        ranking = self._rank(q, COMPARE_POOL, "hybrid", filters, collapse=True)
        picked: dict[str, list[tuple[int, float]]] = {}
        best: dict[str, float] = {}
        seen_units: set[str] = set()
        for row, score in ranking.rows:
            chunk = self.meta.chunks[row]
            unit = self._unit_key(chunk)
            if unit in seen_units:
                continue
            dense = ranking.den.get(row)
            if dense is None and ranking.qvec is not None:
                dense = self.dense_score(row, ranking.qvec)
            if (dense or 0.0) < threshold:
                continue
            seen_units.add(unit)
            rows = picked.setdefault(chunk.city, [])
            best.setdefault(chunk.city, score)
            if len(rows) < per_city:
                rows.append((row, score))
        share = self.settings.compare_min_share if min_share is None else min_share
        asked = self.asked_cities(q, filters)
        # shares of RRF scores say little (rank-based: the 10th city still scores near the 1st), so
        # both the share bar and the weak flag apply under convex fusion only
        convex = self.settings.fusion == "convex"
        if not asked and convex:
            strong = strong_cities(best, share)
            picked = {c: rows for c, rows in picked.items() if c in strong}
        support = self.settings.compare_min_support if min_support is None else min_support
        weights = weights_of(self.settings)
        groups = []
        for c, rows in picked.items():
            hits = self._hits(q, ranking, rows)
            if support <= 0:  # omission off: skip the evidence's two extra searches per city
                groups.append(CityGroup(c, hits, best[c]))
                continue
            p = answerability(evidence(self, q, hits, filters, city=c), weights)
            if p >= support:
                groups.append(CityGroup(c, hits, best[c], round(p, 4)))
        ordered = sorted(groups, key=lambda g: (-g.best_score, g.city))
        mark_strength(ordered, self.settings.compare_weak_share if convex else 0.0)
        scope = asked or tuple(self.filters.cities)
        missing = sorted(set(scope) - {g.city for g in ordered})
        return Comparison(q, ordered, (time.perf_counter() - t0) * 1000, missing)

    # ---- initiatives -----------------------------------------------------------------------

    def initiative(self, initiative_id: str) -> Initiative:
        ini = self.meta.initiatives.get(initiative_id)
        if ini is None:
            raise NotFound(f"no initiative {initiative_id!r}")
        return ini

    def initiative_text(self, initiative_id: str) -> str:
        ini = self.initiative(initiative_id)
        original = self.meta.texts[ini.document_id]
        return "\n\n".join(original[s:e] for s, e in ini.spans)

    def similar(self, initiative_id: str, k: int = 5) -> SimilarResult:
        """Comparable initiatives in *other* cities: nearest to the mean of its chunk vectors."""
        t0 = time.perf_counter()
        if not 1 <= k <= SIMILAR_K_MAX:
            raise InvalidQuery(f"k must be between 1 and {SIMILAR_K_MAX}, not {k}")
        ini = self.initiative(initiative_id)
        rows = [n for n, c in enumerate(self.meta.chunks) if c.initiative_id == initiative_id]
        if not rows:
            return SimilarResult(initiative_id, [], (time.perf_counter() - t0) * 1000)
        vec = np.mean([self.dense.reconstruct(r) for r in rows], axis=0)
        vec = (vec / (np.linalg.norm(vec) or 1.0)).astype(np.float32)
        mask = self.filters.chunk_city != ini.city
        terms = self.highlight_terms(ini.title)
        hits: list[Hit] = []
        seen: set[str] = set()
        for row, score in self._dense(vec, k * 20, mask):
            chunk = self.meta.chunks[row]
            unit = self._unit_key(chunk)
            if unit in seen or chunk.initiative_id is None:
                continue
            seen.add(unit)
            hits.append(self.hit(row, score, score, None, terms))
            if len(hits) >= k:
                break
        return SimilarResult(initiative_id, hits, (time.perf_counter() - t0) * 1000)

