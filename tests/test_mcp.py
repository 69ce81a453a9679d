"""The MCP server through the SDK's own client: stdio (`reform-search mcp` as a subprocess on the
fixture index) and streamable HTTP (/mcp on the API app under uvicorn), errors included.

One connection per transport records a transcript (list the tools, call each, then the error
cases); the tests below check it for both transports.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
import uvicorn
from mcp import Client, ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from tests.support.server import free_port
from index.display import display_text
from index.snapshots import SnapshotStore
from reform_search.errors import IndexError_
from search_api.app import create_app
from search_api.mcp import SearcherLoader, transport_security
from search_api.mcp_text import QUOTE_CHARS
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "mcp-test-key"
TOOLS = {"search", "compare", "answer", "get_initiative", "similar", "list_documents"}
FOUR = {"狛江市", "小平市", "昭島市", "西東京市"}
INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
              "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}}

CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "search": ("search", {"query": "RPAの導入"}),
    "compare": ("compare", {"query": "ペーパーレス化"}),
    "filtered": ("search", {"query": "RPAの導入", "k": 3, "city": ["小平市"]}),
    "compare_one": ("compare", {"query": "RPAの導入", "per_city": 2, "cities": ["小平市"]}),
    "answer": ("answer", {"question": "狛江市はRPAでどれくらいの時間を削減したか"}),
    "no_answer": ("answer", {"question": "大阪府の競艇事業の売上はいくらか"}),
    "documents": ("list_documents", {}),
    "unknown_city": ("search", {"query": "RPAの導入", "city": ["大阪市"]}),
    "empty_query": ("search", {"query": "   "}),
    "empty_compare": ("compare", {"query": ""}),
    "bad_k": ("search", {"query": "RPAの導入", "k": 0}),
    "bad_mode": ("search", {"query": "RPAの導入", "mode": "magic"}),
    "bad_id": ("get_initiative", {"initiative_id": "nope:1"}),
    "bad_similar_id": ("similar", {"initiative_id": "nope:1"}),
    "missing_arg": ("answer", {}),
}


async def _transcript(session: ClientSession) -> dict[str, Any]:
    out: dict[str, Any] = {"tools": (await session.list_tools()).tools}
    for key, (name, args) in CALLS.items():
        out[key] = await session.call_tool(name, args)
    ini_id = next(h["initiative"]["id"] for h in out["search"].structured_content["results"] if h["initiative"])
    out["initiative_id"] = ini_id
    out["initiative"] = await session.call_tool("get_initiative", {"initiative_id": ini_id})
    out["similar"] = await session.call_tool("similar", {"initiative_id": ini_id, "k": 3})
    out["after_errors"] = await session.call_tool("search", {"query": "ペーパーレス化", "k": 3})
    return out


@pytest.fixture(scope="module")
def stdio_transcript(fixture_settings: Any, built_index: Path) -> dict[str, Any]:
    env = {**os.environ, "REFORM_SEARCH_DATA_DIR": str(fixture_settings.data_dir),
           "REFORM_SEARCH_CORPUS_DIR": str(fixture_settings.corpus_dir),
           "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    params = StdioServerParameters(command=sys.executable, args=["-m", "reform_search.cli", "mcp"], env=env, cwd=ROOT)

    async def run() -> dict[str, Any]:
        with tempfile.TemporaryFile("w+") as errlog:
            try:
                async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as s:
                    await s.initialize()
                    return await _transcript(s)
            except BaseException:
                errlog.seek(0)
                print(errlog.read()[-3000:], file=sys.stderr)
                raise

    return anyio.run(run)


@contextmanager
def _serving(app: Any) -> Iterator[str]:
    """`app` under uvicorn on a free loopback port (lifespan included), in a thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("uvicorn exited before it started")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


@pytest.fixture(scope="module")
def http_server(searcher: Any) -> Iterator[str]:
    settings = searcher.settings.model_copy(update={"api_key": API_KEY})
    with _serving(create_app(settings, searcher=searcher)) as url:
        yield url


