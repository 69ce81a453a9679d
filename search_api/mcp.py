"""MCP server for chat clients: the API's operations as tools, over stdio or streamable HTTP at /mcp.

Every tool validates its arguments with the API's request models, runs the same search_api.service
function as the JSON route and returns that response as structured content, plus a text rendering
(city, document, initiative, the quote, lines, a link to the source view) for the model to read.
Domain and validation errors come back as tool errors (`isError`), never as a dead server.
"""

import inspect
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError
from pydantic.fields import FieldInfo
from starlette.types import Receive, Scope, Send

from index.searcher import Searcher
from index.snapshots import SnapshotStore
from reform_search import limits
from reform_search.errors import IndexError_, ReformSearchError
from reform_search.settings import Settings
from search_api import heap, mcp_text, service
from search_api.schemas import (
    AnswerRequest,
    AnswerResponse,
    CompareRequest,
    CompareResponse,
    DocumentOut,
    FiltersIn,
    InitiativeOut,
    SearchRequest,
    SearchResponse,
    SimilarResponse,
)

log = logging.getLogger("reform_search.mcp")
SearcherSource = Callable[[], Searcher]
R = TypeVar("R")

INSTRUCTIONS = (
    "自治体（市）が公表した行財政改革の資料（実施計画・進捗状況・評価報告書・大綱など）を"
    "検索するツールです。"
    "取組を探すときは search、市ごとに並べて比べるときは compare、質問に出典付きで答えるときは answer を使います。"
    "結果の取組ID（initiative の id）を get_initiative に渡すと全文、similar に渡すと他市の類似取組が得られます。"
    "絞り込みに使える市・種別・年度・評価は list_documents で確認できます。"
    "回答では必ず結果の引用と出典（市・資料名・行・リンク）を示してください。"
)


def _param(model: type[BaseModel], name: str, description: str) -> Any:
    """The API request field `name` (its type, limits and default), described for the model."""
    field = model.model_fields[name]
    return Annotated[field.annotation, FieldInfo.merge_field_infos(field, description=description)]


Query = _param(SearchRequest, "query", "検索語。取組名やテーマを短く（例: 「RPAの導入」「ペーパーレス化」）")
K = _param(SearchRequest, "k", "返す件数")
Mode = _param(SearchRequest, "mode", "hybrid（既定。語と意味の両方）、dense（意味の近さ）、lexical（語の一致）")
City = _param(FiltersIn, "city", "市で絞り込む（例: [\"昭島市\"]）。使える値は list_documents で確認")
Kind = _param(FiltersIn, "kind", "資料の種別で絞り込む（progress_report, evaluation_report, reform_plan など）")
Year = _param(FiltersIn, "fiscal_year", "年度（西暦）で絞り込む（例: [2024]）")
Rating = _param(FiltersIn, "rating", "取組の評価で絞り込む（例: [\"A\"]）")
CompareQuery = _param(CompareRequest, "query", "比べたいテーマ（例: 「ペーパーレス化」）")
PerCity = _param(CompareRequest, "per_city", "1市あたりの取組数")
Cities = _param(CompareRequest, "cities", "比べる市（省略するとすべての市）")
Question = _param(AnswerRequest, "question", "質問文（例: 「狛江市はRPAでどれくらいの時間を削減したか」）")
# The limits of the /initiatives/{id} routes (a path parameter and a query parameter there).
InitiativeId = Annotated[str, Field(min_length=1, max_length=limits.ID_MAX_CHARS,
                                    description="取組ID（search などの結果の initiative.id）")]
SimilarK = Annotated[int, Field(default=limits.SIMILAR_K_DEFAULT, ge=1, le=limits.SIMILAR_K_MAX, description="返す件数")]

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


class CorpusOut(BaseModel):
    """What the index holds: the values the filters accept, and every document."""

    cities: list[str]
    kinds: list[str]
    fiscal_years: list[int]
    ratings: list[str]
    documents: list[DocumentOut]


