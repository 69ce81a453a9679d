"""Dynamic micro-batching of query encoding, with an LRU cache of query vectors.

Concurrent callers queue their query and block on a future; one worker thread takes
whatever is waiting (up to `batch_size`), runs one forward pass and hands each vector
back. While a batch runs, the next one accumulates, so under load batches form without
any waiting. The worker only waits (at most `wait_ms`) for more queries when the previous
batch already held several, so a lone request never pays for the wait.

The single worker is also the only thread that runs the model: torch/OpenMP then keeps
one thread team, instead of one per request thread that happens to encode.

A caller may hand over what to do with the vector (`then`): the worker runs it right after
the forward pass, so a request crosses threads twice (event loop -> worker -> event loop)
instead of four times, and the CPU-bound work of all requests runs on one thread instead of
contending for the GIL with the forward pass.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

EncodeFn = Callable[[Sequence[str]], np.ndarray]
Then = Callable[[np.ndarray], Any]
_STOP = object()


@dataclass
class _Item:
    text: str
    fut: Future[Any]
    then: Then | None = None
    vec: np.ndarray | None = None  # known already (a cache hit that still has work to run)


class BatcherClosed(RuntimeError):
    """The batcher was shut down; no more queries are encoded."""


class VectorCache:
    """A bounded, thread-safe LRU of query text -> vector (size 0 disables it)."""

    def __init__(self, size: int) -> None:
        self.size = max(0, int(size))
        self._data: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        if not self.size:
            return None
        with self._lock:
            vec = self._data.get(key)
            if vec is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return vec

    def put(self, key: str, vec: np.ndarray) -> None:
        if not self.size:
            return
        vec = vec.copy()
        vec.flags.writeable = False  # shared between callers: nobody may change it in place
        with self._lock:
            self._data[key] = vec
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class BatchStats:
    """What the worker did so far (for benchmarks and the log)."""

    batches: int = 0
    queries: int = 0
    largest: int = 0
    encode_ms: float = 0.0

    def mean_batch(self) -> float:
        return self.queries / self.batches if self.batches else 0.0


class QueryBatcher:
    """Encode queries one at a time from many threads, in batches on one worker thread."""

    def __init__(self, encode: EncodeFn, batch_size: int = 32, wait_ms: float = 2.0, cache_size: int = 1024,
                 name: str = "query-batcher") -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        if wait_ms < 0:
            raise ValueError("wait_ms must be >= 0")
        self._encode = encode
        self.batch_size = int(batch_size)
        self.wait_s = float(wait_ms) / 1000
        self.cache = VectorCache(cache_size)
        self.stats = BatchStats()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._closed = False
        self._close_lock = threading.Lock()
        self._last_batch = 0
        self._worker = threading.Thread(target=self._run, name=name, daemon=True)
        self._worker.start()

    # ---- callers -----------------------------------------------------------------------------

    def submit(self, text: str, then: Then | None = None) -> Future[Any]:
        """A future of the float32 vector of `text`, or of `then(vector)` run on the worker.

        Without `then`, a cache hit resolves the future at once. Errors of `then` go to its own future.
        """
        fut: Future[Any] = Future()
        hit = self.cache.get(text)
        if hit is not None and then is None:
            fut.set_result(hit.copy())
            return fut
        with self._close_lock:  # no query may slip in behind the stop marker
            if self._closed:
                raise BatcherClosed("the query encoder is shut down")
            self._queue.put(_Item(text, fut, then, hit))
        return fut

    def encode(self, text: str) -> np.ndarray:
        """The vector of `text`; blocks until its batch has run. Errors of its own input are raised here."""
        return self.submit(text).result()

    def close(self, timeout: float | None = 10.0) -> None:
        """Stop taking queries; those already queued are still encoded. Idempotent."""
        with self._close_lock:
            if not self._closed:
                self._closed = True
                self._queue.put(_STOP)
        if threading.current_thread() is not self._worker:
            self._worker.join(timeout)

    @property
    def closed(self) -> bool:
        return self._closed

    def describe(self) -> str:
        st = self.stats
        return (f"{st.batches} batches, {st.queries} queries, mean batch {st.mean_batch():.1f}, "
                f"largest {st.largest}, cache hits {self.cache.hits}, "
                f"forward {st.encode_ms / max(st.queries, 1):.1f} ms/query")

    # ---- worker ------------------------------------------------------------------------------

    def _take(self) -> tuple[list[_Item], bool]:
        """The next batch (blocking for its first query) and whether the stop marker was seen."""
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]  # type: ignore[list-item]
        # Wait for stragglers only under load: a lone query is encoded at once.
        deadline = time.monotonic() + self.wait_s if self._last_batch > 1 else 0.0
        while len(batch) < self.batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    item = self._queue.get(timeout=left)
                except queue.Empty:
                    break
            if item is _STOP:
                return batch, True
            batch.append(item)  # type: ignore[arg-type]
        return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._take()
            self._last_batch = len(batch)
            if batch:
                self._serve(batch)

    def _serve(self, batch: list[_Item]) -> None:
        live = [it for it in batch if it.fut.set_running_or_notify_cancel()]
        texts = list(dict.fromkeys(it.text for it in live if it.vec is None))  # a repeated query is encoded once
        vecs: dict[str, np.ndarray] = {}
        failed: dict[str, BaseException] = {}
        if texts:
            t0 = time.perf_counter()
            try:
                vecs = dict(zip(texts, self._checked(texts)))
            except Exception:
                # One bad input must not fail the others: encode each alone and fail only its own callers.
                for text in texts:
                    try:
                        vecs[text] = self._checked([text])[0]
                    except Exception as e:  # handed to the caller, who raises it
                        failed[text] = e
            self.stats.batches += 1
            self.stats.queries += len(texts)
            self.stats.largest = max(self.stats.largest, len(texts))
            self.stats.encode_ms += (time.perf_counter() - t0) * 1000
            for text, vec in vecs.items():
                self.cache.put(text, vec)
        for it in live:
            it.fut.batch_size = len(texts) if it.vec is None else 0  # type: ignore[attr-defined]  # for the stage log
            if it.text in failed and it.vec is None:
                it.fut.set_exception(failed[it.text])
                continue
            vec = (it.vec if it.vec is not None else vecs[it.text]).copy()
            if it.then is None:
                it.fut.set_result(vec)
                continue
            try:
                it.fut.set_result(it.then(vec))
            except Exception as e:  # the caller's own work failed: only its future
                it.fut.set_exception(e)

    def _checked(self, texts: list[str]) -> np.ndarray:
        vecs = np.asarray(self._encode(texts), dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(texts):
            raise ValueError(f"encoder returned shape {vecs.shape} for {len(texts)} texts")
        return vecs


def query_batcher(settings: Any, encoder: Any) -> QueryBatcher:
    """The micro-batcher for `encoder`'s queries (settings query_batch_size/_wait_ms, query_cache_size)."""
    return QueryBatcher(lambda texts: encoder.encode_queries(texts, batch_size=len(texts)),
                        settings.query_batch_size, settings.query_batch_wait_ms, settings.query_cache_size)
