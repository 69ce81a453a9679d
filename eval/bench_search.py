"""In-process benchmark: build speed, query latency on the seed and a synthetic index, torch threads.

Every number printed comes from this run; nothing here asserts a target (targets are
compared and marked in the report, not enforced as timed tests).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_common import QUERIES, line, pct, rss_mb


def bench_build(settings: Any, encoder: Any) -> None:
    from index.build import build_index, context_text
    from index.sentences import sentence_texts
    from ingest.pipeline import load_records

    print("build (seed corpus)")
    records = load_records(settings.records_dir)
    texts = [context_text(c, settings.embed_context) for c in records.chunks]
    # the build embeds each chunk's sentences too (index.sentences): the bare run encodes the same texts
    sentences = sentence_texts(records.chunks, settings.sentence_min_chars)[0] if settings.sentence_weight > 0 else []

    def bare_encode() -> float:
        t = time.perf_counter()
        encoder.encode_documents(texts, batch_size=settings.encode_batch_size)
        encoder.encode_documents(sentences, batch_size=settings.encode_batch_size)
        return time.perf_counter() - t

    # Encode speed drifts by several % between runs on this VM: bracket the build with two
    # bare encodes and compare against their mean.
    first = bare_encode()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        report = build_index(records, settings, Path(tmp) / "index", encoder=encoder)
        total = time.perf_counter() - t
    second = bare_encode()
    bare = (first + second) / 2
    n = len(records.chunks)
    for stage, sec in report.seconds.items():
        line(f"stage {stage}", f"{sec:.2f} s")
    line("full build (model already loaded)", f"{total:.2f} s", f"{n / total:.1f} chunks/s")
    line(f"bare encode of the same texts (mean of 2; {n} chunks + {len(sentences)} sentences)", f"{bare:.2f} s",
         f"{first:.2f} s before, {second:.2f} s after")
    overhead = total - report.seconds["embed"] - report.seconds.get("embed_sentences", 0.0)
    line("non-embedding stages of the build", f"{overhead:.2f} s", f"{100 * overhead / total:.1f}% of the build")
    ratio = total / bare
    line("build / bare encode", f"{ratio:.3f}", "target <= 1.10 " + ("OK" if ratio <= 1.10 else "MISSED"))


def bench_queries(searcher: Any, label: str, rounds: int = 3) -> dict[str, float]:
    enc = []
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            searcher.encode_query(q)
            enc.append((time.perf_counter() - t) * 1000)
    out = {"encode_p50": pct(enc, 50)}
    line(f"{label}: bare query encode p50/p95", f"{pct(enc, 50):.1f}/{pct(enc, 95):.1f} ms")
    for mode in ("hybrid", "dense", "lexical"):
        lat = []
        for _ in range(rounds):
            for q in QUERIES:
                t = time.perf_counter()
                searcher.search(q, k=10, mode=mode)
                lat.append((time.perf_counter() - t) * 1000)
        out[mode] = pct(lat, 50)
        line(f"{label}: {mode} p50/p95", f"{pct(lat, 50):.1f}/{pct(lat, 95):.1f} ms")
    return out


def hnsw_recall(synth: Any, exact: Any, k: int = 10) -> float:
    """Share of the exact top-k (FlatIP) that the approximate index also returns."""
    found = total = 0
    for q in QUERIES:
        v = synth.encode_query(q).reshape(1, -1)
        _, a = synth.dense.search(v, k)
        _, b = exact.search(v, k)
        found += len(set(a[0]) & set(b[0]))
        total += k
    return found / total


def synthetic_searcher(base: Any, n: int, seed: int = 0) -> Any:
    """A Searcher over `n` chunks made from the real ones: sentences reshuffled for BM25,
    vectors = real chunk vectors mixed with another chunk's plus noise, renormalized."""
    from dataclasses import replace

    from index.build import build_bm25, make_faiss
    from index.searcher import Searcher
    from index.store import Meta

    rng = np.random.default_rng(seed)
    real = base.meta.chunks
    vecs = np.stack([base.dense.reconstruct(i) for i in range(len(real))]).astype(np.float32)
    pick = rng.integers(0, len(real), size=n)
    mix = rng.integers(0, len(real), size=n)
    synth_vecs = vecs[pick] * 0.8 + vecs[mix] * 0.2 + rng.normal(0, 0.02, size=(n, vecs.shape[1])).astype(np.float32)
    synth_vecs /= np.linalg.norm(synth_vecs, axis=1, keepdims=True)
    tokens = [base.tokenizer.tokens(c.text) for c in real]
    token_lists = []
    for i, j in zip(pick, mix):
        a, b = tokens[i], tokens[j]
        token_lists.append(a[: max(1, len(a) * 3 // 4)] + b[: len(b) // 4])
    chunks = [replace(real[i], id=f"synthetic#{k}") for k, i in enumerate(pick)]
    t = time.perf_counter()
    bm25 = build_bm25(token_lists, base.settings.bm25_k1, base.settings.bm25_b)
    t_bm25 = time.perf_counter() - t
    t = time.perf_counter()
    dense, kind = make_faiss(synth_vecs, base.settings.ann_threshold)
    t_faiss = time.perf_counter() - t
    line(f"synthetic {n} chunks: BM25 index time", f"{t_bm25:.1f} s")
    line(f"synthetic {n} chunks: FAISS {kind} time", f"{t_faiss:.1f} s")
    meta = Meta(base.meta.documents, base.meta.texts, base.meta.initiatives, base.meta.sections, chunks)
    manifest = {**base.manifest, "counts": {**base.manifest["counts"], "chunks": n}}
    manifest.pop("sentences", None)  # the seed's sentence view must not be loaded for these chunks
    searcher = Searcher(base.settings, base.index_dir, manifest, meta, dense, bm25, base.encoder, base.batcher)
    if base.sentences is not None:
        searcher.sentences = synthetic_sentences(base.sentences, vecs, pick, mix, rng, base.settings.ann_threshold)
    return searcher


def synthetic_sentences(view: Any, chunk_vecs: np.ndarray, pick: np.ndarray, mix: np.ndarray, rng: Any,
                        ann_threshold: int) -> Any:
    """Sentence vectors of the synthetic chunks, made like theirs: each copies the sentences of the
    chunk it was picked from, mixed with the other chunk and noise (so the dense side does the work
    it does on a real index of that size)."""
    from index.build import make_faiss
    from index.sentences import SentenceView

    real = view.index.reconstruct_n(0, view.index.ntotal)
    counts = np.diff(view.starts)[pick]
    ids = np.concatenate([np.arange(view.starts[i], view.starts[i + 1]) for i in pick])
    owners = np.repeat(np.arange(len(pick)), counts)
    vecs = real[ids] * 0.8 + chunk_vecs[mix][owners] * 0.2 + rng.normal(0, 0.02, size=(len(ids), real.shape[1]))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    t = time.perf_counter()
    index, kind = make_faiss(vecs, ann_threshold)
    line(f"synthetic {len(pick)} chunks: sentence FAISS {kind} over {len(ids)} sentences", f"{time.perf_counter() - t:.1f} s")
    return SentenceView(index, owners, len(pick))


def bench_threads(settings: Any, texts: list[str]) -> None:
    from index.model import encoder_from_settings

    print("torch threads")
    for threads in (1, 2):
        enc = encoder_from_settings(settings, threads=threads)
        enc.encode_queries(["warm up"])
        t = time.perf_counter()
        enc.encode_documents(texts, batch_size=settings.encode_batch_size)
        rate = len(texts) / (time.perf_counter() - t)
        lat = []
        for q in QUERIES:
            t = time.perf_counter()
            enc.encode_queries([q])
            lat.append((time.perf_counter() - t) * 1000)
        line(f"threads={threads} ({settings.model_dtype})", f"{rate:.1f} chunks/s", f"query encode p50 {pct(lat, 50):.1f} ms")
    import torch

    torch.set_num_threads(settings.torch_threads)


def bench_search(settings: Any, synthetic: int = 100_000, skip_build: bool = False) -> dict[str, Any]:
    """Everything in-process against the served seed index; returns the latency numbers."""
    from index.searcher import Searcher

    print(f"settings: model={settings.model} dtype={settings.model_dtype} threads={settings.torch_threads}")
    rss0 = rss_mb()
    # The query-vector cache off: every search below encodes (the set repeats its 16 queries).
    searcher = Searcher.open(settings.model_copy(update={"query_cache_size": 0}))
    line("RSS after loading the seed index + model", f"{rss_mb():.0f} MB", f"(+{rss_mb() - rss0:.0f} MB)")
    results: dict[str, Any] = {}
    if not skip_build:
        bench_build(settings, searcher.encoder)
    print("queries (seed corpus, %d chunks)" % len(searcher.meta.chunks))
    seed = bench_queries(searcher, "seed")
    r = seed["hybrid"] / seed["encode_p50"]
    line("hybrid p50 / bare encode p50", f"{r:.2f}", "target <= 1.3 " + ("OK" if r <= 1.3 else "MISSED"))
    results["seed"] = seed
    if synthetic:
        print(f"synthetic index ({synthetic} chunks)")
        before = rss_mb()
        synth = synthetic_searcher(searcher, synthetic)
        line("RSS growth for the synthetic index", f"{rss_mb() - before:.0f} MB",
             f"FAISS vectors {synth.dense.ntotal * synth.dense.d * 4 / 2**20:.0f} MB")
        big = bench_queries(synth, f"{synthetic // 1000}k")
        r = big["hybrid"] / big["encode_p50"]
        line(f"hybrid p50 / bare encode p50 at {synthetic // 1000}k", f"{r:.2f}",
             "target <= 2.0 " + ("OK" if r <= 2.0 else "MISSED"))
        results["synthetic"] = big
        if synthetic > settings.ann_threshold:
            import faiss

            exact = faiss.IndexFlatIP(synth.dense.d)
            exact.add(np.stack([synth.dense.reconstruct(i) for i in range(synth.dense.ntotal)]))
            line("HNSW recall@10 vs exact FlatIP", f"{hnsw_recall(synth, exact):.3f}")
            lat = []
            for q in QUERIES:
                v = synth.encode_query(q).reshape(1, -1)
                t = time.perf_counter()
                exact.search(v, 50)
                lat.append((time.perf_counter() - t) * 1000)
            line("exact FlatIP search p50 (for comparison)", f"{pct(lat, 50):.1f} ms")
        del synth
    bench_threads(settings, [c.text for c in searcher.meta.chunks[:96]])
    searcher.close()
    return results
