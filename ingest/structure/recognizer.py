"""The general structure recognizer: initiatives and sections of any city's document.

Numbering schemes → outline → initiative level → blocks with fields; header-led tables →
one initiative per data row; everything else → sections (nothing dropped). A
:class:`Profile` configures a document family; a new city needs none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.normalize import MappedText, compact
from ingest.records import DocumentMeta, Initiative, ParsedDocument, Rating, Section, Span
import ingest.structure.fields as F
import ingest.structure.tables as T
from ingest.structure.numbering import match_marker, printed_number
from ingest.structure.actionplan import action_plan_initiatives
from ingest.structure.lines import entries_of, titles
from ingest.structure.toc import toc_blocks
from ingest.structure.outline import Entry, accept, assign_levels, choose_level, link_parents, nested_runs, scheme_stats

_REPEAT = re.compile(r"\s*[(（]再掲[)）]\s*$")


@dataclass(frozen=True)
class Profile:
    """Configuration of one document family (all optional)."""

    initiative_schemes: tuple[str, ...] = ()  # force the initiative level (scheme names)
    min_items: int = 3
    use_tables: bool = True
    default_year: int | None = None  # year of undated ratings (default: the document's single year)

    @classmethod
    def from_options(cls, options: dict | None) -> "Profile":
        """A profile from a manifest entry's ``structure`` options (validated there)."""
        if not options:
            return cls()
        o = dict(options)
        o["initiative_schemes"] = tuple(o.get("initiative_schemes") or ())
        return cls(**o)


@dataclass
class _Item:
    key: tuple
    entry: Entry
    number: str
    title: str
    path: list[str]
    spans: list[Span] = field(default_factory=list)
    fields: F.Fields = field(default_factory=F.Fields)
    lines: list[int] = field(default_factory=list)
    family: str = ""  # items numbered under the same parent
    grades: list[str] = field(default_factory=list)  # a rating column flattened into the title line


def _block_ends(entries: list[Entry], levels_cut: int, inside: set[int] = frozenset()) -> list[int]:
    """For each entry, where the block of a marker at `levels_cut` starting there would end
    (entries in `inside` belong to the block before them and end none)."""
    n = len(entries)
    ends = [n] * n
    nxt = n
    for i in range(n - 1, -1, -1):
        ends[i] = nxt
        e = entries[i]
        if e.accepted and e.level <= levels_cut and i not in inside:
            nxt = i
    return ends


def _default_year(meta: DocumentMeta, profile: Profile, entries: list[Entry]) -> int | None:
    """Year of undated ratings: the profile's, the document's only year, or the year its title names."""
    if profile.default_year is not None:
        return profile.default_year
    if len(meta.fiscal_years) == 1:
        return meta.fiscal_years[0]
    for e in entries[:5]:
        y = F.era_year(e.text)
        if y is not None and (not meta.fiscal_years or y in meta.fiscal_years):
            return y
    return None


def _heading_text(e: Entry) -> str:
    return e.text if len(e.text) <= 80 else e.text[: e.marker.end if e.marker else 0] + e.title


def _spans(clean: MappedText, entries: list[Entry], idxs: list[int]) -> list[Span]:
    """Original spans of runs of consecutive entries."""
    spans: list[Span] = []
    run: list[int] = []
    for i in sorted(set(idxs)) + [None]:  # type: ignore[list-item]
        if i is not None and run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            a, b = entries[run[0]].start, entries[run[-1]].end
            s, e = clean.original_span(a, b)
            if e > s:
                spans.append((s, e))
        run = [i] if i is not None else []
    return spans


