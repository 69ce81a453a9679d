"""Compressed FAISS indexes for corpora of millions of chunks (above `scale_threshold`).

Three kinds, compared by `make bench-scale` (memory, build time, recall@10, latency):

* ``hnsw_sq8``: HNSW graph over 8-bit scalar-quantized vectors (4x smaller than float32)
* ``ivf_sq8``:  inverted lists (k-means cells) over 8-bit scalar-quantized vectors
* ``ivf_pq``:   inverted lists over 48-byte product codes (32x smaller; lossy scores)

Compressed vectors cannot be reconstructed exactly, so a compressed snapshot also keeps
the float16 vectors in ``vectors.f16.npy`` (on disk, memory-mapped only when a rebuild
reuses them; the searcher never loads it).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

SCALE_KINDS = ("hnsw_sq8", "ivf_sq8", "ivf_pq")
VECTORS_FILE = "vectors.f16.npy"
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
#: make bench-scale, synthetic e5-like chunks: recall@10 at efSearch 128/256/512 was
#: 0.931/0.948/0.960 at 100k but 0.805/0.854/0.904 at 1M (0.95 at 1M not reached yet)
HNSW_EF_SEARCH = 512
PQ_BYTES = 48
#: nprobe share of nlist: recall@10 0.959 at 100k (nlist 1024), 0.960 at 1M (nlist 4096); 1/8 gives 0.946 / 0.949
IVF_PROBE_SHARE = 1 / 4
TRAIN_PER_CELL = 64


def nlist_for(n: int) -> int:
    """Inverted lists for `n` vectors: about 4·sqrt(n), a power of two, 64..65536, and at
    least 39 training points per list (fewer lists for tiny corpora)."""
    nlist = int(min(65536, max(64, 2 ** round(math.log2(4 * math.sqrt(max(n, 1)))))))
    return max(1, min(nlist, n // 39))


def _train_sample(vectors: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    if len(vectors) <= size:
        return vectors
    rng = np.random.default_rng(seed)
    return vectors[np.sort(rng.choice(len(vectors), size, replace=False))]


def make_scale_index(vectors: np.ndarray, kind: str, nprobe: int | None = None) -> tuple[Any, str]:
    """Build and fill a compressed inner-product index of `kind`; returns (index, description)."""
    import faiss

    if kind not in SCALE_KINDS:
        raise ValueError(f"unknown scale index {kind!r}; one of {SCALE_KINDS}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    ip = faiss.METRIC_INNER_PRODUCT
    if kind == "hnsw_sq8":
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, HNSW_M, ip)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        index.train(_train_sample(vectors, 100_000))
        desc = f"HNSWSQ8(M={HNSW_M},efSearch={HNSW_EF_SEARCH})"
    else:
        nlist = nlist_for(n)
        quantizer = faiss.IndexFlatIP(dim)
        if kind == "ivf_sq8":
            index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, ip)
        else:
            index = faiss.IndexIVFPQ(quantizer, dim, nlist, PQ_BYTES, 8, ip)
        index.own_fields = True
        quantizer.this.disown()
        index.cp.max_points_per_centroid = TRAIN_PER_CELL
        index.cp.niter = 10
        index.train(_train_sample(vectors, nlist * TRAIN_PER_CELL))
        index.nprobe = nprobe or max(1, int(nlist * IVF_PROBE_SHARE))
        desc = f"IVF{nlist},{'SQ8' if kind == 'ivf_sq8' else f'PQ{PQ_BYTES}'}(nprobe={index.nprobe})"
    for start in range(0, n, 100_000):
        index.add(vectors[start:start + 100_000])
    if kind != "hnsw_sq8":
        index.make_direct_map()  # reconstruct(row): the searcher's dense scores and `similar`
    return index, desc


def search_params(index: Any, selector: Any) -> Any:
    """FAISS search parameters restricting `index` to `selector` (IVF indexes need their own type)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        return faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nprobe)
    return faiss.SearchParameters(sel=selector)


def save_vectors(out_dir: Path, vectors: np.ndarray) -> None:
    """Keep the uncompressed vectors (float16) beside a compressed index, for vector reuse."""
    np.save(out_dir / VECTORS_FILE, np.asarray(vectors, dtype=np.float16))


def stored_vectors(index_dir: Path, index: Any) -> Any:
    """Row-ordered vectors of a snapshot: the float16 sidecar if present, else reconstructed."""
    path = index_dir / VECTORS_FILE
    if path.is_file():
        return np.load(path, mmap_mode="r")
    return _Reconstructed(index)


class _Reconstructed:
    """`vectors[n]` over an uncompressed FAISS index."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def __getitem__(self, n: int) -> np.ndarray:
        return self.index.reconstruct(n)
