"""Records produced by ingest: documents, initiatives, sections, chunks.

Offsets (`char_start`/`char_end`) always refer to the *original* document text, so
`original[char_start:char_end]` quotes the source exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Span = tuple[int, int]


@dataclass(frozen=True)
class DocumentMeta:
    """One manifest entry."""

    id: str
    city: str
    title: str
    kind: str
    fiscal_years: tuple[int, ...]
    file: str
    source_url: str | None = None
    parser: str | None = None
    published: str | None = None
    structure: dict[str, Any] | None = field(default=None, hash=False)  # recognizer options (a Profile)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fiscal_years"] = list(self.fiscal_years)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "DocumentMeta":
        return cls(**{**d, "fiscal_years": tuple(d["fiscal_years"])})


@dataclass(frozen=True)
class Rating:
    """An evaluation as printed (S/A/B/C, ...) for a fiscal year (Western year, e.g. 2022)."""

    year: int | None
    value: str
    label: str = ""  # what was rated when a document rates several things ("個別評価", ...)


@dataclass
class Initiative:
    """One numbered initiative (取組項目, プログラム, 実施項目, ...) of one document.

    `spans` are original-text ranges of everything that belongs to it (its block in the
    list, an evaluation sheet elsewhere, ...); `heading_path` is outermost first.
    """

    id: str
    document_id: str
    city: str
    number: str
    title: str
    heading_path: list[str]
    departments: list[str] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    status: str = ""
    spans: list[Span] = field(default_factory=list)
    repeat_of: str | None = None  # id of the initiative this (再掲) entry repeats
    parent_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def department(self) -> str:
        return "・".join(self.departments)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["department"] = self.department
        d["spans"] = [list(s) for s in self.spans]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Initiative":
        d = dict(d)
        d.pop("department", None)
        d["ratings"] = [Rating(**r) for r in d.get("ratings", [])]
        d["spans"] = [tuple(s) for s in d.get("spans", [])]
        return cls(**d)


@dataclass
class Section:
    """Text outside initiatives (introduction, indicators, glossary...), kept searchable."""

    id: str
    document_id: str
    title: str
    heading_path: list[str]
    spans: list[Span]
    kind: str = "section"  # "section" | "indicator" | "glossary" | ...
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["spans"] = [list(s) for s in self.spans]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Section":
        d = dict(d)
        d["spans"] = [tuple(s) for s in d.get("spans", [])]
        return cls(**d)


@dataclass
class ParsedDocument:
    """What a structure parser returns for one document."""

    initiatives: list[Initiative]
    sections: list[Section]


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage. `text` is the search form; the original is `source[char_start:char_end]`."""

    id: str
    document_id: str
    city: str
    initiative_id: str | None
    section_id: str | None
    heading_path: tuple[str, ...]
    title: str
    text: str
    char_start: int
    char_end: int
    ordinal: int
    page: int | None = None  # first page of the passage in a paged (PDF) original, else None
    page_end: int | None = None  # last page; > page when the passage runs over a page break

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["heading_path"] = list(self.heading_path)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Chunk":
        return cls(**{**d, "heading_path": tuple(d["heading_path"])})
