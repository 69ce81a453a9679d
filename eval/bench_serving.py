"""Serving at the encoder's limit: the bare encoder and the API under 1, 8 and 32 clients, in one run.

Every request encodes: the server runs with its query-vector cache off and every query is
distinct (a micro-batch would otherwise fold repeats into one encode). The load client is a
minimal keep-alive HTTP/1.1 client on asyncio streams, so it takes little of the CPU the
server needs on a small machine.
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from eval.bench_common import QUERIES, distinct_queries, line, pct
from search_api import heap
from search_api.launch import server

LEVELS = (8, 32)


def bare_encoder(settings: Any, queries: list[str], batch: int = 32) -> dict[str, float]:
    """sentence-transformers' own encode: one query at a time (float32 and serving dtype), batches of 32."""
    from index.model import encoder_from_settings

    out: dict[str, float] = {}
    for dtype in dict.fromkeys(("float32", settings.model_dtype)):
        encoder = encoder_from_settings(settings, dtype=dtype)
        model, spec = encoder._model, encoder.spec  # the bare model

        def enc(texts: list[str], size: int) -> None:
            model.encode(texts, prompt=spec.query_prompt or None, batch_size=size, normalize_embeddings=True,
                         show_progress_bar=False)

        enc(queries[:4], 1)
        lat = []
        for q in queries[:48]:
            t = time.perf_counter()
            enc([q], 1)
            lat.append((time.perf_counter() - t) * 1000)
        out[f"{dtype}_single_p50"], out[f"{dtype}_single_p95"] = pct(lat, 50), pct(lat, 95)
        if dtype == settings.model_dtype:
            texts = queries[: batch * 10]
            t = time.perf_counter()
            enc(texts, batch)
            out["batch_qps"] = len(texts) / (time.perf_counter() - t)
        del model
    return out


