"""The upload flow in headless Chromium against a real server process on a private corpus copy:
choose a file on /upload, watch the job, then find the new document in a search."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import server
from tests.conftest import private_copy
from tests.test_browser import CHROMIUM, browser, offsite, page, shot  # noqa: F401 - fixtures

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
ADMIN_KEY = "upload-test-key"
NEW_CITY = "架空市"
MEMO = ("1. 公用車の削減\n公用車を15台削減し、カーシェアリングを導入した。年間の維持費は約900万円減った。\n"
        "2. 窓口のキャッシュレス化\n証明書手数料の支払いにキャッシュレス決済を導入し、窓口の待ち時間を平均4分短縮した。\n")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, fixture_settings: Any, built_index: Path) -> dict[str, Path]:
    s = private_copy(tmp_path_factory.mktemp("upload-browser"), fixture_settings)
    return {"corpus": s.corpus_dir, "data": s.data_dir}


@pytest.fixture(scope="module")
def base_url(workspace: dict[str, Path]) -> Iterator[str]:
    env = {"REFORM_SEARCH_DATA_DIR": str(workspace["data"]), "REFORM_SEARCH_CORPUS_DIR": str(workspace["corpus"]),
           "REFORM_SEARCH_ADMIN_KEY": ADMIN_KEY, "REFORM_SEARCH_SNAPSHOT_KEEP": "2"}
    with server(env) as url:
        yield url


def fill_form(page: Any, name: str, data: bytes, mime: str, *, title: str, year: str = "2025",
              key: str = ADMIN_KEY, kind: str = "other", city: str = NEW_CITY) -> None:
    page.locator("#file").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    page.locator("#city").fill(city)
    page.locator("#kind").select_option(kind)
    page.locator("#year").fill(year)
    page.locator("#title").fill(title)
    page.locator("#admin-key").fill(key)


def upload_and_wait(page: Any, name: str, data: bytes, mime: str, title: str, **kw: Any) -> dict[str, Any]:
    """Submit the form and wait for the page to show the result; the job JSON the page last read."""
    seen: list[dict[str, Any]] = []

    def on_response(r: Any) -> None:
        if "/documents/jobs/" in r.url and r.ok:
            seen.append(r.json())

    page.on("response", on_response)
    fill_form(page, name, data, mime, title=title, **kw)
    page.locator("#upload-submit").click()
    sync_api.expect(page.locator("#upload-status")).to_be_visible()
    page.wait_for_selector("#upload-result:not([hidden]), #upload-error:not([hidden])", timeout=600_000)
    page.remove_listener("response", on_response)
    assert page.locator("#upload-error").is_hidden(), page.locator("#upload-error").inner_text()
    assert seen and seen[-1]["status"] == "done"
    return seen[-1]


def test_upload_a_text_file_then_find_it(page: Any, base_url: str, workspace: dict[str, Path]):
    page.goto(base_url + "/")
    page.get_by_role("link", name="資料を追加").click()
    page.wait_for_selector("#upload-form")
    shot(page, "upload")
    job = upload_and_wait(page, "kuruma.txt", MEMO.encode(), "text/plain", "架空市 行革メモ")
    assert job["stages"][0] == "queued" and job["stages"][-2:] == ["publishing", "done"]
    assert "embedding" in job["stages"]
    assert page.locator("#upload-progress").evaluate("el => el.value") == 100
    assert "完了" in page.locator("#upload-stage").inner_text()
    assert "kuruma-2025" in page.locator("#upload-summary").inner_text()
    shot(page, "upload-done")
    page.locator("#upload-search").click()
    page.wait_for_selector("article.hit")
    assert set(page.locator("article.hit .badge.city").all_inner_texts()) == {NEW_CITY}
    page.goto(base_url + "/?q=" + "カーシェアリングの導入")
    page.wait_for_selector("article.hit")
    first = page.locator("article.hit").first
    assert first.locator(".badge.city").inner_text() == NEW_CITY
    first.locator("a.src").click()
    page.wait_for_selector("#cited")
    assert "カーシェアリング" in page.locator("#cited").inner_text()
    manifest = json.loads((workspace["corpus"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["documents"][-1]["id"] == "kuruma-2025"


def test_a_bad_file_shows_the_file_and_the_reason(page: Any, base_url: str, workspace: dict[str, Path]):
    manifest = (workspace["corpus"] / "manifest.json").read_bytes()
    current = (workspace["data"] / "index" / "CURRENT").read_bytes()
    page.goto(base_url + "/upload")
    fill_form(page, "empty.txt", b"", "text/plain", title="空")
    page.locator("#upload-submit").click()
    sync_api.expect(page.locator("#upload-error")).to_contain_text("empty.txt: file is empty")
    assert page.locator("#upload-submit").is_enabled()
    fill_form(page, "memo.txt", MEMO.encode(), "text/plain", title="鍵違い", key="wrong")
    page.locator("#upload-submit").click()
    sync_api.expect(page.locator("#upload-error")).to_contain_text("admin key")
    shot(page, "upload-error")
    assert (workspace["corpus"] / "manifest.json").read_bytes() == manifest
    assert (workspace["data"] / "index" / "CURRENT").read_bytes() == current


MIME = {".pdf": "application/pdf", ".html": "text/html",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_upload_a_pdf_an_html_page_and_a_workbook_then_find_them(page: Any, base_url: str, browser: Any,
                                                                  tmp_path: Path):
    from tests.upload_samples import GOOD, page_of, write_samples

    printer = browser.new_page()
    samples = write_samples(tmp_path, printer)
    printer.close()
    for s in GOOD:
        page.goto(base_url + "/upload")
        job = upload_and_wait(page, s.name, samples[s.name].read_bytes(), MIME[Path(s.name).suffix], s.title,
                              city=s.city, kind=s.kind)
        assert job["result"]["document_id"] == s.doc_id and job["result"]["city"] == s.city
    for s in GOOD:
        for query, words, page_no in s.queries:
            page.goto(base_url + "/?q=" + query)
            page.wait_for_selector("article.hit")
            first = page.locator("article.hit").first
            assert first.locator(".badge.city").inner_text() == s.city, query
            hit = page.request.post(base_url + "/search", data={"query": query, "k": 3}).json()["results"][0]
            assert hit["document_id"] == s.doc_id and words in hit["text"]
            if page_of(hit) is not None:
                assert page_of(hit) == page_no, (query, hit)
    shot(page, "upload-pdf-search")
    page.goto(base_url + "/upload")
    fill_form(page, "scan.pdf", samples["scan.pdf"].read_bytes(), "application/pdf", title="スキャン")
    page.locator("#upload-submit").click()
    sync_api.expect(page.locator("#upload-error")).to_contain_text(
        "scan.pdf: scanned PDF with no text layer: it needs OCR first")
