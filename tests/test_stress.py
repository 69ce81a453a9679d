"""Longer reliability runs (`make stress`): load during a hot swap, repeated kill -9 of builds."""

from __future__ import annotations

import asyncio
import shutil
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from index.publish import publish
from index.snapshots import SnapshotStore
from ingest.pipeline import load_records
from reform_search.settings import FAULT_STAGES
from tests.conftest import CORPUS, make_settings
from tests.support.server import load, server
from tests.test_snapshots import kill_trial

pytestmark = pytest.mark.stress


@pytest.fixture()
def workspace(tmp_path: Path, fixture_settings: Any, built_index: Path) -> Any:
    data = tmp_path / "data"
    shutil.copytree(fixture_settings.data_dir, data)
    return make_settings(data, corpus_dir=CORPUS)


def test_load_during_hot_swap_has_no_errors(workspace: Any, encoder: Any):
    env = {"REFORM_SEARCH_DATA_DIR": str(workspace.data_dir), "REFORM_SEARCH_CORPUS_DIR": str(workspace.corpus_dir)}
    with server(env) as url:
        before = httpx.get(f"{url}/readyz").json()["built"]
        swapped: dict[str, Any] = {}
        answered, done = threading.Event(), threading.Event()

        def swap() -> None:
            answered.wait()  # the load is running: it goes on until the swap is done
            try:
                publish(load_records(workspace.records_dir), workspace, encoder=encoder)
                r = httpx.post(f"{url}/admin/reload", timeout=300)
                swapped["status"] = r.status_code
                swapped["snapshot"] = r.json()["serving"]["snapshot"]
            finally:
                done.set()

        t = threading.Thread(target=swap)
        t.start()
        lat, errors, statuses = asyncio.run(load(url, 2000, 32, answered, done))
        t.join()
        print(f"\nload during hot swap: {len(lat)} requests, errors {errors}, statuses {statuses}, "
              f"p50 {sorted(lat)[len(lat) // 2]:.0f} ms, p95 {sorted(lat)[int(len(lat) * 0.95)]:.0f} ms")
        assert swapped.get("status") == 200
        assert errors == 0, statuses
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["built"] >= before
        assert SnapshotStore(workspace.index_dir).require_current().name == swapped["snapshot"]


@pytest.mark.parametrize("action", ["pause", "exit"])
@pytest.mark.parametrize("stage", FAULT_STAGES)
def test_a_build_stopped_at_any_stage_leaves_a_complete_snapshot_served(workspace: Any, encoder: Any, stage: str,
                                                                        action: str, tmp_path: Path):
    """kill -9 while paused at the stage (or a crash there): the served snapshot is the old one
    up to the pointer swap, the new one after it, and the next build clears what was left."""
    before, after = kill_trial(workspace, encoder, stage, action, tmp_path / "build.log")
    print(f"\nbuild stopped by {action} at {stage}: serving the {'new' if after != before else 'old'} snapshot")
    publish(load_records(workspace.records_dir), workspace, encoder=encoder)
    store = SnapshotStore(workspace.index_dir)
    assert not list(store.dir.glob(".tmp-*")) and not list(store.root.glob(".CURRENT.*"))
