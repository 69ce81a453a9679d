"""Values built once per searcher: on first use, while that searcher's other first callers wait
for the one build (another searcher, after a reload, builds its own meanwhile); dropped with
the searcher (weakly keyed). A build that raises stores nothing: the error goes to its caller,
and the next caller (one of those waiting, too) builds again."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PerSearcher(Generic[T]):
    def __init__(self, build: Callable[[Any], T]) -> None:
        self._build = build
        self._values: "weakref.WeakKeyDictionary[Any, T]" = weakref.WeakKeyDictionary()
        self._locks: "weakref.WeakKeyDictionary[Any, threading.Lock]" = weakref.WeakKeyDictionary()
        self._guard = threading.Lock()

    def __call__(self, searcher: Any) -> T:
        value = self._values.get(searcher)
        if value is None:
            with self._guard:
                lock = self._locks.setdefault(searcher, threading.Lock())
            with lock:
                value = self._values.get(searcher)
                if value is None:
                    value = self._values[searcher] = self._build(searcher)
        return value
