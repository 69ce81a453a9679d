"""Ranking for :class:`index.searcher.Searcher`: both sides over-fetched, fused, collapsed, cities covered."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from index.fusion import adaptive_weights, convex, feedback_terms, rocchio, rrf, top_k
from index.lexical import LexicalQuery
from index.results import Filters, _Ranking


class RankingMixin:
    """Rows, not hits: the shaping step turns the ranked rows into :class:`index.results.Hit`."""

    settings: Any
    meta: Any
    dense: Any
    sentences: Any
    lexical: Any
    filters: Any

    def _lexical(self, query: str | LexicalQuery, n: int, mask: np.ndarray | None,
                 extra: list[tuple[str, float]] | None = None) -> list[tuple[int, float]]:
        """BM25 rows of the query, with its thesaurus expansions and `extra` (term, weight) feedback terms."""
        lq = self.lexical.parse(query) if isinstance(query, str) else query
        weight = self.settings.thesaurus_weight
        if not any(t in self._vocab for t in lq.tokens) and not (weight and lq.known_groups) and not extra:
            return []
        return top_k(self.lexical.scores(lq, weight, extra or ()), mask, n)

    def _dense(self, qvec: np.ndarray, n: int, mask: np.ndarray | None,
               cosines: dict[int, float] | None = None) -> list[tuple[int, float]]:
        """Nearest chunks by dense score: the chunk's cosine blended with its best sentence's
        (index.sentences) when the index has sentence vectors, else the cosine alone.
        `cosines` receives the chunks' own cosines (what thresholds and answerability read)."""
        import faiss

        from index.scale import search_params
        from index.sentences import blend

        params = None
        if mask is not None:
            allowed = np.flatnonzero(mask).astype(np.int64)
            if allowed.size == 0:
                return []
            params = search_params(self.dense, faiss.IDSelectorBatch(allowed))  # IVF needs its own type
        n = min(n, self.dense.ntotal)
        scores, ids = self.dense.search(qvec.reshape(1, -1).astype(np.float32), n, params=params)
        pairs = {int(i): float(s) for i, s in zip(ids[0], scores[0]) if i >= 0}
        weight = self.settings.sentence_weight
        if self.sentences is not None and weight > 0:
            per_chunk = self.sentences.per_chunk(qvec)
            if per_chunk is not None:
                extra = top_k(per_chunk, mask, n, min_score=-1.0)  # -1: a chunk without sentences
                more = [row for row, _ in extra if row not in pairs]
            else:
                more = [row for row in self.sentences.nearest_rows(qvec, n, mask) if row not in pairs]
            for row, cos in zip(more, self.dense_scores(more, qvec)):
                pairs[row] = cos
            if cosines is not None:
                cosines.update(pairs)
            rows = sorted(pairs)
            best = per_chunk[rows] if per_chunk is not None else self.sentences.best(rows, qvec)
            mixed = blend(np.array([pairs[r] for r in rows]), best, weight)
            pairs = dict(zip(rows, mixed.tolist()))
        elif cosines is not None:
            cosines.update(pairs)
        return sorted(pairs.items(), key=lambda p: (-p[1], p[0]))[:n]

    def asked_cities(self, q: str, filters: Filters) -> tuple[str, ...]:
        """The cities a query is restricted to: the filter's, else those it names when names
        filter (implicit_city_filter); () for every city."""
        if filters.city or not self.settings.implicit_city_filter:
            return filters.city
        return self.filters.cities_named_in(q)

    def _rank(self, q: str, k: int, mode: str, filters: Filters, collapse: bool,
              qvec: np.ndarray | None = None) -> _Ranking:
        """Ranked rows (no Hit objects yet): over-fetch each side, fuse, collapse, cover cities."""
        timings: dict[str, float] = {}
        asked = self.asked_cities(q, filters)
        if asked != filters.city:
            filters = Filters(asked, filters.kind, filters.fiscal_year, filters.rating)
        mask = self.filters.mask(filters)
        n_side = max(k * self.settings.overfetch, 50)
        lex: list[tuple[int, float]] = []
        den: list[tuple[int, float]] = []
        cosines: dict[int, float] = {}
        lq = self.lexical.parse(q)
        if mode in ("hybrid", "lexical"):
            t = time.perf_counter()
            lex = self._lexical(lq, n_side, mask)
            timings["lexical"] = (time.perf_counter() - t) * 1000
        if mode in ("hybrid", "dense"):
            if qvec is None:
                t = time.perf_counter()
                qvec = self.ranking_vector(q)
                timings["encode"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            den = self._dense(qvec, n_side, mask, cosines)
            timings["dense"] = (time.perf_counter() - t) * 1000
        else:
            qvec = None
        t = time.perf_counter()
        if mode == "hybrid":
            fused = self._fuse(lq, lex, den, qvec, n_side, mask)
        else:
            fused = lex or den
        ranked = self._collapsed(fused, max(k, self.settings.city_coverage_window), collapse)
        rows = self._cover_cities(ranked, k)
        timings["fuse"] = (time.perf_counter() - t) * 1000
        return _Ranking(rows, dict(lex), cosines, qvec, timings)

    def _fuse(self, lq: LexicalQuery, lex: list[tuple[int, float]], den: list[tuple[int, float]],
              qvec: np.ndarray | None, n_side: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Both sides fused (settings.fusion: convex or RRF, see _combine), with weights adapted to the
        query (index.fusion.adaptive_weights); then,
        if on, a second round after pseudo-relevance feedback from the top fused passages
        (RM3 terms on the lexical side, Rocchio on the dense side)."""
        s = self.settings
        wl, wd = s.lexical_weight, s.dense_weight
        if s.adaptive_lexical_floor < 1:
            wl, wd = adaptive_weights(wl, wd, self.lexical.match_share(lq, mask), s.adaptive_lexical_floor)
        fused = self._combine(lex, den, wl, wd)
        if not fused or not (s.lexical_prf_docs or (s.dense_prf_docs and qvec is not None)):
            return fused
        if s.lexical_prf_docs:
            docs = [self._tokens(row) for row, _ in fused[: s.lexical_prf_docs]]
            terms = feedback_terms(docs, self.lexical.idf, set(lq.tokens), s.lexical_prf_terms)
            lex = self._lexical(lq, n_side, mask, [(t, w * s.lexical_prf_weight) for t, w in terms])
        if s.dense_prf_docs and qvec is not None:
            rows = [row for row, _ in fused[: s.dense_prf_docs]]
            moved = rocchio(qvec, np.stack([self.dense.reconstruct(r) for r in rows]), s.dense_prf_beta)
            den = self._dense(moved, n_side, mask)
        return self._combine(lex, den, wl, wd)

    def _combine(self, lex: list[tuple[int, float]], den: list[tuple[int, float]], wl: float,
                 wd: float) -> list[tuple[int, float]]:
        if self.settings.fusion == "convex":
            return convex([(lex, wl), (den, wd)])
        return rrf([([i for i, _ in lex], wl), ([i for i, _ in den], wd)], self.settings.rrf_k)

    def _collapsed(self, fused: list[tuple[int, float]], limit: int, collapse: bool) -> list[tuple[int, float]]:
        """Fused rows minus near-duplicates and (再掲) repeats of a listed initiative."""
        out: list[tuple[int, float]] = []
        kept_rows: list[int] = []
        kept_units: set[str] = set()
        for row, score in fused:
            if collapse:
                chunk = self.meta.chunks[row]
                unit = self._canonical_unit(chunk)
                if any(self._dup(min(row, r), max(row, r)) for r in kept_rows):
                    continue
                if unit is not None and unit in kept_units and self._is_repeat(chunk):
                    continue
                kept_rows.append(row)
                if unit is not None:
                    kept_units.add(unit)
            out.append((row, score))
            if len(out) >= limit:
                break
        return out

    def _cover_cities(self, ranked: list[tuple[int, float]], k: int) -> list[tuple[int, float]]:
        """Top k, where a city missing from it but ranked within `city_coverage_window`
        takes the place of the lowest hit of the most repeated city (the head is untouched)."""
        top, rest = ranked[:k], ranked[k : self.settings.city_coverage_window]
        if not rest or k < 4:
            return top
        city = lambda row: self.meta.chunks[row].city  # noqa: E731
        present = [city(r) for r, _ in top]
        for row, score in rest:
            c = city(row)
            if c in present:
                continue
            counts = {x: present.count(x) for x in present}
            victims = [n for n in range(len(top) - 1, k // 2 - 1, -1) if counts[present[n]] > 1]
            if not victims:
                break
            n = victims[0]
            top[n] = (row, score)
            present[n] = c
        return top

    def _is_repeat(self, chunk: Any) -> bool:
        ini = self.meta.initiatives.get(chunk.initiative_id or "")
        return bool(ini and (ini.repeat_of or ini.extra.get("repeat")))

    def _canonical_unit(self, chunk: Any) -> str | None:
        ini = self.meta.initiatives.get(chunk.initiative_id or "")
        if ini is None:
            return None
        return ini.repeat_of or ini.id

    def _unit_key(self, chunk: Any) -> str:
        """What a comparison lists once: the (canonical) initiative, else the section or chunk."""
        return self._canonical_unit(chunk) or chunk.section_id or chunk.id
