"""Micro-batching with the real model: a query's vector and results do not depend on its batch.

In bfloat16 that holds bit for bit where oneDNN runs AVX512-BF16 kernels; on a CPU with AMX
tiles the kernel's blocking follows the number of rows, so a batched query's vector differs in
the last bf16 bit (max abs ~1e-3, cosine > 0.9999) and near-tied results may swap. The
search-level tests therefore compare float32 rankings, where batching changes nothing but the
last float bits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from index.batcher import QueryBatcher
from index.searcher import Searcher
from search_api.app import create_app
from tests.test_batcher import queued, wait_until

QUERIES = [
    "RPAの導入", "定型的なパソコン作業をソフトウェアロボットで自動化した事例", "公共施設の老朽化対策",
    "ペーパーレス化と電子決裁", "職員の人材育成", "窓口のキャッシュレス決済", "事務事業の見直し",
    "AI-OCRの活用", "使用料の見直し", "行政評価", "電子申請の拡充", "公民連携",
]


def _cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return set()
    return {f for line in text.splitlines() if line.startswith("flags") for f in line.split(":", 1)[1].split()}


def _alone_and_batched(enc: Any) -> tuple[np.ndarray, np.ndarray]:
    """QUERIES encoded one by one, and the same queries inside one mixed batch."""
    alone = np.stack([enc.encode_queries([q])[0] for q in QUERIES])
    mixed = QUERIES[::-1] + ["x" * 400, "短い"]  # other lengths, other neighbours, one long query
    return alone, enc.encode_queries(mixed, batch_size=len(mixed))[: len(QUERIES)][::-1]


def _bf16_bit_identical() -> bool:
    """Run in a child process (see the AMX test): bit-identity of lone and batched bf16 vectors."""
    from index.model import encoder_from_settings
    from reform_search.settings import Settings

    return bool(np.array_equal(*_alone_and_batched(encoder_from_settings(Settings(), dtype="bfloat16"))))


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_a_query_gets_the_same_vector_alone_and_in_a_batch(dtype, encoder):
    from index.model import encoder_from_settings
    from reform_search.settings import Settings

    enc = encoder if encoder.dtype == dtype else encoder_from_settings(Settings(), dtype=dtype)
    assert enc.dtype == dtype
    alone, batched = _alone_and_batched(enc)
    if dtype == "bfloat16":
        if _cpu_flags() >= {"avx512_bf16"} and "amx_bf16" not in _cpu_flags():  # where it was measured
            assert np.array_equal(alone, batched)  # padded to the same bucket: bit-identical
        assert (alone * batched).sum(axis=1).min() > 0.9999  # AMX: the same vector up to bf16 rounding
        np.testing.assert_allclose(alone, batched, atol=4e-3)
    else:
        np.testing.assert_allclose(alone, batched, atol=1e-6)  # float32 GEMM kernels vary with the batch


@pytest.mark.skipif(not _cpu_flags() >= {"amx_bf16", "avx512_bf16"},
                    reason="only an AMX CPU needs oneDNN capped to show the padding buckets' bit-identity")
def test_padding_buckets_are_bit_identical_with_amx_turned_off():
    """On AMX the tolerance above is as wide as the padding effect the buckets remove; with oneDNN
    capped at AVX512-BF16 (a child process: the cap is read once at load) they must be exact."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX512_CORE_BF16", "PYTHONPATH": str(root)}
    code = "from tests.test_batching_search import _bf16_bit_identical as f; print(f())"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "True"


@pytest.fixture(scope="module")
def encoder32(encoder: Any) -> Any:
    """float32: a query's vector alone and in a batch agree to ~1e-7 on every CPU."""
    from index.model import encoder_from_settings
    from reform_search.settings import Settings

    return encoder if encoder.dtype == "float32" else encoder_from_settings(Settings(), dtype="float32")


class Gate:
    """Wraps an encoder; the first call waits until released, so the others pile up into one batch."""

    def __init__(self, enc: Any) -> None:
        self.enc, self.release, self.sizes = enc, threading.Event(), []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.sizes.append(len(texts))
        self.release.wait(60)
        return self.enc.encode_queries(texts, batch_size=len(texts))


def _ranked(s: Searcher, q: str) -> list[tuple[str, float]]:
    return [(h.chunk_id, h.score) for h in s.search(q, k=10).hits]


