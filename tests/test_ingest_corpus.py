"""Ingest of the real seed corpus: counts, chunk invariants, the CLI's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.chunking import ChunkParams
from ingest.normalize import fold
from ingest.pipeline import run_ingest
from reform_search.cli import main

CORPUS = Path(__file__).resolve().parent.parent / "corpora"
PARAMS = ChunkParams()


@pytest.fixture(scope="module")
def result():
    return run_ingest(CORPUS, PARAMS)


def test_every_document_ingests(result):
    assert not result.errors
    counts = {d.meta.id: len(d.initiatives) for d in result.documents}
    assert counts["komae-2022-progress"] == 65
    assert sum(1 for i in next(d for d in result.documents if d.meta.id == "kodaira-2022-progress").initiatives) == 28
    assert all(len(d.chunks) > 0 for d in result.documents)


def test_chunk_invariants(result):
    ids = set()
    for doc in result.documents:
        for c in doc.chunks:
            assert c.text.strip(), c.id
            assert len(c.text) <= PARAMS.maximum, c.id
            assert 0 <= c.char_start < c.char_end <= len(doc.text)
            quoted = doc.text[c.char_start : c.char_end]
            assert fold(quoted[0])[:1] == c.text[0] and fold(quoted[-1])[-1:] == c.text[-1], c.id
            assert c.id not in ids
            ids.add(c.id)
            assert c.city == doc.meta.city and c.document_id == doc.meta.id
    again = run_ingest(CORPUS, PARAMS)
    assert [c.id for d in again.documents for c in d.chunks] == [c.id for d in result.documents for c in d.chunks]


def test_every_initiative_is_searchable(result):
    for doc in result.documents:
        with_chunks = {c.initiative_id for c in doc.chunks}
        assert {i.id for i in doc.initiatives} <= with_chunks


def test_cli_ingest_and_initiatives_json(tmp_path, monkeypatch, capsys):
    from reform_search.settings import get_settings

    monkeypatch.setenv("REFORM_SEARCH_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert main(["ingest"]) == 0
        capsys.readouterr()
        assert main(["initiatives", "--city", "狛江市", "--json"]) == 0
        items = json.loads(capsys.readouterr().out)
        item = next(i for i in items if i["id"] == "komae-2022-progress:06")
        assert item["title"] == "AI・RPA等の先進技術の導入" and item["number"] == "06"
        assert {"id", "city", "document_id", "number", "title", "heading_path", "department", "ratings"} <= set(item)
        kodaira = main(["initiatives", "--city", "小平市", "--json"])
        assert kodaira == 0
        rated = json.loads(capsys.readouterr().out)
        assert sorted(r["value"] for i in rated for r in i["ratings"]).count("B") == 2
        assert all(set(r) >= {"year", "value"} for i in rated for r in i["ratings"])
        assert main(["initiatives", "--city", "大阪市"]) == 2
        assert "known cities" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
