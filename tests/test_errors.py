"""Errors by kind, mapped once per edge: HTTP statuses, CLI exit codes and messages that name the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.intake import IntakeBusy
from index.snapshots import BuildLocked
from reform_search import limits
from reform_search.cli import main
from reform_search.errors import (
    DocumentError,
    EmptyCorpus,
    IndexError_,
    IndexMismatch,
    IngestOutputMissing,
    InvalidQuery,
    ModelError,
    NotFound,
    NotReady,
    ReformSearchError,
    UserError,
)
from reform_search.settings import get_settings
from search_api.app import create_app
from search_api.errors import http_status
from tests.conftest import make_settings


@pytest.mark.parametrize("error, status", [
    (InvalidQuery("query is empty"), 422),
    (NotFound("no initiative 'x'"), 404),
    (DocumentError("a.txt", "file is empty"), 422),
    (EmptyCorpus("the corpus is empty"), 422),
    (UserError("give a query"), 400),
    (IndexError_("no index at var/index"), 503),
    (IndexMismatch("built with another model"), 503),
    (ModelError("cannot load"), 503),
    (IngestOutputMissing("no records"), 503),
    (NotReady("the index is loading"), 503),
    (BuildLocked("another build is running"), 409),
    (IntakeBusy("another document is being added"), 409),
    (ReformSearchError("unclassified"), 500),
])
def test_http_status_by_kind(error: ReformSearchError, status: int):
    assert http_status(error)[0] == status


def test_the_fix_is_added_once():
    assert ModelError("cannot load x").explain().endswith("then run `reform-search model`")
    named = IndexError_("no index at v; build it with `reform-search build`")
    assert named.explain() == str(named)
    assert BuildLocked("another build is running").explain() == "another build is running"


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Point the CLI at an empty data dir and a corpus with no documents."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.json").write_text(json.dumps({"format": 1, "documents": []}), encoding="utf-8")
    monkeypatch.setenv("REFORM_SEARCH_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("REFORM_SEARCH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_cli_build_on_an_empty_corpus_names_the_empty_corpus(env: Any, capsys: pytest.CaptureFixture[str]):
    assert main(["ingest"]) == 0
    capsys.readouterr()
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert "the corpus is empty" in err and "invalid setting" not in err and "reform-search add" in err


def test_cli_without_an_index_exits_3_with_the_fix(env: Any, capsys: pytest.CaptureFixture[str]):
    assert main(["search", "RPA"]) == 3
    assert "reform-search build" in capsys.readouterr().err
    assert main(["build"]) == 3  # no ingest records yet
    assert "reform-search ingest" in capsys.readouterr().err


def test_cli_names_a_bad_setting_by_its_variable(env: Any, capsys: pytest.CaptureFixture[str]):
    env.setenv("REFORM_SEARCH_PORT", "0")
    get_settings.cache_clear()
    assert main(["snapshots"]) == 2
    assert "invalid setting: REFORM_SEARCH_PORT" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["search", "RPA", "--k", str(limits.SEARCH_K_MAX + 1)], ["search", " "],
                                  ["compare", "RPA", "--per-city", "0"], ["ask", "x" * (limits.QUERY_MAX_CHARS + 1)]])
def test_cli_refuses_arguments_over_the_limits_before_loading(env: Any, argv: list[str]):
    with pytest.raises(SystemExit) as e:  # argparse: exit 2, before any index is opened
        main(argv)
    assert e.value.code == 2


def test_api_without_a_loadable_model_answers_503_with_the_fix(fixture_settings: Any, built_index: Path,
                                                              tmp_path: Path):
    settings = fixture_settings.model_copy(update={"model": str(tmp_path / "no-such-model")})
    with TestClient(create_app(settings)) as c:
        for r in (c.get("/readyz"), c.post("/search", json={"query": "RPA"}), c.get("/search", params={"q": "RPA"})):
            assert r.status_code == 503, r.text
            assert "REFORM_SEARCH_MODEL" in r.json()["error"]["message"]
        page = c.get("/", params={"q": "RPA"})  # the UI says the same
        assert page.status_code == 503 and "REFORM_SEARCH_MODEL" in page.text


def test_ui_and_api_share_the_limits(searcher: Any):
    c = TestClient(create_app(searcher.settings, searcher=searcher))
    most = limits.PER_CITY_MAX
    assert c.get("/compare", params={"q": "RPA", "per_city": most}).status_code == 200
    assert c.post("/compare", json={"query": "RPA", "per_city": most}).status_code == 200
    assert c.get("/compare", params={"q": "RPA", "per_city": most + 1}).status_code == 400
    assert c.post("/compare", json={"query": "RPA", "per_city": most + 1}).status_code == 422
    assert f'maxlength="{limits.QUERY_MAX_CHARS}"' in c.get("/").text


def test_method_not_allowed_lists_every_method_of_the_path(tmp_path: Path):
    c = TestClient(create_app(make_settings(tmp_path)))
    r = c.request("TRACE", "/search")
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert c.delete("/answer").headers["allow"] == "POST"