def _same_ranking(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> bool:
    """Same chunks in the same order, scores equal but for the last float32 bits."""
    return [c for c, _ in a] == [c for c, _ in b] and all(abs(x - y) <= 1e-5 for (_, x), (_, y) in zip(a, b))


def test_search_results_in_a_forced_batch_equal_unbatched_ones(fixture_settings, built_index, encoder32):
    encoder = encoder32
    alone = Searcher.open(fixture_settings, encoder=encoder,
                          batcher=QueryBatcher(lambda t: encoder.encode_queries(t), batch_size=1, cache_size=0))
    expected = {q: _ranked(alone, q) for q in QUERIES}
    expected_compare = {q: [(g.city, [h.chunk_id for h in g.hits]) for g in alone.compare(q).groups] for q in QUERIES}
    alone.close()

    gate = Gate(encoder)
    batched = Searcher.open(fixture_settings, encoder=encoder,
                            batcher=QueryBatcher(gate, batch_size=64, wait_ms=0, cache_size=0))
    with ThreadPoolExecutor(len(QUERIES) + 1) as ex:
        warm = ex.submit(batched.encode_query, "warm up")
        wait_until(lambda: gate.sizes == [1])
        futs = {q: ex.submit(_ranked, batched, q) for q in QUERIES}
        wait_until(lambda: queued(batched.batcher) == len(QUERIES))
        gate.release.set()
        warm.result(60)
        got = {q: f.result(60) for q, f in futs.items()}
    assert gate.sizes == [1, len(QUERIES)]  # every query went through one batch
    assert [q for q in QUERIES if not _same_ranking(got[q], expected[q])] == []
    with ThreadPoolExecutor(6) as ex:
        compared = dict(zip(QUERIES, ex.map(lambda q: [(g.city, [h.chunk_id for h in g.hits])
                                                        for g in batched.compare(q).groups], QUERIES)))
    assert compared == expected_compare
    batched.close()


def _same(a: Any, b: Any) -> bool:
    """Equal, except floats within 1e-3: float32 vectors of a batch differ from lone ones in the
    last bits, and the z-scored answerability evidence (rounded to 4 digits) can show that."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-3
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def _strip(body: Any) -> Any:
    """A response without its timings."""
    if isinstance(body, dict):
        return {k: _strip(v) for k, v in body.items() if k != "took_ms"}
    if isinstance(body, list):
        return [_strip(v) for v in body]
    return body


def test_concurrent_api_requests_match_sequential_ones(fixture_settings, built_index, encoder32):
    s = Searcher.open(fixture_settings, encoder=encoder32)  # real batcher, real wait, cache on
    calls = [("/search", {"query": q, "k": 5}) for q in QUERIES]
    calls += [("/compare", {"query": q, "per_city": 2}) for q in QUERIES[:4]]
    calls += [("/answer", {"question": q + "について教えてください"}) for q in QUERIES[:4]]
    with TestClient(create_app(fixture_settings, searcher=s)) as client:
        def post(call: tuple[str, dict[str, Any]]) -> Any:
            r = client.post(call[0], json=call[1])
            assert r.status_code == 200, r.text
            return _strip(r.json())

        sequential = [post(c) for c in calls]
        s.batcher.cache.size = 0  # the concurrent round must encode again, in batches
        with ThreadPoolExecutor(8) as ex:
            concurrent = list(ex.map(post, calls))
    assert [_same(c, q) for c, q in zip(concurrent, sequential)] == [True] * len(calls)
    assert s.batcher.stats.queries >= len(QUERIES)
    s.close()


def test_search_on_the_batcher_or_on_search_threads_answers_alike(fixture_settings, built_index, encoder):
    bodies = [{"query": q, "k": 5, "mode": m} for q in QUERIES[:4] for m in ("hybrid", "dense", "lexical")]
    got = []
    for on_batcher in (True, False):
        settings = fixture_settings.model_copy(update={"search_on_batcher": on_batcher})
        s = Searcher.open(settings, encoder=encoder)
        with TestClient(create_app(settings, searcher=s)) as client:
            responses = [client.post("/search", json=b) for b in bodies]
            assert all(r.status_code == 200 and r.headers["content-type"] == "application/json" for r in responses)
            got.append([_strip(r.json()) for r in responses])
        s.close()
    assert got[0] == got[1]
    assert all(body["results"] for body in got[0])
