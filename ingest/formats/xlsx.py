"""Excel workbooks (.xlsx): each sheet a page of `【sheet】`, the header row and `a | b` data rows.

Read with openpyxl (read_only, data_only: cached formula results; a formula never
calculated by Excel reads as empty). A sheet counts when its first non-empty row is a
plausible header (mostly non-empty, mostly text); up to three one-cell title rows above it
("令和5年度 実施状況") are kept as lines. Other sheets, and hidden ones, become empty pages,
so page N is always sheet N. Merged header cells repeat their value across the merge; a
header row with horizontal merges followed by a row of sub-headers becomes one header
("評価 R4 | 評価 R5"). Vertically merged data cells repeat down their rows.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from io import BytesIO
from typing import Any

import openpyxl

from ingest.formats import PAGE_BREAK, SourceText
from ingest.formats.sniff import require_nonempty, sniff, wrong_extension
from reform_search.errors import DocumentError

_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_MAX_TITLE_ROWS = 3
Merge = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based)


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _merges(zf: zipfile.ZipFile, part: str | None) -> list[Merge]:
    if not part or part not in zf.namelist():
        return []
    xml = zf.read(part)
    return [(int(r1), _col(c1), int(r2), _col(c2)) for c1, r1, c2, r2 in _MERGE.findall(xml)]


def _number(v: float, fmt: str) -> str:
    if "%" in fmt:
        return _number(round(v * 100, 10), "") + "%"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)
    if "#,##" in fmt:
        return f"{v:,}" if isinstance(v, int) else f"{v:,.{max(0, fmt.count('0', fmt.find('.')) if '.' in fmt else 0)}f}"
    return str(v) if isinstance(v, int) else format(v, ".12g")


def cell_text(value: Any, fmt: str | None = None) -> str:
    """A cell as people read it: 1,234 / 12.5% / 2024-04-01; text on one line."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, (int, float)):
        return _number(value, fmt or "")
    return re.sub(r"\s*[\r\n]+\s*", " ", str(value)).strip().replace("|", "／")


def _plausible_header(cells: list[Any], width: int) -> bool:
    filled = [c for c in cells[:width] if c not in (None, "")]
    texts = [c for c in filled if isinstance(c, str)]
    return len(filled) * 2 >= width and len(texts) * 10 >= len(filled) * 7


def _median_width(texts: list[list[str]], rows: list[int]) -> int:
    widths = sorted(len(_trim(list(texts[i]))) for i in rows)
    return widths[(len(widths) - 1) // 2] if widths else 0


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _sheet_lines(rows: list[list[Any]], merges: list[Merge]) -> list[str] | None:
    """Lines of one sheet; None when no header row starts it."""
    raw = [[c.value if c is not None else None for c in r] for r in rows]
    texts = [[cell_text(c.value, getattr(c, "number_format", None)) if c is not None else "" for c in r] for r in rows]
    nonempty = [i for i, r in enumerate(texts) if any(r)]
    if not nonempty:
        return None
    typical = _median_width(texts, nonempty[:50])
    lines: list[str] = []
    k = 0
    while k < len(nonempty) - 1 and k < _MAX_TITLE_ROWS and typical > 1 and sum(1 for t in texts[nonempty[k]] if t) == 1:
        lines.append(next(t for t in texts[nonempty[k]] if t))
        k += 1
    h = nonempty[k]
    # the header's span: its own cells, merges in it, and the usual width of the rows below
    # (a stray note far to the right of one row does not widen it)
    width = max([len(_trim(list(texts[h]))), _median_width(texts, nonempty[k + 1:k + 21])]
                + [c2 for r1, _, r2, c2 in merges if r1 - 1 <= h <= r2 - 1])
    header = texts[h] + [""] * (width - len(texts[h]))
    filled = list(raw[h]) + [None] * (width - len(raw[h]))
    wide = False
    for r1, c1, r2, c2 in merges:
        if r1 - 1 <= h <= r2 - 1 and c1 - 1 < width:
            top = texts[r1 - 1][c1 - 1] if r1 - 1 < len(texts) and c1 - 1 < len(texts[r1 - 1]) else ""
            for c in range(c1 - 1, min(c2, width)):
                header[c] = header[c] or top
                filled[c] = filled[c] if filled[c] not in (None, "") else (top or None)
            wide = wide or c2 > c1
    if not _plausible_header(filled, width):
        return None
    body = nonempty[k + 1:]
    if wide and body:
        sub = texts[body[0]] + [""] * (width - len(texts[body[0]]))
        subraw = [c for c in raw[body[0]] if c not in (None, "")]
        if subraw and all(isinstance(c, str) for c in subraw):
            header = [f"{a} {b}" if b and b != a else a for a, b in zip(header, sub)]
            body = body[1:]
    lines.append(" | ".join(_trim(header)))
    down = {(r, c): (r1 - 1, c1 - 1) for r1, c1, r2, c2 in merges if r2 > r1 and c1 == c2
            for r in range(r1, r2) for c in [c1 - 1]}
    for i in body:
        row = list(texts[i])
        for c in range(len(row)):
            if not row[c] and (i, c) in down:
                src = down[(i, c)]
                row[c] = texts[src[0]][src[1]]
        row = _trim(row)
        if row:
            lines.append(" | ".join(row))
    return lines


def read_xlsx(data: bytes, path: str, suffix: str = ".xlsx") -> SourceText:
    """Every worksheet as a page; DocumentError if misnamed, corrupt, or no sheet has a header row."""
    require_nonempty(data, path)
    kind = sniff(data)
    if kind == "zip" and data.startswith(b"PK"):
        try:
            zipfile.ZipFile(BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise DocumentError(path, f"truncated or corrupt .xlsx (not a readable ZIP archive: {e})") from e
    if kind != "xlsx":
        if kind:
            raise wrong_extension(path, suffix, kind)
        raise DocumentError(path, f"wrong extension: the content is not an Excel .xlsx workbook (text or unknown data) "
                                  f"but the name ends in {suffix}")
    try:
        zf = zipfile.ZipFile(BytesIO(data))
        wb = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises KeyError/ValueError/zip errors for broken parts
        raise DocumentError(path, f"truncated or corrupt .xlsx ({type(e).__name__}: {e})") from e
    pages: list[str] = []
    try:
        for ws in wb.worksheets:
            lines = None
            if ws.sheet_state == "visible":
                try:
                    rows = [list(r) for r in ws.iter_rows()]
                    lines = _sheet_lines(rows, _merges(zf, getattr(ws, "_worksheet_path", None)))
                except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
                    raise DocumentError(path, f"truncated or corrupt .xlsx: sheet {ws.title!r} ({e})") from e
            pages.append("\n".join([f"【{ws.title}】", *lines]) if lines else "")
    finally:
        wb.close()
    if not any(pages):
        raise DocumentError(path, "no header row: no sheet starts with a row of column names (mostly text cells)")
    return SourceText(PAGE_BREAK.join(pages), "xlsx", len(pages))
