"""Readers for HTML and Excel, and the format checks shared by all readers (no browser needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from eval.format_samples import TOPICS, municipal_html, write_workbook
from ingest.formats import PAGE_BREAK, page_at, page_starts
from ingest.formats.read import SUPPORTED, read_bytes, read_source
from ingest.formats.xlsx import cell_text
from ingest.normalize import clean
from reform_search.errors import DocumentError

MINI_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _error(path: Path) -> str:
    with pytest.raises(DocumentError) as e:
        read_source(path)
    assert e.value.path == str(path)
    return e.value.reason


# --- HTML -------------------------------------------------------------------------------------

def test_html_keeps_main_text_lines_and_table_rows(tmp_path):
    src = read_source(_write(tmp_path, "page.html", municipal_html().encode("utf-8")))
    assert (src.format, src.pages) == ("html", 1)
    lines = src.text.split("\n")
    assert lines[:2] == ["第５次行財政改革推進計画", "計画の概要"]  # an article's own header stays
    # <br> splits the paragraph, entities are decoded, list items are lines of their own
    assert "市では、持続可能な行財政運営を目指し、“改革”を進めています。" in lines
    assert "令和６年度の重点項目は次のとおりです。" in lines
    assert "窓口のデジタル化 & 手続の簡素化" in lines and "公共施設の適正配置" in lines
    assert "番号 | 取組名 | 評価" in lines  # the header row; colspan padding trimmed at the end
    assert "1 | 電子申請 の拡充 | A | B" in lines
    assert "2 | ＲＰＡの導入 | B" in lines
    for noise in ("狛江市ホームページ", "くらし・手続き", "ホーム >", "関連リンク", "おすすめ情報", "Copyright",
                  "スクリプト", "後から書く", "color", "行財政改革｜狛江市"):
        assert noise not in src.text, noise


@pytest.mark.parametrize("declared, codec", [("Shift_JIS", "cp932"), (None, "cp932"), (None, "euc_jp"), ("EUC-JP", "euc_jp")])
def test_japanese_legacy_encodings_are_decoded(tmp_path, declared, codec):
    html = municipal_html(declared or "x")
    if declared is None:
        html = html.replace('<meta charset="x">', "")
    path = _write(tmp_path, "legacy.htm", html.encode(codec))
    src = read_source(path)
    assert "第５次行財政改革推進計画" in src.text and "2 | ＲＰＡの導入 | B" in src.text


def test_undeclared_euc_jp_that_also_decodes_as_windows_31j(tmp_path):
    body = "<html><body><main><p>市では行財政改革を進めています。</p><p>改革の推進について</p></main></body></html>"
    data = body.encode("euc_jp")
    assert data.decode("cp932")  # the trap: valid Windows-31J too (half-width kana garbage)
    assert read_source(_write(tmp_path, "euc.html", data)).text == "市では行財政改革を進めています。\n改革の推進について"


def test_html_without_text_and_misnamed_html(tmp_path):
    assert "no visible text" in _error(_write(tmp_path, "blank.html", b"<html><body><nav>menu</nav></body></html>"))
    assert "wrong extension" in _error(_write(tmp_path, "page.pdf", municipal_html().encode()))
    assert ".html" in _error(_write(tmp_path, "page.pdf", municipal_html().encode()))


# --- XLSX -------------------------------------------------------------------------------------

def test_workbook_sheets_become_pages_of_rows(tmp_path):
    src = read_source(write_workbook(tmp_path / "book.xlsx"))
    assert (src.format, src.pages) == ("xlsx", 4)
    pages = src.text.split(PAGE_BREAK)
    first = pages[0].split("\n")
    assert first[:3] == ["【取組一覧】", "令和６年度 行財政改革 実施状況",
                         "番号 | 取組名 | 担当課 | 評価 R5 | 評価 R6 | 削減額（円） | 達成率 | 完了日"]
    assert first[3] == f"1 | {TOPICS[0]} | 総務課 | A | B | 1,234,567 | 12.5% | 2024-04-01"
    assert len(first) == 3 + 5
    assert pages[1].split("\n") == ["【指標】", "指標名 | 基準値 | 目標値", "電子申請の件数 | 1200 | 2500",
                                    "経常収支比率 | 92.35 | 90 |  |  |  | ※決算見込み"]
    assert pages[2] == "" and pages[3] == ""  # bare numbers (no header row) and a hidden sheet
    starts = page_starts(src.text)
    assert page_at(starts, src.text.index("経常収支比率")) == 2


def test_workbook_merged_data_cells_repeat_down(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["部", "取組", "進捗"])
    ws.append(["総務部", "文書管理の電子化", "実施"])
    ws.append([None, "押印の廃止", "完了"])
    ws.merge_cells("A2:A3")
    wb.save(tmp_path / "m.xlsx")
    text = read_source(tmp_path / "m.xlsx").text
    assert text.split("\n") == ["【Sheet】", "部 | 取組 | 進捗", "総務部 | 文書管理の電子化 | 実施", "総務部 | 押印の廃止 | 完了"]


def test_workbook_without_header_row(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append([1, 2, 3])
    wb.active.append([4, 5, 6])
    wb.create_sheet("空")
    wb.save(tmp_path / "nums.xlsx")
    assert "no header row" in _error(tmp_path / "nums.xlsx")


@pytest.mark.parametrize(
    "value, fmt, shown",
    [(3.0, None, "3"), (0.1 + 0.2, None, "0.3"), (1234567, "#,##0", "1,234,567"), (0.5, "0%", "50%"),
     (dt.datetime(2024, 4, 1), "yyyy/m/d", "2024-04-01"), (dt.datetime(2024, 4, 1, 9, 30), None, "2024-04-01 09:30"),
     ("二行の\nセル", None, "二行の セル"), (None, None, ""), (True, None, "TRUE")],
)
def test_cells_print_like_people_read_them(value, fmt, shown):
    assert cell_text(value, fmt) == shown


# --- checks shared by every format --------------------------------------------------------------

@pytest.mark.parametrize("name", ["a.txt", "a.pdf", "a.html", "a.xlsx"])
def test_empty_file(tmp_path, name):
    assert _error(_write(tmp_path, name, b"  \n")) == "file is empty"


def test_wrong_extensions_are_named(tmp_path):
    book = write_workbook(tmp_path / "book.xlsx").read_bytes()
    assert "content is a PDF but the name ends in .xlsx" in _error(_write(tmp_path, "a.xlsx", MINI_PDF))
    assert "content is a PDF but the name ends in .txt" in _error(_write(tmp_path, "b.txt", MINI_PDF))
    assert "content is an Excel .xlsx workbook but the name ends in .pdf" in _error(_write(tmp_path, "c.pdf", book))
    assert "content is an Excel .xlsx workbook but the name ends in .html" in _error(_write(tmp_path, "d.html", book))
    assert "rename it to .txt" in _error(_write(tmp_path, "e.pdf", "本文です。".encode()))
    assert "not an Excel .xlsx" in _error(_write(tmp_path, "f.xlsx", "本文です。".encode()))
    assert "old binary Excel" in _error(_write(tmp_path, "g.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64))


def test_truncated_workbook(tmp_path):
    book = write_workbook(tmp_path / "book.xlsx").read_bytes()
    assert "truncated or corrupt .xlsx" in _error(_write(tmp_path, "cut.xlsx", book[: len(book) // 2]))


def test_unsupported_suffix_lists_the_supported(tmp_path):
    reason = _error(_write(tmp_path, "a.docx", b"PK\x03\x04"))
    assert "unsupported file type '.docx'" in reason and all(s in reason for s in SUPPORTED)
    assert "no suffix" in _error(_write(tmp_path, "README", b"text"))


def test_text_keeps_its_checks_and_form_feed_pages(tmp_path):
    src = read_bytes("一頁目\r\n\f二頁目\n".encode("utf-8-sig"), "x.txt")
    assert (src.text, src.format, src.pages) == ("一頁目\n\f二頁目\n", "text", 2)
    assert "not UTF-8" in _error(_write(tmp_path, "s.txt", "狛江市".encode("shift_jis")))
    assert "binary" in _error(_write(tmp_path, "b.txt", b"\x89PNG\x00\x00\x01"))


def test_clean_of_html_and_xlsx_keeps_the_rows(tmp_path):
    src = read_source(write_workbook(tmp_path / "book.xlsx"))
    cleaned = clean(src.text).text
    assert "指標名 | 基準値 | 目標値\n電子申請の件数 | 1200 | 2500" in cleaned
    assert "【取組一覧】" in cleaned and "\f" not in cleaned
