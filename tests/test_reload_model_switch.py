"""A reload that switches the model retires the old searcher's batcher (after the grace period)."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from search_api import admin


class _OldSearcher:
    """What load_and_swap reads of the searcher being replaced: its model, encoder, batcher, close()."""

    def __init__(self) -> None:
        self.manifest = {"model": {"name": "some-org/another-model"}}
        self.encoder = self.batcher = None
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


def test_the_old_batcher_is_closed_after_a_model_switch(fixture_settings: Any, built_index: Any,
                                                        monkeypatch: Any) -> None:
    monkeypatch.setattr(admin, "RETIRE_AFTER_S", 0.0)
    old = _OldSearcher()
    state = SimpleNamespace(reload_lock=threading.Lock(), searcher=old, settings=fixture_settings, load_error=None)
    new, replaced = admin.load_and_swap(state)
    try:
        assert replaced is old and state.searcher is new
        assert new.batcher is not None and not new.batcher.closed  # the new model got its own batcher
        assert old.closed.wait(60), "the old searcher was never closed"
        assert new.search("RPAの導入", k=3).hits
    finally:
        new.close()


def test_a_same_model_reload_keeps_the_batcher(fixture_settings: Any, built_index: Any, searcher: Any,
                                               monkeypatch: Any) -> None:
    monkeypatch.setattr(admin, "RETIRE_AFTER_S", 0.0)
    state = SimpleNamespace(reload_lock=threading.Lock(), searcher=searcher, settings=fixture_settings, load_error=None)
    new, replaced = admin.load_and_swap(state)
    assert replaced is searcher and new.batcher is searcher.batcher and not searcher.batcher.closed
    assert new.search("RPAの導入", k=3).hits
