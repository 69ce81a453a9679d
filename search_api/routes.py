"""JSON endpoints: search, compare, answer, initiatives, documents (the work is in search_api.service)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from index.searcher import Searcher
from reform_search import limits
from search_api import service
from search_api.deps import SearcherDep
from search_api.schemas import (
    AnswerRequest,
    AnswerResponse,
    CompareRequest,
    CompareResponse,
    DocumentsResponse,
    ErrorResponse,
    FiltersIn,
    InitiativeOut,
    QueryText,
    SearchRequest,
    SearchResponse,
    SimilarResponse,
)
from search_api.service import answer_out, hit_out, to_filters

router = APIRouter()


# Threads for the CPU-bound part of a search. They hold the GIL, so more of them add no speed,
# only contention that starves the batcher's forward pass; the query is encoded while waiting
# on the event loop, not in one of these threads.
SEARCH_THREADS = ThreadPoolExecutor(4, thread_name_prefix="search")


async def run_search(request: Request, searcher: Searcher, body: SearchRequest) -> SearchResponse:
    """Encode through the shared batcher (awaited on the event loop), then search on a search thread."""
    q = searcher.validate(body.query, body.k, body.mode, to_filters(body.filters))
    t = time.perf_counter()
    qvec: Any = None
    batch = 0
    if body.mode != "lexical":
        fut = searcher.batcher.submit(q)
        qvec = await asyncio.wrap_future(fut)
        batch = getattr(fut, "batch_size", 0)  # 0: the vector came from the cache
    queued = time.perf_counter()

    def work() -> tuple[SearchResponse, dict[str, float]]:
        started = time.perf_counter()  # waiting for a worker thread is a stage of its own
        out, timings = service.search(searcher, body, qvec=qvec)
        return out, {**timings, "handoff": (started - queued) * 1000}

    out, timings = await asyncio.get_running_loop().run_in_executor(SEARCH_THREADS, work)
    if qvec is not None:
        timings = {"encode": (queued - t) * 1000, "batch": batch, **timings}
    request.state.timings.update(timings)
    return out


@router.post("/search", response_model=SearchResponse, tags=["search"])
async def search_post(request: Request, body: SearchRequest, searcher: SearcherDep) -> SearchResponse:
    """Hybrid (default), dense or lexical search with optional filters."""
    return await run_search(request, searcher, body)


@router.get("/search", response_model=SearchResponse, tags=["search"])
async def search_get(
    request: Request,
    searcher: SearcherDep,
    q: Annotated[QueryText, Query(description="query")],
    k: Annotated[int, Query(ge=1, le=limits.SEARCH_K_MAX)] = limits.SEARCH_K_DEFAULT,
    mode: Annotated[str, Query(pattern="^(hybrid|dense|lexical)$")] = "hybrid",
    city: Annotated[list[str] | None, Query(max_length=limits.CITIES_MAX)] = None,
    kind: Annotated[list[str] | None, Query(max_length=limits.KINDS_MAX)] = None,
    fiscal_year: Annotated[list[int] | None, Query(max_length=limits.YEARS_MAX)] = None,
    rating: Annotated[list[str] | None, Query(max_length=limits.RATINGS_MAX)] = None,
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
async def compare(body: CompareRequest, searcher: SearcherDep) -> CompareResponse:
    """The comparable initiatives of each city side by side, cities ordered by their best match."""
    return await run_in_threadpool(service.compare, searcher, body)


@router.post("/answer", response_model=AnswerResponse, tags=["answer"])
async def answer(body: AnswerRequest, searcher: SearcherDep) -> AnswerResponse:
    """Extractive answer quoted from the sources, or `answerable: false` when evidence is weak."""
    return await run_in_threadpool(service.answer, searcher, body)


@router.get("/initiatives/{initiative_id}", response_model=InitiativeOut, tags=["initiatives"],
            responses={404: {"model": ErrorResponse}})
def get_initiative(initiative_id: Annotated[str, Path(max_length=limits.ID_MAX_CHARS)],
                   searcher: SearcherDep) -> InitiativeOut:
    return service.initiative(searcher, initiative_id)


@router.get("/initiatives/{initiative_id}/similar", response_model=SimilarResponse, tags=["initiatives"],
            responses={404: {"model": ErrorResponse}})
async def similar(
    initiative_id: Annotated[str, Path(max_length=limits.ID_MAX_CHARS)],
    searcher: SearcherDep,
    k: Annotated[int, Query(ge=1, le=limits.SIMILAR_K_MAX)] = limits.SIMILAR_K_DEFAULT,
) -> SimilarResponse:
    """Comparable initiatives in other cities."""
    return await run_in_threadpool(service.similar, searcher, initiative_id, k)


@router.get("/documents", response_model=DocumentsResponse, tags=["documents"])
def documents(searcher: SearcherDep) -> DocumentsResponse:
    return service.documents(searcher)


__all__ = ["router", "hit_out", "answer_out", "run_search"]
