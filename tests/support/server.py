"""The API as a real `reform-search serve` process on a free loopback port, and a load generator for it."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx

from search_api.launch import free_port, server  # noqa: F401 - re-exported for the tests

QUERIES = ["RPAの導入", "公共施設の老朽化対策", "ペーパーレス化と電子決裁", "職員の人材育成", "窓口のキャッシュレス決済",
           "事務事業の見直し", "AI-OCRの活用", "使用料の見直し"]


def _requests(n: int) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for i in range(n):
        q = QUERIES[i % len(QUERIES)]
        if i % 4 in (0, 1):
            out.append(("/search", {"query": q, "k": 10}))
        elif i % 4 == 2:
            out.append(("/compare", {"query": q, "per_city": 2}))
        else:
            out.append(("/answer", {"question": q + "について教えてください"}))
    return out


async def load(url: str, n: int, concurrency: int, answered: threading.Event | None = None,
               until: threading.Event | None = None) -> tuple[list[float], int, dict[int, int]]:
    """At least `n` mixed /search, /compare, /answer requests from `concurrency` clients, and more
    until `until` is set: latencies (ms), errors (non-200 or failed), status counts.
    `answered` is set once the first response is in."""
    reqs = _requests(n)
    lat: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    sent = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, sent
        while sent < n or (until is not None and not until.is_set()):
            path, body = reqs[sent % n]
            sent += 1
            t = time.perf_counter()
            try:
                r = await client.post(url + path, json=body)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                errors += r.status_code != 200
            except httpx.HTTPError:
                errors += 1
            lat.append((time.perf_counter() - t) * 1000)
            if answered is not None:
                answered.set()

    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(max_connections=concurrency)) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return lat, errors, statuses
