"""Fault injection for crash tests: REFORM_SEARCH_FAULT="<stage>:pause" or "<stage>:exit".

A build passes the named stages (reform_search.settings.FAULT_STAGES) in order. At the stage
the setting names it either exits at once (``os._exit``: no cleanup, as a crash) or writes
``<index root>/.fault-<stage>`` with its pid and waits to be killed, so a kill -9 trial hits
the stage it means whatever the machine's speed. Unset (the default), nothing happens.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

FAULT_EXIT_CODE = 86


def marker_path(root: Path, stage: str) -> Path:
    """Where a build paused at `stage` says so (its pid), under the index root."""
    return root / f".fault-{stage}"


def fault_point(fault: str | None, stage: str, root: Path) -> None:
    """Exit or pause here if `fault` names `stage`; otherwise return at once."""
    if not fault:
        return
    where, _, action = fault.partition(":")
    if where != stage:
        return
    if action == "exit":
        os._exit(FAULT_EXIT_CODE)
    marker = marker_path(root, stage)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(str(os.getpid()), encoding="utf-8")
    os.replace(tmp, marker)  # a waiting test never reads half a pid
    while True:
        signal.pause()
