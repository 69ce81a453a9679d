"""Adding documents as users do: `POST /documents` + job status (TestClient) and `reform-search add`.

Real model, FAISS and fugashi on a private copy of the fixture corpus and its snapshot.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.intake import intake_lock
from index.searcher import Searcher
from index.snapshots import SnapshotStore
from search_api.app import create_app
from tests.conftest import private_copy

ROOT = Path(__file__).resolve().parents[1]
NEW_CITY = "架空市"
MEMO = ("1. 公用車の削減\n公用車を15台削減し、カーシェアリングを導入した。年間の維持費は約900万円減った。\n"
        "2. 電子契約\n電子契約サービスを導入し、押印と郵送を不要にした。年間3,200件の契約が電子化された。\n")
KEY = {"X-Admin-Key": "adm"}


@pytest.fixture()
def workspace(tmp_path: Path, fixture_settings: Any, built_index: Path) -> Any:
    """A private corpus copy and a data dir starting with a copy of the fixture snapshot."""
    return private_copy(tmp_path, fixture_settings, snapshot_keep=2, admin_key="adm")


@pytest.fixture()
def client(workspace: Any, encoder: Any) -> TestClient:
    return TestClient(create_app(workspace, searcher=Searcher.open(workspace, encoder=encoder)))


def state_of(settings: Any) -> dict[str, Any]:
    """Everything an add may change: manifest bytes, corpus listing, CURRENT, records, uploads."""
    uploads = settings.data_dir / "uploads"
    return {
        "manifest": (settings.corpus_dir / "manifest.json").read_bytes(),
        "corpus": sorted(p.name for p in settings.corpus_dir.iterdir()),
        "current": (settings.index_dir / "CURRENT").read_bytes(),
        "records": (settings.records_dir / "documents.json").read_bytes(),
        "uploads": sorted(str(p) for p in uploads.rglob("*")) if uploads.exists() else [],
    }


def upload(client: TestClient, name: str, data: bytes, headers: dict[str, str] | None = None, **form: Any) -> Any:
    fields = {"city": NEW_CITY, "kind": "other", "year": "2025", **form}
    return client.post("/documents", files={"file": (name, data, "application/octet-stream")}, data=fields,
                       headers=KEY if headers is None else headers)


def wait_for(client: TestClient, status_url: str, headers: dict[str, str] = KEY) -> dict[str, Any]:
    """Poll the job until it ends (the deadline only guards against a hang)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        job = client.get(status_url, headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    pytest.fail(f"job {status_url} did not finish")


def test_txt_upload_is_searchable_and_served(client: TestClient, workspace: Any):
    before = SnapshotStore(workspace.index_dir).require_current()
    r = upload(client, "kuruma.txt", MEMO.encode(), title="架空市 行革メモ", year=["2024", "2025"])
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "queued" and body["document_id"] == "kuruma-2024"
    assert r.headers["location"] == body["status_url"]
    job = wait_for(client, body["status_url"])
    assert job["status"] == "done", job
    assert job["stages"] == ["queued", "validating", "ingesting", "embedding", "publishing", "done"]
    res = job["result"]
    assert res["document_id"] == "kuruma-2024" and res["city"] == NEW_CITY and res["fiscal_years"] == [2024, 2025]
    assert res["chunks"] >= 1 and 1 <= res["embedded"] <= res["chunks"] and res["reused"] > 0
    current = SnapshotStore(workspace.index_dir).require_current()
    assert current != before and res["snapshot"] == res["serving"] == current.name
    hits = client.post("/search", json={"query": "カーシェアリングの導入", "k": 5}).json()["results"]
    assert hits[0]["document_id"] == "kuruma-2024" and hits[0]["city"] == NEW_CITY
    assert hits[0]["source"]["file"] == "kuruma.txt"
    assert client.get(res["source_url"]).status_code == 200
    page = client.get(res["search_url"])
    assert page.status_code == 200 and 'data-city="架空市"' in page.text
    manifest = json.loads((workspace.corpus_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"][-1]["id"] == "kuruma-2024"
    assert (workspace.corpus_dir / "kuruma.txt").read_bytes() == MEMO.encode()
    assert state_of(workspace)["uploads"] == []
    assert client.post("/admin/reload", headers=KEY).json()["serving"]["snapshot"] == current.name


@pytest.mark.parametrize("name, data, form, headers, status, needle", [
    ("empty.txt", b"", {}, None, 422, "empty.txt: file is empty"),
    ("blank.txt", b" \n\n ", {}, None, 422, "blank.txt: file is empty"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, {}, None, 422, "photo.txt: file is binary"),
    ("sjis.txt", "公用車の削減".encode("shift_jis"), {}, None, 422, "sjis.txt: not UTF-8"),
    ("report.txt", b"%PDF-1.7\n%%EOF\n", {}, None, 422, "report.txt: wrong extension: the content is a PDF"),
    ("memo.txt", MEMO.encode(), {"kind": "novel"}, None, 422, "memo.txt: kind"),
    ("memo.txt", MEMO.encode(), {"year": ""}, None, 422, "memo.txt: give at least one fiscal year"),
    ("memo.txt", MEMO.encode(), {"year": "令和7"}, None, 422, "memo.txt: fiscal year '令和7'"),
    ("memo.txt", MEMO.encode(), {"year": "1900"}, None, 422, "fiscal year 1900 is not"),
    ("memo.txt", MEMO.encode(), {"city": ""}, None, 422, "memo.txt: city"),
    ("memo.txt", MEMO.encode(), {"id": "komae-fx"}, None, 422, "memo.txt: document id 'komae-fx' is already"),
    ("komae.txt", MEMO.encode(), {}, None, 422, "already exists with other content"),
    ("memo.txt", MEMO.encode(), {}, {}, 401, "admin key"),
    ("memo.txt", MEMO.encode(), {}, {"X-Admin-Key": "wrong"}, 401, "admin key"),
])
def test_bad_uploads_are_refused_before_anything_changes(client: TestClient, workspace: Any, name: str,
                                                         data: bytes, form: dict[str, Any], headers: Any,
                                                         status: int, needle: str):
    before = state_of(workspace)
    r = upload(client, name, data, headers, **form)
    assert r.status_code == status, r.text
    assert needle in r.json()["error"]["message"]
    assert state_of(workspace) == before


def test_a_document_without_text_to_index_is_rolled_back(client: TestClient, workspace: Any):
    before = state_of(workspace)
    r = upload(client, "dots.txt", "。。。\n".encode())
    assert r.status_code == 202, r.text  # valid UTF-8 text: only ingest finds nothing in it
    job = wait_for(client, r.json()["status_url"])
    assert job["status"] == "failed" and job["stages"][-1] == "failed" and "ingesting" in job["stages"]
    assert job["message"].startswith("dots.txt: ") and "0 chunks" in job["message"]
    assert state_of(workspace) == before
    assert client.post("/search", json={"query": "RPAの導入"}).status_code == 200


def test_oversized_upload_gets_413_naming_the_file(workspace: Any, encoder: Any):
    settings = workspace.model_copy(update={"upload_max_bytes": 1024})
    client = TestClient(create_app(settings, searcher=Searcher.open(settings, encoder=encoder)))
    before = state_of(settings)
    r = upload(client, "big.txt", MEMO.encode() * 10)
    assert r.status_code == 413 and r.json()["error"]["message"].startswith("big.txt: file is larger")
    r = upload(client, "huge.txt", MEMO.encode() * 1000)  # over the request body limit itself
    assert r.status_code == 413
    assert state_of(settings) == before


def test_busy_intake_gets_409_and_unknown_job_404(client: TestClient, workspace: Any):
    before = state_of(workspace)
    with intake_lock(workspace):  # as if `reform-search add` were running in another process
        r = upload(client, "memo.txt", MEMO.encode())
    assert r.status_code == 409 and "memo.txt: another document is being added" in r.json()["error"]["message"]
    assert state_of(workspace) == before
    r = client.get("/documents/jobs/nope", headers=KEY)
    assert r.status_code == 404
    assert client.get("/documents/jobs/nope").status_code == 401


def test_without_an_admin_key_only_this_machine_s_pages_may_add(workspace: Any, encoder: Any):
    settings = workspace.model_copy(update={"admin_key": None})
    app = create_app(settings, searcher=Searcher.open(settings, encoder=encoder))
    before = state_of(settings)
    remote = TestClient(app)  # client address "testclient": not this machine
    r = upload(remote, "memo.txt", MEMO.encode(), headers={})
    assert r.status_code == 403 and "REFORM_SEARCH_ADMIN_KEY" in r.json()["error"]["message"]
    local = TestClient(app, client=("127.0.0.1", 50000))
    r = upload(local, "memo.txt", MEMO.encode(), headers={"Origin": "https://elsewhere.example"})
    assert r.status_code == 403  # a form on another site posting to the local server
    for headers in ({}, {"Origin": "http://testserver"}):  # curl; the upload page itself
        r = upload(local, "empty.txt", b"", headers=headers)
        assert r.status_code == 422 and r.json()["error"]["message"] == "empty.txt: file is empty"
    assert state_of(settings) == before


def test_upload_page_renders_the_form(client: TestClient, searcher: Any):
    body = client.get("/upload").text
    assert 'href="/upload" aria-current="page"' in body
    for field in ('name="file"', 'name="city"', 'name="kind"', 'name="year"', 'name="title"', 'id="admin-key"'):
        assert field in body
    assert "/static/upload.js" in body and client.get("/static/upload.js").status_code == 200
    for city in searcher.cities:
        assert f'<option value="{city}">' in body
    open_client = TestClient(create_app(searcher.settings, searcher=searcher))
    assert 'id="admin-key"' not in open_client.get("/upload").text  # no key asked when none is set


# ---- CLI ---------------------------------------------------------------------------------------


def cli(settings: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REFORM_SEARCH_DATA_DIR": str(settings.data_dir),
           "REFORM_SEARCH_CORPUS_DIR": str(settings.corpus_dir)}
    return subprocess.run([sys.executable, "-m", "reform_search.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=900)


def test_cli_add_reports_progress_and_publishes(workspace: Any, encoder: Any, tmp_path: Path):
    src = tmp_path / "denshi.txt"
    src.write_text(MEMO, encoding="utf-8")
    before = SnapshotStore(workspace.index_dir).require_current()
    p = cli(workspace, "add", str(src), "--city", NEW_CITY, "--kind", "reform_plan", "--year", "2025")
    assert p.returncode == 0, p.stderr
    lines = p.stderr.splitlines()
    n_docs = len(json.loads((workspace.corpus_dir / "manifest.json").read_text(encoding="utf-8"))["documents"])
    assert lines[0] == "validating"
    assert f"ingesting {n_docs}/{n_docs}" in "\n".join(lines)
    embed = [ln for ln in lines if ln.startswith("embedding ")]
    assert embed[0].startswith("embedding 0/") and embed[-1].split()[1].split("/")[0] == embed[-1].split("/")[-1]
    assert "publishing" in lines and any(ln.startswith("done: denshi-2025") for ln in lines)
    current = SnapshotStore(workspace.index_dir).require_current()
    assert current != before
    s = Searcher.open(workspace, encoder=encoder)
    assert s.search("電子契約で押印を不要にした", k=3).hits[0].document_id == "denshi-2025"
    assert NEW_CITY in s.cities


def test_cli_add_errors_name_the_file_and_change_nothing(workspace: Any, tmp_path: Path):
    before = state_of(workspace)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    p = cli(workspace, "add", str(empty), "--city", NEW_CITY, "--kind", "other", "--year", "2025")
    assert p.returncode != 0 and f"error: {empty}: file is empty" in p.stderr
    good = tmp_path / "memo.txt"
    good.write_text(MEMO, encoding="utf-8")
    p = cli(workspace, "add", str(good), "--city", NEW_CITY, "--kind", "novel", "--year", "2025")
    assert p.returncode != 0 and f"error: {good}: kind" in p.stderr
    dots = tmp_path / "dots.txt"
    dots.write_text("。。。\n", encoding="utf-8")
    p = cli(workspace, "add", str(dots), "--city", NEW_CITY, "--kind", "other", "--year", "2025")
    assert p.returncode != 0 and f"error: {dots}: no text to index" in p.stderr
    assert state_of(workspace) == before
