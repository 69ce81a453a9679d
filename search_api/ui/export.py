"""The comparison table as a download: CSV for Excel, Markdown for notes and mail."""

from __future__ import annotations

import csv
import io
import re
from typing import Any
from urllib.parse import quote

_WS = re.compile(r"\s+")
MEDIA_TYPES = {"csv": "text/csv", "md": "text/markdown"}


def _csv_cell(v: str) -> str:
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


def compare_csv(q: str, cols: list[dict[str, Any]]) -> str:
    """UTF-8 CSV with a BOM (Excel opens it with Japanese intact), one row per initiative."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["検索語", "市", "順位", "取組番号", "取組名", "担当課", "評価", "状況", "主な数値", "資料", "見出し",
                "原文の位置", "本文", "一致"])
    for col in cols:
        for n, v in enumerate(col["hits"], 1):
            w.writerow([_csv_cell(c) for c in (
                q, col["city"], str(n), v["number"], v["title"], v["department"], v["rating_text"], v["status"],
                " / ".join(v["facts_text"]), v["document_title"], v["path"], f"{v['file']} {v['lines']}", v["text"],
                col.get("weak", ""))])
        if not col["hits"]:
            w.writerow([_csv_cell(q), col["city"]] + [""] * 2 + ["該当する取組なし"] + [""] * 9)
    return "\ufeff" + buf.getvalue()


def _md(v: str) -> str:
    return _WS.sub(" ", v).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").strip()


def compare_md(q: str, cols: list[dict[str, Any]]) -> str:
    """A Markdown table, one column per city and one row per rank, then the sources."""
    lines = [f"# 市別比較: {_md(q)}", "", "| 順位 | " + " | ".join(_md(c["city"]) + (f"（{c['weak']}）" if c.get("weak") else "") for c in cols) + " |",
             "|---|" + "---|" * len(cols)]
    for n in range(max([len(c["hits"]) for c in cols] + [1])):
        cells = []
        for c in cols:
            v = c["hits"][n] if n < len(c["hits"]) else None
            if v is None:
                cells.append("該当なし" if n == 0 else "")
                continue
            cell = f"**{_md(' '.join(x for x in (v['number'], v['title']) if x))}**"
            cell += f"<br>評価: {_md(v['rating_text'])}" if v["ratings"] else ""
            cell += f"<br>担当: {_md(v['department'])}" if v["department"] else ""
            cells.append(cell + "".join(f"<br>・{_md(f)}" for f in v['facts_text']))
        lines.append(f"| {n + 1} | " + " | ".join(cells) + " |")
    notes = [f"- {c['city']} {v['number']} {_md(v['title'])}: {_md(v['document_title'])} {v['lines']}（{v['file']}）"
             for c in cols for v in c["hits"]]
    return "\n".join(lines + ["", "## 出典", "", *notes, ""])


def export_body(fmt: str, q: str, cols: list[dict[str, Any]]) -> tuple[bytes, str, str]:
    """The file's bytes, its media type and its Content-Disposition (an ASCII name plus the Japanese one)."""
    body = compare_csv(q, cols) if fmt == "csv" else compare_md(q, cols)
    disposition = f"attachment; filename=\"compare.{fmt}\"; filename*=UTF-8''{quote(f'比較_{q[:40]}.{fmt}', safe='')}"
    return body.encode("utf-8"), f"{MEDIA_TYPES[fmt]}; charset=utf-8", disposition
