"""Snapshots: publish, incremental rebuild, rollback, prune, hot swap, add, crash safety."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.faults import FAULT_EXIT_CODE
from index.publish import publish
from index.searcher import Searcher
from index.snapshots import BuildLocked, SnapshotStore
from ingest.chunking import ChunkParams
from ingest.corpus import add_document, load_manifest
from ingest.pipeline import load_records, run_ingest, write_records
from reform_search.errors import CorpusError, DocumentError, IndexError_
from reform_search.settings import FAULT_STAGES
from search_api.app import create_app
from tests.conftest import private_copy
from tests.support.builds import build_process, wait_paused

EXTRA = "1. 窓口改革\n書かない窓口を導入し、証明書の申請書記入を不要にした。来庁者の待ち時間は平均12分短縮した。\n"


@pytest.fixture()
def workspace(tmp_path: Path, fixture_settings: Any, built_index: Path) -> Any:
    """A private corpus copy and a data dir that starts with a copy of the fixture snapshot."""
    return private_copy(tmp_path, fixture_settings, snapshot_keep=2)


def _ingest(settings: Any) -> Any:
    result = run_ingest(settings.corpus_dir, ChunkParams())
    write_records(result, settings.records_dir)
    return load_records(settings.records_dir)


def test_add_document_rebuild_embeds_only_the_new_chunks(workspace: Any, encoder: Any, tmp_path: Path):
    before = SnapshotStore(workspace.index_dir).require_current()
    src = tmp_path / "madoguchi.txt"
    src.write_text(EXTRA, encoding="utf-8")
    meta = add_document(workspace.corpus_dir, src, city="狛江市", kind="other", fiscal_years=[2025], title="窓口改革メモ")
    assert meta.id == "madoguchi-2025" and (workspace.corpus_dir / "madoguchi.txt").is_file()
    report = publish(_ingest(workspace), workspace, encoder=encoder)
    counts = report.manifest["counts"]
    assert 1 <= counts["embedded"] <= 3, counts
    assert counts["reused_vectors"] == counts["chunks"] - counts["embedded"]
    store = SnapshotStore(workspace.index_dir)
    assert store.current() == report.path and store.previous() == before
    s = Searcher.open(workspace, encoder=encoder)
    assert any(h.document_id == "madoguchi-2025" for h in s.search("書かない窓口", k=5).hits)


def test_add_validates_before_writing(workspace: Any, tmp_path: Path):
    manifest_before = (workspace.corpus_dir / "manifest.json").read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes("狛江市".encode("shift_jis"))
    with pytest.raises(DocumentError, match="not UTF-8"):
        add_document(workspace.corpus_dir, bad, city="狛江市", kind="other", fiscal_years=[2025])
    good = tmp_path / "good.txt"
    good.write_text(EXTRA, encoding="utf-8")
    with pytest.raises(CorpusError, match="kind"):
        add_document(workspace.corpus_dir, good, city="狛江市", kind="novel", fiscal_years=[2025])
    with pytest.raises(CorpusError, match="fiscal year"):
        add_document(workspace.corpus_dir, good, city="狛江市", kind="other", fiscal_years=[])
    with pytest.raises(CorpusError, match="already in the manifest"):
        add_document(workspace.corpus_dir, good, city="狛江市", kind="other", fiscal_years=[2025], doc_id="komae-fx")
    assert (workspace.corpus_dir / "manifest.json").read_bytes() == manifest_before
    assert not (workspace.corpus_dir / "good.txt").exists()
    assert len(load_manifest(workspace.corpus_dir)) == 4


def test_rollback_prune_and_lock(workspace: Any, encoder: Any):
    store = SnapshotStore(workspace.index_dir)
    first = store.require_current()
    records = load_records(workspace.records_dir)
    second = publish(records, workspace, encoder=encoder).path
    third = publish(records, workspace, encoder=encoder).path
    assert third != second != first
    assert len(store.snapshots()) == 2 and first not in store.snapshots()  # pruned, keep=2
    assert store.rollback() == second
    assert store.current() == second and store.previous() == third
    with store.lock(), pytest.raises(BuildLocked):
        with store.lock():
            pass


def test_missing_or_corrupt_pointer_is_explained(tmp_path: Path):
    store = SnapshotStore(tmp_path / "index")
    with pytest.raises(IndexError_, match="reform-search build"):
        store.require_current()
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "CURRENT").write_text("{broken", encoding="utf-8")
    with pytest.raises(IndexError_, match="corrupt"):
        store.current()
    with pytest.raises(IndexError_, match="no previous snapshot"):
        SnapshotStore(tmp_path / "other").rollback()


def test_hot_swap_over_the_admin_endpoint(workspace: Any, encoder: Any, tmp_path: Path):
    settings = workspace.model_copy(update={"admin_key": "adm"})
    app = create_app(settings, searcher=Searcher.open(settings, encoder=encoder))
    client = TestClient(app)
    old = client.post("/admin/reload", headers={"X-Admin-Key": "wrong"})
    assert old.status_code == 401
    src = tmp_path / "madoguchi.txt"
    src.write_text(EXTRA, encoding="utf-8")
    add_document(settings.corpus_dir, src, city="狛江市", kind="other", fiscal_years=[2025])
    assert not any(h["document_id"] == "madoguchi-2025"
                   for h in client.post("/search", json={"query": "書かない窓口"}).json()["results"])
    report = publish(_ingest(settings), settings, encoder=encoder)
    r = client.post("/admin/reload", headers={"X-Admin-Key": "adm"})
    assert r.status_code == 200 and r.json()["serving"]["snapshot"] == report.path.name
    hits = client.post("/search", json={"query": "書かない窓口"}).json()["results"]
    assert any(h["document_id"] == "madoguchi-2025" for h in hits)
    (SnapshotStore(settings.index_dir).root / "CURRENT").write_text(json.dumps({"current": "gone"}))
    r = client.post("/admin/reload", headers={"X-Admin-Key": "adm"})
    assert r.status_code == 409 and "still serving" in r.json()["error"]["message"]
    assert client.post("/search", json={"query": "書かない窓口"}).status_code == 200


def kill_trial(settings: Any, encoder: Any, stage: str, action: str, log: Path) -> tuple[Path, Path]:
    """Run `reform-search build` stopped at `stage` (kill -9 while paused there, or its own exit);
    check that a complete snapshot is served. (Served before, served after.)"""
    store = SnapshotStore(settings.index_dir)
    serving = store.require_current()
    # mid-embed needs vectors to embed: embed_context=none changes every embedded text (nothing is reused)
    env = {"REFORM_SEARCH_EMBED_CONTEXT": "none"} if stage == "mid-embed" else {}
    build = build_process(settings, log, f"{stage}:{action}", **env)
    if action == "pause":
        os.kill(wait_paused(build, settings, stage, log), signal.SIGKILL)
        assert build.wait(timeout=60) == -signal.SIGKILL
    else:
        assert build.wait(timeout=900) == FAULT_EXIT_CODE, log.read_text(errors="replace")[-2000:]
    current = store.require_current()
    published = FAULT_STAGES.index(stage) > FAULT_STAGES.index("mid-publish")
    assert (current != serving) == published, (stage, current, serving)
    s = Searcher.open(settings, encoder=encoder)
    assert s.index_dir == current and s.search("RPAの導入", k=3).hits
    return serving, current


@pytest.mark.parametrize("stage", ["mid-embed", "mid-publish"])
def test_kill_9_during_build_keeps_serving(workspace: Any, encoder: Any, stage: str, tmp_path: Path):
    kill_trial(workspace, encoder, stage, "pause", tmp_path / "build.log")
    store = SnapshotStore(workspace.index_dir)
    again = publish(load_records(workspace.records_dir), workspace, encoder=encoder)
    assert store.current() == again.path
    assert not list(store.dir.glob(".tmp-*"))
    assert not list(store.root.glob(".CURRENT.*"))  # a pointer the kill left unrenamed is cleared
