"""Parser for 昭島市「行財政改革推進会議 報告書」(evaluation of the 中期行財政運営計画).

Layout: a table of contents; chapter 1 has, per 基本方針, an overview list of 取組項目
"(1) … ①… ②…", then parts "(1) 市の主な取組内容…" / "(2) 評価とコメント" (a rating table
and ア/イ/… sub-blocks, one per 取組項目, with paragraphs 「①…」は…); chapter 2 has one
evaluation sheet per 取組項目 (担当課, 評価 and 個別評価 per year, 主な事業, 今後の取組方針);
appendices follow, with headings listed in the table of contents (用語説明, 評価一覧…).

The toolkit does the reading (:mod:`ingest.structure.evaluation` for chapter 1,
:mod:`ingest.structure.sheets` for chapter 2, :mod:`ingest.structure.toc` for the
appendices, :mod:`ingest.structure.itemtree` for owners, spans and (再掲) links); this
module finds the regions and names the sections.
"""

from __future__ import annotations

import re

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, ParsedDocument
from ingest.structure.evaluation import group_head, read_block, read_overview
from ingest.structure.itemtree import ItemTree, build
from ingest.structure.textlines import lines_of
from ingest.structure.sheets import parse_sheets, sheet_starts
from ingest.structure.toc import TOC_ENTRY, listed_headings, toc_entries

_CHAPTER = re.compile(r"^第\s*(\d+)\s*章\s*(\S.*)$")


def _chapters(tree: ItemTree, start: int) -> tuple[int, int, str, str]:
    """(chapter 1 index, chapter 2 index, their headings) from line `start` on."""
    n = len(tree.lines)
    chapters = [(j, t) for j, ln in enumerate(tree.lines[start:], start) if _CHAPTER.match(t := ln.text.strip())]
    ch1, h1 = chapters[0] if chapters else (n, "")
    ch2, h2 = chapters[1] if len(chapters) > 1 else (n, "")
    return ch1, ch2, h1, h2


def _blocks(tree: ItemTree, ch1: int, ch2: int) -> list[tuple[int, int, int]]:
    """(start, end, 基本方針 number) of the chapter 1 blocks; records the 基本方針 names."""
    starts: list[tuple[int, int]] = []
    for k in range(ch1, ch2):
        t = tree.lines[k].text.strip()
        if (m := group_head(tree.group_label).match(t)) and not TOC_ENTRY.match(t):
            if not starts or starts[-1][1] != int(m.group(1)):
                starts.append((k, int(m.group(1))))
                tree.groups[int(m.group(1))] = f"基本方針{m.group(1)} {m.group(2).strip()}"
    return [(k, starts[j + 1][0] if j + 1 < len(starts) else ch2, p) for j, (k, p) in enumerate(starts)]


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Items (取組項目) and contents (取組内容) with ratings, departments and sheet spans."""
    tree = ItemTree(lines_of(clean))
    lines, n = tree.lines, len(tree.lines)
    toc, toc_titles, after_toc = toc_entries(lines)
    ch1, ch2, h1, h2 = _chapters(tree, after_toc)
    sheets = sheet_starts(tree, ch2 % n if n else 0)
    ch2 = min([ch2] + [k for k, _ in sheets[:1] if k > ch1])  # sheets without a chapter heading
    blocks = _blocks(tree, ch1, ch2)
    app_heads = listed_headings(lines, sheets[-1][0] + 1 if sheets else ch2, toc_titles)
    # Passes: overviews first (titles), then sheets (per-year ratings), then chapter 1 bodies.
    for a, b, p in blocks:
        read_overview(tree, a, b, p)
    guide_end = parse_sheets(tree, sheets, app_heads[0][0] if app_heads else n)
    if not sheets:
        guide_end = ch2
    for a, b, p in blocks:
        read_block(tree, a, b, p, f"s-policy{p}", [h1] if h1 else [])
    # Sections for everything else, by region.
    if toc >= 0 or ch1 < n:
        tree.assign(0, toc if toc >= 0 else ch1, tree.section("s-front", "はじめに", []))
    if toc >= 0:
        tree.assign(toc, ch1, tree.section("s-toc", "目次", [], "toc"))
    first = blocks[0][0] if blocks else ch2
    crit = next((ln.text.strip() for ln in lines[ch1 + 1 : first]), h1)
    tree.assign(ch1, first, tree.section("s-criteria", crit, [h1] if h1 else []))
    guide = next((ln.text.strip().lstrip("◎") for ln in lines[ch2 + 1 : guide_end] if "見方" in ln.text), h2)
    tree.assign(ch2, guide_end, tree.section("s-sheet-guide", guide, [h2] if h2 else [], "guide"))
    for j, (k, title) in enumerate(app_heads):
        end = app_heads[j + 1][0] if j + 1 < len(app_heads) else n
        kind = "glossary" if "用語" in title else "index" if "一覧" in title else "appendix"
        tree.assign(k, end, tree.section("s-glossary" if kind == "glossary" else f"s-appendix{j + 1}", title, [], kind))
    tree.assign(0, n, tree.section("s-body", meta.title, []))
    return build(tree, clean, meta)
