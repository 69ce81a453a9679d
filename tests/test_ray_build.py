"""The Ray Data executor on a real local Ray cluster (2 CPUs) against the local build."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("ray.data")

from index.publish import publish  # noqa: E402
from index.searcher import Searcher  # noqa: E402
from index.snapshots import SnapshotStore  # noqa: E402
from ingest.chunking import ChunkParams  # noqa: E402
from ingest.pipeline import load_records, run_ingest  # noqa: E402
from tests.conftest import make_settings  # noqa: E402

QUERIES = ["RPAの導入", "公共施設の老朽化対策", "ペーパーレス化", "職員の人材育成", "使用料の見直し", "窓口"]


@pytest.fixture()
def ray_workspace(tmp_path: Path, fixture_settings: Any, built_index: Path) -> Any:
    """The fixture records and a data dir with no snapshot yet; Ray settings for a 2-CPU cluster."""
    data = tmp_path / "data"
    shutil.copytree(fixture_settings.records_dir, data / "records")
    # small blocks so that both actors get work on the small fixture corpus
    return make_settings(data, executor="ray", ray_num_cpus=2, ray_block_chunks=8)


def _vectors(searcher: Searcher) -> np.ndarray:
    return np.stack([searcher.dense.reconstruct(i) for i in range(searcher.dense.ntotal)])


def _no_ray_left() -> bool:
    import ray

    return not ray.is_initialized()


@pytest.mark.slow  # 105 s measured under a load of 10 on 2 cores (> the 1-minute default-suite budget)
def test_ray_build_equals_local_build(ray_workspace: Any, searcher: Searcher, encoder: Any):
    report = publish(load_records(ray_workspace.records_dir), ray_workspace, encoder=encoder)
    assert report.manifest["build"]["executor"] == "ray"
    assert _no_ray_left()  # the private local Ray was stopped after the build
    ray_searcher = Searcher.open(ray_workspace, encoder=encoder)
    assert [c.id for c in ray_searcher.meta.chunks] == [c.id for c in searcher.meta.chunks]
    cosine = (_vectors(ray_searcher) * _vectors(searcher)).sum(axis=1)
    assert cosine.min() >= 0.9999
    for q in QUERIES:
        for mode in ("hybrid", "dense"):
            local = [h.chunk_id for h in searcher.search(q, k=5, mode=mode).hits]
            assert [h.chunk_id for h in ray_searcher.search(q, k=5, mode=mode).hits] == local, (q, mode)


@pytest.mark.slow
def test_ray_ingest_equals_local_ingest(ray_workspace: Any):
    from index.executors import open_executor

    params = ChunkParams()
    local = run_ingest(ray_workspace.corpus_dir, params)
    with open_executor(ray_workspace) as ex:
        remote = ex.ingest(ray_workspace.corpus_dir, params)
    assert _no_ray_left()
    assert [d.meta.id for d in remote.documents] == [d.meta.id for d in local.documents]
    assert [c.id for d in remote.documents for c in d.chunks] == [c.id for d in local.documents for c in d.chunks]
    assert [c.text for d in remote.documents for c in d.chunks] == [c.text for d in local.documents for c in d.chunks]


@pytest.mark.slow
def test_a_killed_worker_is_retried(ray_workspace: Any, encoder: Any, tmp_path: Path, monkeypatch: Any):
    from index.executors.ray import CRASH_ONCE_ENV

    marker = tmp_path / "crashed"
    monkeypatch.setenv(CRASH_ONCE_ENV, str(marker))
    report = publish(load_records(ray_workspace.records_dir), ray_workspace, encoder=encoder)
    assert marker.is_file()  # one actor process did die mid-build
    assert report.manifest["counts"]["embedded"] == report.chunks
    assert Searcher.open(ray_workspace, encoder=encoder).search("RPAの導入", k=3).hits


@pytest.mark.slow
def test_a_failed_ray_build_leaves_the_served_snapshot(ray_workspace: Any, encoder: Any, tmp_path: Path,
                                                       monkeypatch: Any):
    from index.executors.ray import CRASH_ONCE_ENV

    local = make_settings(ray_workspace.data_dir)  # the same data dir, local executor
    served = publish(load_records(local.records_dir), local, encoder=encoder).path
    before = (ray_workspace.index_dir / "CURRENT").read_bytes()
    # an unwritable marker path: every actor call raises, which no retry can fix
    monkeypatch.setenv(CRASH_ONCE_ENV, str(tmp_path / "missing-dir" / "marker"))
    with pytest.raises(Exception):
        publish(load_records(ray_workspace.records_dir), ray_workspace, encoder=encoder)
    assert _no_ray_left()
    store = SnapshotStore(ray_workspace.index_dir)
    assert (ray_workspace.index_dir / "CURRENT").read_bytes() == before and store.current() == served
    assert store.snapshots() == [served]  # the staging directory is gone
    assert Searcher.open(ray_workspace, encoder=encoder).search("RPAの導入", k=3).hits
