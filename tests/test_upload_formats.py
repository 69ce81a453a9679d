"""PDF, HTML and XLSX documents of cities not in the corpus, added over the API and the CLI:
searchable with citations on the right page; bad files refused with the file and the reason."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.searcher import Searcher
from ingest.formats import page_at, page_starts
from tests.test_upload import client, workspace  # noqa: F401 - fixtures
from tests.test_upload import cli, state_of, upload, wait_for
from tests.upload_samples import BAD, GOOD, Sample, page_of, write_samples

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield write_samples(tmp_path_factory.mktemp("samples"), browser.new_page())
        finally:
            browser.close()


def check_searchable(search: Any, sample: Sample, text_of: Any) -> None:
    """Every query of the sample finds its document first, quoting the answer from the original on
    the right page (the page of the cited offset in the form-feed paged text, and the hit's own
    `page` where hits carry one)."""
    for query, words, page in sample.queries:
        hits = search(query)
        assert hits and hits[0]["document_id"] == sample.doc_id, (query, [h["document_id"] for h in hits])
        hit = hits[0]
        assert hit["city"] == sample.city and words in hit["text"]
        text = text_of(sample.doc_id)
        start, end = hit["source"]["char_start"], hit["source"]["char_end"]
        assert words in text[start:end]
        if sample.name.endswith(".pdf"):
            assert page_at(page_starts(text), start + text[start:end].index(words)) == page, query
            assert page_at(page_starts(text), start) == page, (query, "the cited passage starts on another page")
        if page_of(hit) is not None:
            assert page_of(hit) == page, (query, hit)


def test_api_adds_a_pdf_an_html_page_and_a_workbook(client: TestClient, workspace: Any, samples: dict[str, Path]):
    for s in GOOD:
        r = upload(client, s.name, samples[s.name].read_bytes(), city=s.city, kind=s.kind, title=s.title)
        assert r.status_code == 202, r.text
        job = wait_for(client, r.json()["status_url"])
        assert job["status"] == "done", job
        assert job["result"]["document_id"] == s.doc_id and job["result"]["chunks"] >= 1
        assert (workspace.corpus_dir / s.name).read_bytes() == samples[s.name].read_bytes()
        assert client.get(job["result"]["source_url"]).status_code == 200
    docs = {d["id"]: d for d in client.get("/documents").json()["documents"]}
    assert {s.doc_id for s in GOOD} <= set(docs)

    def search(q: str) -> list[dict[str, Any]]:
        return client.post("/search", json={"query": q, "k": 5}).json()["results"]

    for s in GOOD:
        check_searchable(search, s, lambda doc_id: client.app.state.searcher.meta.texts[doc_id])


@pytest.mark.parametrize("name, reason", BAD)
def test_api_refuses_bad_files_naming_them(client: TestClient, workspace: Any, samples: dict[str, Path],
                                           name: str, reason: str):
    if name not in samples:
        pytest.skip(f"{name} needs pypdf")
    before = state_of(workspace)
    r = upload(client, name, samples[name].read_bytes())
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"].startswith(f"{name}: {reason}")
    assert state_of(workspace) == before


def test_cli_adds_a_pdf_an_html_page_and_a_workbook(workspace: Any, encoder: Any, samples: dict[str, Path],
                                                    tmp_path: Path):
    for s in GOOD:
        src = tmp_path / s.name
        shutil.copyfile(samples[s.name], src)
        p = cli(workspace, "add", str(src), "--city", s.city, "--kind", s.kind, "--year", "2025", "--title", s.title)
        assert p.returncode == 0, p.stderr
        assert f"done: {s.doc_id} is searchable" in p.stderr
    searcher = Searcher.open(workspace, encoder=encoder)
    for s in GOOD:
        check_searchable(lambda q: [h.to_dict() for h in searcher.search(q, k=5).hits], s,
                         lambda doc_id: searcher.meta.texts[doc_id])


def test_cli_refuses_a_scanned_pdf_saying_it_needs_ocr(workspace: Any, samples: dict[str, Path]):
    before = state_of(workspace)
    p = cli(workspace, "add", str(samples["scan.pdf"]), "--city", "架空市", "--kind", "other", "--year", "2025")
    assert p.returncode != 0
    assert f"error: {samples['scan.pdf']}: scanned PDF with no text layer: it needs OCR first" in p.stderr
    assert state_of(workspace) == before
