"""`make bench-scale`: FAISS index types on synthetic e5-like corpora of 100k and 1M chunks.

Vectors are made from the real chunk embeddings of the current snapshot: each synthetic
chunk is a random convex mix (Dirichlet) of three real chunk vectors plus Gaussian noise,
renormalized, so neighbourhoods look like e5's (a narrow cone, topical clusters) rather than
uniform noise. Queries are the real eval and bench queries, encoded with the model. Recall@10
is measured against exact inner-product search (FlatIP) over the same vectors.

Printed per index type (and per search setting): index size, RSS growth, build time,
recall@10, p50/p95 latency of one query asking for 50 neighbours (what the searcher asks for).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

KINDS = ("flat", "hnsw_sq8", "ivf_sq8", "ivf_pq", "hnsw_flat")
K = 10
FETCH = 50


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def base_vectors(settings: Any) -> np.ndarray:
    """The real chunk vectors of the current snapshot."""
    import faiss

    from index.scale import stored_vectors
    from index.snapshots import SnapshotStore
    from index.store import FAISS_FILE

    snap = SnapshotStore(settings.index_dir).require_current()
    index = faiss.read_index(str(snap / FAISS_FILE))
    vecs = stored_vectors(snap, index)
    return np.stack([np.asarray(vecs[i], np.float32) for i in range(len(vecs))])


def synthetic(base: np.ndarray, n: int, seed: int = 0, noise: float = 0.02) -> np.ndarray:
    """`n` unit vectors: Dirichlet mixes of 3 real vectors plus N(0, noise) per dimension."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        idx = rng.integers(0, len(base), size=(m, 3))
        w = rng.dirichlet((1.0, 1.0, 1.0), size=m).astype(np.float32)
        v = np.einsum("mk,mkd->md", w, base[idx]) + rng.normal(0, noise, (m, base.shape[1])).astype(np.float32)
        out[s:s + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def query_vectors(settings: Any) -> np.ndarray:
    from eval.bench_common import QUERIES
    from index.model import encoder_from_settings

    qfile = Path(__file__).with_name("queries.jsonl")
    qs = QUERIES + [json.loads(line)["query"] for line in qfile.read_text(encoding="utf-8").splitlines() if line.strip()]
    return encoder_from_settings(settings).encode_queries(qs)


def build(kind: str, vectors: np.ndarray) -> tuple[Any, str]:
    import faiss

    from index.build import make_faiss
    from index.scale import make_scale_index

    if kind == "flat":
        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return index, "FlatIP"
    if kind == "hnsw_flat":
        return make_faiss(vectors, ann_threshold=0)
    return make_scale_index(vectors, kind)


def search_settings(kind: str, index: Any) -> list[tuple[str, Any]]:
    """(label, setter) pairs: the search-time knob of each type at a few values."""
    import faiss

    if kind.startswith("ivf"):
        ivf = faiss.extract_index_ivf(index)
        probes = sorted({p for p in (32, 64, 128, 256, 512, 1024, ivf.nprobe) if p <= ivf.nlist // 2})
        return [(f"nprobe={p}", lambda p=p: setattr(ivf, "nprobe", p)) for p in probes]
    if kind.startswith("hnsw"):
        return [(f"efSearch={e}", lambda e=e: setattr(index.hnsw, "efSearch", e)) for e in (64, 128, 256, 512)]
    return [("exact", lambda: None)]


def measure(index: Any, queries: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    found, lat = 0, []
    for n, q in enumerate(queries):
        t = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), FETCH)
        lat.append((time.perf_counter() - t) * 1000)
        found += len(set(ids[0][:K].tolist()) & set(truth[n].tolist()))
    return found / truth.size, float(np.percentile(lat, 50)), float(np.percentile(lat, 95))


def index_mb(index: Any) -> float:
    import faiss

    with tempfile.NamedTemporaryFile(suffix=".faiss") as f:
        faiss.write_index(index, f.name)
        return os.path.getsize(f.name) / 2**20


def row(*cells: Any) -> None:
    print("  " + " | ".join(str(c) for c in cells), flush=True)


def bench_size(n: int, base: np.ndarray, queries: np.ndarray, kinds: list[str]) -> list[dict[str, Any]]:
    import faiss

    print(f"\n{n:,} chunks x {base.shape[1]} (float32 vectors {n * base.shape[1] * 4 / 2**20:.0f} MB); "
          f"load average {load()}", flush=True)
    t = time.perf_counter()
    vectors = synthetic(base, n)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(queries, K)
    del exact
    print(f"  synthetic vectors + exact top-{K} in {time.perf_counter() - t:.1f} s", flush=True)
    row("type", "search setting", "index MB", "RSS +MB", "build s", f"recall@{K}", "p50 ms", "p95 ms")
    out = []
    for kind in kinds:
        before = rss_mb()
        t = time.perf_counter()
        index, desc = build(kind, vectors)
        build_s = time.perf_counter() - t
        grown = rss_mb() - before
        size = index_mb(index)
        for label, apply in search_settings(kind, index):
            apply()
            recall, p50, p95 = measure(index, queries, truth)
            row(desc.split("(")[0], label, f"{size:.0f}", f"{grown:.0f}", f"{build_s:.1f}", f"{recall:.3f}",
                f"{p50:.2f}", f"{p95:.2f}")
            out.append({"n": n, "kind": kind, "type": desc, "setting": label, "index_mb": round(size, 1),
                        "rss_growth_mb": round(grown), "build_s": round(build_s, 1), "recall_at_10": round(recall, 4),
                        "p50_ms": round(p50, 3), "p95_ms": round(p95, 3), "load": load()})
        del index
    del vectors
    return out


def main(argv: list[str] | None = None) -> int:
    from reform_search.settings import get_settings

    ap = argparse.ArgumentParser(prog="python -m eval.bench_scale")
    ap.add_argument("--sizes", default="100000,1000000", help="comma-separated chunk counts")
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, from {','.join(KINDS)}")
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args(argv)
    settings = get_settings()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        ap.error(f"unknown index kinds {sorted(unknown)}")
    base = base_vectors(settings)
    queries = query_vectors(settings)
    print(f"base: {len(base)} real chunk vectors; {len(queries)} real queries; faiss threads "
          f"{__import__('faiss').omp_get_max_threads()}; {os.cpu_count()} cores")
    rows: list[dict[str, Any]] = []
    for n in (int(s) for s in args.sizes.split(",") if s):
        rows += bench_size(n, base, queries, kinds)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
