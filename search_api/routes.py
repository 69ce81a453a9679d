"""JSON endpoints: search, compare, answer, initiatives, documents (the work is in search_api.service)."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
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


def _search_pool(request: Request) -> ThreadPoolExecutor:
    """The app's executor for the CPU-bound part of a search (setting search_threads).

    Created on first use from the event loop (one thread, so no race). Few threads: they hold
    the GIL, so more add no speed, only contention that slows the batcher's forward pass.
    """
    pool = getattr(request.app.state, "search_pool", None)
    if pool is None:
        pool = ThreadPoolExecutor(request.app.state.settings.search_threads, thread_name_prefix="search")
        request.app.state.search_pool = pool
    return pool


async def run_search(request: Request, searcher: Searcher, body: SearchRequest) -> Response:
    """Encode through the shared batcher, then rank, shape and serialize off the event loop
    (on the batcher's worker right after the forward pass, or on a search thread): the event
    loop only moves bytes."""
    q = searcher.validate(body.query, body.k, body.mode, to_filters(body.filters))
    t = time.perf_counter()
    marks: dict[str, float] = {}

    def work(qvec: Any) -> tuple[bytes, dict[str, float]]:
        marks["started"] = time.perf_counter()
        out, timings = service.search(searcher, body, qvec=qvec)
        t_json = time.perf_counter()
        # Serialized here, not by FastAPI on the event loop (it would validate the model again first).
        data = out.__pydantic_serializer__.to_json(out)
        return data, {**timings, "json": (time.perf_counter() - t_json) * 1000}

    if body.mode == "lexical" or searcher.translates(q):
        # an English question ranks with a vector of its own (Searcher.ranking_vector: translated,
        # nearest Japanese terms added), encoded through the batcher from a pool thread, never on
        # the batcher's worker (whose `then` would wait on itself)
        data, timings = await asyncio.get_running_loop().run_in_executor(_search_pool(request), work, None)
    elif request.app.state.settings.search_on_batcher:
        fut = searcher.batcher.submit(q, then=work)
        data, timings = await asyncio.wrap_future(fut)
        timings = {"encode": (marks["started"] - t) * 1000, "batch": getattr(fut, "batch_size", 0), **timings}
    else:
        fut = searcher.batcher.submit(q)
        qvec = await asyncio.wrap_future(fut)
        queued = time.perf_counter()
        data, timings = await asyncio.get_running_loop().run_in_executor(_search_pool(request), work, qvec)
        timings = {"encode": (queued - t) * 1000, "batch": getattr(fut, "batch_size", 0), **timings,
                   "handoff": (marks["started"] - queued) * 1000}
    request.state.timings.update(timings)
    return Response(data, media_type="application/json")


@router.post("/search", response_model=SearchResponse, tags=["search"])
async def search_post(request: Request, body: SearchRequest, searcher: SearcherDep) -> Response:
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
) -> Response:
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