@pytest.fixture(scope="module")
def http_transcript(http_server: str) -> dict[str, Any]:
    """The initialize handshake, as today's chat clients connect."""
    async def run() -> dict[str, Any]:
        async with (
            create_mcp_http_client(headers={"Authorization": f"Bearer {API_KEY}"}) as http,
            streamable_http_client(f"{http_server}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as s,
        ):
            await s.initialize()
            return await _transcript(s)

    return anyio.run(run)


@pytest.fixture(scope="module")
def http_modern_transcript(http_server: str) -> dict[str, Any]:
    """The SDK's high-level Client, which negotiates the newest protocol (server/discover)."""
    async def run() -> dict[str, Any]:
        async with (
            create_mcp_http_client(headers={"X-API-Key": API_KEY}) as http,
            Client(streamable_http_client(f"{http_server}/mcp", http_client=http)) as client,
        ):
            out = await _transcript(client.session)
            out["protocol"] = client.protocol_version
            return out

    return anyio.run(run)


@pytest.fixture(params=["stdio", "http", "http_modern"])
def transcript(request: pytest.FixtureRequest) -> dict[str, Any]:
    return request.getfixturevalue(f"{request.param}_transcript")


def _text(result: Any) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


def _ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, _text(result)
    assert result.structured_content is not None
    return result.structured_content


def test_tools_have_typed_schemas_and_japanese_descriptions(transcript: dict[str, Any]):
    tools = {t.name: t for t in transcript["tools"]}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert any("\u3040" <= ch <= "\u30ff" for ch in t.description or ""), t.name  # kana: Japanese
        assert t.output_schema and t.input_schema["type"] == "object"
    search = tools["search"].input_schema
    assert search["required"] == ["query"]
    assert search["properties"]["k"]["minimum"] == 1 and search["properties"]["k"]["maximum"] == 100
    assert set(search["properties"]["mode"]["enum"]) == {"hybrid", "dense", "lexical"}
    assert search["properties"]["city"]["type"] == "array"
    assert tools["compare"].input_schema["properties"]["per_city"]["maximum"] == 20
    assert tools["get_initiative"].input_schema["required"] == ["initiative_id"]


def test_search_finds_rpa_in_three_cities(transcript: dict[str, Any]):
    out = _ok(transcript["search"])
    cities = {h["city"] for h in out["results"]}
    assert len(cities & FOUR) >= 3, cities
    top = out["results"][0]
    text = _text(transcript["search"])
    assert top["city"] in text and top["document_title"] in text
    assert "http://" in text and ("引用: 「" in text or "引用（抜粋）: 「" in text)
    # every quote is the display form of exactly what its link points at, at most QUOTE_CHARS long
    first = text.split("\n\n[2]")[0]
    quoted = re.search(r"引用(?:（抜粋）)?: 「(.*)」\n", first).group(1)
    start, end = map(int, re.search(rf"/source/{top['document_id']}\?start=(\d+)&end=(\d+)", first).groups())
    src = top["source"]
    assert src["char_start"] <= start < end <= src["char_end"]
    window = top["text"][start - src["char_start"] : end - src["char_start"]]
    assert quoted.strip("…") == display_text(window) and len(quoted.strip("…")) <= QUOTE_CHARS
    line = src["line_start"] + top["text"][: start - src["char_start"]].count("\n")
    assert re.search(rf"{re.escape(src['file'])} {line}(〜\d+)?行目", first)


def test_compare_finds_paperless_in_three_cities(transcript: dict[str, Any]):
    out = _ok(transcript["compare"])
    cities = [c["city"] for c in out["cities"]]
    assert len(set(cities) & FOUR) >= 3 and all(c["results"] for c in out["cities"])
    text = _text(transcript["compare"])
    assert all(f"■ {c}" in text for c in cities)


def test_filters_reach_the_searcher(transcript: dict[str, Any]):
    out = _ok(transcript["filtered"])
    assert out["results"] and {h["city"] for h in out["results"]} == {"小平市"} and len(out["results"]) <= 3
    one = _ok(transcript["compare_one"])
    assert [c["city"] for c in one["cities"]] == ["小平市"] and len(one["cities"][0]["results"]) <= 2


def test_answer_quotes_with_citations_or_says_not_found(transcript: dict[str, Any]):
    a = _ok(transcript["answer"])
    assert a["answerable"] and a["lines"] and a["citations"]
    assert any("時間" in ln["quote"] for ln in a["lines"])
    text = _text(transcript["answer"])
    assert "[1]" in text and a["citations"][0]["document_title"] in text and "/source/" in text
    no = transcript["no_answer"]
    assert not no.is_error
    assert no.structured_content["answerable"] is False and no.structured_content["citations"] == []
    assert "見つかりませんでした" in _text(no)


def test_initiative_and_similar(transcript: dict[str, Any]):
    ini = _ok(transcript["initiative"])
    assert ini["id"] == transcript["initiative_id"] and ini["text"] and ini["city"] in FOUR
    assert ini["title"] in _text(transcript["initiative"]) and "/initiative/" in _text(transcript["initiative"])
    sim = _ok(transcript["similar"])
    assert 1 <= len(sim["results"]) <= 3
    assert all(h["city"] != ini["city"] and h["initiative"] for h in sim["results"])


def test_list_documents(transcript: dict[str, Any]):
    out = _ok(transcript["documents"])
    assert set(out["cities"]) == FOUR and {d["city"] for d in out["documents"]} == FOUR
    assert out["kinds"] and out["fiscal_years"]
    text = _text(transcript["documents"])
    assert all(c in text for c in FOUR) and all(d["id"] in text for d in out["documents"])


@pytest.mark.parametrize(
    "case, needle",
    [
        ("unknown_city", "unknown city 大阪市; allowed: "),
        ("empty_query", "must not be empty"),
        ("empty_compare", "must not be empty"),
        ("bad_k", "greater than or equal to 1"),
        ("bad_mode", "mode"),
        ("bad_id", "no initiative 'nope:1'"),
        ("bad_similar_id", "no initiative 'nope:1'"),
        ("missing_arg", "question"),
    ],
)
def test_errors_are_tool_errors(transcript: dict[str, Any], case: str, needle: str):
    result = transcript[case]
    assert result.is_error and result.structured_content is None
    assert needle in _text(result)


def test_server_keeps_serving_after_errors(transcript: dict[str, Any]):
    assert _ok(transcript["after_errors"])["results"]


def test_both_protocol_eras_over_http(http_modern_transcript: dict[str, Any]):
    # the handshake era is the "http" transcript; this one negotiated the newest protocol
    assert http_modern_transcript["protocol"] in MODERN_PROTOCOL_VERSIONS


def test_http_requires_the_api_key(http_server: str):
    init, headers = INITIALIZE, {"Accept": "application/json, text/event-stream"}
    r = httpx.post(f"{http_server}/mcp", json=init, headers=headers, timeout=30)
    assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"
    r = httpx.post(f"{http_server}/mcp", json=init, headers={**headers, "X-API-Key": "wrong"}, timeout=30)
    assert r.status_code == 401
    r = httpx.post(f"{http_server}/mcp", json=init, headers={**headers, "X-API-Key": API_KEY}, timeout=30)
    assert r.status_code == 200 and r.json()["result"]["serverInfo"]["name"] == "reform-search"


def test_stdio_loader_follows_the_current_snapshot(tmp_path: Path, built_index: Path, encoder: Any):
    settings = make_settings(tmp_path)
    loader = SearcherLoader(settings, encoder=encoder)
    with pytest.raises(IndexError_, match="reform-search build"):
        loader()
    store = SnapshotStore(settings.index_dir)
    first, second, broken = store.dir / "a", store.dir / "b", store.dir / "c"
    shutil.copytree(built_index, first)
    store.set_current(first)
    s1 = loader()
    assert s1.index_dir == first and loader() is s1
    shutil.copytree(built_index, second)
    store.set_current(second)  # what `reform-search build` does last
    s2 = loader()
    assert s2 is not s1 and s2.index_dir == second and s2.encoder is s1.encoder
    broken.mkdir()
    store.set_current(broken)
    assert loader() is s2 and loader() is s2  # a snapshot that cannot open leaves the old one serving


def test_http_refuses_a_foreign_host_on_loopback(http_server: str):
    # DNS rebinding: a page on another name must not reach the loopback endpoint
    headers = {"Accept": "application/json, text/event-stream", "X-API-Key": API_KEY, "Host": "rebound.example:8000"}
    assert httpx.post(f"{http_server}/mcp", json=INITIALIZE, headers=headers, timeout=30).status_code == 421
    headers["Host"] = urlsplit(http_server).netloc
    assert httpx.post(f"{http_server}/mcp", json=INITIALIZE, headers=headers, timeout=30).status_code == 200


def test_transport_security_follows_host_and_public_url(tmp_path: Path):
    loopback = transport_security(make_settings(tmp_path, public_url="https://reform.example.org"))
    assert loopback is not None and loopback.enable_dns_rebinding_protection
    assert "reform.example.org" in loopback.allowed_hosts and "https://reform.example.org" in loopback.allowed_origins
    assert transport_security(make_settings(tmp_path, host="0.0.0.0")) is None


def test_http_without_an_index_answers_with_a_tool_error(tmp_path: Path):
    async def run(url: str) -> Any:
        async with (
            streamable_http_client(f"{url}/mcp") as (read, write),
            ClientSession(read, write) as s,
        ):
            await s.initialize()
            return await s.call_tool("search", {"query": "RPAの導入"})

    with _serving(create_app(make_settings(tmp_path))) as url:
        result = anyio.run(run, url)
    assert result.is_error and "reform-search build" in _text(result)


def test_compare_text_names_the_cities_without_a_match():
    from search_api.mcp_text import compare_text
    from search_api.schemas import CompareResponse

    r = CompareResponse(query="RPA", took_ms=1.0, cities=[], cities_without_match=[])
    assert "比較できる記述" not in compare_text(r, "http://x")
    r = CompareResponse(query="RPA", took_ms=1.0, cities=[{"city": "小平市", "results": []}],
                        cities_without_match=["狛江市", "昭島市"])
    assert compare_text(r, "http://x").endswith("比較できる記述が見つからなかった市: 狛江市、昭島市")


def test_compare_text_marks_a_weak_match():
    from search_api.mcp_text import compare_text
    from search_api.schemas import CompareResponse

    r = CompareResponse(query="RPA", took_ms=1.0, cities=[
        {"city": "小平市", "results": [], "strength": 1.0, "weak": False},
        {"city": "狛江市", "results": [], "strength": 0.5, "weak": True}])
    text = compare_text(r, "http://x")
    assert "■ 小平市\n" in text + "\n" and "■ 狛江市（関連弱）" in text and "小平市（関連弱）" not in text
