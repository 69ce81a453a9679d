"""Parser for 昭島市「行財政改革推進会議 報告書」(evaluation of the 中期行財政運営計画).

Layout: a table of contents; chapter 1 has, per 基本方針, an overview list of 取組項目
"(1) … ①… ②…", then parts "(1) 市の主な取組内容…" / "(2) 評価とコメント" (a rating table
and ア/イ/… sub-blocks, one per 取組項目, with paragraphs 「①…」は…); chapter 2 has one
evaluation sheet per 取組項目 (担当課, 評価 and 個別評価 per year, 主な事業, 今後の取組方針);
appendices follow, with headings listed in the table of contents (用語説明, 評価一覧…).

Every cleaned line gets one owner (an initiative key or a section key); spans are the
runs of consecutive lines with the same owner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalize import MappedText, compact
from ingest.parsers.common import CIRCLED, Line, circled_to_int, era_to_year, lines_of, to_original
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Rating, Section

C = CIRCLED
_TOC = re.compile(r"^目\s*次$")
_TOC_ENTRY = re.compile(r"^(\S.*?)\s+(\d{1,3})$")
_CHAPTER = re.compile(r"^第\s*(\d+)\s*章\s*(\S.*)$")
_POLICY = re.compile(r"^基本方針\s*(\d+)\s+(\S.*)$")
_SHEET_POLICY = re.compile(r"^基本方針\s+基本方針\s*(\d+)\s*(.*)$")
_SHEET_ITEM = re.compile(r"^取組項目名\s*\((\d+)\)\s*(.+)$")
_OVERVIEW = re.compile(rf"^\(\d+\).*{C}|^{C}")
_ITEM_SPLIT = re.compile(r"(?:^|\s)\((\d+)\)\s*")
_PART = re.compile(rf"^\((\d+)\)\s*([^\u2460-\u2473]{{1,40}})$")
_KANA = "アイウエオカキクケコサシスセソ"
_KANA_SUB = re.compile(rf"^([{_KANA}])\s+(\S[^。]{{0,60}})$")
_PARA = re.compile(rf"^「({C})\s*([^」]+)」")
_TABLE_ROW = re.compile(rf"^(?:\((\d+)\)\s*([^\u2460-\u2473]+?)\s*)?({C})\s*(.+?)\s+([SABCD—-])(?:\s+([SABCD—-]))?$")
_YEAR_LINE = re.compile(r"^(?:令和|平成)\s*(\d+|元)\s*年度$")
_YEAR_HDR = re.compile(r"^(個別評価|評価)\s*((?:(?:令和|平成)\s*(?:\d+|元)\s*年度\s*)+)(.*)$")
_ERA_YEAR = re.compile(r"(?:令和|平成)\s*(?:\d+|元)")
_RATING_ROW = re.compile(r"^[SABCD—―\-－ー–]( [SABCD—―\-－ー–])*$")
_REPEAT = re.compile(r"\s*[(（]再掲[)）]\s*")
_DEPT_SPLIT = re.compile(r"[\s・、,，/／]+")
_SENTENCE_END = ("。", "．")
_GRADES = {"S", "A", "B", "C", "D"}


@dataclass
class _Node:
    """An initiative under construction."""

    key: str
    number: str
    title: str
    policy: int
    item: int
    content: int | None = None
    ratings: list[Rating] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    provisional: bool = False  # title taken from a "① title description" line

    def rate(self, year: int | None, value: str, label: str) -> None:
        if value in _GRADES and not any(r.year == year and r.label == label for r in self.ratings):
            self.ratings.append(Rating(year=year, value=value, label=label))


def _norm(text: str) -> str:
    return compact(_REPEAT.sub("", text))


class _Doc:
    """Shared state of one parse: nodes by key, line owners, section info."""

    def __init__(self, lines: list[Line]) -> None:
        self.lines = lines
        self.owner: list[str | None] = [None] * len(lines)
        self.nodes: dict[str, _Node] = {}
        self.policies: dict[int, str] = {}
        self.sections: dict[str, tuple[str, list[str], str]] = {}  # key -> title, path, kind

    def item(self, p: int, i: int, title: str = "") -> _Node:
        key = f"{p}.{i}"
        if key not in self.nodes:
            self.nodes[key] = _Node(key, f"({i})", title.strip(), p, i)
        elif not self.nodes[key].title:
            self.nodes[key].title = title.strip()
        return self.nodes[key]

    def contents(self, p: int, i: int) -> list[_Node]:
        return [n for n in self.nodes.values() if n.policy == p and n.item == i and n.content]

    def content(self, p: int, i: int, circ: str | None, text: str, create: bool = False) -> _Node | None:
        """The 取組内容 of item (p, i) named by `text` (title prefix) or else by number."""
        t = _norm(text)
        best = None
        for n in self.contents(p, i):
            nt = _norm(n.title)
            if nt and (t.startswith(nt) or (len(t) >= 4 and nt.startswith(t))):
                if best is None or len(nt) > len(_norm(best.title)):
                    best = n
        if best or not circ:
            return best
        n_ = circled_to_int(circ)
        key = f"{p}.{i}.{n_}"
        if key not in self.nodes and create:
            self.item(p, i)
            self.nodes[key] = _Node(key, f"({i}){circ}", text.strip(), p, i, n_)
        return self.nodes.get(key)

    def section(self, key: str, title: str, path: list[str], kind: str = "section") -> str:
        self.sections.setdefault(key, (title, path, kind))
        return key

    def assign(self, a: int, b: int, owner: str) -> None:
        for k in range(a, b):
            if self.owner[k] is None:
                self.owner[k] = owner


def _parse_overview(doc: _Doc, p: int, text: str) -> None:
    """"(1) 項目 ①内容 ②内容 (2) …" → items and contents."""
    parts = _ITEM_SPLIT.split(text)
    for num, chunk in zip(parts[1::2], parts[2::2]):
        pieces = re.split(f"({C})", chunk)
        doc.item(p, int(num), pieces[0])
        for circ, title in zip(pieces[1::2], pieces[2::2]):
            node = doc.content(p, int(num), circ, "", create=True)
            if node is not None and not node.title:
                node.title = title.strip()


def _apply_ratings(node: _Node, header: str, row: str, label: str) -> None:
    years = [era_to_year(m.group(0)) for m in _ERA_YEAR.finditer(header)]
    for year, value in zip(years, row.split()):
        node.rate(year, value, label)


def _departments(doc: _Doc, item: _Node, text: str) -> None:
    """"①A課 ②③B課・C課 関係各課" → departments per 取組内容 (and their union on the item)."""
    chunks = re.split(f"((?:{C}\\s*)+)", text)
    targets = doc.contents(item.policy, item.item)
    for k, chunk in enumerate(chunks):
        names = [d for d in _DEPT_SPLIT.split(chunk) if d and not re.fullmatch(f"(?:{C}\\s*)+", d)]
        if not names:
            continue
        nums = [circled_to_int(c) for c in re.findall(C, chunks[k - 1])] if k else None
        for node in targets if nums is None else [n for n in targets if n.content in nums]:
            node.departments += [d for d in names if d not in node.departments]
        item.departments += [d for d in names if d not in item.departments]


def _sheet(doc: _Doc, a: int, b: int, p: int) -> None:
    """One chapter 2 evaluation sheet: lines a..b of the 取組項目 of 基本方針 p."""
    lines = doc.lines
    m = next((_SHEET_ITEM.match(ln.text) for ln in lines[a:b] if _SHEET_ITEM.match(ln.text)), None)
    if m is None:
        return
    item = doc.item(p, int(m.group(1)), m.group(2))
    cur: _Node = item
    mode, depts = "", ""
    pending: tuple[_Node, str, str] | None = None
    for k in range(a, b):
        t = lines[k].text.strip()
        if pending and _RATING_ROW.match(t):
            _apply_ratings(pending[0], pending[1], t, pending[2])
            doc.owner[k] = pending[0].key
            pending = None
            continue
        pending = None
        if t.startswith("取組内容"):
            mode, cur, t = "contents", item, t[4:].strip()
            if not t:
                doc.owner[k] = item.key
                continue
        owner: _Node = cur
        lead = re.match(f"^({C})\\s*(.*)$", t)
        if _SHEET_POLICY.match(t) or _SHEET_ITEM.match(t):
            mode, owner = "contents", item
        elif t.startswith("担当課"):
            mode, cur = "depts", item
            depts += " " + t[3:]
            owner = item
        elif hm := _YEAR_HDR.match(t):
            owner = cur if hm.group(1) == "個別評価" else item
            if _RATING_ROW.match(hm.group(3).strip()):
                _apply_ratings(owner, hm.group(2), hm.group(3), hm.group(1))
            else:
                pending = (owner, hm.group(2), hm.group(1))
        elif bm := re.match(f"^(?:主な事業|具体的な取組)\\s*({C})?\\s*(.*)$", t):
            if t.startswith("主な事業") or bm.group(1):
                mode = "business"
                found = doc.content(p, item.item, bm.group(1), bm.group(2), create=True)
                cur = owner = found or item
                if found and found.provisional and found.title.startswith(bm.group(2)):
                    found.extra.setdefault("plan", found.title[len(bm.group(2)) :].strip())
                    found.title, found.provisional = bm.group(2), False
        elif t.startswith("今後の"):
            mode, cur = "policy", item
            rest = re.sub(r"^今後の(取組方針)?\s*", "", t)
            lead = re.match(f"^({C})\\s*(.*)$", rest)
            if lead:
                cur = doc.content(p, item.item, lead.group(1), lead.group(2)) or item
            owner = cur
        elif mode == "contents" and len(re.findall(f"(?:^|\\s){C}", t)) > 1:
            cur = owner = item  # several 取組内容 on one line
        elif mode in ("contents", "policy") and lead:
            circ, desc = lead.groups()
            known = doc.content(p, item.item, circ, desc)
            cur = owner = known or doc.content(p, item.item, circ, desc, create=mode == "contents") or item
            cur.provisional = known is None and cur is not item
            if mode == "contents" and cur is not item and desc.startswith(cur.title) and desc != cur.title:
                cur.extra.setdefault("plan", desc[len(cur.title) :].strip())
        elif mode == "depts":
            depts += " " + t
            owner = item
        elif mode == "contents" and cur is not item:
            cur.extra["plan"] = (cur.extra.get("plan", "") + " " + t).strip()  # wrapped description
        doc.owner[k] = owner.key
    _departments(doc, item, depts)


def _overview(doc: _Doc, a: int, b: int, p: int) -> int:
    """Parse the heading + overview lines of a chapter 1 block; index of the first body line."""
    lines, k = doc.lines, a
    while k < b and (m := _POLICY.match(lines[k].text.strip())) and int(m.group(1)) == p:
        k += 1
    start = k
    while k < b and _OVERVIEW.match(lines[k].text.strip()):
        k += 1
    _parse_overview(doc, p, " ".join(ln.text for ln in lines[start:k]))
    return k


def _policy_block(doc: _Doc, a: int, b: int, p: int, chapter: list[str]) -> None:
    """Chapter 1 block of 基本方針 p (lines a..b): overview, results and evaluation parts."""
    lines = doc.lines
    sec = doc.section(f"s-policy{p}", doc.policies[p], chapter)
    body = _overview(doc, a, b, p)
    doc.assign(a, body, sec)
    part_seen, item, table_item = False, None, None
    cur, table_year, prev = sec, None, ""
    for k in range(body, b):
        t = lines[k].text.strip()
        if _PART.match(t) and not t.endswith(_SENTENCE_END):
            part_seen, item, cur = True, None, sec
        elif part_seen and (km := _KANA_SUB.match(t)):
            idx = _KANA.index(km.group(1)) + 1
            same = [n for n in doc.nodes.values() if n.key.count(".") == 1 and _norm(n.title) == _norm(km.group(2))]
            same = [n for n in same if n.policy == p]
            item = same[0] if same else doc.item(p, idx, km.group(2))
            cur = item.key
        elif part_seen and item is None:
            cur = sec
            if _YEAR_LINE.match(t):
                table_year = era_to_year(t)
            elif rm := _TABLE_ROW.match(t):
                if rm.group(1):
                    table_item = doc.item(p, int(rm.group(1)), rm.group(2))
                    table_item.rate(table_year, rm.group(6) or "", "評価")
                if table_item is not None:
                    node = doc.content(p, table_item.item, rm.group(3), rm.group(4), create=True)
                    if node is not None:
                        node.rate(table_year, rm.group(5), "個別評価")
                        cur = node.key
        elif item is not None:
            if pm := _PARA.match(t):
                node = doc.content(p, item.item, pm.group(1), pm.group(2))
                cur = node.key if node else item.key
            elif prev.endswith(_SENTENCE_END):
                cur = item.key
        doc.owner[k] = cur
        prev = t


def _regions(doc: _Doc) -> tuple[int, int, int, list[str], str, str]:
    """(toc index, chapter 1 index, chapter 2 index, toc titles, chapter 1/2 headings)."""
    lines, n = doc.lines, len(doc.lines)
    toc = next((k for k, ln in enumerate(lines) if _TOC.match(ln.text.strip())), -1)
    titles, k = [], toc + 1
    while toc >= 0 and k < n and (m := _TOC_ENTRY.match(lines[k].text.strip())):
        titles.append(m.group(1))
        k += 1
    chapters = [(j, ln.text.strip()) for j, ln in enumerate(lines[k:], k) if _CHAPTER.match(ln.text.strip())]
    ch1, h1 = chapters[0] if chapters else (n, "")
    ch2, h2 = chapters[1] if len(chapters) > 1 else (n, "")
    return toc, ch1, ch2, titles, h1, h2


def _appendix_heads(doc: _Doc, start: int, toc_titles: list[str]) -> list[tuple[int, str]]:
    """Lines after `start` that are headings listed in the table of contents."""
    heads: list[tuple[int, str]] = []
    wanted = [compact(t) for t in toc_titles]
    for k in range(start, len(doc.lines)):
        c = compact(doc.lines[k].text)
        hit = next((w for w in wanted if w and c.endswith(w) and len(c) <= len(w) + 6), None)
        if hit:
            heads.append((k, doc.lines[k].text.strip()))
            wanted.remove(hit)
    return heads


def _sheet_key(doc: _Doc, a: int, b: int, p: int) -> tuple[int, str]:
    m = next((m for ln in doc.lines[a:b] if (m := _SHEET_ITEM.match(ln.text.strip()))), None)
    return p, m.group(1) if m else ""


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Items (取組項目) and contents (取組内容) with ratings, departments and sheet spans."""
    lines = lines_of(clean)
    doc = _Doc(lines)
    n = len(lines)
    toc, ch1, ch2, toc_titles, h1, h2 = _regions(doc)
    sheets = [(k, int(m.group(1))) for k in range(ch2 % n, n) if (m := _SHEET_POLICY.match(lines[k].text.strip()))]
    ch2 = min([ch2] + [k for k, _ in sheets[:1] if k > ch1])  # sheets without a chapter heading
    starts: list[tuple[int, int]] = []
    for k in range(ch1, ch2):
        if (m := _POLICY.match(lines[k].text.strip())) and not _TOC_ENTRY.match(lines[k].text.strip()):
            if not starts or starts[-1][1] != int(m.group(1)):
                starts.append((k, int(m.group(1))))
                doc.policies[int(m.group(1))] = f"基本方針{m.group(1)} {m.group(2).strip()}"
    blocks = [(k, starts[j + 1][0] if j + 1 < len(starts) else ch2, p) for j, (k, p) in enumerate(starts)]
    app_heads = _appendix_heads(doc, sheets[-1][0] + 1 if sheets else ch2, toc_titles)
    # Passes: overviews first (titles), then sheets (per-year ratings), then chapter 1 bodies.
    for a, b, p in blocks:
        _overview(doc, a, b, p)
    ends = [s for s, _ in sheets[1:]] + [app_heads[0][0] if app_heads else n]
    keys = [_sheet_key(doc, s, e, p) for (s, p), e in zip(sheets, ends)]
    guide_end = sheets[0][0] if sheets else ch2
    for j, ((s, p), e) in enumerate(zip(sheets, ends)):
        if j + 1 < len(sheets) and keys[j] == keys[j + 1]:
            guide_end = e  # an example sheet (評価シートの見方) precedes the real one
        elif s >= guide_end:
            doc.policies.setdefault(p, f"基本方針{p}")
            _sheet(doc, s, e, p)
    for a, b, p in blocks:
        _policy_block(doc, a, b, p, [h1] if h1 else [])
    # Sections for everything else, by region.
    if toc >= 0 or ch1 < n:
        doc.assign(0, toc if toc >= 0 else ch1, doc.section("s-front", "はじめに", []))
    if toc >= 0:
        doc.assign(toc, ch1, doc.section("s-toc", "目次", [], "toc"))
    first = blocks[0][0] if blocks else ch2
    crit = next((ln.text.strip() for ln in lines[ch1 + 1 : first]), h1)
    doc.assign(ch1, first, doc.section("s-criteria", crit, [h1] if h1 else []))
    guide = next((ln.text.strip().lstrip("◎") for ln in lines[ch2 + 1 : guide_end] if "見方" in ln.text), h2)
    doc.assign(ch2, guide_end, doc.section("s-sheet-guide", guide, [h2] if h2 else [], "guide"))
    for j, (k, title) in enumerate(app_heads):
        end = app_heads[j + 1][0] if j + 1 < len(app_heads) else n
        kind = "glossary" if "用語" in title else "index" if "一覧" in title else "appendix"
        doc.assign(k, end, doc.section("s-glossary" if kind == "glossary" else f"s-appendix{j + 1}", title, [], kind))
    doc.assign(0, n, doc.section("s-body", meta.title, []))
    return _build(doc, clean, meta)


