"""Parser for 西東京市 行財政改革大綱 (review of the previous plan, 基本方針, action plan).

Chapters are numbered with a full-width digit (``１ 策定の趣旨``); the review chapter of the
previous plan repeats its 基本方針/推進項目 headings, kept as sections marked with that
plan's ordinal (``第4次``).  On this plan's 基本方針 pages the first numbered run is the
評価指標 table and the second one the 推進項目 descriptions.

The action plan pages (header ``取組目的 取組概要 担当``) are rows of 取組: a number line
(``2 1`` = 実施項目 2, 取組 1; a lone ``3`` = the next 取組, a lone ``1`` = the first 取組
of the next 実施項目), an optional narrow title, the purpose, ``〇`` bullets and the
departments.  The 実施項目 column comes out after the rows of each page: titles printed
with their number are matched by number, the others by shared character bigrams with the
page's rows.  :func:`ingest.normalize.clean` drops lone numbers as page numbers, so they
are recovered from the original.  実施項目 with several 取組 get one child per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations, permutations
from typing import Any

from ingest.normalize import MappedText, fold
from ingest.parsers.common import lines_of, to_original
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Section

_BARE = re.compile(r"\s*[0-9０-９]{1,3}\s*")
_CHAPTER = re.compile(r"^([1-9]) (\S[^。]{1,40})$")
_NUMBERED = re.compile(r"^\d{1,2} \S")
_POLICY = re.compile(r"^基本方針\s*([IVX]+)(?:\s+(\S.*))?$")
_POLICY_END = re.compile(r"^\S.*?基本方針([IVX]+)$")
_OLD_ITEM = re.compile(r"^推進項目\s*(\d+)\s+(\S.*)$")
_ITEM_LINE = re.compile(r"^([1-9]) (\S[^。]*)$")
_BOX_LABEL = re.compile(r"^(?:評価指標|推進項目)$")
_NOT_LABEL = re.compile(r"[。、,()%:※■・「」\d]")
_DETAIL_HEAD = re.compile(r"^取組目的\s*取組概要\s*担当$")
_SUISHIN = re.compile(r"^推進項目\s*\((\d+)\)\s*(\S.*)$")
_JUNK = re.compile(r"^(?:項目番号\s*実施項目|実施項目\s*項目番号|推進項目\s*種別\s*担当課)$")
_ROW2 = re.compile(r"^(\d{1,2})\s+(\d{1,2})(?:\s+(\S.*))?$")
_ROW1 = re.compile(r"^(\d{1,2})(?:\s+(\D.*))?$")
_DEPT_TOKEN = re.compile(r"[^\s、。〇○()（）「」/／]{1,16}?(?:課|事務局|室)")
_INLINE_DEPT = re.compile(r"\s(\S+)$")
_ORDINAL = re.compile(r"第\s*(\d+)\s*次")
_BULLET = ("〇", "○")
_PARTICLE = ("の", "を", "(", "（")  # a wrapped title line never starts with these
LABEL_MAX = 16  # also the width of the 実施項目 column
PARAGRAPH_MIN = 35
ROW_TITLE_MAX = 9
TABLE_CELL_MAX = 20
LIST_GAP = 6  # lines between two entries of a numbered list
_Event = tuple[int, str, str, bool]  # (line index, kind, text, in a previous plan's chapter)
MAX_EXACT = 6  # titles matched per page (exhaustive search)


@dataclass
class _Line:
    """A non-blank line: folded text, original [start, end), layout hints."""
    text: str
    start: int
    end: int
    blank_before: bool = False
    wide_digit: bool = False  # printed with a full-width leading digit


@dataclass
class _Row:
    """One 取組 row of an action-plan page."""
    sub: int
    lines: list[_Line] = field(default_factory=list)
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
class _Block:
    """Text of the 実施項目 column found after a page's rows."""
    number: int | None
    lines: list[_Line] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


@dataclass
class _Item:
    """One 実施項目."""
    number: int
    path: list[str]
    rows: list[_Row] = field(default_factory=list)
    title: str = ""
    lines: list[_Line] = field(default_factory=list)
    text: list[str] = field(default_factory=list)


@dataclass
class _Page:
    """One action-plan page."""
    policy: str
    suishin: str = ""
    items: list[_Item] = field(default_factory=list)
    blocks: list[_Block] = field(default_factory=list)
    leftovers: list[_Line] = field(default_factory=list)


