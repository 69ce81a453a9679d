"""Action-plan pages: one row per 取組 under a page header, the 実施項目 titles in a column.

A row starts with a number line (``2 1`` = 実施項目 2, 取組 1; a lone ``3`` = the next
取組 of the current 実施項目, a lone ``1`` = the first 取組 of the next one), then an
optional narrow title, the purpose, ``〇`` bullets and the departments (the row ends
after them). The 実施項目 column comes out after each page's rows and is matched back by
:mod:`ingest.structure.columns`. A 実施項目 with one row is one initiative; one with
several rows gets a child per row. An :class:`ActionPlanLayout` names the page header and
the heading lines of a document family.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, Initiative
from ingest.structure.columns import BULLETS, PARTICLES, ColumnBlock, add_column_line, attach_plain, match_blocks, title_like
from ingest.structure.textlines import BARE_NUMBER, LayoutLine, layout_lines, merged_spans
from ingest.structure.tables import is_header

_ROW2 = re.compile(r"^(\d{1,2})\s+(\d{1,2})(?:\s+(\S.*))?$")
_ROW1 = re.compile(r"^(\d{1,2})(?:\s+(\D.*))?$")
_INLINE_DEPT = re.compile(r"\s(\S+)$")
NEVER = re.compile(r"(?!)")
MIN_PAGES = 3


@dataclass(frozen=True)
class ActionPlanLayout:
    """The lines that head pages, policies and groups of items in one document family."""

    page_head: re.Pattern[str]  # the column header row that starts a page
    policy_head: re.Pattern[str] = NEVER  # a policy heading (path of the items that follow)
    group_head: re.Pattern[str] = NEVER  # a group heading printed with the title column (推進項目 (n) …)
    noise: re.Pattern[str] = NEVER  # other column headers
    dept: re.Pattern[str] = re.compile(r"[^\s、。〇○()（）「」/／]{1,16}?(?:課|事務局|室)")
    title_width: int = 16  # width of the title column
    row_title_max: int = 9  # width of a row's own title cell

    def is_dept(self, text: str) -> bool:
        return all(self.dept.fullmatch(t) for t in re.split(r"[/／]", text))

    def is_header(self, text: str, chapters: set[str]) -> bool:
        """A header, heading or page number (no content of its own)."""
        return bool(self.page_head.match(text) or self.group_head.match(text) or self.noise.match(text)
                    or self.policy_head.match(text) or text in chapters or BARE_NUMBER.fullmatch(text))


@dataclass
class Row:
    """One 取組 row."""

    sub: int
    lines: list[LayoutLine] = field(default_factory=list)
    titles: list[list[str]] = field(default_factory=list)
    purpose: list[str] = field(default_factory=list)
    overview: list[str] = field(default_factory=list)
    depts: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        return " ".join("".join(g) for g in self.titles)

    @property
    def body(self) -> str:
        return "".join(self.purpose + self.overview)


@dataclass
class PlanItem:
    """One 実施項目: its rows and the column text matched to it."""

    number: int
    path: list[str]
    rows: list[Row] = field(default_factory=list)
    title: str = ""
    lines: list[LayoutLine] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


@dataclass
class Page:
    """One action-plan page."""

    policy: str
    group: str = ""
    items: list[PlanItem] = field(default_factory=list)
    blocks: list[ColumnBlock] = field(default_factory=list)
    leftovers: list[LayoutLine] = field(default_factory=list)


def split_text(texts: list[str]) -> tuple[str, str]:
    """(purpose, 〇 overview) of column text; wrapped bullet lines continue their bullet."""
    purpose: list[str] = []
    overview: list[str] = []
    for t in texts:
        if t.startswith(BULLETS):
            overview.append(t)
        elif overview:
            overview[-1] += t
        else:
            purpose.append(t)
    return "".join(purpose), "\n".join(overview)


def add_to_row(layout: ActionPlanLayout, row: Row, ln: LayoutLine, first_rest: str | None = None) -> None:
    """Classify one row line into title / purpose / 〇 overview / departments."""
    text, dept = ln.text if first_rest is None else first_rest, ""
    m = _INLINE_DEPT.search(text)
    if layout.is_dept(text):
        dept, text = text, ""
    elif m and layout.is_dept(m.group(1)):
        dept, text = m.group(1), text[: m.start()]
    pieces = [p for p in re.split(r"\s+(?=[〇○])", text.strip()) if p]
    if first_rest is not None and pieces:
        head, _, rest = pieces[0].partition(" ")
        if rest and title_like(head, layout.row_title_max):
            pieces[0:1] = [head, rest]
    new_group = first_rest is not None or ln.blank_before
    for p in pieces:
        if p.startswith(BULLETS):
            row.overview.append(p)
        elif row.overview:
            row.overview[-1] += p
        elif not row.purpose and title_like(p, layout.row_title_max):
            if (new_group and not p.startswith(PARTICLES)) or not row.titles:
                row.titles.append([])
            row.titles[-1].append(p)
            new_group = True
        else:
            row.purpose.append(p)
    row.depts += [d for d in re.split(r"[/／]", dept) if d and d not in row.depts]
    row.lines.append(ln)


def close_page(page: Page, items: dict[int, PlanItem], group: str) -> None:
    """Attach the page's title column to its items: by printed number, else by bigram overlap."""
    page.group = group
    for it in page.items:
        if group and len(it.path) < 2:
            it.path.append(group)
    titled, orphans = attach_plain(page.blocks)
    page.leftovers += orphans
    free: list[ColumnBlock] = []
    for b in titled:
        it = items.get(b.number) if b.number is not None else None
        if it is not None and (b.title or b.text or not it.title):
            it.title, it.lines, it.text = it.title or "".join(b.title), it.lines + b.lines, it.text + b.text
        elif it is None and b.title:
            free.append(b)
        else:  # a page number
            page.leftovers += b.lines
    untitled = [it for it in page.items if not it.title and len(it.rows) == 1 and not it.rows[0].titles]
    pairs, free = match_blocks(free, untitled, lambda it: it.rows[0].body)
    for blk, it in pairs:
        it.title, it.text, it.lines = "".join(blk.title), it.text + blk.text, it.lines + blk.lines
    rows = [r for it in page.items if len(it.rows) > 1 for r in it.rows if not r.titles]
    row_pairs, free = match_blocks(free, rows, lambda r: r.body)
    for blk, r in row_pairs:
        r.titles, r.lines = [list(blk.title)], r.lines + blk.lines
    for b in free:
        page.leftovers += b.lines