def recognize(original: str, clean: MappedText, meta: DocumentMeta, profile: Profile = Profile()) -> ParsedDocument:
    """Initiatives and sections of one document, with no per-document code."""
    entries = entries_of(original, clean)
    titles(entries)
    accept(entries)
    assign_levels(entries)
    link_parents(entries)
    year = _default_year(meta, profile, entries)
    # a table of contents lists titles found again in the body: its lines are no items
    tocs = [range(a, b) for a, b in toc_blocks([e.text for e in entries])]
    used: set[int] = {i for r in tocs for i in r}
    items: list[_Item] = []
    plan: list[Initiative] = []
    if profile.use_tables:
        plan = action_plan_initiatives(original, clean, meta)
        used |= _inside(entries, clean, [sp for i in plan for sp in i.spans])
        items.extend(_table_items(entries, year, used))
    # beside a table of initiatives, numbered notes are not initiatives unless they carry fields
    items.extend(_outline_items(entries, profile, year, used, min_fielded=0.5 if items or plan else 0.0))
    initiatives = sorted(_initiatives(items, clean, entries, meta) + plan, key=lambda i: min(i.spans))
    sections = _sections(entries, used, clean, meta)
    sections += [Section(id=f"{meta.id}:toc{n}", document_id=meta.id, title="目次", heading_path=[],
                         spans=_spans(clean, entries, list(r)), kind="toc") for n, r in enumerate(tocs, 1)]
    sections.sort(key=lambda sec: min(sec.spans, default=(0, 0)))
    return ParsedDocument(initiatives=initiatives, sections=sections)


def _inside(entries: list[Entry], clean: MappedText, spans: list[Span]) -> set[int]:
    """Entries whose text starts inside one of `spans` (original offsets)."""
    out: set[int] = set()
    for e in entries:
        if e.end > e.tstart:
            start = clean.original_span(e.tstart, e.tstart + 1)[0]
            if any(a <= start < b for a, b in spans):
                out.add(e.idx)
    return out


def _outline_items(entries: list[Entry], profile: Profile, year: int | None, used: set[int],
                   min_fielded: float = 0.0) -> list[_Item]:
    probe = {}
    for e in entries:
        if e.accepted and e.marker and e.idx not in used:
            ends = e.idx + 1
            while ends < len(entries) and not (entries[ends].accepted and entries[ends].level <= e.level):
                ends += 1
            f = F.extract([x.text for x in entries[e.idx: min(ends, e.idx + 40)]], year)
            probe[e.idx] = bool(f.departments or f.ratings or F.trailing_department(e.title)[1])
    stats = [s for s in scheme_stats([e for e in entries if e.idx not in used], probe)]
    if profile.initiative_schemes:
        chosen = [s for s in stats if s.scheme in profile.initiative_schemes]
    else:
        best = choose_level([s for s in stats if s.fielded >= min_fielded], profile.min_items)
        chosen = [best] if best else []
    items: dict[tuple, _Item] = {}
    by_title: dict[tuple, _Item] = {}
    for st in chosen:
        listed = [e for e in entries if e.accepted and e.marker and e.marker.scheme == st.scheme and e.idx not in used]
        nested = nested_runs([(e.idx, e.marker.value if e.marker and e.marker.numbered else None) for e in listed])
        ends = _block_ends(entries, st.level, nested)
        by_parent = st.restarts >= 3
        for e in listed:
            if e.idx in used or e.idx in nested:
                continue
            parents = [entries[p] for p in e.parents]
            # the nearest enclosing heading's title identifies the parent across a list and its detail pages
            pkey = compact(parents[-1].title)[:24] if by_parent and parents else ""
            key = (st.scheme, pkey, e.marker.value if e.marker.numbered else e.idx)
            block = [i for i in range(e.idx, ends[e.idx]) if i not in used]
            title, grades = F.trailing_grades(e.title)
            title, depts = F.trailing_department(title)
            tkey = (st.scheme, e.marker.value if e.marker.numbered else -1, compact(_REPEAT.sub("", title)))
            item = items.get(key) or (by_title.get(tkey) if title else None)
            if item is None:
                number = printed_number(_original_marker(e))
                item = _Item(key, e, number, title, [_heading_text(p) for p in parents], family=str(pkey))
                items[key] = item
                by_title.setdefault(tkey, item)
            elif (not item.title or item.entry.toc) and title and not e.toc:
                item.title, item.entry = title, e
            item.lines.extend(block)
            f = F.extract([entries[i].text for i in block], year)
            if not f.ratings and not grades:  # items grouped under an outcome heading take its outcome
                outcome = next((r for p in reversed(parents) if (r := F.heading_rating(p.title))), None)
                f.ratings.extend([(year, outcome, "見出し")] if outcome else [])
            _merge_fields(item.fields, f, depts)
            item.grades = item.grades or grades
            used.update(block)
    out = list(items.values())
    _distribute(out)
    return out


