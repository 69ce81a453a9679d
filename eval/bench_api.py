"""API latency and loopback load against a real server process, side by side with the bare encoder."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_common import QUERIES, line, pct

LOAD_REQUESTS = 2000
CONCURRENCY = 32
TIME_LIMIT_S = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(env: dict[str, str] | None = None, timeout: float = 180, log_to: Path | None = None) -> Iterator[str]:
    """`reform-search serve` on a free loopback port; yields its base URL. Its log is kept in `log_to`."""
    import httpx

    port = free_port()
    # The server logs a line per request: send it to a file, never to an unread pipe
    # (a full pipe blocks the server's event loop).
    log = open(log_to, "wb") if log_to else tempfile.NamedTemporaryFile(
        prefix="reform-search-server-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reform_search.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(log.name).read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("server did not become ready")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if not log_to:
            Path(log.name).unlink(missing_ok=True)


def _requests(n: int) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for i in range(n):
        q = QUERIES[i % len(QUERIES)]
        kind = i % 4
        if kind in (0, 1):
            out.append(("/search", {"query": q, "k": 10}))
        elif kind == 2:
            out.append(("/compare", {"query": q, "per_city": 2}))
        else:
            out.append(("/answer", {"question": q + "について教えてください"}))
    return out


async def _load(url: str, n: int, concurrency: int) -> tuple[list[float], int, dict[int, int]]:
    import httpx

    reqs = _requests(n)
    lat: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
    for r in reqs:
        queue.put_nowait(r)
    deadline = time.monotonic() + TIME_LIMIT_S

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty() and time.monotonic() < deadline:
            path, body = queue.get_nowait()
            t = time.perf_counter()
            try:
                r = await client.post(url + path, json=body)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            lat.append((time.perf_counter() - t) * 1000)

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return lat, errors + (n - len(lat)), statuses
