"""Index snapshots: every build is a new directory; `CURRENT` names the one being served.

Layout under the index root::

    snapshots/<id>/      complete, validated indexes (see index.store for their contents)
    snapshots/.tmp-*/    builds in progress (removed when found stale)
    CURRENT              {"current": <id>, "previous": <id or null>}, replaced atomically
    build.lock           held by the one build that may run at a time

A build never touches the snapshot being served, and a crash at any moment leaves CURRENT
pointing at a complete snapshot.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from index.faults import fault_point
from reform_search.errors import Busy, IndexError_

SNAPSHOTS = "snapshots"
POINTER = "CURRENT"
LOCK = "build.lock"
TMP_PREFIX = ".tmp-"


class BuildLocked(IndexError_, Busy):
    """Another build holds the lock (an IndexError_ for the callers that catch those, mapped as Busy)."""

    fix = ""


def new_snapshot_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SnapshotStore:
    """The snapshots of one index root and the pointer to the current one."""

    def __init__(self, root: Path, fault: str | None = None) -> None:
        self.root = root
        self.dir = root / SNAPSHOTS
        self.fault = fault  # crash tests only (index.faults)

    def _pointer(self) -> dict[str, str | None]:
        path = self.root / POINTER
        if not path.is_file():
            return {"current": None, "previous": None}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {"current": data.get("current"), "previous": data.get("previous")}
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as e:
            raise IndexError_(f"{path} is corrupt ({e}); run `reform-search build` to write a new snapshot") from e

    def current(self) -> Path | None:
        name = self._pointer()["current"]
        return self.dir / name if name else None

    def previous(self) -> Path | None:
        name = self._pointer()["previous"]
        return self.dir / name if name else None

    def require_current(self) -> Path:
        cur = self.current()
        if cur is None:
            raise IndexError_(f"no index at {self.root}; build it with `reform-search build`")
        if not cur.is_dir():
            raise IndexError_(f"current snapshot {cur} is missing; run `reform-search rollback` or `reform-search build`")
        return cur

    def snapshots(self) -> list[Path]:
        """Complete snapshots, oldest first (ids sort by creation time)."""
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.iterdir() if p.is_dir() and not p.name.startswith("."))

    def staging_dir(self) -> Path:
        """A fresh directory for a build in progress."""
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / f"{TMP_PREFIX}{new_snapshot_id()}"
        path.mkdir()
        return path

    def commit(self, staging: Path) -> Path:
        """Give a finished staging directory its snapshot name (not yet current)."""
        final = self.dir / staging.name.removeprefix(TMP_PREFIX)
        os.rename(staging, final)
        _fsync_dir(self.dir)
        return final

    def set_current(self, snapshot: Path) -> None:
        """Atomically make `snapshot` current; the old current becomes `previous`."""
        if snapshot.parent != self.dir or not snapshot.is_dir():
            raise IndexError_(f"{snapshot} is not a snapshot of {self.root}")
        old = self._pointer()["current"]
        data = {"current": snapshot.name, "previous": old if old != snapshot.name else self._pointer()["previous"]}
        tmp = self.root / f".{POINTER}.{secrets.token_hex(4)}"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f)
            f.flush()
            os.fsync(f.fileno())
        fault_point(self.fault, "mid-publish", self.root)
        os.replace(tmp, self.root / POINTER)
        _fsync_dir(self.root)

    def rollback(self) -> Path:
        """Serve the previous snapshot again (the current one becomes `previous`)."""
        prev = self.previous()
        if prev is None or not prev.is_dir():
            raise IndexError_("no previous snapshot to roll back to")
        self.set_current(prev)
        return prev

    def prune(self, keep: int) -> list[Path]:
        """Delete all but the newest `keep` snapshots (never current or previous), stale
        staging directories and pointer files a crash left unrenamed. Call with the build lock held."""
        protected = {p for p in (self.current(), self.previous()) if p is not None}
        removed = []
        snaps = self.snapshots()
        for snap in snaps[: max(0, len(snaps) - keep)]:
            if snap not in protected:
                shutil.rmtree(snap, ignore_errors=True)
                removed.append(snap)
        if self.dir.is_dir():
            for stale in self.dir.glob(f"{TMP_PREFIX}*"):
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
        for stale in self.root.glob(f".{POINTER}.*"):
            stale.unlink(missing_ok=True)
            removed.append(stale)
        return removed

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive build lock; released by the OS even if the process is killed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise BuildLocked(f"another build is running on {self.root}; wait for it to finish") from e
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)
