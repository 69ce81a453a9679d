"""Documents of cities not in the corpus, in the formats cities publish, with no parser named.

A PDF (printed by Chromium), an HTML page and an XLSX workbook are added to a copy of the
fixture corpus, ingested by the general recognizer and indexed with the real model; their
initiatives then work everywhere the seeds' do: search with page-accurate citations,
initiative pages, similar initiatives in other cities, compare, rating filters.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, FIXTURES, make_settings

pytest.importorskip("playwright")
if not Path("/usr/bin/chromium").exists():
    pytest.skip("needs Debian's chromium (make browser-deps)", allow_module_level=True)

PDF_CITY, HTML_CITY, XLSX_CITY = "ささなみ市", "みどり市", "あおば町"


def _pdf(path: Path) -> None:
    from eval.format_samples import chromium, print_pdf

    src = (FIXTURES / "recognizer" / "torikumi_koumoku_nn.txt").read_text(encoding="utf-8")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in src.split("\n") if line.strip())
    page_html = (f"<html><head><meta charset='utf-8'><style>body{{font-family:'IPAGothic';font-size:11pt}}"
                 f"p{{margin:2px 0}}</style></head><body>{body}</body></html>")
    with chromium() as page:
        print_pdf(page, page_html, path)


def _html(path: Path) -> None:
    rows = [("1", "窓口でのキャッシュレス決済の導入", "市民課", "A"), ("2", "ソフトウェアロボットによる入力作業の自動化", "情報政策課", "B"),
            ("3", "会議資料のペーパーレス化", "総務課", "A"), ("4", "公共施設の予約のオンライン化", "施設管理課", "C")]
    trs = "".join(f"<tr><td>{a}</td><td>{b}</td><td>{c}</td><td>{d}</td></tr>" for a, b, c, d in rows)
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>行政改革 進捗</title></head><body>"
        "<nav><ul><li>ホーム</li><li>くらし</li></ul></nav><main><h1>みどり市行政改革実施計画 令和5年度の進捗</h1>"
        "<p>令和5年度の取組の進捗を公表します。</p><table><tr><th>No.</th><th>取組項目</th><th>担当課</th><th>評価(R5)</th></tr>"
        f"{trs}</table></main><footer>みどり市役所</footer></body></html>", encoding="utf-8")


def _xlsx(path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "進捗管理表"
    ws.append(["No.", "取組項目", "担当課", "目標", "実績", "評価"])
    ws.append([1, "定型業務へのRPA導入", "デジタル推進課", "10業務", "12業務", "A"])
    ws.append([2, "電子申請の拡充", "デジタル推進課", "100手続", "80手続", "B"])
    ws.append([3, "指定管理者制度の導入拡大", "企画課", "5施設", "5施設", "A"])
    ws.append([4, "ふるさと納税の返礼品拡充", "企画課", "寄附額2億円", "1.6億円", "B"])
    wb.save(path)


@pytest.fixture(scope="module")
def new_city_searcher(tmp_path_factory: pytest.TempPathFactory, encoder: Any) -> Any:
    from index.publish import publish
    from index.searcher import Searcher
    from ingest.chunking import ChunkParams
    from ingest.corpus import add_document
    from ingest.pipeline import load_records, run_ingest, write_records

    root = tmp_path_factory.mktemp("newcity")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    files = root / "incoming"
    files.mkdir()
    _pdf(files / "sasanami_plan.pdf")
    _html(files / "midori_progress.html")
    _xlsx(files / "aoba_progress.xlsx")
    add_document(corpus, files / "sasanami_plan.pdf", city=PDF_CITY, kind="evaluation_report", fiscal_years=[2023])
    add_document(corpus, files / "midori_progress.html", city=HTML_CITY, kind="progress_report", fiscal_years=[2023])
    add_document(corpus, files / "aoba_progress.xlsx", city=XLSX_CITY, kind="progress_report", fiscal_years=[2023])
    s = make_settings(root / "data", corpus_dir=corpus)
    result = run_ingest(corpus, ChunkParams(s.chunk_target_chars, s.chunk_max_chars, s.chunk_overlap_chars))
    assert not result.errors, result.errors
    write_records(result, s.records_dir)
    publish(load_records(s.records_dir), s, encoder=encoder)
    return Searcher.open(s, encoder=encoder)


def _inis(searcher: Any, city: str) -> list[Any]:
    return sorted((i for i in searcher.meta.initiatives.values() if i.city == city), key=lambda i: i.id)


def test_initiatives_recognized_in_every_format(new_city_searcher: Any) -> None:
    s = new_city_searcher
    pdf = _inis(s, PDF_CITY)
    assert [i.number for i in pdf] == ["取組項目01", "取組項目02", "取組項目03", "取組項目11", "取組項目12", "取組項目15",
                                       "取組項目24", "取組項目25"]
    assert pdf[0].title == "行政情報のオープンデータ化" and pdf[0].departments == ["情報政策課"]
    assert [(r.year, r.value) for r in pdf[0].ratings] == [(2023, "時期の遅れはあるが目標をおおむね達成")]
    web = _inis(s, HTML_CITY)
    assert [(i.number, i.departments, [r.value for r in i.ratings]) for i in web] == [
        ("1", ["市民課"], ["A"]), ("2", ["情報政策課"], ["B"]), ("3", ["総務課"], ["A"]), ("4", ["施設管理課"], ["C"])]
    xl = _inis(s, XLSX_CITY)
    assert [i.title for i in xl] == ["定型業務へのRPA導入", "電子申請の拡充", "指定管理者制度の導入拡大", "ふるさと納税の返礼品拡充"]
    assert xl[0].extra.get("目標") == "10業務" and [r.value for r in xl[1].ratings] == ["B"]


def test_pdf_hits_quote_the_source_with_their_page(new_city_searcher: Any) -> None:
    from ingest.formats import page_at, page_starts
    from index.searcher import Filters

    s = new_city_searcher
    hits = s.search("ネーミングライツの導入", k=5, filters=Filters(city=(PDF_CITY,))).hits
    assert hits and hits[0].city == PDF_CITY and hits[0].page is not None
    text = s.meta.texts[hits[0].document_id]
    row = s.meta.chunks[hits[0].row]
    assert page_at(page_starts(text), row.char_start) == hits[0].page
    assert "ネーミングライツ" in text[row.char_start:row.char_end]
    assert "\f" not in hits[0].text


def test_new_cities_in_similar_compare_and_rating_filters(new_city_searcher: Any) -> None:
    from index.searcher import Filters

    s = new_city_searcher
    rpa = next(i for i in _inis(s, XLSX_CITY) if "RPA" in i.title)
    similar = s.similar(rpa.id, k=5).hits
    assert similar and all(h.city != XLSX_CITY for h in similar)
    assert HTML_CITY in {h.city for h in similar}  # ソフトウェアロボット… is the same initiative in other words
    groups = s.compare("RPAによる定型業務の自動化", per_city=2).groups
    cities = {g.city for g in groups}
    assert {XLSX_CITY, HTML_CITY} <= cities
    rated = s.search("オンライン化", k=10, filters=Filters(rating=("C",))).hits
    assert rated and {h.city for h in rated} == {HTML_CITY}