def read_pages(layout: ActionPlanLayout, lines: list[LayoutLine], policy: str,
               chapters: set[str]) -> tuple[dict[int, PlanItem], list[Page]]:
    """実施項目 by number, and the pages (for their leftover lines); `policy` heads the first page."""
    items: dict[int, PlanItem] = {}
    pages: list[Page] = []
    row: Row | None = None
    block: ColumnBlock | None = None
    group = ""
    for ln in lines:
        t = ln.text
        if layout.page_head.match(t):
            if pages:
                close_page(pages[-1], items, group)
            pages.append(Page(policy, leftovers=[ln]))
            row = block = None
            continue
        if layout.policy_head.match(t):
            policy, row, block = t, None, None
            if pages:
                pages[-1].leftovers.append(ln)
            continue
        if not pages:
            continue
        page, m2, m1 = pages[-1], _ROW2.match(t), _ROW1.match(t)
        cur = max(items) if items else 0
        last_sub = items[cur].rows[-1].sub if items else 0
        if m2 or (m1 and (int(m1.group(1)) == 1 or (items and int(m1.group(1)) == last_sub + 1))):
            if m2:
                parent, sub, rest = int(m2.group(1)), int(m2.group(2)), m2.group(3)
            else:  # a lone number: the next 取組, or the first 取組 of the next 実施項目
                sub, rest = int(m1.group(1)), m1.group(2)
                parent = cur + 1 if sub == 1 else cur
            if parent not in items:
                items[parent] = PlanItem(parent, [policy])
                page.items.append(items[parent])
            row, block = Row(sub), None
            items[parent].rows.append(row)
            add_to_row(layout, row, ln, rest or "")
            continue
        if row is not None and (not row.depts or layout.is_dept(t)):  # a row ends after its departments
            add_to_row(layout, row, ln)
            continue
        row = None
        if layout.group_head.match(t) or layout.noise.match(t) or t in chapters:
            group = t if layout.group_head.match(t) else group
            page.leftovers.append(ln)
            block = None
            continue
        block = add_column_line(page.blocks, block, ln, int(m1.group(1)) if m1 else None,
                                m1.group(2) if m1 else None, layout.title_width)
    if pages:
        close_page(pages[-1], items, group)
    return items, pages


