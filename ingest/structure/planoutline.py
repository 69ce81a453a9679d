"""The outline of a reform plan (大綱) before its action plan: chapters, policies, their items.

Chapters are numbered with a full-width digit (``１ 策定の趣旨``) in sequence; a chapter
naming another plan's ordinal (``第4次`` in a 第5次 plan) reviews the previous plan, and
its policy/item headings become sections marked with that ordinal. A policy page of this
plan (one with an indicator box, 評価指標) holds two numbered runs: the indicator table,
then the item descriptions (推進項目). Short lines before a paragraph are labels. An
:class:`OutlineLayout` names the heading patterns of a family; :func:`plan_records` yields
(kind, title, path, lines, extra) records and :func:`to_sections` turns them into sections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.records import DocumentMeta, Section
from ingest.structure.columns import PARTICLES, title_like
from ingest.structure.textlines import BARE_NUMBER, LayoutLine, merged_spans

_NUMBERED = re.compile(r"^\d{1,2} \S")
_ITEM_LINE = re.compile(r"^([1-9]) (\S[^。]*)$")
_NOT_LABEL = re.compile(r"[。、,()%:※■・「」\d]")
ORDINAL = re.compile(r"第\s*(\d+)\s*次")
LABEL_MAX = 16
PARAGRAPH_MIN = 35
TABLE_CELL_MAX = 20
LIST_GAP = 6  # lines between two entries of a numbered list
Event = tuple[int, str, str, bool]  # (line index, kind, text, in a previous plan's chapter)
Record = tuple[str, str, list[str], list[LayoutLine], dict[str, str]]  # kind, title, path, lines, extra


@dataclass(frozen=True)
class OutlineLayout:
    """Heading patterns of a plan family (group 1 of `policy`: its id, group 2: its name)."""

    policy: re.Pattern[str]
    policy_end: re.Pattern[str]  # a policy id printed at the end of a line
    old_item: re.Pattern[str]  # an item heading of the previous plan
    chapter: re.Pattern[str] = re.compile(r"^([1-9]) (\S[^。]{1,40})$")
    policy_word: str = "基本方針"
    indicator_label: str = "評価指標"
    item_label: str = "推進項目"

    def policy_match(self, text: str) -> re.Match[str] | None:
        return self.policy.match(text) or self.policy_end.match(text)


def heading_events(layout: OutlineLayout, lines: list[LayoutLine], ordinal: str) -> list[Event]:
    """(index, kind, text, in a previous plan's chapter) for chapters, policies, items, labels."""
    events: list[Event] = []
    kinds: list[str] = []
    chapter, old, listed_at = 0, False, (-LIST_GAP - 1, 0)
    for i, ln in enumerate(lines):
        t, prev = ln.text, lines[i - 1].text if i else ""
        nxt = lines[i + 1].text if i + 1 < len(lines) else ""
        m, named = layout.chapter.match(t), layout.policy.match(nxt)
        kind = ""
        # a chapter-like line next to (or just after) a list item is a table or list entry
        in_list = _NUMBERED.match(prev) or _NUMBERED.match(nxt) or (
            m and i - listed_at[0] <= LIST_GAP and listed_at[1] == int(m.group(1)) - 1)
        if m and ln.wide_digit and int(m.group(1)) == chapter + 1 and not in_list:
            chapter, found = chapter + 1, ORDINAL.search(t)
            old, kind = bool(found and ordinal and found.group(1) != ordinal), "chapter"
        elif m and ln.wide_digit:
            listed_at = (i, int(m.group(1)))
        elif layout.policy_match(t):
            kind = "policy"
        elif layout.old_item.match(t):
            kind = "item"
        elif title_like(t, LABEL_MAX) and not _NOT_LABEL.search(t) and not t.startswith(PARTICLES) and (
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
    # box labels inside a policy page (one with an indicator box) do not end it
    bounds = [e[0] for e in events if e[1] in ("chapter", "policy")] + [len(lines)]
    inside: set[int] = set()
    for i, kind, _, old in events:
        end = min(b for b in bounds if b > i)
        if kind == "policy" and not old and any(ln.text == layout.indicator_label for ln in lines[i:end]):
            inside |= set(range(i + 1, end))
    return [e for e in events if not (e[1] == "label" and e[0] in inside)]


def policy_parts(layout: OutlineLayout, block: list[LayoutLine]) -> list[tuple[str, str, int, int, dict[str, str]]]:
    """Split a policy page into (kind, title, start, end, extra), indexes into `block`."""
    runs: list[list[tuple[int, int, str]]] = []
    for j, ln in enumerate(block):
        m = _ITEM_LINE.match(ln.text)
        if m and int(m.group(1)) == 1:
            runs.append([(j, 1, m.group(2))])
        elif m and runs and int(m.group(1)) == runs[-1][-1][1] + 1:
            runs[-1].append((j, int(m.group(1)), m.group(2)))
    if len(runs) < 2 or not any(ln.text == layout.indicator_label for ln in block):
        return [("section", "", 0, len(block), {})]
    boxes = (layout.indicator_label, layout.item_label)
    indicators, items = runs[0], runs[-1]
    top = indicators[0][0]
    while top > 1 and len(block[top - 1].text) <= TABLE_CELL_MAX and "。" not in block[top - 1].text:
        top -= 1
    ends = [j for j, _, _ in indicators[1:]] + [items[0][0]]
    names = [" ".join(ln.text for ln in block[j:e] if not (ln.text in boxes or BARE_NUMBER.fullmatch(ln.text)))
             for (j, _, _), e in zip(indicators, ends)]
    values = " / ".join(ln.text for ln in block[top : indicators[0][0]] if ln.text not in boxes)
    parts = [("section", "", 0, top, {}),
             ("indicator", layout.indicator_label, top, items[0][0], {"indicators": "\n".join(names), "values": values})]
    for k, (j, n, name) in enumerate(items):
        end = items[k + 1][0] if k + 1 < len(items) else len(block)
        parts.append(("section", f"{layout.item_label} ({n}) {name}", j, end, {"number": str(n)}))
    _, title, s, e, extra = parts[-1]
    cut = s + 1
    while cut < e and (len(block[cut].text) >= 25 or block[cut].text.endswith("。")):
        cut += 1
    if cut < e:  # the next policy's title and summary are printed before its heading
        parts[-1] = ("section", title, s, cut, extra)
        parts.append(("carry", block[cut].text, cut, e, {}))
    return parts


def plan_records(layout: OutlineLayout, lines: list[LayoutLine], events: list[Event],
                 names: dict[str, str]) -> list[Record]:
    """Section records for the chapters before the action plan; `names`: this plan's policy names by id."""
    first = events[0][0] if events else len(lines)
    out: list[Record] = [("section", lines[0].text, [], lines[:first], {})] if first else []
    chapter = policy = label = ""
    pending: list[LayoutLine] = []
    for k, (i, kind, text, old) in enumerate(events):
        body = pending + lines[i : events[k + 1][0] if k + 1 < len(events) else len(lines)]
        pending, found = [], ORDINAL.search(chapter)
        prefix = f"第{found.group(1)}次 " if old and found else ""
        if kind == "chapter":
            chapter, policy, label = text, "", ""
            out.append(("section", text, [], body, {}))
        elif kind == "label":
            policy, label = "", text
            if len(body) == 1:  # a bare label heads what follows (e.g. a table of policies)
                pending = body
            else:
                label = ""
                out.append(("section", text, [chapter], body, {}))
        elif kind == "item":
            out.append(("section", prefix + text, [chapter, policy], body, {}))
        else:
            m = layout.policy_match(text)
            assert m is not None
            name = (m.group(2) if m.re is layout.policy else "") if old else names.get(m.group(1), "")
            policy = f"{prefix}{layout.policy_word}{m.group(1)} {name or ''}".strip()
            base = [p for p in (chapter, label) if p]
            for pk, title, s, e, extra in [("section", "", 0, len(body), {})] if old else policy_parts(layout, body):
                path = base + [policy] if title and pk != "carry" else base
                out.append(("indicator" if pk == "indicator" else "section", title or policy, path, body[s:e], extra))
    if pending:
        out.append(("section", pending[0].text, [chapter], pending, {}))
    return out


def to_sections(records: list[Record], original: str, meta: DocumentMeta) -> list[Section]:
    """Sections ``s1, s2, …`` of the non-empty records, in document order."""
    sections: list[Section] = []
    for kind, title, path, body, extra in sorted((r for r in records if r[3]), key=lambda r: r[3][0].start):
        sections.append(Section(id=f"{meta.id}:s{len(sections) + 1}", document_id=meta.id, title=title[:80],
                                heading_path=[p for p in path if p], spans=merged_spans(original, body),
                                kind=kind, extra=extra))
    return sections
