"""Longer reliability runs (`make stress`): load during a hot swap, repeated kill -9 of builds."""

from __future__ import annotations

import asyncio
import random
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from eval.bench_api import _load, server
from index.publish import publish
from index.searcher import Searcher
from index.snapshots import SnapshotStore
from ingest.pipeline import load_records
from tests.conftest import CORPUS, make_settings
from tests.test_snapshots import _build_process

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

        def swap() -> None:
            time.sleep(3)
            publish(load_records(workspace.records_dir), workspace, encoder=encoder)
            r = httpx.post(f"{url}/admin/reload", timeout=300)
            swapped["status"] = r.status_code
            swapped["snapshot"] = r.json()["serving"]["snapshot"]

        t = threading.Thread(target=swap)
        t.start()
        lat, errors, statuses = asyncio.run(_load(url, 2000, 32))
        t.join()
        print(f"\nload during hot swap: {len(lat)} requests, errors {errors}, statuses {statuses}, "
              f"p50 {sorted(lat)[len(lat) // 2]:.0f} ms, p95 {sorted(lat)[int(len(lat) * 0.95)]:.0f} ms")
        assert swapped.get("status") == 200
        assert errors == 0, statuses
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["built"] >= before
        assert SnapshotStore(workspace.index_dir).require_current().name == swapped["snapshot"]


def test_repeated_kill_9_trials(workspace: Any, encoder: Any):
    store = SnapshotStore(workspace.index_dir)
    serving = store.require_current()
    rng = random.Random(7)
    outcomes = []
    for trial in range(6):
        delay = rng.uniform(0.5, 12.0)
        build = _build_process(workspace)
        time.sleep(delay)
        finished = build.poll() is not None
        if not finished:
            build.send_signal(signal.SIGKILL)
        build.wait(timeout=60)
        current = store.require_current()
        assert Searcher.open(workspace, index_dir=current, encoder=encoder).search("RPAの導入", k=3).hits
        outcomes.append((round(delay, 1), "finished" if finished else "killed", current == serving))
        serving = current
    print(f"\nkill -9 trials (delay s, outcome, still on previous snapshot): {outcomes}")
    publish(load_records(workspace.records_dir), workspace, encoder=encoder)
    assert not list(store.dir.glob(".tmp-*"))
