"""`reform-search build` as a child process stopped at a named stage (index.faults)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from index.faults import marker_path


def build_process(settings: Any, log: Path, fault: str | None = None, **env: str) -> subprocess.Popen:
    """`reform-search build` over `settings`' corpus and data dir, its stderr into `log`."""
    full = {**os.environ, "REFORM_SEARCH_DATA_DIR": str(settings.data_dir),
            "REFORM_SEARCH_CORPUS_DIR": str(settings.corpus_dir), **env}
    full.pop("REFORM_SEARCH_FAULT", None)
    if fault:
        full["REFORM_SEARCH_FAULT"] = fault
    with open(log, "wb") as err:  # a file, not a pipe: a paused build must never block on a full pipe
        return subprocess.Popen([sys.executable, "-m", "reform_search.cli", "build"], env=full,
                                stdout=subprocess.DEVNULL, stderr=err)


def wait_paused(proc: subprocess.Popen, settings: Any, stage: str, log: Path, timeout: float = 900) -> int:
    """Wait until the build has paused at `stage` (its marker file exists); its pid."""
    marker = marker_path(settings.index_dir, stage)
    deadline = time.monotonic() + timeout  # a guard against a hang, not a synchronization
    while not marker.is_file():
        if proc.poll() is not None:
            raise AssertionError(f"build exited ({proc.returncode}) before pausing at {stage}: "
                                 f"{log.read_text(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"build did not reach {stage}")
        time.sleep(0.05)
    pid = int(marker.read_text(encoding="utf-8"))
    assert pid == proc.pid
    return pid
