"""Background jobs for the API: one worker thread runs them one at a time, in order."""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from index.intake import Stage

log = logging.getLogger("reform_search.jobs")
KEEP_FINISHED = 100


@dataclass
class Job:
    """One add: its file, where it is (a Stage name), and what it produced or why it failed."""

    file: str
    id: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    status: str = "queued"
    done: int = 0
    total: int = 0
    message: str = ""
    stages: list[str] = field(default_factory=lambda: ["queued"])
    result: dict[str, Any] | None = None
    created: float = field(default_factory=time.time)
    finished: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.id, "file": self.file, "status": self.status, "done": self.done, "total": self.total,
                "message": self.message, "stages": list(self.stages), "result": self.result,
                "created": self.created, "finished": self.finished}


Work = Callable[[Callable[[Stage], None]], dict[str, Any]]


class JobRunner:
    """A FIFO of jobs served by one daemon thread; `work` gets a progress callback and returns the result."""

    def __init__(self, max_waiting: int = 4) -> None:
        self.max_waiting = max_waiting
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Job, Work, Callable[[BaseException], str]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._running: Job | None = None

    def idle(self) -> bool:
        with self._lock:
            return self._running is None and self._queue.empty()

    def waiting(self) -> int:
        return self._queue.qsize()

    def submit(self, job: Job, work: Work, explain: Callable[[BaseException], str]) -> Job:
        """Queue `job`; `explain(error)` turns a failure into the message the user sees."""
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            self._queue.put((job, work, explain))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="reform-search-jobs", daemon=True)
                self._thread.start()
        return job

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job.to_dict() if job else None

    def _update(self, job: Job, stage: Stage) -> None:
        with self._lock:
            if stage.name != job.status:
                job.stages.append(stage.name)
            job.status, job.done, job.total = stage.name, stage.done, stage.total
            job.message = stage.message

    def _forget_old(self) -> None:
        finished = sorted((j for j in self._jobs.values() if j.finished), key=lambda j: j.finished or 0)
        for j in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[j.id]

    def _loop(self) -> None:
        # The worker exits when the queue is empty (submit starts another): a thread that ran the
        # encoder keeps an OpenMP team alive, which made the query batcher's forward passes 2x slower.
        while True:
            with self._lock:
                if self._queue.empty():
                    self._thread = None
                    return
                job, work, explain = self._queue.get_nowait()
                self._running = job
            try:
                result = work(lambda s: self._update(job, s))
                with self._lock:
                    job.result = result
            except BaseException as e:  # noqa: BLE001 - a job failure is reported, never kills the worker
                self._update(job, Stage("failed", message=explain(e)))
            else:
                self._update(job, Stage("done", message=str((job.result or {}).get("message", ""))))
            finally:
                with self._lock:
                    job.finished = time.time()
                    self._running = None
                self._queue.task_done()
