"""PDF reading end to end: PDFs printed by headless Chromium, read with pypdfium2, cleaned.

Needs Debian's chromium (/usr/bin/chromium, `make browser-deps`) and playwright; skipped
cleanly without the browser. The encrypted PDF is written with pypdf (test extra).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from eval.format_samples import (CHROMIUM, COLUMN_LEFT, COLUMN_RIGHT, PAGE2_MARK, RUNNING_HEADER, TOPICS, chromium,
                                 print_pdf, report_html, scanned_html, sentence)
from ingest.chunking import ChunkParams
from ingest.corpus import add_document, load_manifest
from ingest.formats import PAGE_BREAK, page_at, page_starts
from ingest.formats.read import read_bytes, read_source
from ingest.normalize import clean, fold, join_wrapped
from ingest.pipeline import load_records, run_ingest, write_records
from reform_search.errors import DocumentError

pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make browser-deps)")
PAGES = 4
LATIN = ("<p style='width:7em;font-size:14px'>Self-government and inter-municipal cooperation need "
         "considerable coordination.</p>")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pdf")
    with chromium() as page:
        return {
            "report": print_pdf(page, report_html(PAGES), d / "report.pdf"),
            "scanned": print_pdf(page, scanned_html(), d / "scanned.pdf", running=False),
            "latin": print_pdf(page, f"<html lang=en><body>{LATIN}</body></html>", d / "latin.pdf", running=False),
        }


@pytest.fixture(scope="module")
def report(pdfs: dict[str, Path]) -> Any:
    return read_source(pdfs["report"])


def test_pages_survive_as_form_feeds(report):
    assert (report.format, report.pages) == ("pdf", PAGES)
    assert report.text.count(PAGE_BREAK) == PAGES - 1
    starts = page_starts(report.text)
    assert page_at(starts, report.text.index("番号 取組名 評価")) == 1
    assert page_at(starts, report.text.index(PAGE2_MARK)) == 2
    assert page_at(starts, report.text.index("（項目13）")) == 3  # first item of page 3
    assert page_at(starts, report.text.index("（項目36）")) == 4


def test_japanese_text_is_exact(report):
    joined = join_wrapped(clean(report.text)).text
    for i in range(12 * (PAGES - 1)):
        assert fold(sentence(i)) in joined, sentence(i)
    assert "ＲＰＡによる定型業務の自動化（項目5）" in report.text  # full-width kept in the original
    for k in range(4):
        assert f"{k + 1} {TOPICS[k]} {'ABC'[k % 3]}" in report.text  # table rows stay rows


def test_offsets_quote_the_original(report):
    cleaned = clean(report.text)
    at = cleaned.text.index(fold(PAGE2_MARK))
    s, e = cleaned.original_span(at, at + len(fold(PAGE2_MARK)))
    assert report.text[s:e] == PAGE2_MARK


def test_running_header_footer_and_page_numbers_are_dropped_from_the_search_form(report):
    assert report.text.count(RUNNING_HEADER) == PAGES  # the original keeps what the page shows
    lines = re.split(r"[\n\f]", report.text)
    assert [ln for ln in lines if re.fullmatch(r"- \d+ -", ln)] == [f"- {n} -" for n in range(1, PAGES + 1)]
    cleaned = clean(report.text).text
    assert fold(RUNNING_HEADER) not in cleaned and "行財政改革推進計画(令和6年度版)" not in cleaned
    assert not re.search(r"^-\s*\d+\s*-$|\d/4$", cleaned, re.M)
    assert "\f" not in cleaned and fold(PAGE2_MARK) in cleaned.split("\n")


def test_two_columns_are_not_interleaved(report):
    joined = join_wrapped(clean(report.text)).text
    for line in COLUMN_LEFT + COLUMN_RIGHT:
        assert line in joined, line
    assert report.text.index(COLUMN_LEFT[-1][-6:]) < report.text.index(COLUMN_RIGHT[0][:6])


def test_vertical_text_is_extracted_in_reading_order(report):
    assert "縦\n書\nき\nの\n見\n出\nし" in report.text


def test_latin_words_wrapped_in_the_pdf_rejoin(pdfs):
    text = read_source(pdfs["latin"]).text
    assert "\n" in text.strip()  # the narrow paragraph really wraps
    assert "Self-government and inter-municipal cooperation need considerable coordination." in join_wrapped(clean(text)).text


def test_scanned_pdf_needs_ocr(pdfs):
    with pytest.raises(DocumentError, match="scanned PDF with no text layer: it needs OCR first"):
        read_source(pdfs["scanned"])


def test_encrypted_pdf(pdfs, tmp_path):
    pypdf = pytest.importorskip("pypdf")
    locked = pypdf.PdfWriter(clone_from=pdfs["latin"])
    locked.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    locked.write(tmp_path / "locked.pdf")
    with pytest.raises(DocumentError, match="encrypted PDF: it is password-protected"):
        read_source(tmp_path / "locked.pdf")
    # an owner password alone (copy/print restrictions) does not stop reading
    restricted = pypdf.PdfWriter(clone_from=pdfs["latin"])
    restricted.encrypt(user_password="", owner_password="owner", algorithm="AES-128", permissions_flag=0)
    restricted.write(tmp_path / "restricted.pdf")
    assert "Self" in read_source(tmp_path / "restricted.pdf").text


@pytest.mark.parametrize("cut", ["half", "tail", "middle"])
def test_truncated_or_corrupt_pdf(pdfs, cut):
    data = pdfs["report"].read_bytes()
    broken = {"half": data[: len(data) // 2], "tail": data[:-100], "middle": data[:1500] + data[-600:]}[cut]
    with pytest.raises(DocumentError, match="truncated or corrupt PDF"):
        read_bytes(broken, "broken.pdf")


@pytest.mark.parametrize("name", ["report.xlsx", "report.html", "report.txt"])
def test_pdf_with_a_wrong_extension(pdfs, name):
    with pytest.raises(DocumentError, match=rf"wrong extension: the content is a PDF but the name ends in \.{name[7:]}"):
        read_bytes(pdfs["report"].read_bytes(), name)


def _corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.json").write_text(json.dumps({"format": 1, "documents": []}), encoding="utf-8")
    return corpus


def test_add_and_ingest_a_pdf(pdfs, tmp_path):
    corpus = _corpus(tmp_path)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(pdfs["report"].read_bytes()[:5000])
    before = (corpus / "manifest.json").read_bytes()
    with pytest.raises(DocumentError, match="truncated"):
        add_document(corpus, broken, city="狛江市", kind="reform_plan", fiscal_years=[2024])
    assert (corpus / "manifest.json").read_bytes() == before and sorted(p.name for p in corpus.iterdir()) == ["manifest.json"]
    meta = add_document(corpus, pdfs["report"], city="狛江市", kind="reform_plan", fiscal_years=[2024])
    assert meta.file == "report.pdf" and [m.id for m in load_manifest(corpus)] == ["report-2024"]
    result = run_ingest(corpus, ChunkParams())
    assert not result.errors
    write_records(result, tmp_path / "records")
    rec = load_records(tmp_path / "records")
    row = rec.documents[0]
    assert (row["format"], row["pages"]) == ("pdf", PAGES)
    text = rec.texts["report-2024"]
    assert text == read_source(corpus / "report.pdf").text  # the stored original is the extracted text
    starts = page_starts(text)
    chunk = next(c for c in rec.chunks if fold(PAGE2_MARK) in c.text)
    quoted = text[chunk.char_start:chunk.char_end]
    assert page_at(starts, chunk.char_start + quoted.index(PAGE2_MARK)) == 2
    assert all(RUNNING_HEADER not in c.text and fold(RUNNING_HEADER) not in c.text for c in rec.chunks)
