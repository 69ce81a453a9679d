"""The Searcher facade: the only way the CLI, API and eval reach the index."""

from __future__ import annotations

import logging
import time
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.batcher import QueryBatcher, query_batcher
from index.comparison import ComparisonMixin
from index.results import (  # noqa: F401 - the facade's result types are imported from here
    COMPARE_POOL,
    MAX_QUERY_CHARS,
    MODES,
    CityGroup,
    Filters,
    Hit,
    Mode,
    SearchResult,
    _Ranking,
)
from index.fusion import adaptive_weights, char_ngrams, feedback_terms, near_duplicate, rocchio, rrf, top_k
from index.highlight import search_form
from index.lexical import LexicalQuery, LexicalSide
from index.shaping import ShapingMixin
from index.store import BM25_DIR, FAISS_FILE, META_DB, Meta, read_manifest, read_meta
from index.thesaurus import DEFAULT_PATH as THESAURUS, load as load_thesaurus
from index.tokenize import JapaneseTokenizer, TokenizerSpec
from ingest.normalize import fold
from reform_search.errors import IndexError_, IndexMismatch, InvalidQuery
from reform_search.limits import SEARCH_K_MAX
from reform_search.settings import Settings

log = logging.getLogger("reform_search.index")


def _faiss_read(path: Path) -> Any:
    import faiss

    try:
        return faiss.read_index(str(path))
    except RuntimeError as e:
        raise IndexError_(f"{path} is corrupt or truncated ({e}); rebuild with `reform-search build`") from e


