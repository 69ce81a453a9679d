"""Parser for 西東京市 行財政改革大綱 (review of the previous plan, 基本方針, action plan).

Chapters are numbered with a full-width digit (``１ 策定の趣旨``); the review chapter of the
previous plan repeats its 基本方針/推進項目 headings, kept as sections marked with that
plan's ordinal (``第4次``).  On this plan's 基本方針 pages the first numbered run is the
評価指標 table and the second one the 推進項目 descriptions
(:mod:`ingest.structure.planoutline`).

The action plan pages (header ``取組目的 取組概要 担当``) are rows of 取組 with the
実施項目 column printed after the rows of each page (:mod:`ingest.structure.actionplan`,
:mod:`ingest.structure.columns`); :func:`ingest.normalize.clean` drops lone numbers as page
numbers, so the lines come from :func:`ingest.structure.textlines.layout_lines`.
"""

from __future__ import annotations

import re

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, ParsedDocument
from ingest.structure.actionplan import ActionPlanLayout, plan_initiatives, read_pages
from ingest.structure.textlines import layout_lines
from ingest.structure.planoutline import ORDINAL, OutlineLayout, heading_events, plan_records, to_sections

_POLICY = re.compile(r"^基本方針\s*([IVX]+)(?:\s+(\S.*))?$")
OUTLINE = OutlineLayout(
    policy=_POLICY,
    policy_end=re.compile(r"^\S.*?基本方針([IVX]+)$"),
    old_item=re.compile(r"^推進項目\s*(\d+)\s+(\S.*)$"),
)
ACTION_PLAN = ActionPlanLayout(
    page_head=re.compile(r"^取組目的\s*取組概要\s*担当$"),
    policy_head=_POLICY,
    group_head=re.compile(r"^推進項目\s*\((\d+)\)\s*(\S.*)$"),
    noise=re.compile(r"^(?:項目番号\s*実施項目|実施項目\s*項目番号|推進項目\s*種別\s*担当課)$"),
)


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """実施項目 (and their 取組 rows) as initiatives; chapters and page leftovers as sections."""
    lines = layout_lines(original, clean)
    found = ORDINAL.search(meta.title)
    ordinal = found.group(1) if found else ""
    start = next((i for i, ln in enumerate(lines) if ACTION_PLAN.page_head.match(ln.text)), len(lines))
    events = heading_events(OUTLINE, lines[:start], ordinal)
    chapters = {text for _, kind, text, _ in events if kind == "chapter"}
    last = max((i for i, kind, _, _ in events if kind == "chapter"), default=0)
    names: dict[str, str] = {}  # this plan's 基本方針 names, printed in full by its action plan
    for m in (_POLICY.match(ln.text) for ln in lines[last:]):
        if m and m.group(2):
            names.setdefault(m.group(1), m.group(2))
    policy = next((ln.text for ln in reversed(lines[:start]) if _POLICY.match(ln.text)), "")
    items, pages = read_pages(ACTION_PLAN, lines[start:], policy, chapters)
    records = plan_records(OUTLINE, lines[:start], events, names)
    for page in pages:  # keep leftovers with content; bare table headers are dropped
        if any(not ACTION_PLAN.is_header(ln.text, chapters) for ln in page.leftovers):
            records.append(("section", page.group or page.policy, [page.policy], page.leftovers, {}))
    return ParsedDocument(initiatives=plan_initiatives(original, items, meta),
                          sections=to_sections(records, original, meta))
