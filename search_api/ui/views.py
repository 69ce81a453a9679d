"""View models: what the templates show of hits, comparisons, answers and initiatives (plain dicts)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from index.qa import Answer
from index.results import WEAK_LABEL, initiative_label
from index.searcher import Filters, Hit, Searcher
from ingest.paging import page_label, pages_of
from search_api.source_view import position_label
from search_api.ui.display import (
    EXTRA_LABELS,
    bold_numbers,
    initiative_url,
    key_facts,
    kind_label,
    plain,
    rating_class,
    render_marked,
    source_url,
)


def hit_view(h: Hit, limit: int | None = 220) -> dict[str, Any]:
    """What a result card shows."""
    ini, src, facts = h.initiative, h.source, key_facts(h.text)
    ratings = ini.ratings if ini else ()
    return {
        "city": h.city, "document_id": h.document_id, "document_title": h.document_title,
        "kind": kind_label(h.kind), "years": h.fiscal_year,
        "number": ini.number if ini else "", "title": (ini and ini.title) or h.title,
        "initiative_url": initiative_url(ini.id) if ini else None,
        "department": ini.department if ini else "", "status": ini.status if ini else "",
        "ratings": [{"year": r.year, "value": r.value, "label": r.label, "cls": rating_class(r.value)} for r in ratings],
        "path": " › ".join(h.heading_path), "snippet": render_marked(h.text, h.highlights, limit),
        "facts": facts, "source_url": source_url(h.document_id, src.char_start, src.char_end),
        "pages": page_label(h.page, h.page_end),
        "lines": position_label(h.page, h.page_end, src.line_start, src.line_end),
        "file": src.file, "text": plain(h.text), "facts_text": [Markup(x).striptags() for x in facts],
        "rating_text": " ".join(f"{r.year or ''}{'年度' if r.year else ''}{r.label} {r.value}".strip() for r in ratings),
    }


def compare_columns(s: Searcher, q: str, per_city: int, f: Filters) -> tuple[list[dict[str, Any]], float]:
    """One column per city compared, best match first (cities without a comparable initiative keep
    an empty column), and the time taken."""
    r = s.compare(q, per_city=per_city, filters=f)
    raw = {g.city: g for g in r.groups}
    order = [g.city for g in r.groups] + r.without_match
    cols = [{"city": c, "hits": [hit_view(h, 140) for h in (raw[c].hits if c in raw else [])],
             "weak": WEAK_LABEL if c in raw and raw[c].weak else ""} for c in order]
    return cols, r.took_ms


def answer_lines(a: Answer) -> list[dict[str, Any]]:
    """The quoted sentences of an answer, each with its label and a link to the original."""
    return [{"quote_html": bold_numbers(ln.quote), "city": ln.city, "citation": ln.citation,
             "label": initiative_label(ln.initiative.number if ln.initiative else "",
                                       (ln.initiative and ln.initiative.title) or ln.document_title),
             "source_url": source_url(ln.document_id, ln.char_start, ln.char_end),
             "pages": page_label(ln.page, ln.page_end), "weak": WEAK_LABEL if ln.weak else ""} for ln in a.lines]


def initiative_view(s: Searcher, initiative_id: str) -> dict[str, Any]:
    """An initiative's page: metadata, its text spans, labelled extra fields and similar initiatives."""
    ini = s.initiative(initiative_id)
    doc = s.meta.documents[ini.document_id]
    text = s.meta.texts[ini.document_id]
    spans = [{"text": bold_numbers(plain(text[a:b])), "url": source_url(ini.document_id, a, b),
              "pages": page_label(*pages_of(text, a, b))} for a, b in ini.spans]
    similar = s.similar(ini.id, k=6).hits
    extra = [(EXTRA_LABELS[k], bold_numbers(plain(v))) for k, v in ini.extra.items() if k in EXTRA_LABELS and v.strip()]
    status = "" if any(ini.status.rstrip("…") in plain(v) for v in ini.extra.values()) else ini.status
    ratings = [{"year": r.year, "value": r.value, "label": r.label, "cls": rating_class(r.value)}
               for r in ini.ratings]
    return {"ini": ini, "doc": doc, "kind": kind_label(doc["kind"]), "spans": spans, "extra": extra,
            "ratings": ratings, "status": status, "similar": [hit_view(h, 160) for h in similar], "q": ini.title}
