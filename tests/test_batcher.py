"""The query micro-batcher and its vector cache (fake encoders; no timed assertions)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from index.batcher import BatcherClosed, QueryBatcher, VectorCache

DIM = 8


def vec_of(text: str) -> np.ndarray:
    """A deterministic vector per text, so every caller can check it got its own."""
    rng = np.random.default_rng(abs(hash(text)) % 2**32)
    v = rng.normal(size=DIM).astype(np.float32)
    return v / np.linalg.norm(v)


class FakeEncoder:
    """Records each batch; optionally holds the first one until released; fails on "bad"."""

    def __init__(self, hold_first: bool = False) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.started = threading.Event()
        if not hold_first:
            self.release.set()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        self.started.set()
        self.release.wait(30)
        if "bad" in texts:
            raise ValueError("cannot encode 'bad'")
        return np.stack([vec_of(t) for t in texts])


def wait_until(cond, timeout: float = 30.0) -> None:
    """Poll for a condition (a liveness bound, not a speed assertion)."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def queued(b: QueryBatcher) -> int:
    return b._queue.qsize()


def test_concurrent_callers_each_get_their_own_vector():
    fake = FakeEncoder()
    b = QueryBatcher(fake, batch_size=8, wait_ms=1, cache_size=0)
    texts = [f"query {i}" for i in range(64)]
    with ThreadPoolExecutor(16) as ex:
        got = list(ex.map(b.encode, texts))
    b.close()
    for t, v in zip(texts, got):
        assert np.array_equal(v, vec_of(t))
    assert sorted(t for batch in fake.batches for t in batch) == sorted(texts)
    assert max(len(x) for x in fake.batches) <= 8


def test_queries_waiting_during_a_forward_pass_form_the_next_batch():
    fake = FakeEncoder(hold_first=True)
    b = QueryBatcher(fake, batch_size=4, wait_ms=0, cache_size=0)
    first = b.submit("first")
    fake.started.wait(30)  # the worker is inside the first forward pass
    rest = [b.submit(f"q{i}") for i in range(10)]
    wait_until(lambda: queued(b) == 10)
    fake.release.set()
    assert np.array_equal(first.result(30), vec_of("first"))
    for i, f in enumerate(rest):
        assert np.array_equal(f.result(30), vec_of(f"q{i}"))
    b.close()
    assert [len(x) for x in fake.batches] == [1, 4, 4, 2]
    assert b.stats.batches == 4 and b.stats.largest == 4


def test_a_lone_query_never_waits_for_company():
    fake = FakeEncoder()
    b = QueryBatcher(fake, batch_size=32, wait_ms=50_000, cache_size=0)
    # If the lone query waited for the 50 s window, result() would time out first.
    assert np.array_equal(b.submit("alone").result(timeout=20), vec_of("alone"))
    b.close()
    assert fake.batches == [["alone"]]


def test_under_load_the_worker_waits_for_stragglers_up_to_the_batch_size():
    fake = FakeEncoder(hold_first=True)
    b = QueryBatcher(fake, batch_size=3, wait_ms=50_000, cache_size=0)
    b.submit("a")
    fake.started.wait(30)
    pair = [b.submit("b"), b.submit("c")]
    wait_until(lambda: queued(b) == 2)
    fake.release.set()
    for f in pair:
        f.result(30)
    # the last batch held 2 queries, so a new lone one waits for company (up to 50 s) ...
    late = b.submit("d")
    wait_until(lambda: len(fake.batches) == 2 and queued(b) == 0)
    assert not late.done()
    straggler = b.submit("e")
    third = b.submit("f")  # ... and the batch goes out as soon as it is full
    for f, t in ((late, "d"), (straggler, "e"), (third, "f")):
        assert np.array_equal(f.result(30), vec_of(t))
    b.close()
    assert fake.batches == [["a"], ["b", "c"], ["d", "e", "f"]]


def test_one_bad_input_does_not_fail_the_others():
    fake = FakeEncoder(hold_first=True)
    b = QueryBatcher(fake, batch_size=8, wait_ms=0, cache_size=0)
    b.submit("warm")
    fake.started.wait(30)
    futs = {t: b.submit(t) for t in ("good 1", "bad", "good 2")}
    wait_until(lambda: queued(b) == 3)
    fake.release.set()
    assert np.array_equal(futs["good 1"].result(30), vec_of("good 1"))
    assert np.array_equal(futs["good 2"].result(30), vec_of("good 2"))
    with pytest.raises(ValueError, match="bad"):
        futs["bad"].result(30)
    assert np.array_equal(b.encode("after"), vec_of("after"))  # the worker survived
    b.close()


