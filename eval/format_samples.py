"""Generated sample documents in every supported format (tests and `eval.bench_formats`).

PDFs are printed by headless Chromium through playwright (Debian's /usr/bin/chromium,
`make browser-deps`); workbooks are written with openpyxl. Nothing binary is committed.
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
RUNNING_HEADER = "狛江市行財政改革推進計画（令和６年度版）"
TOPICS = ["窓口業務の見直し", "電子申請の拡充", "公共施設の再編", "補助金の適正化", "ＲＰＡによる定型業務の自動化",
          "ペーパーレス会議", "職員の働き方改革", "使用料・手数料の見直し", "ふるさと納税の推進", "業務委託の活用",
          "庁内ネットワークの更新", "キャッシュレス決済の導入", "地域包括ケアの推進", "学校施設の長寿命化"]
ACTIONS = ["対象事務の洗い出しを行い", "先進自治体の事例を調査し", "関係部署との協議を重ね", "試行運用の結果を検証し",
           "利用者アンケートを実施し", "費用対効果を試算し", "外部有識者の意見を聴取し"]
COLUMN_LEFT = ["左段の一、地域の担い手を育てるための研修を計画した。", "左段の二、自治会との意見交換会を年四回開催した。",
               "左段の三、ボランティア登録者は前年度より一割増えた。"]
COLUMN_RIGHT = ["右段の一、公共交通の空白地域で実証運行を始めた。", "右段の二、バス停留所の上屋整備を三か所で行った。",
                "右段の三、乗降調査の結果を地域公共交通会議に報告した。"]
PAGE2_MARK = "第二ページの見出し：財政健全化の取組"


def sentence(i: int) -> str:
    """A unique Japanese sentence (different on every call index)."""
    topic, action = TOPICS[i % len(TOPICS)], ACTIONS[(i // len(TOPICS)) % len(ACTIONS)]
    return f"{topic}（項目{i + 1}）について、{action}、令和{5 + i % 3}年度に{i % 9 + 2}件の改善を実施した。"


def report_html(pages: int = 3) -> str:
    """A reform report: a two-column block, a table, a vertical label, then `pages` forced pages."""
    cols = ("<div style='columns:2;column-gap:3em'>" + "".join(f"<p>{t}</p>" for t in COLUMN_LEFT)
            + "<p style='break-before:column'>" + "</p><p>".join(COLUMN_RIGHT) + "</p></div>")
    table = ("<table border=1 style='border-collapse:collapse'><tr><th>番号</th><th>取組名</th><th>評価</th></tr>"
             + "".join(f"<tr><td>{k + 1}</td><td>{TOPICS[k]}</td><td>{'ABC'[k % 3]}</td></tr>" for k in range(4))
             + "</table>")
    vertical = "<div style='writing-mode:vertical-rl;height:8em'>縦書きの見出し</div>"
    body = [f"<h1>行財政改革推進計画 実施状況報告</h1>{cols}{table}{vertical}"]
    n = 0
    for p in range(2, pages + 1):
        title = PAGE2_MARK if p == 2 else f"第{p}章 取組の詳細（その{p}）"
        paras = "".join(f"<p>{sentence(n + k)}</p>" for k in range(12))
        n += 12
        body.append(f"<section style='break-before:page'><h2>{title}</h2>{paras}</section>")
    return ("<html lang='ja'><head><meta charset='utf-8'><style>body{font-family:'IPAGothic';font-size:12pt}"
            "</style></head><body>" + "".join(body) + "</body></html>")


def png(width: int = 240, height: int = 160) -> bytes:
    """A grey gradient PNG (stands in for a scanned page)."""
    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3) % 256 for x in range(width)) for y in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def scanned_html() -> str:
    return f"<html><body><img src='data:image/png;base64,{base64.b64encode(png()).decode()}'></body></html>"


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium page for printing (playwright driving Debian's chromium)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def print_pdf(page: Any, html: str, path: Path, running: bool = True) -> Path:
    """Print `html` to an A4 PDF, with a running header and a `- N -` footer when `running`."""
    page.set_content(html)
    extra: dict[str, Any] = {}
    if running:
        style = "font-size:9px;width:100%;text-align:center;font-family:IPAGothic"
        extra = {
            "display_header_footer": True,
            "header_template": f"<div style='{style}'>{RUNNING_HEADER}　<span class='pageNumber'></span>/"
                               "<span class='totalPages'></span></div>",
            "footer_template": f"<div style='{style}'>- <span class='pageNumber'></span> -</div>",
            "margin": {"top": "60px", "bottom": "60px", "left": "50px", "right": "50px"},
        }
    page.pdf(path=str(path), format="A4", **extra)
    return path


def municipal_html(charset: str = "utf-8") -> str:
    """A municipal web page: menus, scripts and a footer around the main text, a list and a table."""
    return f"""<!DOCTYPE html><html lang="ja"><head><meta charset="{charset}"><title>行財政改革｜狛江市</title>
