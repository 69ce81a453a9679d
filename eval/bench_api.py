"""API latency and a bounded loopback load test against a real server process."""

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

from eval.bench import QUERIES, line, pct

LOAD_REQUESTS = 2000
CONCURRENCY = 32
TIME_LIMIT_S = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(env: dict[str, str] | None = None, timeout: float = 180) -> Iterator[str]:
    """`reform-search serve` on a free loopback port; yields its base URL."""
    import httpx

    port = free_port()
    # The server logs a line per request: send it to a file, never to an unread pipe
    # (a full pipe blocks the server's event loop).
    log = tempfile.NamedTemporaryFile(prefix="reform-search-server-", suffix=".log", delete=False)
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


def bench_api(settings: Any, searcher: Any) -> dict[str, float]:
    import httpx

    print("API (real server process on loopback)")
    with server() as url:
        inproc, http = [], []
        for q in QUERIES * 3:
            t = time.perf_counter()
            searcher.search(q, k=10)
            inproc.append((time.perf_counter() - t) * 1000)
        with httpx.Client(timeout=60) as c:
            for q in QUERIES * 3:
                t = time.perf_counter()
                r = c.post(f"{url}/search", json={"query": q, "k": 10})
                r.raise_for_status()
                http.append((time.perf_counter() - t) * 1000)
        line("in-process search p50/p95", f"{pct(inproc, 50):.1f}/{pct(inproc, 95):.1f} ms")
        line("POST /search p50/p95", f"{pct(http, 50):.1f}/{pct(http, 95):.1f} ms")
        t = time.perf_counter()
        lat, errors, statuses = asyncio.run(_load(url, LOAD_REQUESTS, CONCURRENCY))
        wall = time.perf_counter() - t
        line(f"load {LOAD_REQUESTS} req @ {CONCURRENCY} clients", f"{len(lat) / wall:.1f} req/s",
             f"p50 {pct(lat, 50):.0f} ms p95 {pct(lat, 95):.0f} ms errors {errors} statuses {statuses}")
    return {"http_p50": pct(http, 50), "inproc_p50": pct(inproc, 50), "load_p50": pct(lat, 50),
            "load_p95": pct(lat, 95), "load_errors": float(errors), "load_rps": len(lat) / wall,
            "mean_ms": float(np.mean(lat)) if lat else float("nan")}