def _lines(original: str, clean: MappedText) -> list[_Line]:
    """Cleaned non-blank lines plus the lone numbers that clean() dropped."""
    out = []
    for ln in lines_of(clean):
        if ln.text.strip():
            s, e = to_original(clean, ln.start, ln.end)
            out.append(_Line(ln.text.strip(), s, e, wide_digit="０" <= original[s] <= "９"))
    covered = set(clean.starts)
    pos = 0
    for raw in original.split("\n"):
        s = pos + len(raw) - len(raw.lstrip())
        if raw.strip() and _BARE.fullmatch(raw) and s not in covered:
            out.append(_Line(fold(raw.strip()), s, s + len(raw.strip())))
        pos += len(raw) + 1
    out.sort(key=lambda ln: ln.start)
    for prev, ln in zip(out, out[1:]):
        ln.blank_before = original.count("\n", prev.end, ln.start) >= 2
    return out


def _overlap(title: str, text: str) -> float:
    """Share of the title's character bigrams found in `text`."""
    grams = {title[i : i + 2] for i in range(len(title) - 1)}
    return sum(g in text for g in grams) / len(grams) if grams else 0.0


def _split_text(texts: list[str]) -> tuple[str, str]:
    """(purpose, 〇 overview) of column text; wrapped bullet lines continue their bullet."""
    purpose: list[str] = []
    overview: list[str] = []
    for t in texts:
        if t.startswith(_BULLET):
            overview.append(t)
        elif overview:
            overview[-1] += t
        else:
            purpose.append(t)
    return "".join(purpose), "\n".join(overview)


def _is_dept(text: str) -> bool:
    return all(_DEPT_TOKEN.fullmatch(t) for t in re.split(r"[/／]", text))


def _title_like(text: str, limit: int) -> bool:
    return len(text) <= limit and not re.search(r"[。、]", text) and not text.startswith(_BULLET)


def _spans(original: str, lines: list[_Line]) -> list[tuple[int, int]]:
    """Original spans over `lines`, merging lines separated only by blanks."""
    spans: list[tuple[int, int]] = []
    for ln in sorted(lines, key=lambda ln: ln.start):
        if spans and not original[spans[-1][1] : ln.start].strip():
            spans[-1] = (spans[-1][0], max(spans[-1][1], ln.end))
        else:
            spans.append((ln.start, ln.end))
    return spans


def _heading_events(lines: list[_Line], ordinal: str) -> list[_Event]:
    """(index, kind, text, in a previous plan's chapter) for chapters, 基本方針, 推進項目, labels."""
    events: list[_Event] = []
    kinds: list[str] = []
    chapter, old, listed_at = 0, False, (-LIST_GAP - 1, 0)
    for i, ln in enumerate(lines):
        t, prev = ln.text, lines[i - 1].text if i else ""
        nxt = lines[i + 1].text if i + 1 < len(lines) else ""
        m, named = _CHAPTER.match(t), _POLICY.match(nxt)
        kind = ""
        # a chapter-like line next to (or just after) a list item is a 評価指標/推進項目 entry
        in_list = _NUMBERED.match(prev) or _NUMBERED.match(nxt) or (
            m and i - listed_at[0] <= LIST_GAP and listed_at[1] == int(m.group(1)) - 1)
        if m and ln.wide_digit and int(m.group(1)) == chapter + 1 and not in_list:
            chapter, found = chapter + 1, _ORDINAL.search(t)
            old, kind = bool(found and ordinal and found.group(1) != ordinal), "chapter"
        elif m and ln.wide_digit:
            listed_at = (i, int(m.group(1)))
        elif _POLICY.match(t) or _POLICY_END.match(t):
            kind = "policy"
        elif _OLD_ITEM.match(t):
            kind = "item"
        elif _title_like(t, LABEL_MAX) and not _NOT_LABEL.search(t) and not t.startswith(_PARTICLE) and (
            (len(nxt) >= PARAGRAPH_MIN and re.search(r"[、。]", nxt))
            or (prev.endswith("。") and named and named.group(2))
        ):
            kind = "label"
        kinds.append(kind)
        if kind:
            events.append((i, kind, t, old))
    # headings with no text between them are an outline (of the previous plan)
    listed = {i for i, k in enumerate(kinds) if k == "item" and (
        (i + 1 < len(kinds) and kinds[i + 1] in ("policy", "item")) or (i and kinds[i - 1] == "item"))}
    listed |= {i for i, k in enumerate(kinds) if k == "policy" and i + 1 in listed}
    events = [e for e in events if e[0] not in listed]
    # box labels inside a 基本方針 page (one with an 評価指標 table) do not end it
    bounds = [e[0] for e in events if e[1] in ("chapter", "policy")] + [len(lines)]
    inside: set[int] = set()
    for i, kind, _, old in events:
        end = min(b for b in bounds if b > i)
        if kind == "policy" and not old and any(ln.text == "評価指標" for ln in lines[i:end]):
            inside |= set(range(i + 1, end))
    return [e for e in events if not (e[1] == "label" and e[0] in inside)]


