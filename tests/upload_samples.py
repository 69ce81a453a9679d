"""Documents of cities not in the fixture corpus, in every supported format, for the upload tests.

Each sample has a query only it answers and the page that answer is on (PDFs are printed by
headless Chromium, workbooks written with openpyxl; nothing binary is committed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Sample:
    name: str
    city: str
    kind: str
    title: str
    queries: tuple[tuple[str, str, int], ...]  # (query, words of the answer, page)

    @property
    def doc_id(self) -> str:
        return f"{Path(self.name).stem}-2025"


PDF_PAGES = [
    ("1. 庁舎照明のLED化", "本庁舎と支所の照明をすべてLEDに更新し、年間の電気料金を約1,300万円削減した。"
                        "更新費用はESCO事業の活用により初期負担なしで賄った。"),
    ("2. 電子契約の導入", "電子契約サービスを導入し、押印と郵送を不要にした。年間3,200件の契約が電子化された。"
                       "事業者からは来庁が不要になったとの声が多く寄せられた。"),
    ("3. 下水道使用料の改定", "下水道使用料を平均8.5％改定し、経営戦略に基づく管路更新の財源を確保した。"
                          "改定に先立ち、住民説明会を市内6か所で開催した。"),
]
PDF = Sample("kakuu-houkoku.pdf", "架空市", "progress_report", "架空市 行財政改革実施報告",
             (("庁舎の照明をLEDに更新して電気料金を削減", "LED", 1),
              ("電子契約で押印と郵送を不要にした", "電子契約サービス", 2),
              ("下水道使用料の改定と管路更新の財源", "下水道使用料", 3)))
HTML = Sample("kasou-kaikaku.html", "仮想町", "reform_plan", "仮想町 行財政改革の取組",
              (("町営プールを廃止して施設利用料を助成", "町営プール", 1),))
XLSX = Sample("shiken-jisseki.xlsx", "試験村", "evaluation_report", "試験村 改革取組の評価",
              (("村営バスを予約制のデマンド交通に切り替え", "デマンド交通", 1),))
GOOD = (PDF, HTML, XLSX)


def pdf_html() -> str:
    """Three A4 pages, one initiative on each."""
    pages = [f"<section style='break-before:{'auto' if n == 0 else 'page'}'><p>{head}</p><p>{body}</p></section>"
             for n, (head, body) in enumerate(PDF_PAGES)]
    return ("<html lang='ja'><head><meta charset='utf-8'><style>body{font-family:'IPAGothic';font-size:12pt}</style>"
            "</head><body><h1>架空市 行財政改革実施報告</h1>" + "".join(pages) + "</body></html>")


def municipal_page() -> str:
    return """<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>行財政改革｜仮想町</title></head>
<body><nav><ul><li>くらし・手続き</li><li>子育て・教育</li></ul></nav>
<main><h1>仮想町 行財政改革の取組</h1>
<p>1. 町営プールの廃止</p>
<p>老朽化した町営プールを廃止し、近隣市の施設利用料を町が助成する方式に切り替えた。年間の維持管理費は約2,100万円の削減となった。</p>
<p>2. 窓口の一本化</p>
<p>住民課と税務課の窓口を一本化し、転入時の手続を一か所で終えられるようにした。</p>
</main><footer>Copyright 仮想町</footer></body></html>"""


def write_workbook(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "取組評価"
    ws.append(["番号", "取組名", "担当課", "評価", "内容"])
    ws.append([1, "村営バスのデマンド化", "企画課", "A",
               "定時定路線の村営バスを予約制のデマンド交通に切り替え、運行経費を年間600万円削減した。"])
    ws.append([2, "公民館の指定管理", "生涯学習課", "B", "公民館3館に指定管理者制度を導入し、開館時間を延長した。"])
    wb.save(path)
    return path


def write_headerless_workbook(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append([1, 2, 3])
    wb.active.append([4, 5, 6])
    wb.save(path)
    return path


def write_samples(folder: Path, page: Any) -> dict[str, Path]:
    """The good samples and the bad files (scanned, encrypted, truncated, misnamed PDFs; a headerless
    workbook); `page` is a playwright page used to print the PDFs."""
    from eval.format_samples import scanned_html

    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    page.set_content(pdf_html())
    page.pdf(path=str(folder / PDF.name), format="A4")
    out[PDF.name] = folder / PDF.name
    (folder / HTML.name).write_text(municipal_page(), encoding="utf-8")
    out[HTML.name] = folder / HTML.name
    out[XLSX.name] = write_workbook(folder / XLSX.name)
    page.set_content(scanned_html())
    page.pdf(path=str(folder / "scan.pdf"), format="A4")
    out["scan.pdf"] = folder / "scan.pdf"
    data = out[PDF.name].read_bytes()
    (folder / "cut.pdf").write_bytes(data[: len(data) // 2])
    out["cut.pdf"] = folder / "cut.pdf"
    (folder / "report.xlsx").write_bytes(data)
    out["report.xlsx"] = folder / "report.xlsx"
    out["nums.xlsx"] = write_headerless_workbook(folder / "nums.xlsx")
    (folder / "notes.docx").write_text("1. 庁舎照明のLED化\n照明をLEDに更新した。\n", encoding="utf-8")
    out["notes.docx"] = folder / "notes.docx"
    try:
        import pypdf
    except ImportError:
        return out
    locked = pypdf.PdfWriter(clone_from=out[PDF.name])
    locked.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    locked.write(folder / "locked.pdf")
    out["locked.pdf"] = folder / "locked.pdf"
    return out


BAD = [  # file, reason (as ingest.formats words it)
    ("scan.pdf", "scanned PDF with no text layer: it needs OCR first"),
    ("locked.pdf", "encrypted PDF: it is password-protected"),
    ("cut.pdf", "truncated or corrupt PDF"),
    ("report.xlsx", "wrong extension: the content is a PDF but the name ends in .xlsx"),
    ("nums.xlsx", "no header row"),
    ("notes.docx", "unsupported file type '.docx'"),
]


def page_of(hit: dict[str, Any]) -> int | None:
    """The hit's page, where the index records pages (branch `pages`); None otherwise."""
    page = hit.get("page")
    if page is None and isinstance(hit.get("source"), dict):
        page = hit["source"].get("page")
    return page