class Searcher(ShapingMixin, ComparisonMixin):
    """Hybrid (BM25 + dense, fused by RRF) search over a built index."""

    def __init__(self, settings: Settings, index_dir: Path, manifest: dict[str, Any], meta: Meta, dense: Any,
                 bm25: Any, encoder: Any, batcher: QueryBatcher | None = None) -> None:
        self.settings = settings
        self.index_dir = index_dir
        self.manifest = manifest
        self.meta = meta
        self.dense = dense
        self.bm25 = bm25
        self.encoder = encoder
        spec = manifest["tokenizer"]
        self.tokenizer = JapaneseTokenizer(TokenizerSpec(spec["form"], tuple(spec["drop_pos"])))
        self._vocab = bm25.vocab_dict
        self.lexical = LexicalSide(bm25, self.tokenizer, load_thesaurus(settings.thesaurus_path or THESAURUS))
        # Per-chunk derived forms are pure functions of the row: cache them across queries.
        self._grams = lru_cache(maxsize=50_000)(lambda row: char_ngrams(self.meta.chunks[row].text))
        # The near-duplicate test of two rows (a set intersection) was the costliest step of a search.
        self._dup = lru_cache(maxsize=100_000)(lambda a, b: near_duplicate(self._grams(a), self._grams(b)))
        self._mapped = lru_cache(maxsize=20_000)(lambda row: search_form(self._original(row)))
        self._tokens = lru_cache(maxsize=20_000)(lambda row: self.tokenizer.tokens(self._passage(row)))
        # Shared by every caller (API, UI, chat, MCP): concurrent queries are encoded in batches.
        self.batcher = batcher or query_batcher(settings, encoder)
        self._init_filters()

    # ---- loading -------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings, index_dir: Path | None = None, encoder: Any = None,
             batcher: QueryBatcher | None = None) -> "Searcher":
        """Load and cross-check every part of the index; refuse one built with another model."""
        import bm25s

        from index.model import encoder_from_settings, resolve_model

        from index.snapshots import SnapshotStore

        index_dir = index_dir or SnapshotStore(settings.index_dir).require_current()
        manifest = read_manifest(index_dir)
        spec = resolve_model(settings.model, settings.cache_dir, settings.query_prompt, settings.document_prompt)
        built = manifest["model"]
        if built["name"] != spec.name or built["query_prompt"] != spec.query_prompt:
            raise IndexMismatch(
                f"index at {index_dir} was built with model {built['name']!r} (query prompt "
                f"{built['query_prompt']!r}) but settings ask for {spec.name!r} ({spec.query_prompt!r}); "
                "rebuild with `reform-search build` or set REFORM_SEARCH_MODEL to the index's model"
            )
        current_tok = TokenizerSpec(manifest["tokenizer"]["form"], tuple(manifest["tokenizer"]["drop_pos"])).describe()
        if current_tok["dictionary_version"] != manifest["tokenizer"]["dictionary_version"]:
            raise IndexMismatch(
                f"index was tokenized with unidic-lite {manifest['tokenizer']['dictionary_version']}, "
                f"installed is {current_tok['dictionary_version']}; rebuild with `reform-search build`"
            )
        meta = read_meta(index_dir / META_DB)
        dense = _faiss_read(index_dir / FAISS_FILE)
        try:
            bm25 = bm25s.BM25.load(str(index_dir / BM25_DIR), show_progress=False)
        except (OSError, ValueError, KeyError) as e:
            raise IndexError_(f"BM25 index in {index_dir} is unreadable ({e}); rebuild with `reform-search build`") from e
        n = manifest["counts"]["chunks"]
        parts = {"metadata": len(meta.chunks), "faiss": dense.ntotal, "bm25": int(bm25.scores["num_docs"])}
        if any(v != n for v in parts.values()) or dense.d != built["dimension"]:
            raise IndexError_(
                f"index parts disagree with the manifest ({n} chunks, dimension {built['dimension']}): "
                f"{parts}, faiss dimension {dense.d}; rebuild with `reform-search build`"
            )
        if encoder is None:
            encoder = encoder_from_settings(settings)
        if encoder.dim != built["dimension"]:
            raise IndexMismatch(f"model dimension {encoder.dim} differs from the index's {built['dimension']}")
        return cls(settings, index_dir, manifest, meta, dense, bm25, encoder, batcher)

    @cached_property
    def folded_texts(self) -> list[str]:
        """Search form of every document, for whole-corpus substring checks."""
        return [fold(t) for t in self.meta.texts.values()]

    def _init_filters(self) -> None:
        docs = self.meta.documents
        chunks = self.meta.chunks
        self.cities = sorted({d["city"] for d in docs.values()})
        self.kinds = sorted({d["kind"] for d in docs.values()})
        self.years = sorted({y for d in docs.values() for y in d["fiscal_years"]})
        self.rating_values = sorted({r.value for i in self.meta.initiatives.values() for r in i.ratings})
        self._chunk_city = np.array([c.city for c in chunks], dtype=object)
        self._chunk_kind = np.array([docs[c.document_id]["kind"] for c in chunks], dtype=object)
        self._chunk_doc = [c.document_id for c in chunks]
        self._chunk_ratings = [
            {r.value for r in self.meta.initiatives[c.initiative_id].ratings} if c.initiative_id else set()
            for c in chunks
        ]

    # ---- validation ----------------------------------------------------------------------

    def validate(self, query: str, k: int, mode: str, filters: Filters) -> str:
        q = query.strip() if isinstance(query, str) else ""
        if not q:
            raise InvalidQuery("query is empty")
        if len(q) > MAX_QUERY_CHARS:
            raise InvalidQuery(f"query is {len(q)} characters; the limit is {MAX_QUERY_CHARS}")
        if not 1 <= k <= SEARCH_K_MAX:
            raise InvalidQuery(f"k must be between 1 and {SEARCH_K_MAX}, not {k}")
        if mode not in MODES:
            raise InvalidQuery(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        for name, values, allowed in (
            ("city", filters.city, self.cities),
            ("kind", filters.kind, self.kinds),
            ("fiscal_year", filters.fiscal_year, self.years),
            ("rating", filters.rating, self.rating_values),
        ):
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise InvalidQuery(
                    f"unknown {name} {', '.join(map(str, unknown))}; allowed: {', '.join(map(str, allowed))}"
                )
        return q

    def cities_named_in(self, query: str) -> tuple[str, ...]:
        """Corpus cities the query names (「昭島市の…」, also without 市: 「狛江の…」)."""
        folded = fold(query)
        return tuple(c for c in self.cities if c in folded or (len(c) > 2 and c.removesuffix("市") in folded))

    def _mask(self, f: Filters) -> np.ndarray | None:
        if not f.active():
            return None
        m = np.ones(len(self.meta.chunks), dtype=bool)
        if f.city:
            m &= np.isin(self._chunk_city, list(f.city))
        if f.kind:
            m &= np.isin(self._chunk_kind, list(f.kind))
        if f.fiscal_year:
            years = set(f.fiscal_year)
            ok_docs = {d for d, meta in self.meta.documents.items() if years & set(meta["fiscal_years"])}
            m &= np.array([d in ok_docs for d in self._chunk_doc], dtype=bool)
        if f.rating:
            wanted = set(f.rating)
            m &= np.array([bool(r & wanted) for r in self._chunk_ratings], dtype=bool)
        return m

    # ---- retrieval -----------------------------------------------------------------------

    def _lexical(self, query: str | LexicalQuery, n: int, mask: np.ndarray | None,
                 extra: list[tuple[str, float]] | None = None) -> list[tuple[int, float]]:
        """BM25 rows of the query, with its thesaurus expansions and `extra` (term, weight) feedback terms."""
        lq = self.lexical.parse(query) if isinstance(query, str) else query
        weight = self.settings.thesaurus_weight
        if not any(t in self._vocab for t in lq.tokens) and not (weight and lq.known_groups) and not extra:
            return []
        return top_k(self.lexical.scores(lq, weight, extra or ()), mask, n)

    def _dense(self, qvec: np.ndarray, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        import faiss

        from index.scale import search_params

        params = None
        if mask is not None:
            allowed = np.flatnonzero(mask).astype(np.int64)
            if allowed.size == 0:
                return []
            params = search_params(self.dense, faiss.IDSelectorBatch(allowed))  # IVF needs its own type
        n = min(n, self.dense.ntotal)
        scores, ids = self.dense.search(qvec.reshape(1, -1).astype(np.float32), n, params=params)
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]
        return sorted(pairs, key=lambda p: (-p[1], p[0]))

    def encode_query(self, query: str) -> np.ndarray:
        """The query's vector, through the shared micro-batcher and its cache."""
        return self.batcher.encode(query)

    def close(self) -> None:
        """Stop the query encoder's worker (a searcher sharing it must not be used afterwards)."""
        self.batcher.close()
        log.info("query batcher: %s", self.batcher.describe())

    def _rank(self, q: str, k: int, mode: str, filters: Filters, collapse: bool,
              qvec: np.ndarray | None = None) -> "_Ranking":
        """Ranked rows (no Hit objects yet): over-fetch each side, fuse, collapse, cover cities."""
        timings: dict[str, float] = {}
        if not filters.city and self.settings.implicit_city_filter:
            named = self.cities_named_in(q)
            if named:
                filters = Filters(named, filters.kind, filters.fiscal_year, filters.rating)
        mask = self._mask(filters)
        n_side = max(k * self.settings.overfetch, 50)
        lex: list[tuple[int, float]] = []
        den: list[tuple[int, float]] = []
        lq = self.lexical.parse(q)
        if mode in ("hybrid", "lexical"):
            t = time.perf_counter()
            lex = self._lexical(lq, n_side, mask)
            timings["lexical"] = (time.perf_counter() - t) * 1000
        if mode in ("hybrid", "dense"):
            if qvec is None:
                t = time.perf_counter()
                qvec = self.encode_query(q)
                timings["encode"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            den = self._dense(qvec, n_side, mask)
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
        return _Ranking(rows, dict(lex), dict(den), qvec, timings)

    def _fuse(self, lq: LexicalQuery, lex: list[tuple[int, float]], den: list[tuple[int, float]],
              qvec: np.ndarray | None, n_side: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """RRF of both sides, with weights adapted to the query (index.fusion.adaptive_weights); then,
        if on, a second round after pseudo-relevance feedback from the top fused passages
        (RM3 terms on the lexical side, Rocchio on the dense side)."""
        s = self.settings
        wl, wd = s.lexical_weight, s.dense_weight
        if s.adaptive_lexical_floor < 1:
            wl, wd = adaptive_weights(wl, wd, self.lexical.match_share(lq, mask), s.adaptive_lexical_floor)
        fused = rrf([([i for i, _ in lex], wl), ([i for i, _ in den], wd)], s.rrf_k)
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
        return rrf([([i for i, _ in lex], wl), ([i for i, _ in den], wd)], s.rrf_k)

    def _passage(self, row: int) -> str:
        c = self.meta.chunks[row]
        return f"{c.title}\n{c.text}" if c.title and c.title not in c.text else c.text

    def _hits(self, q: str, ranking: "_Ranking", rows: list[tuple[int, float]]) -> list[Hit]:
        terms = self.query_terms(q)
        out = []
        for row, score in rows:
            dense_score = ranking.den.get(row)
            if dense_score is None and ranking.qvec is not None:
                dense_score = self.dense_score(row, ranking.qvec)
            out.append(self.hit(row, score, dense_score, ranking.lex.get(row), terms))
        return out

    def dense_score(self, row: int, qvec: np.ndarray) -> float:
        return float(np.dot(self.dense.reconstruct(row), qvec))

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
               collapse: bool = True, qvec: np.ndarray | None = None) -> SearchResult:
        """Top-k hits for `query`; hybrid over-fetches both sides and fuses them by RRF.

        `qvec`: the query's vector if the caller already has it (``encode_query`` of the validated query).
        """
        filters = filters or Filters()
        q = self.validate(query, k, mode, filters)
        t0 = time.perf_counter()
        ranking = self._rank(q, k, mode, filters, collapse, qvec)
        t = time.perf_counter()
        hits = self._hits(q, ranking, ranking.rows)
        ranking.timings["shape"] = (time.perf_counter() - t) * 1000
        return SearchResult(q, hits, (time.perf_counter() - t0) * 1000, ranking.timings)

    # ---- shaping -------------------------------------------------------------------------

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

    def _original(self, row: int) -> str:
        c = self.meta.chunks[row]
        return self.meta.texts[c.document_id][c.char_start : c.char_end]
