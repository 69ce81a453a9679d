"""The serving process keeps its loaded index out of the garbage collector's way, and the JSON API's
dependencies run on the event loop (no thread-pool hand-off per request)."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import anyio.to_thread
from fastapi.testclient import TestClient

from search_api import admin
from search_api.app import create_app


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """Start and end with nothing frozen, so the rest of the suite collects as usual."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_replaced_searcher_is_freed_by_the_next_swap(fixture_settings: Any, built_index: Any, searcher: Any,
                                                       unfrozen: None) -> None:
    """Frozen objects are never collected: settling must not keep every replaced snapshot forever."""
    state = SimpleNamespace(reload_lock=threading.Lock(), searcher=searcher, settings=fixture_settings, load_error=None)
    first, _ = admin.load_and_swap(state)
    gone = weakref.ref(first)
    del first
    admin.load_and_swap(state)  # replaces `first`, still referenced while this swap settles
    admin.load_and_swap(state)
    assert gone() is None, "a replaced searcher stayed in memory (frozen with its reference cycles)"


def _walked_by_collector(obj: Any) -> bool:
    return any(o is obj for o in gc.get_objects())  # generations 0-2; the frozen ones are not listed


def test_a_swapped_in_searcher_is_frozen_out_of_the_collector(fixture_settings: Any, built_index: Any, searcher: Any,
                                                             unfrozen: None) -> None:
    state = SimpleNamespace(reload_lock=threading.Lock(), searcher=searcher, settings=fixture_settings, load_error=None)
    assert gc.get_freeze_count() == 0
    new, _ = admin.load_and_swap(state)
    assert gc.is_tracked(new.meta.chunks)
    assert not _walked_by_collector(new) and not _walked_by_collector(new.meta.chunks)
    assert gc.get_freeze_count() > 10_000  # the whole loaded index, not a handful of objects
    assert new.search("RPAの導入", k=3).hits  # frozen objects still work


def test_a_search_request_takes_no_thread_pool_hand_off(fixture_settings: Any, searcher: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dependencies (searcher, API key) and the route run on the event loop; the work goes to the batcher."""
    calls: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    with TestClient(create_app(fixture_settings, searcher=searcher)) as client:
        calls.clear()
        assert client.post("/search", json={"query": "RPAの導入", "k": 3}).status_code == 200
        assert client.get("/search", params={"q": "窓口の混雑", "k": 3}).status_code == 200
        assert calls == []
        assert client.get("/documents").status_code == 200  # a plain `def` route: the counter does see hand-offs
        assert calls


def test_an_open_searcher_caps_the_openblas_pools(fixture_settings: Any, built_index: Any, encoder: Any):
    """Idle OpenBLAS threads spin on the cores the encoder's forward pass needs (1-client p50 71 → 29 ms)."""
    from threadpoolctl import ThreadpoolController

    from index.searcher import Searcher

    ThreadpoolController().select(internal_api="openblas").limit(limits=2)
    s = Searcher.open(fixture_settings.model_copy(update={"blas_threads": 1}), encoder=encoder)
    try:
        pools = ThreadpoolController().select(internal_api="openblas").lib_controllers
        assert pools and all(p.num_threads == 1 for p in pools)  # numpy's (and FAISS's) OpenBLAS
    finally:
        s.close()