def test_a_wrong_shape_from_the_encoder_is_an_error_not_a_wrong_vector():
    b = QueryBatcher(lambda texts: np.zeros((len(texts) + 1, DIM), np.float32), cache_size=0)
    with pytest.raises(ValueError, match="shape"):
        b.encode("x")
    b.close()


def test_duplicates_in_a_batch_are_encoded_once():
    fake = FakeEncoder(hold_first=True)
    b = QueryBatcher(fake, batch_size=8, wait_ms=0, cache_size=0)
    b.submit("warm")
    fake.started.wait(30)
    futs = [b.submit("same") for _ in range(3)]
    wait_until(lambda: queued(b) == 3)
    fake.release.set()
    for f in futs:
        assert np.array_equal(f.result(30), vec_of("same"))
    b.close()
    assert fake.batches[1] == ["same"]


def test_close_finishes_queued_queries_then_refuses_new_ones():
    fake = FakeEncoder(hold_first=True)
    b = QueryBatcher(fake, batch_size=2, wait_ms=0, cache_size=0)
    first = b.submit("a")
    fake.started.wait(30)
    queued_futs = [b.submit(t) for t in ("b", "c", "d")]
    closer = threading.Thread(target=b.close)
    closer.start()
    wait_until(lambda: b.closed)
    with pytest.raises(BatcherClosed):
        b.submit("late")
    fake.release.set()
    closer.join(30)
    assert first.result(30) is not None
    for f, t in zip(queued_futs, "bcd"):
        assert np.array_equal(f.result(30), vec_of(t))
    assert not b._worker.is_alive()
    b.close()  # idempotent


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError):
        QueryBatcher(FakeEncoder(), batch_size=0)
    with pytest.raises(ValueError):
        QueryBatcher(FakeEncoder(), wait_ms=-1)


# ---- cache -----------------------------------------------------------------------------------


def test_cache_hits_skip_the_encoder_and_callers_cannot_corrupt_it():
    fake = FakeEncoder()
    b = QueryBatcher(fake, cache_size=4)
    v1 = b.encode("q")
    v1[:] = 0  # a caller scribbling on its vector
    v2 = b.encode("q")
    assert np.array_equal(v2, vec_of("q"))
    assert fake.batches == [["q"]]
    assert b.cache.hits == 1
    b.close()


def test_cache_is_a_bounded_lru():
    c = VectorCache(2)
    c.put("a", vec_of("a"))
    c.put("b", vec_of("b"))
    assert c.get("a") is not None  # a is now the most recent
    c.put("c", vec_of("c"))  # evicts b
    assert c.get("b") is None and c.get("a") is not None and c.get("c") is not None
    assert len(c) == 2


def test_cache_size_zero_disables_it():
    fake = FakeEncoder()
    b = QueryBatcher(fake, cache_size=0)
    b.encode("q")
    b.encode("q")
    b.close()
    assert fake.batches == [["q"], ["q"]]
    assert len(b.cache) == 0


def test_then_runs_on_the_worker_after_the_forward_pass_and_fails_alone():
    fake = FakeEncoder(hold_first=True)
    b = QueryBatcher(fake, batch_size=8, wait_ms=0, cache_size=4)
    threads: list[str] = []

    def then(v: np.ndarray) -> float:
        threads.append(threading.current_thread().name)
        return float(v.sum())

    def broken(v: np.ndarray) -> float:
        raise KeyError("shaping failed")

    first = b.submit("first")
    fake.started.wait(30)
    ok = b.submit("a", then=then)
    bad = b.submit("b", then=broken)
    wait_until(lambda: queued(b) == 2)
    fake.release.set()
    assert ok.result(30) == pytest.approx(float(vec_of("a").sum()))
    with pytest.raises(KeyError):
        bad.result(30)
    assert np.array_equal(first.result(30), vec_of("first"))
    assert fake.batches == [["first"], ["a", "b"]]  # one failed `then` does not re-encode the batch
    hit = b.submit("a", then=then)  # a cache hit still runs `then`, on the worker, without encoding
    assert hit.result(30) == pytest.approx(float(vec_of("a").sum()))
    assert fake.batches == [["first"], ["a", "b"]]
    assert threads == ["query-batcher", "query-batcher"]
    b.close()
