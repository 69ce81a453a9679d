"""The API's operations as plain functions: a request model in, a response model out.

The JSON routes and the MCP tools both call these, so they validate, search and shape alike.
They block (encoding, FAISS): call them from a worker thread in async code.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from index.generate import generated_answer
from index.qa import Answer
from index.searcher import Filters, Hit, Searcher
from search_api.schemas import (
    AnswerRequest,
    AnswerResponse,
    CompareRequest,
    CompareResponse,
    DocumentOut,
    DocumentsResponse,
    FiltersIn,
    HitOut,
    InitiativeOut,
    SearchRequest,
    SearchResponse,
    SimilarResponse,
)


def to_filters(f: FiltersIn | None) -> Filters:
    if f is None:
        return Filters()
    return Filters(tuple(f.city), tuple(f.kind), tuple(f.fiscal_year), tuple(f.rating))


def validation_message(errors: list[dict[str, Any]]) -> str:
    """'field: problem; …' for pydantic errors whose first `loc` element names the request part."""
    return "; ".join(f"{'.'.join(str(x) for x in err['loc'][1:]) or 'body'}: {err['msg']}" for err in errors)


def hit_out(h: Hit) -> HitOut:
    return HitOut.model_validate(h.to_dict())


def search(searcher: Searcher, body: SearchRequest, qvec: Any = None) -> tuple[SearchResponse, dict[str, float]]:
    """The response and the stage timings (for the access log); `qvec` if the query is encoded already."""
    r = searcher.search(body.query, body.k, body.mode, to_filters(body.filters), qvec=qvec)
    out = SearchResponse(query=r.query, took_ms=round(r.took_ms, 2), results=[hit_out(h) for h in r.hits],
                         searched_as=searcher.searched_as(r.query, body.mode))
    return out, r.timings


def compare(searcher: Searcher, body: CompareRequest) -> CompareResponse:
    r = searcher.compare(body.query, body.per_city, tuple(body.cities or ()), to_filters(body.filters))
    return CompareResponse.model_validate(
        {"query": body.query, "took_ms": round(r.took_ms, 2),
         "cities": [{"city": g.city, "results": [hit_out(h) for h in g.hits], "strength": g.strength, "weak": g.weak}
                    for g in r.groups],
         "cities_without_match": r.without_match, "searched_as": searcher.searched_as(r.query)}
    )


def answer_out(a: Answer) -> AnswerResponse:
    return AnswerResponse.model_validate(
        {
            "question": a.question,
            "answerable": a.answerable,
            "answer": a.answer,
            "lines": [asdict(ln) for ln in a.lines],
            "citations": [hit_out(h) for h in a.citations],
            "confidence": a.confidence,
            "mode": a.mode,
            "took_ms": round(a.took_ms, 2),
        }
    )


def answer(searcher: Searcher, body: AnswerRequest) -> AnswerResponse:
    return answer_out(generated_answer(searcher, body.question, body.k, to_filters(body.filters)))


def initiative(searcher: Searcher, initiative_id: str) -> InitiativeOut:
    ini = searcher.initiative(initiative_id)
    doc = searcher.meta.documents[ini.document_id]
    summary = searcher.initiative_summary(ini.id)
    return InitiativeOut.model_validate(
        {
            **(summary.to_dict() if summary else {}),
            "city": ini.city,
            "document_id": ini.document_id,
            "document_title": doc["title"],
            "heading_path": ini.heading_path,
            "departments": ini.departments,
            "text": searcher.initiative_text(ini.id),
            "spans": [list(s) for s in ini.spans],
            "extra": ini.extra,
        }
    )


def similar(searcher: Searcher, initiative_id: str, k: int) -> SimilarResponse:
    r = searcher.similar(initiative_id, k)
    return SimilarResponse(initiative_id=initiative_id, took_ms=round(r.took_ms, 2),
                           results=[hit_out(h) for h in r.hits])


def documents(searcher: Searcher) -> DocumentsResponse:
    return DocumentsResponse(documents=[DocumentOut.model_validate(d) for d in searcher.meta.documents.values()])