def plan_initiatives(original: str, items: dict[int, PlanItem], meta: DocumentMeta) -> list[Initiative]:
    """One initiative per 実施項目 (keys ``n``), plus one child per row when it has several (``n.k``)."""
    out: list[Initiative] = []

    def add(key: str, title: str, path: list[str], depts: list[str], lines: list[LayoutLine],
            extra: dict[str, str], parent: str | None = None) -> Initiative:
        out.append(Initiative(
            id=f"{meta.id}:{key}", document_id=meta.id, city=meta.city, number=key.replace(".", "-"),
            title=title, heading_path=path, departments=depts, spans=merged_spans(original, lines),
            parent_id=parent, extra={k: v for k, v in extra.items() if v}))
        return out[-1]

    for n in sorted(items):
        it = items[n]
        purpose, overview = split_text(it.text)
        if len(it.rows) == 1:
            r = it.rows[0]
            title = it.title or ("".join(r.titles[0]) if r.titles else "")
            sub = " ".join("".join(g) for g in (r.titles if it.title else r.titles[1:]))
            add(str(n), title, it.path, r.depts, r.lines + it.lines,
                {"purpose": "".join(r.purpose) or purpose, "overview": "\n".join(r.overview) or overview,
                 "subtitle": sub})
            continue
        depts = list(dict.fromkeys(d for r in it.rows for d in r.depts))
        listing = "\n".join(f"{r.sub} {r.title}" for r in it.rows if r.title)
        parent = add(str(n), it.title, it.path, depts, it.lines, {"purpose": purpose, "overview": overview,
                                                                  "items": listing})
        for r in it.rows:
            add(f"{n}.{r.sub}", r.title or it.title, it.path + [f"{n} {it.title}".strip()], r.depts, r.lines,
                {"purpose": "".join(r.purpose), "overview": "\n".join(r.overview)}, parent.id)
    return out


def detect_layout(lines: list[LayoutLine], min_pages: int = MIN_PAGES) -> ActionPlanLayout | None:
    """A layout for documents of no known family: the header row (space-separated column names,
    see :func:`ingest.structure.tables.is_header`) that most often starts a page of numbered
    rows, when it does so on at least `min_pages` pages and on most of its printings."""
    seen: Counter[str] = Counter()
    led: Counter[str] = Counter()
    for ln, nxt in zip(lines, lines[1:]):
        cells = tuple(ln.text.split())
        if 2 <= len(cells) <= 6 and is_header(cells):
            seen[ln.text] += 1
            led[ln.text] += bool(_ROW2.match(nxt.text) or _ROW1.match(nxt.text))
    best = max(led, key=lambda t: (led[t], t), default=None)
    if best is None or led[best] < min_pages or led[best] < 0.5 * seen[best]:
        return None
    return ActionPlanLayout(page_head=re.compile(r"^" + r"\s*".join(re.escape(c) for c in best.split()) + r"$"))


def action_plan_initiatives(original: str, clean: MappedText, meta: DocumentMeta) -> list[Initiative]:
    """Initiatives of the action-plan pages :func:`detect_layout` finds (none when it finds none)."""
    lines = layout_lines(original, clean)
    layout = detect_layout(lines)
    if layout is None:
        return []
    start = next(i for i, ln in enumerate(lines) if layout.page_head.match(ln.text))
    items, _ = read_pages(layout, lines[start:], "", set())
    return plan_initiatives(original, items, meta)
