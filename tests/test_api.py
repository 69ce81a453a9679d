"""Every endpoint against the real fixture index (TestClient)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.display import display_text
from search_api.app import create_app
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def client(searcher: Any) -> TestClient:
    return TestClient(create_app(searcher.settings, searcher=searcher))


def test_health(client: TestClient):
    assert client.get("/livez").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["chunks"] > 0


def test_readyz_reports_a_missing_index(tmp_path):
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as c:
        r = c.get("/readyz")
        assert r.status_code == 503 and "reform-search build" in r.json()["error"]["message"]
        assert c.post("/search", json={"query": "RPA"}).status_code == 503


def test_search_post_and_get(client: TestClient):
    r = client.post("/search", json={"query": "RPAの導入", "k": 5, "filters": {"city": ["昭島市"]}})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "RPAの導入" and body["took_ms"] > 0
    hit = body["results"][0]
    assert hit["city"] == "昭島市"
    for key in ("chunk_id", "score", "document_id", "document_title", "kind", "fiscal_year", "heading_path",
                "initiative", "text", "highlights", "source"):
        assert key in hit
    assert set(hit["source"]) >= {"file", "char_start", "char_end", "line_start", "line_end"}
    g = client.get("/search", params={"q": "RPAの導入", "k": 3, "city": "小平市"}).json()
    assert len(g["results"]) >= 1 and {h["city"] for h in g["results"]} == {"小平市"}


@pytest.mark.parametrize(
    "body, status, needle",
    [
        ({"query": ""}, 422, "empty"),
        ({"query": "   "}, 422, "empty"),
        ({"query": "x" * 1001}, 422, "1000"),
        ({"query": "RPA", "k": 0}, 422, "k"),
        ({"query": "RPA", "k": 101}, 422, "k"),
        ({"query": "RPA", "mode": "magic"}, 422, "mode"),
        ({"query": "RPA", "filters": {"city": ["大阪市"]}}, 422, "allowed: "),
        ({"query": "RPA", "filters": {"rating": ["Z"]}}, 422, "allowed: "),
        ({"query": "RPA", "surprise": 1}, 422, "surprise"),
        ({"query": 12}, 422, "query"),
    ],
)
def test_search_validation(client: TestClient, body: dict, status: int, needle: str):
    r = client.post("/search", json=body)
    assert r.status_code == status
    assert needle in r.json()["error"]["message"]


def test_malformed_json_and_oversized_body(client: TestClient):
    r = client.post("/search", content=b'{"query": ', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "malformed_json"
    r = client.post("/search", content=b"x" * (70 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_compare(client: TestClient):
    r = client.post("/compare", json={"query": "RPAの導入", "per_city": 2})
    assert r.status_code == 200
    cities = r.json()["cities"]
    assert len({c["city"] for c in cities}) == len(cities) >= 3
    assert all(1 <= len(c["results"]) <= 2 for c in cities)
    assert cities[0]["strength"] == 1.0 and not cities[0]["weak"]  # the best city is the scale
    assert all(c["weak"] == (c["strength"] < 0.5) for c in cities)  # the default weak share
    shown, without = {c["city"] for c in cities}, set(r.json()["cities_without_match"])
    assert not shown & without and shown | without == {d["city"] for d in client.get("/documents").json()["documents"]}
    only = client.post("/compare", json={"query": "RPAの導入", "cities": ["小平市"]}).json()
    assert [c["city"] for c in only["cities"]] == ["小平市"] and only["cities_without_match"] == []


def test_initiative_and_similar(client: TestClient, searcher: Any):
    ini_id = next(i for i in searcher.meta.initiatives if i.startswith("komae-fx:06"))
    r = client.get(f"/initiatives/{ini_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == "AI・RPA等の先進技術の導入" and body["city"] == "狛江市" and body["text"]
    sim = client.get(f"/initiatives/{ini_id}/similar", params={"k": 3}).json()
    assert sim["results"] and all(h["city"] != "狛江市" for h in sim["results"])
    assert all(h["initiative"] is not None for h in sim["results"])
    assert client.get("/initiatives/nope:1").status_code == 404
    assert client.get(f"/initiatives/{ini_id}/similar", params={"k": 0}).status_code == 422


def test_documents(client: TestClient):
    docs = client.get("/documents").json()["documents"]
    assert {d["city"] for d in docs} == {"狛江市", "小平市", "昭島市", "西東京市"}
    assert all(d["chunks"] > 0 for d in docs)


def test_answer_quotes_the_source(client: TestClient, searcher: Any):
    r = client.post("/answer", json={"question": "狛江市はRPAでどれくらいの時間を削減したか"})
    body = r.json()
    assert r.status_code == 200 and body["answerable"] and body["mode"] == "extractive"
    assert body["citations"] and body["lines"]
    for line in body["lines"]:
        original = searcher.meta.texts[line["document_id"]][line["char_start"] : line["char_end"]]
        assert line["quote"] == display_text(original)  # the original's words, without markup
        assert 1 <= line["citation"] <= len(body["citations"])
    assert any("時間" in ln["quote"] for ln in body["lines"])
    assert not any(ln["weak"] for ln in body["lines"])  # one city, no comparison: nothing flagged


def test_comparison_answer_lines_carry_the_weak_flag(client: TestClient):
    body = client.post("/answer", json={"question": "電子決裁を各市で比較したい"}).json()
    compared = client.post("/compare", json={"query": "電子決裁を各市で比較したい", "per_city": 2}).json()
    cities = {c["city"]: c["weak"] for c in compared["cities"]}
    assert body["answerable"] and any(cities.values())
    for line in body["lines"]:
        assert line["weak"] == cities[line["city"]]
        assert ("（関連弱）" in next(r for r in body["answer"].splitlines() if line["quote"] in r)) == line["weak"]


def test_answer_refuses_without_evidence(client: TestClient):
    body = client.post("/answer", json={"question": "大阪府の競艇事業の売上はいくらか"}).json()
    assert body["answerable"] is False and body["citations"] == []
    assert "見つかりませんでした" in body["answer"]


def test_chat_completions(client: TestClient):
    models = client.get("/v1/models").json()
    assert models["data"][0]["id"] == "reform-search"
    r = client.post("/v1/chat/completions", json={"model": "reform-search", "messages": [
        {"role": "system", "content": "be brief"}, {"role": "user", "content": "RPAの導入事例は？"}]})
    body = r.json()
    assert r.status_code == 200 and body["object"] == "chat.completion"
    content = body["choices"][0]["message"]["content"]
    assert "**出典**" in content and "[1]" in content
    bad = client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "x"}]})
    assert bad.status_code == 422


def test_chat_streaming(client: TestClient):
    with client.stream("POST", "/v1/chat/completions",
                       json={"messages": [{"role": "user", "content": "RPAの導入事例は？"}], "stream": True}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "**出典**" in text


def test_api_key(searcher: Any):
    settings = searcher.settings.model_copy(update={"api_key": "s3cret"})
    c = TestClient(create_app(settings, searcher=searcher))
    assert c.get("/livez").status_code == 200
    assert c.post("/search", json={"query": "RPA"}).status_code == 401
    assert c.post("/search", json={"query": "RPA"}, headers={"X-API-Key": "wrong"}).status_code == 401
    assert c.post("/search", json={"query": "RPA"}, headers={"X-API-Key": "s3cret"}).status_code == 200
    assert c.post("/search", json={"query": "RPA"}, headers={"Authorization": "Bearer s3cret"}).status_code == 200