<style>body {{ color: #333 }}</style><script>var menu = "スクリプトの文字列";</script></head><body>
<div id="header"><a href="/">狛江市ホームページ</a></div>
<nav><ul><li>くらし・手続き</li><li>子育て・教育</li></ul></nav>
<div class="breadcrumb">ホーム &gt; 市政情報 &gt; 行財政改革</div>
<main>
<h1>第５次行財政改革推進計画</h1>
<article><header><h2>計画の概要</h2></header>
<p>市では、持続可能な行財政運営を目指し、&ldquo;改革&rdquo;を進めています。<br>令和６年度の重点項目は次のとおりです。</p>
<ul><li>窓口のデジタル化 &amp; 手続の簡素化</li><li>公共施設の適正配置</li></ul></article>
<table><caption>取組一覧</caption>
<thead><tr><th>番号</th><th>取組名</th><th colspan="2">評価</th></tr></thead>
<tbody><tr><td>1</td><td>電子申請<br>の拡充</td><td>A</td><td>B</td></tr><tr><td>2</td><td>ＲＰＡの導入</td><td>B</td></tr></tbody>
</table>
<div class="side-menu"><a href="#">関連リンク</a></div>
</main>
<aside>おすすめ情報</aside>
<footer>Copyright 狛江市</footer>
<script>document.write("後から書く文字")</script>
</body></html>"""


def write_workbook(path: Path, data_rows: int = 5) -> Path:
    """A workbook: a titled sheet with a merged two-row header, a plain sheet, a sheet of bare numbers, a hidden one."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "取組一覧"
    ws.append(["令和６年度 行財政改革 実施状況"])
    ws.append([])
    ws.append(["番号", "取組名", "担当課", "評価", None, "削減額（円）", "達成率", "完了日"])
    ws.merge_cells("D3:E3")
    ws.append([None, None, None, "R5", "R6"])
    for i in range(data_rows):
        ws.append([i + 1, TOPICS[i % len(TOPICS)], "政策室" if i % 2 else "総務課", "ABC"[i % 3], "ABC"[(i + 1) % 3],
                   1234567 * (i + 1), 0.125 + i / 100, dt.datetime(2024, 4, 1) + dt.timedelta(days=i)])
        ws.cell(row=ws.max_row, column=6).number_format = "#,##0"
        ws.cell(row=ws.max_row, column=7).number_format = "0.0%"
    ws2 = wb.create_sheet("指標")
    ws2.append(["指標名", "基準値", "目標値", "", ""])
    ws2.append(["電子申請の件数", 1200, 2500.0, None, None])
    ws2.append(["経常収支比率", 92.35, 90, None, None, None, "※決算見込み"])
    ws3 = wb.create_sheet("集計")
    for r in range(3):
        ws3.append([r, r * 2, r * 3])
    ws4 = wb.create_sheet("リスト")
    ws4.append(["選択肢", "値"])
    ws4.sheet_state = "hidden"
    wb.save(path)
    return path