def _distribute(items: list[_Item]) -> None:
    """``担当課 ①A ②B`` read inside one item's block goes to its numbered siblings."""
    for it in items:
        for num, depts in list(it.fields.by_number.items()):
            for sib in items:
                if sib.family == it.family and sib.number.endswith(num):
                    for d in depts:
                        if d not in sib.fields.departments:
                            sib.fields.departments.append(d)
        it.fields.by_number.clear()
        if it.grades and not it.fields.ratings:
            it.fields.ratings.append((None, it.grades[0], ""))


def _original_marker(e: Entry) -> str:
    """The marker as printed in the original text."""
    off = e.original.find(e.text[:1]) if e.text else 0
    raw = e.original[max(off, 0):]
    # the marker is a prefix of the line; map its folded length back by re-matching on the original
    m = match_marker(raw.strip()) if raw.strip() else None
    src = raw.strip()
    if m is not None:
        return src[: m.end]
    return e.text[: e.marker.end] if e.marker else ""


def _merge_fields(into: F.Fields, f: F.Fields, depts: list[str]) -> None:
    for d in depts + f.departments:
        if d not in into.departments:
            into.departments.append(d)
    for r in f.ratings:
        # a year rated under another label too is the parent's rating printed beside the item's
        if r not in into.ratings and not any(o[0] == r[0] and o[2] != r[2] for o in into.ratings):
            into.ratings.append(r)
    for k, v in f.texts.items():
        into.texts.setdefault(k, v)
    for k, v in f.by_number.items():
        into.by_number.setdefault(k, []).extend(v)


def _table_items(entries: list[Entry], year: int | None, used: set[int]) -> list[_Item]:
    """One item per data row of a header-led table (``|``/tab rows, or one cell per line)."""
    out: list[_Item] = []
    for header, rows in T.table_runs([e.original for e in entries]):
        out.extend(_rows_to_items(header, rows, entries, year, used))
    for header, vrows in T.vertical_runs([e.text for e in entries]):
        rows = [T.Row(idxs[0], cells) for idxs, cells in vrows]
        out.extend(_rows_to_items(header, rows, entries, year, used, [idxs for idxs, _ in vrows]))
    return out


