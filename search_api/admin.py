"""Admin endpoints: hot-swap to the current snapshot without dropping requests."""

from __future__ import annotations

import hmac
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool

from index.searcher import Searcher
from reform_search.errors import Unavailable
from search_api import heap
from search_api.deps import ApiError
from search_api.schemas import ErrorResponse

# After a reload that switches the model, the old searcher still serves the requests in flight; its
# batcher thread (which ran the old model) is stopped this long after the swap. Left alive it would
# keep its model in memory and its OpenMP team would slow the new batcher's forward passes ~2x.
RETIRE_AFTER_S = 60.0

router = APIRouter(prefix="/admin", tags=["admin"], responses={401: {"model": ErrorResponse}})


def require_admin(request: Request, x_admin_key: Annotated[str | None, Header()] = None) -> None:
    expected = request.app.state.settings.admin_key
    if expected and not hmac.compare_digest((x_admin_key or "").encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "missing or wrong admin key (X-Admin-Key)")


def _describe(s: Searcher | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"snapshot": s.index_dir.name, "chunks": len(s.meta.chunks), "built": s.manifest["created"]}


@router.get("/snapshot", dependencies=[Depends(require_admin)])
def snapshot(request: Request) -> dict[str, Any]:
    return {"serving": _describe(request.app.state.searcher)}


def load_and_swap(state: Any) -> tuple[Searcher, Searcher | None]:
    """Open the current snapshot (reusing the served model), then swap it into `state`.

    Returns (new, old); requests in flight finish on the old searcher. Unavailable (index or model) leaves
    `state` serving what it served. Blocking: call from a worker thread.
    """
    with state.reload_lock:
        old: Searcher | None = state.searcher
        settings = state.settings
        same_model = old is not None and old.manifest["model"]["name"] == settings.model
        # the same model: keep its query encoder, batcher and vector cache
        new = Searcher.open(settings, encoder=old.encoder, batcher=old.batcher) if same_model else Searcher.open(settings)
        state.searcher = new
        state.load_error = None
        heap.settle()
    if old is not None and not same_model:
        retire = threading.Timer(RETIRE_AFTER_S, old.close)
        retire.daemon = True
        retire.start()
    return new, old


@router.post("/reload", dependencies=[Depends(require_admin)], responses={409: {"model": ErrorResponse}})
async def reload(request: Request) -> dict[str, Any]:
    """Load the current snapshot, then swap it in; requests in flight finish on the old one."""
    try:
        new, old = await run_in_threadpool(load_and_swap, request.app.state)
    except Unavailable as e:
        raise ApiError(409, "reload_failed", f"{e.explain()}; still serving the previous snapshot") from e
    return {"serving": _describe(new), "replaced": _describe(old)}