class _Conn:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body, ensure_ascii=False).encode()
        self.writer.write(f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _run(url: str, calls: list[tuple[str, dict[str, Any]]], clients: int) -> dict[str, Any]:
    host, port = url.removeprefix("http://").split(":")
    todo = iter(calls)
    lat: list[float] = []
    errors: dict[str, int] = {}

    async def client() -> None:
        conn = _Conn(host, int(port))
        for path, body in todo:
            t = time.perf_counter()
            try:
                status, _ = await conn.post(path, body)
                if status != 200:
                    errors[str(status)] = errors.get(str(status), 0) + 1
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                conn.close()
                conn = _Conn(host, int(port))
            lat.append((time.perf_counter() - t) * 1000)
        conn.close()

    t = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - t
    return {"clients": clients, "n": len(lat), "rps": len(lat) / wall, "p50": pct(lat, 50), "p95": pct(lat, 95),
            "errors": sum(errors.values()), "error_kinds": errors}


_STAGE = re.compile(r"POST /search 200 ([\d.]+)ms (.*)$")


def stage_medians(log: str) -> dict[str, float]:
    """Median of each stage the server logged for POST /search (ms)."""
    stages: dict[str, list[float]] = {}
    for ln in log.splitlines():
        m = _STAGE.search(ln)
        if not m:
            continue
        stages.setdefault("total", []).append(float(m.group(1)))
        for part in m.group(2).split():
            k, _, v = part.partition("=")
            stages.setdefault(k, []).append(float(v.removesuffix("ms")))
    out = {k: statistics.median(v) for k, v in stages.items()}
    if "batch" in stages:  # queries in the forward pass each request's query went through
        out["batch"] = statistics.mean(stages["batch"])
    return out


def bench_serving(settings: Any, requests: int = 600) -> dict[str, Any]:
    """Print the side-by-side table; returns its numbers."""
    queries = distinct_queries(48 + requests * len(LEVELS))
    print(f"serving: bare encoder vs API (dtype {settings.model_dtype}, {settings.torch_threads} threads, "
          f"batch {settings.query_batch_size}, wait {settings.query_batch_wait_ms} ms, search on "
          f"{'the batcher' if settings.search_on_batcher else f'{settings.search_threads} threads'}, cache off, "
          f"distinct queries; load {' '.join(open('/proc/loadavg').read().split()[:3])})")
    before = bare_encoder(settings, queries)
    # The load client shares this process with whatever ran before (models, a 100k-chunk synthetic
    # index): a full collection walking all that would stall its event loop and count as server time.
    heap.settle()
    runs: list[dict[str, Any]] = []
    stages: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        with server({"REFORM_SEARCH_QUERY_CACHE_SIZE": "0"}, log_to=log) as url:
            asyncio.run(_run(url, [("/search", {"query": q, "k": 10}) for q in QUERIES], 1))  # warm up
            offset, start = len(QUERIES), 0
            for clients, n in ((1, 48), *((c, requests) for c in LEVELS)):
                calls = [("/search", {"query": q, "k": 10}) for q in queries[start:start + n]]
                start += n
                runs.append(asyncio.run(_run(url, calls, clients)))
                text = log.read_text(errors="replace")
                stages[clients] = stage_medians("\n".join(text.splitlines()[offset:]))
                offset = len(text.splitlines())
        batcher_line = next((ln for ln in log.read_text(errors="replace").splitlines() if "query batcher" in ln), "")
    # The machine's speed drifts during a run: bracket the API runs with two bare runs, use their mean.
    after = bare_encoder(settings, queries)
    bare = {k: (before[k] + after[k]) / 2 for k in before}
    print(f"  bare encoder before/after the API runs: 1-query float32 p50 {before['float32_single_p50']:.1f}/"
          f"{after['float32_single_p50']:.1f} ms, batch-32 {before['batch_qps']:.1f}/{after['batch_qps']:.1f} q/s; "
          f"load now {' '.join(open('/proc/loadavg').read().split()[:3])}")
    _table(settings, bare, runs, stages, batcher_line)
    return {"bare": bare, "bare_before": before, "bare_after": after, "api": runs, "stages": stages}


def _table(settings: Any, bare: dict[str, float], runs: list[dict[str, Any]], stages: dict[int, dict[str, float]],
           batcher_line: str) -> None:
    dt = settings.model_dtype
    print(f"  {'(bare = mean of the two bare runs)':<40} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}  errors")
    print(f"  {'bare encode float32, 1 query':<40} {bare['float32_single_p50']:>8.1f} {bare['float32_single_p95']:>8.1f}")
    if dt != "float32":
        print(f"  {f'bare encode {dt}, 1 query':<40} {bare[f'{dt}_single_p50']:>8.1f} {bare[f'{dt}_single_p95']:>8.1f}")
    print(f"  {f'bare encode {dt}, batches of 32':<40} {'':>8} {'':>8} {bare['batch_qps']:>8.1f}")
    for r in runs:
        label = f"POST /search, {r['clients']} client{'s' if r['clients'] > 1 else ''} ({r['n']} req)"
        print(f"  {label:<40} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['rps']:>8.1f}  {r['errors']} {r['error_kinds'] or ''}")
    one, top = runs[0], runs[-1]
    r1 = one["p50"] / bare["float32_single_p50"]
    line("1-client p50 / bare float32 1-query p50", f"{r1:.2f}", "target <= 1.3 " + ("OK" if r1 <= 1.3 else "MISSED"))
    for r in runs[1:]:
        ratio = r["rps"] / bare["batch_qps"]
        note = ""
        if r is top:
            ok = ratio >= 0.35 and r["p95"] <= 400 and r["errors"] == 0
            note = "target >= 0.35, p95 <= 400 ms, 0 errors " + ("OK" if ok else "MISSED")
        line(f"{r['clients']}-client req/s / bare batch-32 q/s", f"{ratio:.2f}", note)
    names = sorted({k for s in stages.values() for k in s}, key=lambda k: (k != "total", k == "batch", k))
    print("  server stages of POST /search, median ms (batch: mean queries in the forward pass a request shared)")
    print("    clients " + "".join(f"{k:>9}" for k in names))
    for c, st in stages.items():
        print(f"    {c:>7} " + "".join(f"{st[k]:>9.1f}" if k in st else f"{'':>9}" for k in names))
    if batcher_line:
        print("  " + batcher_line.split(": ", 1)[-1])
