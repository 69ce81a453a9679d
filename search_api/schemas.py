"""Public API schemas: one per direction (requests in, responses out)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUERY = 1000


def _not_blank(v: str) -> str:
    if not v.strip():
        raise ValueError("must not be empty or whitespace")
    return v.strip()


class FiltersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    city: list[str] = Field(default_factory=list, max_length=50)
    kind: list[str] = Field(default_factory=list, max_length=20)
    fiscal_year: list[int] = Field(default_factory=list, max_length=50)
    rating: list[str] = Field(default_factory=list, max_length=20)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(max_length=MAX_QUERY, examples=["RPAの導入"])
    k: int = Field(default=10, ge=1, le=100)
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    filters: FiltersIn = Field(default_factory=FiltersIn)

    _q = field_validator("query")(_not_blank)


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(max_length=MAX_QUERY, examples=["ペーパーレス化の取組"])
    per_city: int = Field(default=3, ge=1, le=20)
    cities: list[str] | None = Field(default=None, max_length=50)
    filters: FiltersIn = Field(default_factory=FiltersIn)

    _q = field_validator("query")(_not_blank)


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=MAX_QUERY, examples=["RPAの導入でどれくらいの時間が削減されたか"])
    k: int = Field(default=8, ge=1, le=50)
    filters: FiltersIn = Field(default_factory=FiltersIn)

    _q = field_validator("question")(_not_blank)


class RatingOut(BaseModel):
    year: int | None
    value: str
    label: str = ""


class InitiativeRef(BaseModel):
    id: str
    number: str
    title: str
    department: str
    ratings: list[RatingOut]
    status: str = ""
    repeat_of: str | None = None


class SourceOut(BaseModel):
    file: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    page: int | None = Field(default=None, description="First page (1-based) of a paged (PDF) document; null otherwise")
    page_end: int | None = Field(default=None, description="Last page; greater than `page` when it runs over a page break")


class HitOut(BaseModel):
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
    text: str = Field(description="The original wording of the passage")
    highlights: list[tuple[int, int]] = Field(description="[start, end) spans of query terms in `text`")
    source: SourceOut
    page: int | None = Field(default=None, description="First page (1-based) of a paged (PDF) document; null otherwise")
    page_end: int | None = Field(default=None, description="Last page; greater than `page` when it runs over a page break")


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    results: list[HitOut]


class CityResults(BaseModel):
    city: str
    results: list[HitOut]


class CompareResponse(BaseModel):
    query: str
    took_ms: float
    cities: list[CityResults]


class AnswerLineOut(BaseModel):
    quote: str
    city: str
    document_id: str
    document_title: str
    initiative: InitiativeRef | None
    citation: int
    char_start: int
    char_end: int
    page: int | None = Field(default=None, description="Page (1-based) of the quote in a paged (PDF) document; null otherwise")
    page_end: int | None = Field(default=None, description="Last page; greater than `page` when it runs over a page break")


class AnswerResponse(BaseModel):
    question: str
    answerable: bool
    answer: str
    lines: list[AnswerLineOut]
    citations: list[HitOut]
    confidence: float
    mode: Literal["extractive", "generated"]
    took_ms: float


class InitiativeOut(InitiativeRef):
    city: str
    document_id: str
    document_title: str
    heading_path: list[str]
    departments: list[str]
    text: str = Field(description="Original text of every span, joined by blank lines")
    spans: list[tuple[int, int]]
    extra: dict[str, str]


class SimilarResponse(BaseModel):
    initiative_id: str
    took_ms: float
    results: list[HitOut]


class DocumentOut(BaseModel):
    id: str
    city: str
    title: str
    kind: str
    fiscal_years: list[int]
    file: str
    source_url: str | None
    initiatives: int
    sections: int
    chunks: int


class DocumentsResponse(BaseModel):
    documents: list[DocumentOut]


class ErrorBody(BaseModel):
    type: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = "reform-search"
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
