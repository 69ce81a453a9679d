"""JSON endpoints: search, compare, answer, initiatives, documents."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from index.generate import generated_answer
from index.qa import Answer
from index.searcher import Hit
from search_api.app import SearcherDep, to_filters
from search_api.schemas import (
    AnswerRequest,
    AnswerResponse,
    CompareRequest,
    CompareResponse,
    DocumentOut,
    DocumentsResponse,
    ErrorResponse,
    FiltersIn,
    HitOut,
    InitiativeOut,
    SearchRequest,
    SearchResponse,
    SimilarResponse,
)

router = APIRouter()


def hit_out(h: Hit) -> HitOut:
    return HitOut.model_validate(h.to_dict())


def _record(request: Request, timings: dict[str, float]) -> None:
    request.state.timings.update(timings)


# Threads for the CPU-bound part of a search. They hold the GIL, so more of them add no speed,
# only contention that starves the batcher's forward pass; the query is encoded while waiting
# on the event loop, not in one of these threads.
SEARCH_THREADS = ThreadPoolExecutor(4, thread_name_prefix="search")


async def run_search(request: Request, searcher: Any, body: SearchRequest) -> SearchResponse:
    filters = to_filters(body.filters)
    q = searcher.validate(body.query, body.k, body.mode, filters)
    t = time.perf_counter()
    qvec, batch = None, 0
    if body.mode != "lexical":
        fut = searcher.batcher.submit(q)
        qvec = await asyncio.wrap_future(fut)
        batch = getattr(fut, "batch_size", 0)  # 0: the vector came from the cache
    queued = time.perf_counter()

    def work() -> Any:
        started = time.perf_counter()  # waiting for a worker thread is a stage of its own
        r = searcher.search(q, body.k, body.mode, filters, qvec=qvec)
        r.timings["handoff"] = (started - queued) * 1000
        return r

    r = await asyncio.get_running_loop().run_in_executor(SEARCH_THREADS, work)
    timings = {"encode": (queued - t) * 1000, "batch": batch, **r.timings} if qvec is not None else r.timings
    t = time.perf_counter()
    out = SearchResponse(query=r.query, took_ms=round(r.took_ms, 2), results=[hit_out(h) for h in r.hits])
    _record(request, {**timings, "respond": (time.perf_counter() - t) * 1000})
    return out


@router.post("/search", response_model=SearchResponse, tags=["search"])
async def search_post(request: Request, body: SearchRequest, searcher: SearcherDep) -> SearchResponse:
    """Hybrid (default), dense or lexical search with optional filters."""
    return await run_search(request, searcher, body)


@router.get("/search", response_model=SearchResponse, tags=["search"])
async def search_get(
    request: Request,
    searcher: SearcherDep,
    q: Annotated[str, Query(max_length=1000, description="query")],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    mode: Annotated[str, Query(pattern="^(hybrid|dense|lexical)$")] = "hybrid",
    city: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query()] = None,
    fiscal_year: Annotated[list[int] | None, Query()] = None,
    rating: Annotated[list[str] | None, Query()] = None,
) -> SearchResponse:
    try:  # a blank q or too many filter values: 422 like POST /search, not a 500
        body = SearchRequest.model_validate(
            {"query": q, "k": k, "mode": mode,
             "filters": FiltersIn(city=city or [], kind=kind or [], fiscal_year=fiscal_year or [], rating=rating or [])}
        )
    except ValidationError as e:
        raise RequestValidationError([{**err, "loc": ("query", *err["loc"])} for err in e.errors(include_url=False)]) from e
    return await run_search(request, searcher, body)


@router.post("/compare", response_model=CompareResponse, tags=["search"])
async def compare(request: Request, body: CompareRequest, searcher: SearcherDep) -> CompareResponse:
    """The comparable initiatives of each city side by side, cities ordered by their best match."""
    groups, took = await run_in_threadpool(
        searcher.compare, body.query, body.per_city, tuple(body.cities or ()), to_filters(body.filters)
    )
    return CompareResponse.model_validate(
        {"query": body.query, "took_ms": round(took, 2),
         "cities": [{"city": g.city, "results": [hit_out(h) for h in g.hits]} for g in groups]}
    )


def answer_out(a: Answer) -> AnswerResponse:
    return AnswerResponse.model_validate(
        {
            "question": a.question,
            "answerable": a.answerable,
            "answer": a.answer,
            "lines": [vars(ln) for ln in a.lines],
            "citations": [hit_out(h) for h in a.citations],
            "confidence": a.confidence,
            "mode": a.mode,
            "took_ms": round(a.took_ms, 2),
        }
    )


@router.post("/answer", response_model=AnswerResponse, tags=["answer"])
async def answer(body: AnswerRequest, searcher: SearcherDep) -> AnswerResponse:
    """Extractive answer quoted from the sources, or `answerable: false` when evidence is weak."""
    a = await run_in_threadpool(generated_answer, searcher, body.question, body.k, to_filters(body.filters))
    return answer_out(a)


@router.get("/initiatives/{initiative_id}", response_model=InitiativeOut, tags=["initiatives"],
            responses={404: {"model": ErrorResponse}})
def get_initiative(initiative_id: Annotated[str, Path(max_length=200)], searcher: SearcherDep) -> InitiativeOut:
    ini = searcher.initiative(initiative_id)
    doc = searcher.meta.documents[ini.document_id]
    summary = searcher.initiative_summary(ini.id) or {}
    return InitiativeOut.model_validate(
        {
            **summary,
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


@router.get("/initiatives/{initiative_id}/similar", response_model=SimilarResponse, tags=["initiatives"],
            responses={404: {"model": ErrorResponse}})
async def similar(
    initiative_id: Annotated[str, Path(max_length=200)],
    searcher: SearcherDep,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SimilarResponse:
    """Comparable initiatives in other cities."""
    hits, took = await run_in_threadpool(searcher.similar, initiative_id, k)
    return SimilarResponse(initiative_id=initiative_id, took_ms=round(took, 2), results=[hit_out(h) for h in hits])


@router.get("/documents", response_model=DocumentsResponse, tags=["documents"])
def documents(searcher: SearcherDep) -> DocumentsResponse:
    return DocumentsResponse(documents=[DocumentOut.model_validate(d) for d in searcher.meta.documents.values()])
