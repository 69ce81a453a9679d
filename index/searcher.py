"""The Searcher facade: the only way the CLI, API and eval reach the index."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from index.fusion import char_ngrams, near_duplicate, rrf, top_k
from index.highlight import highlight_spans, line_numbers, search_form
from index.store import BM25_DIR, FAISS_FILE, META_DB, Meta, read_manifest, read_meta
from index.tokenize import JapaneseTokenizer, TokenizerSpec
from ingest.normalize import fold
from reform_search.errors import IndexError_, IndexMismatch, InvalidQuery, NotFound
from reform_search.settings import Settings

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
MAX_QUERY_CHARS = 1000
COMPARE_POOL = 60  # ranked rows a comparison picks each city's best initiatives from


@dataclass(frozen=True)
class Filters:
    """Restrict results; empty tuples mean no restriction."""

    city: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    fiscal_year: tuple[int, ...] = ()
    rating: tuple[str, ...] = ()

    def active(self) -> bool:
        return bool(self.city or self.kind or self.fiscal_year or self.rating)


@dataclass
class Hit:
    """One result: a chunk with its document, initiative and exact source position."""

    row: int
    chunk_id: str
    score: float
    dense_score: float | None
    lexical_score: float | None
    city: str
    document_id: str
    document_title: str
    kind: str
    fiscal_year: list[int]
    heading_path: list[str]
    title: str
    initiative: dict[str, Any] | None
    section_id: str | None
    text: str
    search_text: str
    highlights: list[tuple[int, int]]
    source: dict[str, Any]
    page: int | None = None  # pages of a paged (PDF) original, else None
    page_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "score": round(self.score, 6),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 6),
            "lexical_score": None if self.lexical_score is None else round(self.lexical_score, 6),
            "city": self.city,
            "document_id": self.document_id,
            "document_title": self.document_title,
            "kind": self.kind,
            "fiscal_year": self.fiscal_year,
            "heading_path": self.heading_path,
            "title": self.title,
            "initiative": self.initiative,
            "section_id": self.section_id,
            "text": self.text,
            "search_text": self.search_text,
            "highlights": [list(h) for h in self.highlights],
            "source": self.source,
            "page": self.page,
            "page_end": self.page_end,
        }


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    took_ms: float
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Ranking:
    rows: list[tuple[int, float]]
    lex: dict[int, float]
    den: dict[int, float]
    qvec: np.ndarray | None
    timings: dict[str, float]


@dataclass
class CityGroup:
    city: str
    hits: list[Hit]
    best_score: float


def _faiss_read(path: Path) -> Any:
    import faiss

    try:
        return faiss.read_index(str(path))
    except RuntimeError as e:
        raise IndexError_(f"{path} is corrupt or truncated ({e}); rebuild with `reform-search build`") from e


class Searcher:
    """Hybrid (BM25 + dense, fused by RRF) search over a built index."""

    def __init__(self, settings: Settings, index_dir: Path, manifest: dict[str, Any], meta: Meta, dense: Any,
                 bm25: Any, encoder: Any) -> None:
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
        # Per-chunk derived forms are pure functions of the row: cache them across queries.
        self._grams = lru_cache(maxsize=50_000)(lambda row: char_ngrams(self.meta.chunks[row].text))
        self._mapped = lru_cache(maxsize=20_000)(lambda row: search_form(self._original(row)))
        self._encode_lock = threading.Lock()
        self._init_filters()

    # ---- loading -------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings, index_dir: Path | None = None, encoder: Any = None) -> "Searcher":
        """Load and cross-check every part of the index; refuse one built with another model."""
        import bm25s

        from index.model import load_encoder, resolve_model

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
            encoder = load_encoder(spec, threads=settings.torch_threads, dtype=settings.model_dtype)
        if encoder.dim != built["dimension"]:
            raise IndexMismatch(f"model dimension {encoder.dim} differs from the index's {built['dimension']}")
        return cls(settings, index_dir, manifest, meta, dense, bm25, encoder)

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
        if not 1 <= k <= 100:
            raise InvalidQuery(f"k must be between 1 and 100, not {k}")
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

    def _lexical(self, query: str, n: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        tokens = [t for t in self.tokenizer.tokens(query) if t in self._vocab]
        if not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        return top_k(scores, mask, n)

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
        # One forward pass at a time: concurrent requests would oversubscribe the cores.
        with self._encode_lock:
            return self.encoder.encode_queries([query])[0]

    def _rank(self, q: str, k: int, mode: str, filters: Filters, collapse: bool) -> "_Ranking":
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
        if mode in ("hybrid", "lexical"):
            t = time.perf_counter()
            lex = self._lexical(q, n_side, mask)
            timings["lexical"] = (time.perf_counter() - t) * 1000
        qvec = None
        if mode in ("hybrid", "dense"):
            t = time.perf_counter()
            qvec = self.encode_query(q)
            timings["encode"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            den = self._dense(qvec, n_side, mask)
            timings["dense"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        if mode == "hybrid":
            fused = rrf(
                [([i for i, _ in lex], self.settings.lexical_weight), ([i for i, _ in den], self.settings.dense_weight)],
                self.settings.rrf_k,
            )
        else:
            fused = lex or den
        ranked = self._collapsed(fused, max(k, self.settings.city_coverage_window), collapse)
        rows = self._cover_cities(ranked, k)
        timings["fuse"] = (time.perf_counter() - t) * 1000
        return _Ranking(rows, dict(lex), dict(den), qvec, timings)

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
               collapse: bool = True) -> SearchResult:
        """Top-k hits for `query`; hybrid over-fetches both sides and fuses them by RRF."""
        filters = filters or Filters()
        q = self.validate(query, k, mode, filters)
        t0 = time.perf_counter()
        ranking = self._rank(q, k, mode, filters, collapse)
        t = time.perf_counter()
        hits = self._hits(q, ranking, ranking.rows)
        ranking.timings["shape"] = (time.perf_counter() - t) * 1000
        return SearchResult(q, hits, (time.perf_counter() - t0) * 1000, ranking.timings)

    # ---- shaping -------------------------------------------------------------------------

    def _collapsed(self, fused: list[tuple[int, float]], limit: int, collapse: bool) -> list[tuple[int, float]]:
        """Fused rows minus near-duplicates and (再掲) repeats of a listed initiative."""
        out: list[tuple[int, float]] = []
        kept_grams: list[set[str]] = []
        kept_units: set[str] = set()
        for row, score in fused:
            if collapse:
                chunk = self.meta.chunks[row]
                unit = self._canonical_unit(chunk)
                grams = self._grams(row)
                if any(near_duplicate(grams, g) for g in kept_grams):
                    continue
                if unit is not None and unit in kept_units and self._is_repeat(chunk):
                    continue
                kept_grams.append(grams)
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

    def query_terms(self, query: str) -> list[str]:
        """Folded content words of the query, for highlighting (single kana dropped)."""
        terms = []
        folded = fold(query)
        for _s, _e, _tok in self.tokenizer.spans(folded):
            surface = folded[_s:_e].lower()
            if len(surface) >= 2 or (surface and ord(surface[0]) >= 0x4E00):
                terms.append(surface)
        return sorted(set(terms), key=lambda t: (-len(t), t))

    def initiative_summary(self, initiative_id: str | None) -> dict[str, Any] | None:
        ini = self.meta.initiatives.get(initiative_id or "")
        if ini is None:
            return None
        return {
            "id": ini.id,
            "number": ini.number,
            "title": ini.title,
            "department": ini.department,
            "ratings": [{"year": r.year, "value": r.value, "label": r.label} for r in ini.ratings],
            "status": ini.status,
            "repeat_of": ini.repeat_of,
        }

    def hit(self, row: int, score: float, dense_score: float | None, lexical_score: float | None,
            terms: list[str]) -> Hit:
        chunk = self.meta.chunks[row]
        doc = self.meta.documents[chunk.document_id]
        original = self.meta.texts[chunk.document_id]
        text = original[chunk.char_start : chunk.char_end]
        line_start, line_end = line_numbers(original, chunk.char_start, chunk.char_end)
        return Hit(
            row=row,
            chunk_id=chunk.id,
            score=score,
            dense_score=dense_score,
            lexical_score=lexical_score,
            city=chunk.city,
            document_id=chunk.document_id,
            document_title=doc["title"],
            kind=doc["kind"],
            fiscal_year=list(doc["fiscal_years"]),
            heading_path=list(chunk.heading_path),
            title=chunk.title,
            initiative=self.initiative_summary(chunk.initiative_id),
            section_id=chunk.section_id,
            text=text,
            search_text=chunk.text,
            highlights=highlight_spans(text, terms, self._mapped(row)),
            source={
                "file": doc["file"],
                "char_start": chunk.char_start,
                "char_end": chunk.char_end,
                "line_start": line_start,
                "line_end": line_end,
                "page": chunk.page,
                "page_end": chunk.page_end,
            },
            page=chunk.page,
            page_end=chunk.page_end,
        )

    # ---- comparison ----------------------------------------------------------------------

    def compare(self, query: str, per_city: int = 3, cities: tuple[str, ...] = (), filters: Filters | None = None,
                min_dense: float | None = None) -> tuple[list[CityGroup], float]:
        """Best `per_city` initiatives of each city, cities ordered by their best match.

        A city whose best passage is weaker than `min_dense` (cosine) is left out rather
        than padded with noise.
        """
        t0 = time.perf_counter()
        filters = filters or Filters()
        if cities:
            filters = Filters(tuple(cities), filters.kind, filters.fiscal_year, filters.rating)
        if not 1 <= per_city <= 20:
            raise InvalidQuery(f"per_city must be between 1 and 20, not {per_city}")
        threshold = self.settings.compare_min_dense if min_dense is None else min_dense
        q = self.validate(query, COMPARE_POOL, "hybrid", filters)
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
        groups = {c: CityGroup(c, self._hits(q, ranking, rows), best[c]) for c, rows in picked.items()}
        ordered = sorted(groups.values(), key=lambda g: (-g.best_score, g.city))
        return ordered, (time.perf_counter() - t0) * 1000

    # ---- initiatives -----------------------------------------------------------------------

    def initiative(self, initiative_id: str) -> Any:
        ini = self.meta.initiatives.get(initiative_id)
        if ini is None:
            raise NotFound(f"no initiative {initiative_id!r}")
        return ini

    def initiative_text(self, initiative_id: str) -> str:
        ini = self.initiative(initiative_id)
        original = self.meta.texts[ini.document_id]
        return "\n\n".join(original[s:e] for s, e in ini.spans)

    def similar(self, initiative_id: str, k: int = 5) -> tuple[list[Hit], float]:
        """Comparable initiatives in *other* cities: nearest to the mean of its chunk vectors."""
        t0 = time.perf_counter()
        if not 1 <= k <= 50:
            raise InvalidQuery(f"k must be between 1 and 50, not {k}")
        ini = self.initiative(initiative_id)
        rows = [n for n, c in enumerate(self.meta.chunks) if c.initiative_id == initiative_id]
        if not rows:
            return [], (time.perf_counter() - t0) * 1000
        vec = np.mean([self.dense.reconstruct(r) for r in rows], axis=0)
        vec = (vec / (np.linalg.norm(vec) or 1.0)).astype(np.float32)
        mask = self._chunk_city != ini.city
        terms = self.query_terms(ini.title)
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
        return hits, (time.perf_counter() - t0) * 1000