def _rows_to_items(header: tuple[str, ...], rows: list[T.Row], entries: list[Entry], year: int | None,
                   used: set[int], row_lines: list[list[int]] | None = None) -> list[_Item]:
    """Items of one table: fields named by the header; 計画/実績 rows join the item above."""
    out: list[_Item] = []
    t_col = T.column(header, T.TITLE_HEADERS)
    n_col = T.column(header, T.NUMBER_HEADERS)
    if t_col is None or len(rows) < 2 or not T.titles_look_like_titles(rows, t_col):
        return out
    d_col = T.column(header, F.DEPT_LABELS)
    r_cols = T.rating_columns(header, year)
    current: _Item | None = None
    for r, row in enumerate(rows):
        lines = row_lines[r] if row_lines else [row.line]
        cells = row.cells
        first = cells[0].replace(" ", "") if cells else ""
        if current is not None and first in ("計画", "実績", "目標", "見込", "結果") or (
                current is not None and t_col < len(cells) and not cells[t_col] and (n_col is None or not cells[n_col])):
            current.lines.extend(lines)
            current.fields.texts.setdefault(first or "続き", " | ".join(c for c in cells[1:] if c)[:200])
            used.update(lines)
            continue
        title = cells[t_col] if t_col < len(cells) else ""
        if not title or match_marker(title):
            continue  # a cell holding a numbered list is left to the outline
        number = cells[n_col] if n_col is not None and n_col < len(cells) else str(len(out) + 1)
        title, depts = F.trailing_department(title)
        current = _Item(("table", row.line, number), entries[row.line], number, title, [])
        if d_col is not None and d_col < len(cells):
            depts = depts + F.split_departments(cells[d_col])
        current.fields.departments.extend(dict.fromkeys(depts))
        for i, y, lb in r_cols:
            # a rating column may use words (現行どおり, 要改善(…)) as well as grades
            if i < len(cells) and cells[i] and (F.is_grade(cells[i]) or (len(cells[i]) <= 24 and "。" not in cells[i])):
                current.fields.ratings.append((y, cells[i].strip(), lb))
        for i, h in enumerate(header):
            if i < len(cells) and cells[i] and i not in (t_col, n_col, d_col):
                current.fields.texts.setdefault(h.replace(" ", ""), cells[i][:200])
        current.lines.extend(lines)
        used.update(lines)
        out.append(current)
    return out


def _initiatives(items: list[_Item], clean: MappedText, entries: list[Entry], meta: DocumentMeta) -> list[Initiative]:
    out: list[Initiative] = []
    by_title: dict[str, str] = {}
    items = sorted(items, key=lambda it: min(it.lines) if it.lines else it.entry.idx)
    for n, it in enumerate(items, 1):
        title = _REPEAT.sub("", it.title)
        repeat = bool(_REPEAT.search(it.title))
        iid = f"{meta.id}:g{n}"
        ini = Initiative(
            id=iid, document_id=meta.id, city=meta.city, number=it.number, title=title or it.number,
            heading_path=[p for p in it.path if p],
            departments=list(it.fields.departments),
            ratings=[Rating(y, v, lb) for y, v, lb in it.fields.ratings],
            spans=_spans(clean, entries, it.lines),
            extra={k: v for k, v in it.fields.texts.items()},
        )
        key = compact(title)
        if repeat and key in by_title:
            ini.repeat_of = by_title[key]
        elif key:
            by_title.setdefault(key, iid)
        if ini.spans:
            out.append(ini)
    return out


MIN_SECTION_CHARS = 200


def _sections(entries: list[Entry], used: set[int], clean: MappedText, meta: DocumentMeta) -> list[Section]:
    """Runs of lines outside initiatives, cut at accepted headings; short runs join the next one
    (a heading alone, a few stray lines) so no chunk is only layout debris."""
    runs: list[tuple[Entry | None, list[int], bool]] = []  # heading, lines, follows the previous run directly
    run: list[int] = []
    heading: Entry | None = None
    joined = False
    for e in entries:
        if e.idx in used or (e.accepted and run):
            if run:
                runs.append((heading, run, joined))
            joined = e.idx not in used
            run = []
            if e.idx in used:
                continue
        if e.accepted:
            heading = e
        run.append(e.idx)
    if run:
        runs.append((heading, run, joined))
    merged: list[tuple[Entry | None, list[int]]] = []
    for h, lines, direct in runs:
        if merged and direct and sum(len(entries[i].text) for i in merged[-1][1]) < MIN_SECTION_CHARS:
            merged[-1][1].extend(lines)
        else:
            merged.append((h, list(lines)))
    out: list[Section] = []
    for h, lines in merged:
        spans = _spans(clean, entries, lines)
        if not spans:
            continue
        first = entries[lines[0]]
        title = _heading_text(h) if h is not None else (first.text[:40] if first.marker else meta.title)
        path = [_heading_text(entries[p]) for p in (h.parents if h else [])]
        out.append(Section(id=f"{meta.id}:gs{len(out) + 1}", document_id=meta.id, title=title,
                           heading_path=path, spans=spans))
    return out
