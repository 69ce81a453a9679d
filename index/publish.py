"""Build → validate → make current: the only way a new index reaches the searcher."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from index.build import BuildReport, build_index, require_chunks
from index.faults import fault_point
from index.snapshots import SnapshotStore
from ingest.pipeline import Records
from reform_search.errors import IndexError_
from reform_search.settings import Settings


def canary_query(searcher: Any) -> str:
    """A query the index must answer: the title of its first initiative (or first chunk)."""
    inits = sorted(searcher.meta.initiatives.values(), key=lambda i: i.id)
    if inits and inits[0].title.strip():
        return inits[0].title.strip()[:100]
    return searcher.meta.chunks[0].text[:40]


def validate_snapshot(path: Any, settings: Settings, encoder: Any) -> Any:
    """Open the snapshot (all parts must agree with its manifest) and run a canary query."""
    from index.searcher import Searcher

    searcher = Searcher.open(settings, index_dir=path, encoder=encoder)
    query = canary_query(searcher)
    if not searcher.search(query, k=3).hits:
        raise IndexError_(f"snapshot {path.name} failed its canary query {query!r}")
    return searcher


@contextmanager
def build_executor(settings: Settings, given: Any, progress: Callable[[str], None] | None) -> Iterator[Any]:
    """`given`, else the executor `settings.executor` names (None: embed in this process)."""
    if given is not None or settings.executor == "local":
        yield given
        return
    from index.executors import open_executor

    with open_executor(settings, progress=progress) as ex:
        yield ex


def publish(records: Records, settings: Settings, progress: Callable[[str], None] | None = None,
            encoder: Any = None, executor: Any = None,
            embed_progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Build a new snapshot beside the served one, validate it, then switch CURRENT to it.

    Embedding runs on `executor` (default: the one `settings.executor` names); everything
    from the vectors on (FAISS, BM25, validation, the swap) is the same for every executor.
    `embed_progress(done, total)` reports the chunks being embedded (see build_index).
    """
    from index.model import encoder_from_settings

    say = progress or (lambda _m: None)
    require_chunks(records, settings)
    store = SnapshotStore(settings.index_dir, fault=settings.fault)
    fault = settings.fault
    with store.lock():
        store.prune(settings.snapshot_keep)  # also clears what a killed build left behind
        if encoder is None:
            encoder = encoder_from_settings(settings)
        staging = store.staging_dir()
        fault_point(fault, "staging", store.root)
        try:
            with build_executor(settings, executor, progress) as ex:
                report = build_index(records, settings, staging, progress, encoder, previous=store.current(),
                                     executor=ex, embed_progress=embed_progress)
            validate_snapshot(staging, settings, encoder)
            fault_point(fault, "before-commit", store.root)
            snapshot = store.commit(staging)
            fault_point(fault, "before-publish", store.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        store.set_current(snapshot)
        fault_point(fault, "after-publish", store.root)
        pruned = store.prune(settings.snapshot_keep)
        say(f"snapshot {snapshot.name} is current" + (f"; pruned {len(pruned)} old" if pruned else ""))
    report.path = snapshot
    return report
