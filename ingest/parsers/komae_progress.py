"""Parser for 狛江市第6次行財政改革推進計画 進捗状況 (yearly progress report).

The document has numbered chapters (``1.計画の目的`` …), a list of all 取組項目 with page
references (``取組項目 06 AI・RPA等の先進技術の導入 P.10`` under 施策/方向性/基本事業
headings), an indicator table (year-labelled value rows) and detail pages.  A detail page
prints item headers (``取組項目06 …`` + ``推進部署 …``), the 基本事業 description (polite
form, ``…します。``) and the year's results (plain form, ``…した。``) after ``R4`` markers.
The PDF extraction scrambles the result column: text printed right under a header belongs
to that item, the rest comes in item order after the descriptions, so it is aligned to the
page's items by a monotone best-match on shared character bigrams.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.normalize import MappedText, compact
from ingest.parsers.common import Line, lines_of, to_original
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Section

_CHAPTER = re.compile(r"^(\d{1,2})[.．]\s*([^。\s][^。]{0,40})$")
_LIST_ITEM = re.compile(r"^取組項目\s*(\d{1,3})\s*(\S.*?)\s*P\s*[.．]\s*(\d+)$")
_ITEM = re.compile(r"^取組項目\s*(\d{1,3})\s*(\S.*)$")
_DEPT = re.compile(r"^推進部署\s*(.*)$")
_LEVEL = re.compile(r"^(施策|方向性|基本事業)\s*(\d+)\s+(\S.*)$")
_LEVELS = ("施策", "方向性", "基本事業")
_TABLE_ROW = re.compile(r"^(?:施策|方向性|基本事業)\s*\d")
_YEAR_LABEL = re.compile(r"(?:令和|平成)\s*(?:元|\d{1,2})\s*年度\S*?値")
_LABEL = re.compile(r"^(?:No\.?|説明|指標|\d{1,2})$")
_BASIC = re.compile(r"基本事業\s*\d+(?:\s*指標\s*No\.?\s*([\d・,、]+))?$")
_POLICY = re.compile(r"^施策\s*\d+(?:\s+|$)")
_MARKER = re.compile(r"^R\s*\d{1,2}$")
_DIRECTION = re.compile(r"^方向性\s*\d+$")
_REPEAT = re.compile(r"\s*[(（]再掲[)）]\s*$")
_BULLET = tuple("・▽▼●○■□◆◇【※(（「〔")
_NOT_HEADING = re.compile(r"[。、:：()（）「」]")
_POLITE_END = re.compile(r"す。$")
_WORD = re.compile(r"[\w\u3040-\u30ff\u3400-\u9fff]")
_RUN = re.compile(r"[\w\u3040-\u30ff\u3400-\u9fff]+")
_CONNECTIVE = re.compile(r"^(?:また|なお|さらに|加えて|併せて|引き続き|引続き)")
# Alignment costs, in units of one shared distinctive bigram (idf ≈ 4).
SWITCH_COST = 4.0
STAY_COST = 4.0
SKIP_COST = 6.0
CONTINUATION_COST = 12.0
MAX_HEADING_CHARS = 30
MAX_STATUS_CHARS = 120


@dataclass
class _Item:
    """What is known about one 取組項目, from the list and the detail pages."""

    number: str
    title: str = ""
    path: list[str] = field(default_factory=list)
    page: str = ""
    dept_raw: str = ""
    indicators: str = ""
    lines: set[int] = field(default_factory=set)
    status: list[str] = field(default_factory=list)  # result paragraphs, in document order


@dataclass
class _Walk:
    """Where the detail-page walk stands."""

    fixed: bool = False  # text goes to `target` (it follows an item header directly)
    target: _Item | None = None
    between: bool = True  # past page-top headings, before the next item header
    in_dept: bool = False  # 推進部署 lines may continue
    marked: bool = True  # an R4 marker or a description since the last result paragraph
    indicators: str = ""  # 指標No of the last 基本事業 line


def _bigrams(text: str) -> set[str]:
    """Character bigrams inside runs of word characters."""
    return {run[i : i + 2] for run in _RUN.findall(text) for i in range(len(run) - 1)}


def split_departments(raw: str) -> list[str]:
    """``政策室/関係各課(職員課/総務課)`` → 政策室, 職員課, 総務課 (generic 関係各課 replaced)."""
    out: list[str] = []
    for m in re.finditer(r"([^/／、,()（）]+)(?:[(（]([^)）]*)[)）])?", raw):
        outer, inner = m.group(1).strip(), [s.strip() for s in re.split(r"[/／、,]", m.group(2) or "")]
        inner = [s for s in inner if s]
        if outer and not (inner and "各" in outer):
            out.append(outer)
        out.extend(inner)
    return list(dict.fromkeys(out))


def _values(header: str, row: str) -> dict[str, str]:
    """Yearly values keyed by the printed column label; a ``(…)`` part stays with its value."""
    labels = [re.sub(r"\s+", "", lb) for lb in _YEAR_LABEL.findall(header)]
    tokens: list[str] = []
    for tok in row.split():
        if tokens and tok.startswith(("(", "（")):
            tokens[-1] += " " + tok
        else:
            tokens.append(tok)
    if len(tokens) != len(labels):
        return {"values": row}
    return dict(zip(labels, tokens))


def _align(paras: list[tuple[str, bool]], profiles: list[set[str]], idf: dict[str, float]) -> list[int]:
    """Monotone assignment of result paragraphs (text, follows a marker) to a page's items.

    A paragraph scores the idf-weighted character bigrams it shares with an item's title.
    An ``R4`` marker or a description before a paragraph usually means the next item starts;
    a paragraph opening with a connective (また…) continues the previous one; every item
    normally has some text, so skipping one costs too.
    """
    k = len(profiles)
    score = [[sum(idf.get(b, 0.0) for b in _bigrams(p) & prof) for prof in profiles] for p, _ in paras]

    def move(a: int, b: int, text: str, marked: bool) -> float:
        if a == b:
            return -STAY_COST if marked and not _CONNECTIVE.match(text) else 0.0
        if _CONNECTIVE.match(text):
            return -CONTINUATION_COST
        return -(0.0 if marked else SWITCH_COST) - SKIP_COST * (b - a - 1)

    best = [[score[0][i] - SKIP_COST * i for i in range(k)]] if paras else []
    back: list[list[int]] = [list(range(k))]
    for j in range(1, len(paras)):
        text, marked = paras[j]
        row, ptr = [], []
        for i in range(k):
            prev = max(range(i + 1), key=lambda a: (best[j - 1][a] + move(a, i, text, marked), a))
            row.append(best[j - 1][prev] + move(prev, i, text, marked) + score[j][i])
            ptr.append(prev)
        best.append(row)
        back.append(ptr)
    if not paras:
        return []
    i = max(range(k), key=lambda x: (best[-1][x] - SKIP_COST * (k - 1 - x), -x))
    out = []
    for j in range(len(paras) - 1, -1, -1):
        out.append(i)
        i = back[j][i]
    return out[::-1]


def _runs(indexes: set[int] | list[int], lines: list[Line], clean: MappedText) -> list[tuple[int, int]]:
    """Original spans of runs of consecutive line indexes."""
    spans: list[tuple[int, int]] = []
    run: list[int] = []
    for i in sorted(indexes) + [-2]:
        if run and i != run[-1] + 1:
            spans.append(to_original(clean, lines[run[0]].start, lines[run[-1]].end))
            run = []
        if i >= 0:
            run.append(i)
    return spans


class _Parser:
    def __init__(self, clean: MappedText, meta: DocumentMeta) -> None:
        self.clean, self.meta = clean, meta
        self.lines = [ln for ln in lines_of(clean) if ln.text.strip()]
        self.items: dict[str, _Item] = {}
        self.owned: set[int] = set()
        self.sections: list[Section] = []
        self.chapters = self._chapters()

    def _chapters(self) -> dict[int, str]:
        """Line index → chapter heading, for ``1.`` ``2.`` … in sequence."""
        out: dict[int, str] = {}
        for i, ln in enumerate(self.lines):
            m = _CHAPTER.match(ln.text)
            if m and int(m.group(1)) == len(out) + 1:
                out[i] = ln.text
        return out

    def _chapter_of(self, i: int) -> str:
        starts = [c for c in self.chapters if c <= i]
        return self.chapters[max(starts)] if starts else ""

    def item(self, number: str) -> _Item:
        return self.items.setdefault(number, _Item(number))

    def parse_list(self) -> None:
        """``取組項目 NN title P.n`` entries with their 施策/方向性/基本事業 path."""
        path: list[str] = []
        for i, ln in enumerate(self.lines):
            if i in self.chapters:
                path = []
            if m := _LEVEL.match(ln.text):
                level = _LEVELS.index(m.group(1))
                path = (path + [""] * 3)[:level] + [f"{m.group(1)}{m.group(2)} {m.group(3)}"]
            elif m := _LIST_ITEM.match(ln.text):
                it = self.item(m.group(1))
                it.title, it.path, it.page = m.group(2), [p for p in path if p], m.group(3)
                it.lines.add(i)
                self.owned.add(i)

    def parse_indicators(self) -> None:
        """A row of year labels, its value row, the name/description above, 【関連…】 below."""
        n = 0
        for h, ln in enumerate(self.lines):
            if len(_YEAR_LABEL.findall(ln.text)) < 2 or h + 1 >= len(self.lines):
                continue
            floor = max([h - 8] + [j for j in range(h) if j in self.owned or j in self.chapters])
            above = [i for i in range(floor + 1, h) if not _LABEL.match(self.lines[i].text)][-2:]
            if not above:
                continue
            end = h + 1
            if end + 1 < len(self.lines) and self.lines[end + 1].text.startswith("【"):
                end += 1
                while end + 1 < len(self.lines) and _TABLE_ROW.match(self.lines[end + 1].text):
                    end += 1
            n += 1
            name = self.lines[above[0]].text
            extra = {"number": str(n), **_values(ln.text, self.lines[h + 1].text)}
            if len(above) > 1:
                extra["description"] = self.lines[above[1]].text
            owned = set(above) | set(range(h, end + 1))
            self.owned |= owned
            chapter = self._chapter_of(h)
            self.sections.append(Section(
                f"{self.meta.id}:indicator{n}", self.meta.id, name, [chapter] if chapter else [],
                _runs(owned, self.lines, self.clean), kind="indicator", extra=extra))

    def parse_details(self) -> list[tuple[int, tuple[str, ...]]]:
        """Assign detail-page lines to items; returns leftover lines with their region."""
        heads = [i for i, ln in enumerate(self.lines) if _ITEM.match(ln.text) and i not in self.owned]
        if not heads:
            return []
        # The detail pages start at their chapter heading, or right after the list / indicators.
        before = [c for c in self.chapters if c <= heads[0]] + [j + 1 for j in self.owned if j < heads[0]]
        start = max(before + [0])
        # Bigram weights from line frequency: words common in the report say little about an item.
        df = Counter(b for ln in self.lines[start:] for b in _bigrams(ln.text))
        n_lines = len(self.lines) - start
        idf = {b: math.log(n_lines / c) for b, c in df.items()}
        leftovers: list[tuple[int, tuple[str, ...]]] = []
        pending: list[int] = []
        cluster: list[_Item] = []
        free: list[tuple[list[int], str, bool]] = []
        para: list[int] = []
        st = _Walk()

        def region(it: _Item | None) -> tuple[str, ...]:
            return tuple(it.path[:2]) if it else ()

        def leftover(i: int, structural: bool = False) -> None:
            if structural or st.between or not cluster:
                st.between = True
                pending.append(i)
            else:
                leftovers.append((i, region(cluster[-1])))

        def flush() -> None:
            if not para:
                return
            text = "".join(self.lines[i].text for i in para)
            if _POLITE_END.search(text) or not cluster:  # a plan description, not a result
                for i in para:
                    leftover(i)
                st.fixed, st.marked = False, True
            elif st.fixed and st.target:
                st.target.lines.update(para)
                st.target.status.append(text)
            else:
                free.append((para[:], text, st.marked))
                st.marked = False
            para.clear()

        def close_cluster() -> None:
            if not cluster:
                return
            profiles = [_bigrams(it.title + " " + it.dept_raw) for it in cluster]
            for (idx, text, _), k in zip(free, _align([(t, m) for _, t, m in free], profiles, idf)):
                cluster[k].lines.update(idx)
                cluster[k].status.append(text)
            cluster.clear()
            free.clear()

        for i in range(start, len(self.lines)):
            text = self.lines[i].text
            head = _ITEM.match(text) if i in heads else None
            if head:
                flush()
                if not st.fixed:
                    close_cluster()
                it = self.item(head.group(1))
                it.title = head.group(2)
                it.indicators = it.indicators or st.indicators
                it.lines.add(i)
                cluster.append(it)
                leftovers.extend((p, region(it)) for p in pending)
                pending.clear()
                st.fixed, st.target, st.between, st.in_dept = True, it, False, True
                continue
            dept = _DEPT.match(text)
            if st.in_dept and st.target and (dept or text.startswith(("/", "／"))):
                st.target.dept_raw += dept.group(1) if dept else text
                st.target.lines.add(i)
                continue
            st.in_dept = False
            policy = _POLICY.match(text)
            rest = text[policy.end():] if policy else text
            if policy and (not rest or _MARKER.match(rest)) or _MARKER.match(text):
                flush()
                leftover(i)
                st.fixed, st.marked = False, True
            elif (basic := _BASIC.search(text)) or _DIRECTION.match(text) or i in self.chapters:
                flush()
                leftover(i, structural=True)
                if basic:
                    st.indicators = basic.group(1) or ""
            elif not _WORD.search(text) or (len(text) <= 2 and "。" not in text):  # ■, vertical text
                flush()
                leftover(i, structural=True)
            elif not para and len(text) <= MAX_HEADING_CHARS and not text.startswith(_BULLET) \
                    and not _NOT_HEADING.search(text):
                leftover(i, structural=True)
            else:
                if para and text.startswith(_BULLET):
                    flush()
                para.append(i)
                if text.endswith("。"):
                    flush()
        flush()
        close_cluster()
        last = next((it for it in reversed(list(self.items.values())) if it.lines), None)
        leftovers.extend((p, region(last)) for p in pending)
        for it in self.items.values():
            self.owned |= it.lines
        return leftovers

    def build_sections(self, leftovers: list[tuple[int, tuple[str, ...]]]) -> None:
        """Chapters before the detail pages, and one section per 方向性 in the detail pages."""
        detail = {i for i, _ in leftovers}
        by_chapter: dict[str, list[int]] = {}
        for i in range(len(self.lines)):
            if i not in self.owned and i not in detail:
                by_chapter.setdefault(self._chapter_of(i), []).append(i)
        for title, idx in by_chapter.items():
            key = re.match(r"\d+", title)
            self.sections.append(Section(
                f"{self.meta.id}:c{key.group(0) if key else 0}", self.meta.id, title or self.meta.title,
                [], _runs(idx, self.lines, self.clean)))
        by_region: dict[tuple[str, ...], list[int]] = {}
        for i, reg in leftovers:
            by_region.setdefault(reg, []).append(i)
        for reg, idx in by_region.items():
            chapter = self._chapter_of(idx[0])
            key = "-".join(re.match(r"\D*(\d+)", p).group(1) for p in reg) or "x"
            self.sections.append(Section(
                f"{self.meta.id}:detail{key}", self.meta.id, reg[-1] if reg else (chapter or self.meta.title),
                [p for p in [chapter, *reg[:-1]] if p], _runs(idx, self.lines, self.clean)))

    def initiatives(self) -> list[Initiative]:
        out: list[Initiative] = []
        by_title: dict[str, str] = {}
        for num in sorted(self.items, key=int):
            it = self.items[num]
            title = _REPEAT.sub("", it.title)
            ident = f"{self.meta.id}:{num}"
            repeat = by_title.get(compact(title)) if _REPEAT.search(it.title) else None
            by_title.setdefault(compact(title), ident)
            status_text = "".join(it.status)
            first = status_text.split("。")[0] + ("。" if "。" in status_text else "")
            if len(first) > MAX_STATUS_CHARS:
                first = first[: MAX_STATUS_CHARS - 1] + "…"
            extra = {k: v for k, v in {
                "page": it.page, "departments_raw": it.dept_raw, "indicators": it.indicators,
                "result": status_text}.items() if v}
            out.append(Initiative(
                id=ident, document_id=self.meta.id, city=self.meta.city, number=num, title=title,
                heading_path=it.path, departments=split_departments(it.dept_raw),
                status=first,
                spans=_runs(it.lines, self.lines, self.clean), repeat_of=repeat, extra=extra))
        return out


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Initiatives keyed by their two-digit number; chapters, indicators, page texts as sections."""
    p = _Parser(clean, meta)
    p.parse_list()
    p.parse_indicators()
    leftovers = p.parse_details()
    p.build_sections(leftovers)
    return ParsedDocument(initiatives=p.initiatives(), sections=p.sections)