def _policy_parts(block: list[_Line]) -> list[tuple[str, str, int, int, dict[str, str]]]:
    """Split a 基本方針 page into (kind, title, start, end, extra), indexes into `block`."""
    runs: list[list[tuple[int, int, str]]] = []
    for j, ln in enumerate(block):
        m = _ITEM_LINE.match(ln.text)
        if m and int(m.group(1)) == 1:
            runs.append([(j, 1, m.group(2))])
        elif m and runs and int(m.group(1)) == runs[-1][-1][1] + 1:
            runs[-1].append((j, int(m.group(1)), m.group(2)))
    if len(runs) < 2 or not any(ln.text == "評価指標" for ln in block):
        return [("section", "", 0, len(block), {})]
    indicators, items = runs[0], runs[-1]
    top = indicators[0][0]
    while top > 1 and len(block[top - 1].text) <= TABLE_CELL_MAX and "。" not in block[top - 1].text:
        top -= 1
    ends = [j for j, _, _ in indicators[1:]] + [items[0][0]]
    names = [" ".join(ln.text for ln in block[j:e] if not (_BOX_LABEL.match(ln.text) or _BARE.fullmatch(ln.text)))
             for (j, _, _), e in zip(indicators, ends)]
    values = " / ".join(ln.text for ln in block[top : indicators[0][0]] if not _BOX_LABEL.match(ln.text))
    parts = [("section", "", 0, top, {}),
             ("indicator", "評価指標", top, items[0][0], {"indicators": "\n".join(names), "values": values})]
    for k, (j, n, name) in enumerate(items):
        end = items[k + 1][0] if k + 1 < len(items) else len(block)
        parts.append(("section", f"推進項目 ({n}) {name}", j, end, {"number": str(n)}))
    _, title, s, e, extra = parts[-1]
    cut = s + 1
    while cut < e and (len(block[cut].text) >= 25 or block[cut].text.endswith("。")):
        cut += 1
    if cut < e:  # the next 基本方針's title and summary are printed before its heading
        parts[-1] = ("section", title, s, cut, extra)
        parts.append(("carry", block[cut].text, cut, e, {}))
    return parts


def _plan_sections(lines: list[_Line], events: list[_Event], names: dict[str, str]) -> list[tuple]:
    """(kind, title, path, lines, extra) for the chapters before the action plan."""
    first = events[0][0] if events else len(lines)
    out: list[tuple] = [("section", lines[0].text, [], lines[:first], {})] if first else []
    chapter = policy = label = ""
    pending: list[_Line] = []
    for k, (i, kind, text, old) in enumerate(events):
        body = pending + lines[i : events[k + 1][0] if k + 1 < len(events) else len(lines)]
        pending, found = [], _ORDINAL.search(chapter)
        prefix = f"第{found.group(1)}次 " if old and found else ""
        if kind == "chapter":
            chapter, policy, label = text, "", ""
            out.append(("section", text, [], body, {}))
        elif kind == "label":
            policy, label = "", text
            if len(body) == 1:  # a bare label heads what follows (e.g. a table of 基本方針)
                pending = body
            else:
                label = ""
                out.append(("section", text, [chapter], body, {}))
        elif kind == "item":
            out.append(("section", prefix + text, [chapter, policy], body, {}))
        else:
            m = _POLICY.match(text) or _POLICY_END.match(text)
            name = (m.group(2) if m.re is _POLICY else "") if old else names.get(m.group(1), "")
            policy = f"{prefix}基本方針{m.group(1)} {name or ''}".strip()
            base = [p for p in (chapter, label) if p]
            for pk, title, s, e, extra in [("section", "", 0, len(body), {})] if old else _policy_parts(body):
                path = base + [policy] if title and pk != "carry" else base
                kind = "indicator" if pk == "indicator" else "section"
                out.append((kind, title or policy, path, body[s:e], extra))
    if pending:
        out.append(("section", pending[0].text, [chapter], pending, {}))
    return out


