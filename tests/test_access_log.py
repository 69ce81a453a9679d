"""One access-log line per request, with the stages the route recorded (plain ASGI middleware)."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app


@pytest.fixture(scope="module")
def client(searcher: Any) -> TestClient:
    return TestClient(create_app(searcher.settings, searcher=searcher))


def test_a_search_logs_its_status_time_and_stages(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="reform_search.api"):
        assert client.post("/search", json={"query": "RPAの導入", "k": 3}).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "reform_search.api"]
    assert len(lines) == 1
    m = re.fullmatch(r"POST /search 200 ([\d.]+)ms (.*)", lines[0])
    assert m, lines
    stages = dict(part.split("=") for part in m.group(2).split())
    assert {"encode", "batch", "lexical", "dense", "shape", "json"} <= set(stages)


def test_errors_are_logged_with_their_status(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="reform_search.api"):
        assert client.post("/search", json={"query": "  ", "k": 3}).status_code == 422
        assert client.get("/no-such-page").status_code == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "reform_search.api"]
    assert [ln.split()[:3] for ln in lines] == [["POST", "/search", "422"], ["GET", "/no-such-page", "404"]]
