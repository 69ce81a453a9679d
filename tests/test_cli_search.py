"""`reform-search search/compare/ask` against the fixture index (real model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reform_search.cli import main
from reform_search.settings import get_settings


@pytest.fixture()
def fixture_env(fixture_settings, built_index: Path, monkeypatch):
    monkeypatch.setenv("REFORM_SEARCH_DATA_DIR", str(fixture_settings.data_dir))
    monkeypatch.setenv("REFORM_SEARCH_CORPUS_DIR", str(fixture_settings.corpus_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_search_json_queries_file_and_text(fixture_env, tmp_path, capsys):
    assert main(["search", "RPAの導入", "--k", "3", "--json", "--city", "昭島市"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3 and {h["city"] for h in hits} == {"昭島市"}
    assert {"chunk_id", "score", "city", "document_id", "heading_path", "initiative", "text"} <= set(hits[0])
    queries = tmp_path / "q.txt"
    queries.write_text("RPAの導入\n\n公共施設マネジメント\n", encoding="utf-8")
    assert main(["search", "--queries", str(queries), "--k", "2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["query"] for r in rows] == ["RPAの導入", "公共施設マネジメント"]
    assert all(r["took_ms"] > 0 and len(r["results"]) == 2 for r in rows)
    assert main(["search", "RPAの導入", "--k", "2"]) == 0
    out = capsys.readouterr().out
    assert " 1. " in out and ("【RPA】" in out or "【ＲＰＡ】" in out)


def test_compare_ask_and_errors(fixture_env, capsys):
    assert main(["compare", "RPAの導入", "--per-city", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("■ ") >= 3
    # the weak-match flag, as the UI shows it: in the text and the JSON
    assert main(["compare", "電子決裁を各市で比較したい", "--per-city", "1"]) == 0
    weak_rows = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("■ ") and "関連弱" in ln]
    assert main(["compare", "電子決裁を各市で比較したい", "--per-city", "1", "--json"]) == 0
    cities = json.loads(capsys.readouterr().out)["cities"]
    assert cities[0]["strength"] == 1.0 and not cities[0]["weak"]
    assert [c["city"] for c in cities if c["weak"]] == [ln.split()[1].split("（")[0] for ln in weak_rows] != []
    # the cities with nothing comparable are named, not silently missing
    assert main(["compare", "各市の指定管理者制度を比較したい", "--json"]) == 0
    left_out = json.loads(capsys.readouterr().out)["without_match"]
    assert main(["compare", "各市の指定管理者制度を比較したい"]) == 0
    assert left_out and f"比較できる記述が見つからなかった市: {'、'.join(left_out)}" in capsys.readouterr().out
    assert main(["ask", "狛江市はRPAでどれくらいの時間を削減したか"]) == 0
    assert "[1]" in capsys.readouterr().out
    assert main(["search", "RPA", "--city", "大阪市"]) == 2
    assert "allowed" in capsys.readouterr().err


def test_build_progress_reports_embedding_in_steps(capsys):
    from reform_search.cli_search import _embed_meter

    show = _embed_meter()
    for done in range(0, 101):
        show(done, 100)
    show(100, 100)  # the build reports the last group twice: printed once
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "embedding 0/100 chunks"
    assert lines[-1].startswith("embedding 100/100 chunks")
    assert 10 <= len(lines) <= 12  # about every 10%, not per batch
    assert sum(ln.startswith("embedding 100/100") for ln in lines) == 1