def _add_to_row(row: _Row, ln: _Line, first_rest: str | None = None) -> None:
    """Classify one row line into title / purpose / 〇 overview / departments."""
    text, dept = ln.text if first_rest is None else first_rest, ""
    m = _INLINE_DEPT.search(text)
    if _is_dept(text):
        dept, text = text, ""
    elif m and _is_dept(m.group(1)):
        dept, text = m.group(1), text[: m.start()]
    pieces = [p for p in re.split(r"\s+(?=[〇○])", text.strip()) if p]
    if first_rest is not None and pieces:
        head, _, rest = pieces[0].partition(" ")
        if rest and _title_like(head, ROW_TITLE_MAX):
            pieces[0:1] = [head, rest]
    new_group = first_rest is not None or ln.blank_before
    for p in pieces:
        if p.startswith(_BULLET):
            row.overview.append(p)
        elif row.overview:
            row.overview[-1] += p
        elif not row.purpose and _title_like(p, ROW_TITLE_MAX):
            if (new_group and not p.startswith(_PARTICLE)) or not row.titles:
                row.titles.append([])
            row.titles[-1].append(p)
            new_group = True
        else:
            row.purpose.append(p)
    row.depts += [d for d in re.split(r"[/／]", dept) if d and d not in row.depts]
    row.lines.append(ln)


def _assign(free: list[_Block], targets: list[Any], text_of: Callable[[Any], str]) -> list[_Block]:
    """Give title blocks to targets maximising the total bigram overlap; return the rest."""
    cand, tgt = free[:MAX_EXACT], targets[:MAX_EXACT]
    score = [[_overlap("".join(b.title), text_of(t)) for t in tgt] for b in cand]
    k = min(len(cand), len(tgt))
    pairs = max((list(zip(bs, ts)) for bs in permutations(range(len(cand)), k)
                 for ts in combinations(range(len(tgt)), k)), key=lambda ps: sum(score[b][t] for b, t in ps))
    for b, n in pairs:
        target, blk = tgt[n], cand[b]
        if isinstance(target, _Item):
            target.title, target.text = "".join(blk.title), target.text + blk.text
            target.lines = target.lines + blk.lines
        else:
            target.titles, target.lines = [list(blk.title)], target.lines + blk.lines
    used = {b for b, _ in pairs}
    return [blk for b, blk in enumerate(free) if b not in used]


def _close_page(page: _Page, items: dict[int, _Item], suishin: str) -> None:
    """Attach the page's 実施項目 column text to its items (see module doc)."""
    page.suishin = suishin
    for it in page.items:
        if suishin and len(it.path) < 2:
            it.path.append(suishin)
    titled = [b for b in page.blocks if b.title or b.number is not None]
    for b in page.blocks:  # plain text belongs with the title printed before it (else after)
        if b not in titled:
            before = [t for t in titled if t.lines[0].start < b.lines[0].start]
            host = before[-1] if before else next(iter(titled), None)
            if host is None:
                page.leftovers += b.lines
            elif host in before:
                host.lines, host.text = host.lines + b.lines, host.text + b.text
            else:
                host.lines, host.text = b.lines + host.lines, b.text + host.text
    free: list[_Block] = []
    for b in titled:
        it = items.get(b.number) if b.number is not None else None
        if it is not None and (b.title or b.text or not it.title):
            it.title, it.lines, it.text = it.title or "".join(b.title), it.lines + b.lines, it.text + b.text
        elif it is None and b.title:
            free.append(b)
        else:  # a page number
            page.leftovers += b.lines
    untitled = [it for it in page.items if not it.title and len(it.rows) == 1 and not it.rows[0].titles]
    free = _assign(free, untitled, lambda it: it.rows[0].body)
    rows = [r for it in page.items if len(it.rows) > 1 for r in it.rows if not r.titles]
    for b in _assign(free, rows, lambda r: r.body):
        page.leftovers += b.lines


