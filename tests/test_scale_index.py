"""The compressed scale index: chosen above `scale_threshold`, read back by the searcher,
filtered search, and vector reuse through the float16 sidecar."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.publish import publish
from index.scale import VECTORS_FILE, make_scale_index, nlist_for
from index.searcher import Filters, Searcher
from ingest.pipeline import load_records
from tests.conftest import make_settings


def test_nlist_grows_with_the_corpus_and_keeps_enough_training_points():
    assert nlist_for(44) == 1 and nlist_for(100_000) == 1024 and nlist_for(1_000_000) == 4096
    assert all(n // nlist_for(n) >= 39 for n in (40, 500, 5_000, 50_000))


@pytest.mark.parametrize("kind", ["hnsw_sq8", "ivf_sq8", "ivf_pq"])
def test_scale_index_kinds_find_the_exact_neighbour(kind: str):
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(2000, 48)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    index, desc = make_scale_index(vecs, kind, nprobe=nlist_for(2000))
    assert index.ntotal == 2000 and desc
    _, ids = index.search(vecs[:20], 1)
    assert (ids[:, 0] == np.arange(20)).mean() >= 0.9


@pytest.mark.parametrize("kind", ["ivf_sq8", "hnsw_sq8"])
def test_compressed_snapshot_serves_filters_and_reuses_vectors(kind: str, tmp_path: Path, fixture_settings: Any,
                                                               built_index: Path, searcher: Searcher, encoder: Any):
    data = tmp_path / "data"
    shutil.copytree(fixture_settings.records_dir, data / "records")
    s = make_settings(data, scale_threshold=1, scale_index=kind)
    report = publish(load_records(s.records_dir), s, encoder=encoder)
    assert report.manifest["faiss"]["type"].startswith("IVF" if kind == "ivf_sq8" else "HNSWSQ8")
    assert (report.path / VECTORS_FILE).is_file()
    scaled = Searcher.open(s, encoder=encoder)
    for q in ("RPAの導入", "公共施設の老朽化対策"):
        exact = [h.chunk_id for h in searcher.search(q, k=5, mode="dense").hits]
        approx = [h.chunk_id for h in scaled.search(q, k=5, mode="dense").hits]
        assert len(set(exact) & set(approx)) >= 4, (q, exact, approx)
    city = scaled.cities[0]
    hits = scaled.search("取組", k=5, mode="dense", filters=Filters(city=(city,))).hits
    assert hits and all(h.city == city for h in hits)
    hybrid = scaled.search("RPAの導入", k=5).hits  # dense scores of lexical-only hits: reconstruct(row)
    assert hybrid and all(h.dense_score is not None for h in hybrid)
    ini = next(iter(scaled.meta.initiatives))
    scaled.similar(ini, k=3)  # the mean of an initiative's reconstructed vectors
    again = publish(load_records(s.records_dir), s, encoder=encoder)
    assert again.manifest["counts"]["embedded"] == 0 and again.manifest["counts"]["reused_vectors"] == again.chunks


def test_settings_refuse_unknown_executor_and_scale_index():
    from pydantic import ValidationError

    from reform_search.settings import Settings

    assert Settings().executor == "local" and Settings().ray_address is None
    with pytest.raises(ValidationError, match="executor"):
        Settings(executor="spark")
    with pytest.raises(ValidationError, match="scale_index"):
        Settings(scale_index="lsh")
