"""The upload job runner: FIFO, failures reported, and no worker thread left behind when idle."""

from __future__ import annotations

import threading
import time
from typing import Any

from index.intake import Stage
from search_api.jobs import Job, JobRunner


def _wait(pred: Any, timeout: float = 30.0) -> None:
    """Poll a condition (a guard against a hang, not a synchronization of timing)."""
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "reform-search-jobs"]


def test_jobs_run_in_order_and_the_worker_exits_when_idle() -> None:
    runner = JobRunner()
    gate = threading.Event()
    order: list[str] = []

    def work(name: str, wait: bool = False) -> Any:
        def run(progress: Any) -> dict[str, Any]:
            if wait:
                gate.wait(30)
            progress(Stage("embedding", 1, 2))
            order.append(name)
            return {"message": name}
        return run

    jobs = [Job(f"f{i}.txt") for i in range(3)]
    runner.submit(jobs[0], work("a", wait=True), str)
    runner.submit(jobs[1], work("b"), str)
    runner.submit(jobs[2], lambda p: (_ for _ in ()).throw(ValueError("bad file")), lambda e: f"failed: {e}")
    assert not runner.idle() and len(_workers()) == 1
    gate.set()
    _wait(runner.idle)
    assert order == ["a", "b"]
    states = [runner.get(j.id) for j in jobs]
    assert [s["status"] for s in states] == ["done", "done", "failed"]
    assert states[2]["message"] == "failed: bad file"
    _wait(lambda: not _workers())  # no thread (and no OpenMP team of the encoder) stays behind
    later = Job("g.txt")
    runner.submit(later, work("c"), str)
    _wait(lambda: (runner.get(later.id) or {}).get("status") == "done")
    assert order == ["a", "b", "c"]
