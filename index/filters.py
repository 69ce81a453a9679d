"""The corpus's filter values (cities, kinds, years, ratings), query validation and row masks."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from index.results import MAX_QUERY_CHARS, MODES, Filters
from index.romaji import latin_words, names_place, place_keys
from index.store import Meta
from ingest.normalize import fold
from reform_search.errors import InvalidQuery
from reform_search.limits import SEARCH_K_MAX


def names_city(text: str, city: str) -> bool:
    """Whether `text` names `city`, in full or without its 市/町/村/区 (狛江 for 狛江市; never a
    one-character stem)."""
    return city in text or (len(city) > 2 and city[-1] in "市町村区" and city[:-1] in text)


def city_named(folded: str, words: list[str], city: str, keys: tuple[str, ...] = ()) -> bool:
    """Whether a folded query names `city` (:func:`names_city`) or, in its Latin word keys
    (index.romaji.latin_words), one of the city's romanized `keys` ("Komae City")."""
    return names_city(folded, city) or any(names_place(words, k) for k in keys)


class FilterSpace:
    """What a served index can be filtered by, and the boolean row mask of a :class:`Filters`."""

    def __init__(self, meta: Meta, readings: Callable[[str], list[str]] | None = None) -> None:
        self.meta = meta
        docs, chunks = meta.documents, meta.chunks
        self.cities = sorted({d["city"] for d in docs.values()})
        self.kinds = sorted({d["kind"] for d in docs.values()})
        self.years = sorted({y for d in docs.values() for y in d["fiscal_years"]})
        self.rating_values = sorted({r.value for i in meta.initiatives.values() for r in i.ratings})
        # romanized names, so an English question naming "Komae City" is restricted like 狛江市の…
        self.latin_names = place_keys((c, readings(c)) for c in self.cities) if readings else {}
        self.chunk_city = np.array([c.city for c in chunks], dtype=object)
        self._chunk_kind = np.array([docs[c.document_id]["kind"] for c in chunks], dtype=object)
        self._chunk_doc = [c.document_id for c in chunks]
        self._chunk_ratings = [
            {r.value for r in meta.initiatives[c.initiative_id].ratings} if c.initiative_id else set()
            for c in chunks
        ]

    def validate(self, query: str, k: int, mode: str, filters: Filters) -> str:
        """The stripped query, or InvalidQuery naming what is wrong (and what is allowed)."""
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
        """Corpus cities the query names (「昭島市の…」, also without 市/町/村/区: 「狛江の…」, or
        romanized: "Komae City", "Nishi-Tokyo"; index.romaji)."""
        folded = fold(query)
        words = latin_words(folded) if self.latin_names else []
        return tuple(c for c in self.cities if city_named(folded, words, c, self.latin_names.get(c, ())))

    def mask(self, f: Filters) -> np.ndarray | None:
        """Rows the filters allow (None: no filter, every row)."""
        if not f.active():
            return None
        m = np.ones(len(self.meta.chunks), dtype=bool)
        if f.city:
            m &= np.isin(self.chunk_city, list(f.city))
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
