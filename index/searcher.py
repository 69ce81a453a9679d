"""The Searcher facade: the only way the CLI, API and eval reach the index.

Loading is :mod:`index.loading`, filters :mod:`index.filters`, ranking :mod:`index.ranking`,
hit shaping :mod:`index.shaping`, comparisons :mod:`index.comparison`; every public method
returns a result object of :mod:`index.results`.
"""

from __future__ import annotations

import logging
import time
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.batcher import QueryBatcher, query_batcher
from index.comparison import ComparisonMixin
from index.crosslingual import term_space
from index.filters import FilterSpace
from index.fusion import char_ngrams, near_duplicate
from index.highlight import search_form
from index.lexical import LexicalSide
from index.loading import load_parts
from index.ranking import RankingMixin
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
from index.sentences import flat_vectors
from index.sentences import load_view as load_sentence_view
from index.shaping import ShapingMixin
from index.store import Meta
from index.thesaurus import DEFAULT_PATH as THESAURUS, is_foreign, japanese_terms_of, load as load_thesaurus
from index.tokenize import JapaneseTokenizer, TokenizerSpec
from ingest.normalize import fold
from reform_search.settings import Settings

log = logging.getLogger("reform_search.index")


def limit_blas_threads(n: int) -> None:
    """Cap the OpenBLAS pools (numpy's, FAISS's) at `n` threads, process-wide; torch's own pool is untouched."""
    from threadpoolctl import ThreadpoolController

    ThreadpoolController().select(internal_api="openblas").limit(limits=n)


class Searcher(RankingMixin, ShapingMixin, ComparisonMixin):
    """Hybrid search over a built index: BM25 and dense (chunk and sentence vectors), fused as settings.fusion says."""

    def __init__(self, settings: Settings, index_dir: Path, manifest: dict[str, Any], meta: Meta, dense: Any,
                 bm25: Any, encoder: Any, batcher: QueryBatcher | None = None) -> None:
        self.settings = settings
        limit_blas_threads(settings.blas_threads)
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
        self.filters = FilterSpace(meta, self.tokenizer.place_readings)
        self.sentences = load_sentence_view(index_dir, manifest)
        self._chunk_matrix = flat_vectors(dense)
        self.cities, self.kinds = self.filters.cities, self.filters.kinds
        self.years, self.rating_values = self.filters.years, self.filters.rating_values

    @classmethod
    def open(cls, settings: Settings, index_dir: Path | None = None, encoder: Any = None,
             batcher: QueryBatcher | None = None) -> "Searcher":
        """Load and cross-check every part of the index; refuse one built with another model."""
        p = load_parts(settings, index_dir, encoder)
        return cls(settings, p.index_dir, p.manifest, p.meta, p.dense, p.bm25, p.encoder, batcher)

    @cached_property
    def folded_texts(self) -> list[str]:
        """Search form of every document, for whole-corpus substring checks."""
        return [fold(t) for t in self.meta.texts.values()]

    def validate(self, query: str, k: int, mode: str, filters: Filters) -> str:
        """The stripped query, or InvalidQuery naming what is wrong."""
        return self.filters.validate(query, k, mode, filters)

    def cities_named_in(self, query: str) -> tuple[str, ...]:
        return self.filters.cities_named_in(query)

    def encode_query(self, query: str) -> np.ndarray:
        """The query's vector, through the shared micro-batcher and its cache; an English question
        is embedded with the Japanese terms the thesaurus gives it (settings.translate_queries)."""
        return self.batcher.encode(self.lexical.dense_text(query) if self.translates(query) else query)

    def translates(self, query: str) -> bool:
        """Whether `query` is an English question this searcher embeds translated (settings.translate_queries)."""
        return self.settings.translate_queries and is_foreign(query)

    def searched_as(self, query: str, mode: str = "hybrid") -> list[str]:
        """What an English question was searched with, for showing: the Japanese terms of its
        thesaurus matches, then (when `mode` ranks by vectors) its nearest terms
        (:meth:`ranking_vector`, whose vector is cached by then); [] for any other query."""
        if not self.translates(query):
            return []
        terms = japanese_terms_of(self.lexical.expansions(query))
        if mode != "lexical":
            terms += [t for t in self._neighbours(query, self.encode_query(query)) if t not in terms]
        return terms

    def ranking_vector(self, query: str) -> np.ndarray:
        """The vector the dense side ranks with: :meth:`encode_query`'s, except that an English
        question also takes its nearest Japanese thesaurus terms (index.crosslingual;
        settings.translate_neighbours), which cover everyday words no rule has."""
        qvec = self.encode_query(query)
        terms = self._neighbours(query, qvec) if self.translates(query) else []
        return self.batcher.encode(f"{self.lexical.dense_text(query)} {' '.join(terms)}") if terms else qvec

    def _neighbours(self, query: str, qvec: np.ndarray) -> list[str]:
        """An English question's nearest Japanese thesaurus terms to `qvec` (its encode_query
        vector), those in the text it is embedded as left out; none with translate_neighbours 0."""
        k = self.settings.translate_neighbours
        return term_space(self).nearest(qvec, k, exclude=self.lexical.dense_text(query)) if k > 0 else []

    def close(self) -> None:
        """Stop the query encoder's worker (a searcher sharing it must not be used afterwards)."""
        self.batcher.close()
        log.info("query batcher: %s", self.batcher.describe())

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: Filters | None = None,
               collapse: bool = True, qvec: np.ndarray | None = None) -> SearchResult:
        """Top-k hits for `query`; hybrid over-fetches both sides and fuses them (settings.fusion).

        `qvec`: the query's vector if the caller already has it (:meth:`ranking_vector` of the validated
        query; for a Japanese one that is ``encode_query``'s, which the API's batcher path passes).
        """
        filters = filters or Filters()
        q = self.validate(query, k, mode, filters)
        t0 = time.perf_counter()
        ranking = self._rank(q, k, mode, filters, collapse, qvec)
        t = time.perf_counter()
        hits = self._hits(q, ranking, ranking.rows)
        ranking.timings["shape"] = (time.perf_counter() - t) * 1000
        return SearchResult(q, hits, (time.perf_counter() - t0) * 1000, ranking.timings)

    def _passage(self, row: int) -> str:
        c = self.meta.chunks[row]
        return f"{c.title}\n{c.text}" if c.title and c.title not in c.text else c.text

    def _hits(self, q: str, ranking: "_Ranking", rows: list[tuple[int, float]]) -> list[Hit]:
        terms = self.highlight_terms(q)
        out = []
        for row, score in rows:
            dense_score = ranking.den.get(row)
            if dense_score is None and ranking.qvec is not None:
                dense_score = self.dense_score(row, ranking.qvec)
            out.append(self.hit(row, score, dense_score, ranking.lex.get(row), terms))
        return out

    def dense_score(self, row: int, qvec: np.ndarray) -> float:
        return self.dense_scores([row], qvec)[0]

    def dense_scores(self, rows: list[int], qvec: np.ndarray) -> list[float]:
        """Cosines of chunks: one gather from a flat index's vectors, else one reconstruct each."""
        if not rows:
            return []
        if self._chunk_matrix is not None:
            return (self._chunk_matrix[rows] @ qvec.reshape(-1).astype(np.float32)).astype(np.float64).tolist()
        return [float(np.dot(self.dense.reconstruct(r), qvec)) for r in rows]

    def _original(self, row: int) -> str:
        c = self.meta.chunks[row]
        return self.meta.texts[c.document_id][c.char_start : c.char_end]