def _action_plan(lines: list[_Line], policy: str, chapters: set[str]) -> tuple[dict[int, _Item], list[_Page]]:
    """実施項目 by number, and the pages (for their leftover lines)."""
    items: dict[int, _Item] = {}
    pages: list[_Page] = []
    row: _Row | None = None
    block: _Block | None = None
    suishin = ""
    for ln in lines:
        t = ln.text
        if _DETAIL_HEAD.match(t):
            if pages:
                _close_page(pages[-1], items, suishin)
            pages.append(_Page(policy, leftovers=[ln]))
            row = block = None
            continue
        if _POLICY.match(t):
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
                items[parent] = _Item(parent, [policy])
                page.items.append(items[parent])
            row, block = _Row(sub), None
            items[parent].rows.append(row)
            _add_to_row(row, ln, rest or "")
            continue
        if row is not None and (not row.depts or _is_dept(t)):  # a row ends after its departments
            _add_to_row(row, ln)
            continue
        row = None
        if _SUISHIN.match(t) or _JUNK.match(t) or t in chapters:
            suishin = t if _SUISHIN.match(t) else suishin
            page.leftovers.append(ln)
            block = None
            continue
        title = _title_like(t, LABEL_MAX)
        wrapped = block is not None and block.title and (
            not ln.blank_before or t.startswith(_PARTICLE) or block.title[-1].endswith("・"))
        if m1:  # a number printed in the 実施項目 column
            block = _Block(int(m1.group(1)), title=[m1.group(2)] if m1.group(2) else [])
            page.blocks.append(block)
        elif block is None or (title and (block.text or (block.title and not wrapped))):
            block = _Block(None)
            page.blocks.append(block)
        if not m1:
            (block.title if title else block.text).append(t)
        block.lines.append(ln)
    if pages:
        _close_page(pages[-1], items, suishin)
    return items, pages


def _initiatives(original: str, items: dict[int, _Item], meta: DocumentMeta) -> list[Initiative]:
    out: list[Initiative] = []

    def add(key: str, title: str, path: list[str], depts: list[str], lines: list[_Line],
            extra: dict[str, str], parent: str | None = None) -> Initiative:
        out.append(Initiative(
            id=f"{meta.id}:{key}", document_id=meta.id, city=meta.city, number=key.replace(".", "-"),
            title=title, heading_path=path, departments=depts, spans=_spans(original, lines),
            parent_id=parent, extra={k: v for k, v in extra.items() if v}))
        return out[-1]

    for n in sorted(items):
        it = items[n]
        purpose, overview = _split_text(it.text)
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


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """実施項目 (and their 取組 rows) as initiatives; chapters and page leftovers as sections."""
    lines = _lines(original, clean)
    found = _ORDINAL.search(meta.title)
    ordinal = found.group(1) if found else ""
    start = next((i for i, ln in enumerate(lines) if _DETAIL_HEAD.match(ln.text)), len(lines))
    events = _heading_events(lines[:start], ordinal)
    chapters = {text for _, kind, text, _ in events if kind == "chapter"}
    last = max((i for i, kind, _, _ in events if kind == "chapter"), default=0)
    names: dict[str, str] = {}  # this plan's 基本方針 names, printed in full by its action plan
    for m in (_POLICY.match(ln.text) for ln in lines[last:]):
        if m and m.group(2):
            names.setdefault(m.group(1), m.group(2))
    policy = next((ln.text for ln in reversed(lines[:start]) if _POLICY.match(ln.text)), "")
    items, pages = _action_plan(lines[start:], policy, chapters)
    records = _plan_sections(lines[:start], events, names)
    for page in pages:  # keep leftovers with content; bare table headers are dropped
        if any(not (_DETAIL_HEAD.match(ln.text) or _SUISHIN.match(ln.text) or _JUNK.match(ln.text)
                    or _POLICY.match(ln.text) or ln.text in chapters or _BARE.fullmatch(ln.text))
               for ln in page.leftovers):
            records.append(("section", page.suishin or page.policy, [page.policy], page.leftovers, {}))
    sections: list[Section] = []
    for kind, title, path, body, extra in sorted((r for r in records if r[3]), key=lambda r: r[3][0].start):
        sections.append(Section(id=f"{meta.id}:s{len(sections) + 1}", document_id=meta.id, title=title[:80],
                                heading_path=[p for p in path if p], spans=_spans(original, body),
                                kind=kind, extra=extra))
    return ParsedDocument(initiatives=_initiatives(original, items, meta), sections=sections)
