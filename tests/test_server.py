"""The API as a real process over HTTP, and generated answers against a local fake LLM."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import free_port, server
from index.generate import generated_answer, keep_valid_citations


UPLOAD_MAX = 1024 * 1024
BIG = b"x" * (5 * 1024 * 1024)  # over both limits (64 KiB for JSON, UPLOAD_MAX for uploads), under the discard bound
UPLOAD = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
          + BIG + b"\r\n--b--\r\n")
OVER = {"/search": ("application/json", BIG), "/documents": ("multipart/form-data; boundary=b", UPLOAD)}


@pytest.fixture(scope="module")
def url(fixture_settings: Any, built_index: Path) -> Iterator[str]:
    env = {"REFORM_SEARCH_DATA_DIR": str(fixture_settings.data_dir),
           "REFORM_SEARCH_CORPUS_DIR": str(fixture_settings.corpus_dir),
           "REFORM_SEARCH_UPLOAD_MAX_BYTES": str(UPLOAD_MAX)}
    with server(env) as base:
        yield base


def test_server_process_search_and_streamed_chat(url: str):
    r = httpx.post(f"{url}/search", json={"query": "RPAの導入", "k": 5}, timeout=60)
    assert r.status_code == 200 and r.json()["results"]
    assert httpx.post(f"{url}/search", json={"query": ""}, timeout=60).status_code == 422
    body = {"model": "reform-search", "stream": True, "messages": [{"role": "user", "content": "RPAの導入事例"}]}
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=60) as s:
        assert s.status_code == 200
        data = [ln[6:] for ln in s.iter_lines() if ln.startswith("data: ")]
    assert data[-1] == "[DONE]"
    text = "".join(json.loads(d)["choices"][0]["delta"].get("content", "") for d in data[:-1])
    assert "**出典**" in text


def _too_large(status: int, body: bytes) -> None:
    assert status == 413, (status, body[:200])
    assert json.loads(body)["error"]["type"] == "payload_too_large"


def _urllib(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:  # the answer arrived: not a connection reset
        return e.code, e.read()


@pytest.mark.parametrize("path", ["/search", "/documents"])
def test_an_over_limit_body_gets_413_with_every_client(url: str, path: str):
    """urllib and requests send the whole body before reading the answer: they see the 413 only
    if the server reads the body first. httpx with a Content-Length and chunked (no length)."""
    ctype, body = OVER[path]
    headers = {"Content-Type": ctype}
    _too_large(*_urllib(url + path, body, headers))
    r = httpx.post(url + path, content=body, headers=headers, timeout=120)
    _too_large(r.status_code, r.content)
    chunked = httpx.post(url + path, content=iter([body[i:i + 65536] for i in range(0, len(body), 65536)]),
                         headers=headers, timeout=120)
    assert "content-length" not in chunked.request.headers
    _too_large(chunked.status_code, chunked.content)
    requests = pytest.importorskip("requests")
    rr = requests.post(url + path, data=body, headers=headers, timeout=120)
    _too_large(rr.status_code, rr.content)
    assert httpx.post(f"{url}/search", json={"query": "RPAの導入", "k": 1}, timeout=60).status_code == 200


def test_keep_valid_citations():
    text, order = keep_valid_citations("RPAを導入した[2]。削減した[9][2]。研修[1]", 3)
    assert order == [2, 1]
    assert text == "RPAを導入した[1]。削減した[1]。研修[2]"


class _FakeLLM(BaseHTTPRequestHandler):
    reply = ""
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeLLM.seen.append(body)
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": _FakeLLM.reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def fake_llm():
    port = free_port()
    httpd = HTTPServer(("127.0.0.1", port), _FakeLLM)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{port}/v1"
    httpd.shutdown()


def test_generated_answer_citations_map_to_real_hits(searcher: Any, fake_llm: str):
    searcher_settings = searcher.settings
    searcher.settings = searcher_settings.model_copy(update={"llm_base_url": fake_llm, "llm_model": "fake"})
    try:
        _FakeLLM.reply = "狛江市はRPAで作業時間を削減しました[2]。存在しない資料[42]。"
        a = generated_answer(searcher, "狛江市はRPAでどれくらいの時間を削減したか")
        assert a.mode == "generated" and a.answerable
        assert "[42]" not in a.answer and "[1]" in a.answer
        assert len(a.citations) == 1
        sent = _FakeLLM.seen[-1]["messages"][-1]["content"]
        assert a.citations[0].search_text[:30] in sent
        _FakeLLM.reply = "昭島市と小平市が指定管理者制度を活用しています[1]。"
        c = generated_answer(searcher, "各市の指定管理者制度を比較したい")  # a comparison with cities left out
        left_out = c.extra["cities_without_match"]
        assert c.mode == "generated" and left_out and c.answer.endswith("、".join(left_out) + "）")
        _FakeLLM.reply = "西東京市は電子決裁を導入しています[1]。"
        w = generated_answer(searcher, "電子決裁を各市で比較したい")  # 小平市 is a weak match in the fixture
        weak = [g.city for g in searcher.compare("電子決裁を各市で比較したい", per_city=2).groups if g.weak]
        assert w.mode == "generated" and weak and f"（関連弱: {'、'.join(weak)} は" in w.answer
        assert "関連弱" not in c.answer or any(g.weak for g in searcher.compare("各市の指定管理者制度を比較したい").groups)
        _FakeLLM.reply = "資料にない話です[99]"
        b = generated_answer(searcher, "狛江市はRPAでどれくらいの時間を削減したか")
        assert b.mode == "extractive" and "llm_error" in b.extra
    finally:
        searcher.settings = searcher_settings