def _build(doc: _Doc, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    spans: dict[str, list[tuple[int, int]]] = {}
    run_owner, run_a, run_b = None, 0, 0
    for ln, owner in list(zip(doc.lines, doc.owner)) + [(None, None)]:
        if ln is not None and not ln.text.strip():
            continue
        if ln is None or owner != run_owner:
            if run_owner is not None:
                spans.setdefault(run_owner, []).append(to_original(clean, run_a, run_b))
            run_owner, run_a = owner, ln.start if ln else 0
        if ln is not None:
            run_b = ln.end
    by_title = {_norm(nd.title): nd.key for nd in doc.nodes.values() if nd.content and not _REPEAT.search(nd.title)}
    inits: list[Initiative] = []
    for nd in sorted(doc.nodes.values(), key=lambda x: (x.policy, x.item, x.content or 0)):
        path = [doc.policies.get(nd.policy, f"基本方針{nd.policy}")]
        parent = None
        if nd.content:
            parent = doc.nodes[f"{nd.policy}.{nd.item}"]
            path.append(f"({nd.item}) {parent.title}".strip())
        title, repeat_of = _REPEAT.sub("", nd.title).strip(), None
        if _REPEAT.search(nd.title):
            nd.extra["repeat"] = "再掲"
            orig = by_title.get(_norm(title))
            repeat_of = f"{meta.id}:{orig}" if orig and orig != nd.key else None
        inits.append(
            Initiative(
                id=f"{meta.id}:{nd.key}", document_id=meta.id, city=meta.city, number=nd.number,
                title=title, heading_path=path, departments=nd.departments, ratings=nd.ratings,
                spans=spans.get(nd.key, []), repeat_of=repeat_of,
                parent_id=f"{meta.id}:{parent.key}" if parent else None, extra=nd.extra,
            )
        )
    sections = [
        Section(id=f"{meta.id}:{key}", document_id=meta.id, title=title, heading_path=path, spans=spans[key], kind=kind)
        for key, (title, path, kind) in doc.sections.items()
        if key in spans
    ]
    return ParsedDocument(initiatives=inits, sections=sections)
