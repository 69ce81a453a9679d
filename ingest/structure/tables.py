"""Flattened tables: ``|``- or tab-separated rows, header rows (repeated per page), row records.

A header row names the fields; each data row under it becomes a record keyed by those
names. Pure functions over (original line text) lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.structure.fields import DEPT_LABELS, RATING_LABELS, TEXT_LABELS, era_year

_SPLIT = re.compile(r"\s*[|｜]\s*|\t+")
NUMBER_HEADERS = ("No", "NO", "no", "№", "番号", "項目番号", "取組番号", "通し番号", "整理番号")
TITLE_HEADERS = ("取組項目名", "取組項目", "取組名", "実施項目", "事業名", "項目名", "取組事項", "改革項目", "取組",
                 "項目", "名称", "施策名", "内容")
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
    parts = [c.strip() for c in _SPLIT.split(original_line.strip().strip("|｜"))]
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
        label = next((lb for lb in RATING_LABELS if lb in hh), None)
        if label:
            out.append((i, era_year(hh) or default_year, label))
    return out


def table_runs(originals: list[str]) -> list[tuple[tuple[str, ...], list[Row]]]:
    """(header, data rows) for each header-led run of table rows; repeated headers are skipped."""
    runs: list[tuple[tuple[str, ...], list[Row]]] = []
    header: tuple[str, ...] | None = None
    rows: list[Row] = []
    gap = misfit = 0
    for i, line in enumerate(originals):
        cells = cells_of(line)
        if cells is None:
            gap += 1 if line.strip() else 0
            if header is not None and gap > 6:
                runs.append((header, rows))
                header, rows = None, []
            continue
        gap = 0
        if header is not None and abs(len(cells) - len(header)) > 1 and not is_header(cells):
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
            header, rows = cells, []
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
