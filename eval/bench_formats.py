"""`python -m eval.bench_formats`: extraction speed per format, and pypdfium2 vs pdfplumber.

Generates a ~30-page Japanese PDF (headless Chromium, `make browser-deps`), a long
municipal HTML page and a ~500-row workbook, then times `read_source` (best of a few runs)
and `clean()` on the result. Every number printed comes from this run; nothing asserts.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.format_samples import (COLUMN_LEFT, COLUMN_RIGHT, chromium, municipal_html, print_pdf, report_html,
                                 sentence, write_workbook)
from ingest.formats.read import read_source
from ingest.normalize import clean, fold, join_wrapped


def best(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def line(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<40} {value:>14}  {note}", flush=True)


def _plumber_text(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return "\f".join(p.extract_text() or "" for p in pdf.pages)


def _quality(text: str, sentences: int) -> tuple[float, bool]:
    """Share of the generated sentences found intact, and whether the two columns stay apart."""
    joined = join_wrapped(clean(text)).text
    found = sum(fold(sentence(i)) in joined for i in range(sentences))
    columns = all(s in joined for s in COLUMN_LEFT + COLUMN_RIGHT)
    return found / sentences, columns


def bench_pdf(tmp: Path, pages: int, runs: int) -> None:
    with chromium() as page:
        path = print_pdf(page, report_html(pages), tmp / "report.pdf")
    size = path.stat().st_size // 1024
    secs, src = best(lambda: read_source(path), runs)
    print(f"PDF: {src.pages} pages, {size} KB (Chromium print, IPAGothic)")
    line("pypdfium2 read_source", f"{src.pages / secs:,.0f} pages/s", f"{secs * 1000:.0f} ms")
    csecs, _ = best(lambda: clean(src.text), runs)
    line("clean() of its text", f"{src.pages / csecs:,.0f} pages/s", f"{csecs * 1000:.0f} ms, {len(src.text):,} chars")
    share, cols = _quality(src.text, 12 * (pages - 1))
    line("pypdfium2 sentences intact", f"{share:.0%}", f"columns apart: {cols}")
    try:
        psecs, ptext = best(lambda: _plumber_text(path), 1)
    except ImportError:
        return
    line("pdfplumber extract_text", f"{src.pages / psecs:,.1f} pages/s", f"{psecs * 1000:.0f} ms")
    share, cols = _quality(ptext, 12 * (pages - 1))
    line("pdfplumber sentences intact", f"{share:.0%}", f"columns apart: {cols}")


def bench_html(tmp: Path, runs: int, repeat: int = 40) -> None:
    page = municipal_html()
    main = re.search(r"<main>(.*)</main>", page, re.S)
    assert main
    path = tmp / "page.html"
    path.write_text(page.replace(main.group(0), "<main>" + main.group(1) * repeat + "</main>"), encoding="utf-8")
    secs, src = best(lambda: read_source(path), runs)
    lines = src.text.count("\n") + 1
    print(f"HTML: {path.stat().st_size // 1024} KB, {lines} lines out")
    line("selectolax read_source", f"{lines / secs:,.0f} lines/s", f"{secs * 1000:.1f} ms")


def bench_xlsx(tmp: Path, rows: int, runs: int) -> None:
    path = write_workbook(tmp / "book.xlsx", data_rows=rows)
    secs, src = best(lambda: read_source(path), runs)
    out_rows = src.text.count("\n") + 1
    print(f"XLSX: {rows} data rows x 8 columns + 3 small sheets, {path.stat().st_size // 1024} KB")
    line("openpyxl read_source", f"{out_rows / secs:,.0f} rows/s", f"{secs * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bench_pdf(tmp, args.pages, args.runs)
        bench_html(tmp, args.runs)
        bench_xlsx(tmp, args.rows, args.runs)


if __name__ == "__main__":
    main()
