"""Flattened tables: ``|``- or tab-separated rows, header rows (repeated per page), row records.

A header row names the fields; each data row under it becomes a record keyed by those
names. Pure functions over (original line text) lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.structure.fields import DEPT_LABELS, RATING_LABELS, TEXT_LABELS, era_year, is_grade, looks_like_department

_SPLIT = re.compile(r"\s*[|｜]\s*|\t+")
NUMBER_HEADERS = ("No", "NO", "no", "№", "番号", "項目番号", "取組番号", "通し番号", "整理番号")
TITLE_HEADERS = ("取組項目名", "取組項目", "取組名", "実施項目", "事業名", "項目名", "取組事項", "改革項目", "取組",
                 "項目", "名称", "施策名")
_HEADER_WORDS = NUMBER_HEADERS + TITLE_HEADERS + DEPT_LABELS + RATING_LABELS + TEXT_LABELS + (
    "年度", "区分", "備考", "指標", "現状", "方向性", "スケジュール", "効果額", "取組内容", "概要", "目的")


@dataclass(frozen=True)
class Row:
    """One table row: its line index and its cells (stripped)."""

    line: int
    cells: tuple[str, ...]


def cells_of(original_line: str) -> tuple[str, ...] | None:
    """Cells of a ``|``/tab-separated line (≥ 2 cells), else None."""
    if "|" not in original_line and "｜" not in original_line and "\t" not in original_line:
        return None
    parts = [c.strip().strip('"').strip() for c in _SPLIT.split(original_line.strip().strip("|｜"))]
    while parts and not parts[-1]:
        parts.pop()
    return tuple(parts) if len(parts) >= 2 else None


def is_header(cells: tuple[str, ...]) -> bool:
    """Mostly short label cells, at least two of them known field names."""
    filled = [c for c in cells if c]
    if len(filled) < 2:
        return False
    known = sum(1 for c in filled if any(c.replace(" ", "").startswith(w) for w in _HEADER_WORDS))
    short = sum(1 for c in filled if len(c) <= 14 and "。" not in c)
    return known >= 2 and short >= 0.8 * len(filled)


def column(header: tuple[str, ...], names: tuple[str, ...]) -> int | None:
    """Index of the first header cell starting with one of `names`."""
    for name in names:
        for i, h in enumerate(header):
            if h.replace(" ", "").startswith(name):
                return i
    return None


def rating_columns(header: tuple[str, ...], default_year: int | None) -> list[tuple[int, int | None, str]]:
    """(index, year, label) of rating columns; a year in the header cell dates the rating."""
    out = []
    for i, h in enumerate(header):
        hh = h.replace(" ", "")
        label = next((lb for lb in RATING_LABELS if lb in hh), None) or (hh if _kind(hh) == "rating" else None)
        if label:
            out.append((i, era_year(hh) or default_year, label))
    return out


def table_runs(originals: list[str]) -> list[tuple[tuple[str, ...], list[Row]]]:
    """(header, data rows) for each header-led run of table rows; repeated headers are skipped."""
    runs: list[tuple[tuple[str, ...], list[Row]]] = []
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    gap = misfit = header_width = 0
    skip_to = -1
    for i, line in enumerate(originals):
        if i <= skip_to:
            continue
        j = i
        while line.count('"') % 2 and j + 1 < len(originals) and j - i < 5:
            j += 1  # a quoted cell with a line break inside (spreadsheet export)
            line = line + " " + originals[j]
        skip_to = j
        cells = cells_of(line)
        if cells is None:
            gap += 1 if line.strip() else 0
            if header is not None and gap > 6:
                runs.append((header, rows))
                header, rows = None, []
            continue
        gap = 0
        width = len(_SPLIT.split(line.strip().strip("|｜")))
        if header is not None and abs(width - header_width) > 1 and not is_header(cells):
            misfit += 1
            if misfit >= 2:
                runs.append((header, rows))
                header, rows, misfit = None, [], 0
            continue
        misfit = 0
        if is_header(cells):
            if header is not None and tuple(c.replace(" ", "") for c in cells) == tuple(
                    c.replace(" ", "") for c in header):
                continue  # the header repeated on a new page
            if header is not None:
                runs.append((header, rows))
            header, rows, header_width = cells, [], width
        elif header is not None:
            rows.append(Row(i, cells))
    if header is not None:
        runs.append((header, rows))
    return [(h, r) for h, r in runs if r]


def titles_look_like_titles(rows: list[Row], col: int) -> bool:
    """Most cells of the title column are short phrases, not sentences."""
    vals = [r.cells[col] for r in rows if col < len(r.cells) and r.cells[col]]
    if len(vals) < 2:
        return False
    ok = sum(1 for v in vals if len(v) <= 60 and not v.rstrip().endswith("。"))
    return ok >= 0.7 * len(vals)


def _kind(h: str) -> str:
    hh = h.replace(" ", "")
    if any(hh.startswith(w) for w in NUMBER_HEADERS):
        return "number"
    if any(hh.startswith(w) for w in DEPT_LABELS):
        return "dept"
    if any(w in hh for w in RATING_LABELS) or hh.endswith(("状況", "達成度")):
        return "rating"
    if any(hh.startswith(w) for w in TITLE_HEADERS):
        return "title"
    return "text"


def _fits(kind: str, line: str) -> bool:
    if kind == "rating":
        return is_grade(line)
    if kind == "dept":
        return looks_like_department(line)
    return True


def vertical_runs(texts: list[str]) -> list[tuple[tuple[str, ...], list[tuple[list[int], tuple[str, ...]]]]]:
    """Tables flattened one cell per line: a header of ≥ 3 label lines, rows led by a bare number.

    Returns (header, [(line indexes, cells)]) per header; a header repeated on a new page
    continues the same table.
    """
    out: list[tuple[tuple[str, ...], list[tuple[list[int], tuple[str, ...]]]]] = []
    i, n = 0, len(texts)
    while i < n:
        j = i
        while j < n and len(texts[j]) <= 14 and "。" not in texts[j] and not texts[j].isdigit():
            j += 1
        header = tuple(texts[i:j])
        if len(header) < 3 or not is_header(header) or _kind(header[0]) != "number":
            i += 1
            continue
        kinds = [_kind(h) for h in header]
        rows: list[tuple[list[int], tuple[str, ...]]] = []
        k, last = j, 0
        while k < n and texts[k].isdigit() and int(texts[k]) > last:
            start, last = k, int(texts[k])
            k += 1
            while k < n and not (texts[k].isdigit() and last < int(texts[k]) <= last + 3) \
                    and tuple(texts[k:k + len(header)]) != header:
                k += 1
            idxs = list(range(start, k))
            rows.append((idxs, _assign(kinds, [texts[x] for x in idxs])))
            if tuple(texts[k:k + len(header)]) == header:
                k += len(header)
        if rows:
            if out and out[-1][0] == header:
                out[-1][1].extend(rows)
            else:
                out.append((header, rows))
        i = max(k, i + 1)
    return out


def _assign(kinds: list[str], lines: list[str]) -> tuple[str, ...]:
    """Distribute a row's lines over the columns by what each column can hold."""
    cells = [lines[0]] + [""] * (len(kinds) - 1)
    pos = 1
    for c in range(1, len(kinds)):
        kind, nxt = kinds[c], kinds[c + 1] if c + 1 < len(kinds) else None
        taken: list[str] = []
        while pos < len(lines):
            line = lines[pos]
            if kind in ("rating", "dept") and (taken or not _fits(kind, line)):
                break
            if kind == "title" and taken and (len(line) > 14 or (nxt and nxt != "text" and _fits(nxt, line))):
                break
            if kind == "text" and nxt is not None and taken and _fits(nxt, line) and nxt != "text":
                break
            taken.append(line)
            pos += 1
        cells[c] = (" " if kind == "text" else "").join(taken)
    return tuple(cells)
