"""Public API schemas: one per direction (requests in, responses out). Limits come from reform_search.limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from reform_search import limits

MAX_QUERY = limits.QUERY_MAX_CHARS


def refuse_blank(v: Any) -> Any:
    """A clear message for a blank text (the NON_BLANK pattern would say the same less readably)."""
    if isinstance(v, str) and not v.strip():
        raise ValueError("must not be empty or whitespace")
    return v


def refuse_coercion(v: Any) -> Any:
    """JSON integers only: pydantic would also take "10" and true, which the OpenAPI document calls invalid."""
    if isinstance(v, (str, bool)):
        raise ValueError("must be a JSON integer")
    return v


JsonInt = Annotated[int, BeforeValidator(refuse_coercion)]
# A query or question: 1..QUERY_MAX_CHARS characters, not blank (declared as minLength/maxLength/pattern),
# passed on without surrounding whitespace.
QueryText = Annotated[str, Field(min_length=1, max_length=limits.QUERY_MAX_CHARS, pattern=limits.NON_BLANK),
                      BeforeValidator(refuse_blank), AfterValidator(str.strip)]


class FiltersIn(BaseModel):
    """Values are checked against the served index; its OpenAPI document lists them as enums."""

    model_config = ConfigDict(extra="forbid")

    city: list[str] = Field(default_factory=list, max_length=limits.CITIES_MAX)
    kind: list[str] = Field(default_factory=list, max_length=limits.KINDS_MAX)
    fiscal_year: list[JsonInt] = Field(default_factory=list, max_length=limits.YEARS_MAX)
    rating: list[str] = Field(default_factory=list, max_length=limits.RATINGS_MAX)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: QueryText = Field(examples=["RPAの導入"])
    k: JsonInt = Field(default=limits.SEARCH_K_DEFAULT, ge=1, le=limits.SEARCH_K_MAX)
    mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    filters: FiltersIn = Field(default_factory=FiltersIn)


class CompareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: QueryText = Field(examples=["ペーパーレス化の取組"])
    per_city: JsonInt = Field(default=limits.PER_CITY_DEFAULT, ge=1, le=limits.PER_CITY_MAX)
    cities: list[str] | None = Field(default=None, max_length=limits.CITIES_MAX)
    filters: FiltersIn = Field(default_factory=FiltersIn)


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: QueryText = Field(examples=["RPAの導入でどれくらいの時間が削減されたか"])
    k: JsonInt = Field(default=limits.ANSWER_K_DEFAULT, ge=1, le=limits.ANSWER_K_MAX)
    filters: FiltersIn = Field(default_factory=FiltersIn)


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
    score: float = Field(
        description="Ranking score in the requested mode, comparable only within one response. hybrid: the fused score "
        "(REFORM_SEARCH_FUSION; convex = weighted sum of min-max normalized BM25 and dense scores); lexical: BM25; "
        "dense: the passage's cosine blended with its best sentence's (REFORM_SEARCH_SENTENCE_WEIGHT)"
    )
    dense_score: float | None = Field(
        description="Cosine of the query and the passage's own vector (what the answer and compare thresholds read); "
        "null in lexical mode"
    )
    lexical_score: float | None = Field(
        description="BM25 score with thesaurus expansions; null in dense mode or when the passage was not among the "
        "lexical candidates"
    )
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


def _searched_as() -> Any:
    return Field(default_factory=list, description="A question in English is searched with the documents' Japanese terms: "
                 "these (its thesaurus matches' terms, then its nearest terms); empty for any other query")


class SearchResponse(BaseModel):
    query: str
    took_ms: float
    results: list[HitOut]
    searched_as: list[str] = _searched_as()


class CityResults(BaseModel):
    city: str
    results: list[HitOut]
    strength: float = Field(default=1.0, description="The city's best score as a share of the best city's (0..1)")
    weak: bool = Field(default=False, description="A weak match: strength under REFORM_SEARCH_COMPARE_WEAK_SHARE "
                       "(convex fusion only; never under RRF, whose scores are rank-based)")


class CompareResponse(BaseModel):
    query: str
    took_ms: float
    cities: list[CityResults]
    cities_without_match: list[str] = Field(
        default_factory=list,
        description="Cities compared (those asked for, named in the query, or all) with no comparable passage",
    )
    searched_as: list[str] = _searched_as()


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
    weak: bool = Field(default=False, description="A comparison's line for a city that is only a weak match (関連弱)")


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


class UserMessage(BaseModel):
    """A user turn; the last one with text is the question, so its text has the query limit."""

    role: Literal["user"]
    content: Annotated[str, Field(max_length=limits.QUERY_MAX_CHARS)] | None = None


class OtherMessage(BaseModel):
    role: Literal["system", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None


ChatMessage = Annotated[UserMessage | OtherMessage, Field(discriminator="role")]
# What /v1/chat/completions checks before answering (422 otherwise): some user message has text.
HAS_QUESTION = {"contains": {"type": "object", "required": ["role", "content"], "properties": {
    "role": {"const": "user"}, "content": {"type": "string", "pattern": limits.NON_BLANK}}}}


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = "reform-search"
    messages: list[ChatMessage] = Field(min_length=1, max_length=limits.CHAT_MESSAGES_MAX,
                                        json_schema_extra=HAS_QUESTION)
    stream: StrictBool = False
