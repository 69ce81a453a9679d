"""What searches return: filters, hits, rankings, city groups (plain data)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from ingest.records import Rating
from reform_search.limits import QUERY_MAX_CHARS

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")
MAX_QUERY_CHARS = QUERY_MAX_CHARS  # the name the index uses (reform_search.limits)
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


def initiative_label(number: str, title: str) -> str:
    """「number title」 as lists and citations name an initiative (either part may be empty)."""
    return " ".join(x for x in (number, title) if x)


@dataclass(frozen=True)
class InitiativeRef:
    """The initiative a hit belongs to, as results show it (the API's JSON is :meth:`to_dict`)."""

    id: str
    number: str
    title: str
    department: str
    ratings: tuple[Rating, ...]
    status: str
    repeat_of: str | None

    @property
    def label(self) -> str:
        return initiative_label(self.number, self.title)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "number": self.number, "title": self.title, "department": self.department,
                "ratings": [asdict(r) for r in self.ratings], "status": self.status, "repeat_of": self.repeat_of}


@dataclass(frozen=True)
class SourceRef:
    """Where a hit's passage is in its original file: [char_start, char_end), 1-based lines, PDF pages."""

    file: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    page: int | None = None
    page_end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    initiative: InitiativeRef | None
    section_id: str | None
    text: str
    search_text: str
    highlights: list[tuple[int, int]]
    source: SourceRef
    page: int | None = None  # pages of a paged (PDF) original, else None
    page_end: int | None = None

    @property
    def label(self) -> str:
        """Its initiative's number and title, else the passage's own title."""
        return self.initiative.label if self.initiative else self.title

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
            "initiative": self.initiative.to_dict() if self.initiative else None,
            "section_id": self.section_id,
            "text": self.text,
            "search_text": self.search_text,
            "highlights": [list(h) for h in self.highlights],
            "source": self.source.to_dict(),
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


WEAK_LABEL = "関連弱"  # how a weak comparison match is marked to readers (UI, MCP text)


@dataclass
class CityGroup:
    city: str
    hits: list[Hit]
    best_score: float
    support: float | None = None  # answerability of the city's passages; None when omission is off
    strength: float = 1.0  # best_score as a share of the best city's (1.0 for the best city)
    weak: bool = False  # strength under the compare_weak_share setting: shown, but flagged


@dataclass
class Comparison:
    """Each city's best initiatives for a query, cities ordered by their best match."""

    query: str
    groups: list[CityGroup]
    took_ms: float
    without_match: list[str] = field(default_factory=list)  # cities compared that have no group, sorted


@dataclass
class SimilarResult:
    """Initiatives of other cities comparable to one initiative, nearest first."""

    initiative_id: str
    hits: list[Hit]
    took_ms: float