def tool_call(fn: Callable[[], R]) -> R:
    """Run `fn`; the errors a caller can fix become tool errors with the API's message."""
    try:
        return fn()
    except ValidationError as e:
        errors = [{**err, "loc": ("arguments", *err["loc"])} for err in e.errors(include_url=False)]
        raise ToolError(service.validation_message(errors)) from e
    except ReformSearchError as e:  # the message the JSON API answers with, fix included
        raise ToolError(e.explain()) from e


def _result(out: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=out.model_dump(mode="json"))


def base_url(settings: Settings) -> str:
    return (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def _tool(mcp: MCPServer, title: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a read-only tool described by its (dedented) docstring."""
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        mcp.add_tool(fn, title=title, description=inspect.cleandoc(fn.__doc__ or ""), annotations=READ_ONLY)
        return fn
    return register


def build_server(source: SearcherSource, settings: Settings) -> MCPServer:
    """The tools over the searcher `source` returns (called per request, so a reload is picked up)."""
    # log_level: the SDK calls logging.basicConfig; where nothing configured logging yet, warnings only.
    mcp = MCPServer("reform-search", title="reform-search（行財政改革資料の検索）", instructions=INSTRUCTIONS,
                    version="0.1.0", log_level="WARNING")
    link = base_url(settings)

    @_tool(mcp, "取組の検索")
    def search(query: Query, k: K, mode: Mode, city: City, kind: Kind, fiscal_year: Year,
               rating: Rating) -> Annotated[CallToolResult, SearchResponse]:
        """行財政改革の資料から、クエリに合う取組・記述を探します（複数の市をまたいで関連度順）。
        各結果は市・資料名・取組番号と名称・原文の引用・行番号・原文へのリンク・取組IDを含みます。
        市・資料の種別・年度・評価で絞り込めます。資料は日本語です。日本語のクエリが最もよく合いますが、
        英語のクエリも受け付けます（行財政改革の用語を日本語の用語に置き換えて探します）。"""
        def run() -> SearchResponse:
            body = SearchRequest.model_validate({"query": query, "k": k, "mode": mode, "filters": {
                "city": city, "kind": kind, "fiscal_year": fiscal_year, "rating": rating}})
            return service.search(source(), body)[0]
        out = tool_call(run)
        return _result(out, mcp_text.search_text(out, link))

    @_tool(mcp, "市ごとの比較")
    def compare(query: CompareQuery, per_city: PerCity, cities: Cities) -> Annotated[CallToolResult, CompareResponse]:
        """テーマについて、各市の取組を市ごとに並べて比べます（よく合う市から順に）。
        「各市の○○の取組を比べたい」ときに使います。関連する記述がない市は結果に出ません。"""
        def run() -> CompareResponse:
            body = CompareRequest.model_validate({"query": query, "per_city": per_city, "cities": cities})
            return service.compare(source(), body)
        out = tool_call(run)
        return _result(out, mcp_text.compare_text(out, link))

    @_tool(mcp, "出典付きの回答")
    def answer(question: Question) -> Annotated[CallToolResult, AnswerResponse]:
        """質問に、資料の原文を引用して答えます（各引用に出典番号つき）。
        根拠が弱いときは answerable=false で「該当する記述が見つかりませんでした」と返します。推測で補わないでください。"""
        def run() -> AnswerResponse:
            return service.answer(source(), AnswerRequest.model_validate({"question": question}))
        out = tool_call(run)
        return _result(out, mcp_text.answer_text(out, link))

    @_tool(mcp, "取組の全文")
    def get_initiative(initiative_id: InitiativeId) -> Annotated[CallToolResult, InitiativeOut]:
        """取組IDで1つの取組の全文（番号・名称・担当課・評価・見出し・本文）を返します。"""
        out = tool_call(lambda: service.initiative(source(), initiative_id))
        return _result(out, mcp_text.initiative_text(out, link))

    @_tool(mcp, "他市の類似取組")
    def similar(initiative_id: InitiativeId, k: SimilarK) -> Annotated[CallToolResult, SimilarResponse]:
        """取組IDの取組に内容が近い、他の市の取組を返します（横展開の参考に）。"""
        out = tool_call(lambda: service.similar(source(), initiative_id, k))
        return _result(out, mcp_text.hits_text("類似する他市の取組", out.results, link))

    @_tool(mcp, "収録資料の一覧")
    def list_documents() -> Annotated[CallToolResult, CorpusOut]:
        """収録されている市・資料の種別・年度・評価の値と、資料の一覧を返します（絞り込みに使える値）。"""
        def run() -> CorpusOut:
            s = source()
            return CorpusOut(cities=s.cities, kinds=s.kinds, fiscal_years=s.years, ratings=s.rating_values,
                             documents=service.documents(s).documents)
        out = tool_call(run)
        return _result(out, mcp_text.corpus_text(out))

    return mcp


class SearcherLoader:
    """The searcher over the current snapshot for a long-lived stdio server.

    Opens the index on first use; after `reform-search build` (or rollback) the next call opens the
    new current snapshot with the same encoder. A snapshot that fails to open leaves the old one serving.
    """

    def __init__(self, settings: Settings, encoder: Any = None) -> None:
        self.settings = settings
        self._encoder = encoder
        self._searcher: Searcher | None = None
        self._failed: Path | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Searcher:
        with self._lock:
            old = self._searcher
            if old is None:
                self._searcher = Searcher.open(self.settings, encoder=self._encoder)
                heap.settle()
                return self._searcher
            return self._refreshed(old)

    def _refreshed(self, old: Searcher) -> Searcher:
        current = None
        try:
            current = SnapshotStore(self.settings.index_dir).require_current()
            if current not in (old.index_dir, self._failed):
                self._searcher = Searcher.open(self.settings, current, old.encoder, batcher=old.batcher)
                heap.settle()
                return self._searcher
        except IndexError_ as e:
            self._failed = current
            log.warning("still serving snapshot %s: %s", old.index_dir.name, e)
        return old

    def preload(self) -> None:
        """Load now (in a background thread) so the first tool call does not wait for the model."""
        try:
            self()
        except ReformSearchError as e:
            log.warning("index not loaded yet: %s", e)  # the first tool call tries again and reports it


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def transport_security(settings: Settings) -> TransportSecuritySettings | None:
    """DNS-rebinding protection while serving on loopback (the SDK's own rule), also admitting PUBLIC_URL.

    On other interfaces the endpoint is meant to be reached by name, so only the API key guards it,
    as it guards the JSON API.
    """
    if settings.host not in LOOPBACK:
        return None
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    origins = ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"]
    if settings.public_url:
        url = urlsplit(settings.public_url)
        hosts.append(url.netloc)
        origins.append(f"{url.scheme}://{url.netloc}")
    return TransportSecuritySettings(allowed_hosts=hosts, allowed_origins=origins)


class HttpEndpoint:
    """The ASGI endpoint at /mcp; `running()` belongs in the host app's lifespan.

    Stateless JSON responses: no session to lose across server reloads or workers.
    """

    def __init__(self, server: MCPServer, settings: Settings) -> None:
        self.server, self.settings = server, settings
        self._sessions: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A session manager runs once: each lifespan (server start, test client) gets a new one.
        self.server.streamable_http_app(stateless_http=True, json_response=True,
                                        transport_security=transport_security(self.settings),
                                        max_request_body_size=self.settings.max_body_bytes)
        sessions = self.server.session_manager
        async with sessions.run():
            self._sessions = sessions
            try:
                yield
            finally:
                self._sessions = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._sessions is None:
            raise RuntimeError("the MCP endpoint is not running: the app's lifespan did not start it")
        await self._sessions.handle_request(scope, receive, send)
