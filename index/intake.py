"""Adding one document as users do: validate → copy + manifest → ingest → publish a snapshot.

`add_and_publish` is the one orchestration the CLI (`reform-search add`) and the API
(`POST /documents`) share. It either publishes a snapshot that serves the new document or
leaves the corpus folder, the manifest and CURRENT exactly as they were.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.publish import publish
from index.snapshots import SnapshotStore
from ingest.chunking import ChunkParams
from ingest.corpus import MANIFEST_NAME, add_document, load_manifest
from ingest.pipeline import IngestResult, load_records, run_ingest, write_records
from ingest.records import DocumentMeta
from reform_search.errors import Busy, CorpusError, DocumentError, ReformSearchError
from reform_search.settings import Settings

STAGES = ("queued", "validating", "ingesting", "embedding", "publishing", "done", "failed")
LOCK_NAME = "intake.lock"


@dataclass(frozen=True)
class Stage:
    """Where an add is: one of STAGES, with done/total for counted stages (documents, chunks)."""

    name: str
    done: int = 0
    total: int = 0
    message: str = ""


@dataclass
class AddReport:
    """What an add produced: the document, its counts and the snapshot now current."""

    document: DocumentMeta
    initiatives: int
    sections: int
    chunks: int
    snapshot: str
    embedded: int
    reused: int
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"document_id": self.document.id, "city": self.document.city, "title": self.document.title,
                "kind": self.document.kind, "fiscal_years": list(self.document.fiscal_years),
                "file": self.document.file, "initiatives": self.initiatives, "sections": self.sections,
                "chunks": self.chunks, "snapshot": self.snapshot, "embedded": self.embedded, "reused": self.reused,
                "warnings": self.warnings, "seconds": round(self.seconds, 2)}


class IntakeBusy(Busy):
    """Another document is being added to this data folder."""


Progress = Callable[[Stage], None]


def describe(err: ReformSearchError, name: str) -> str:
    """`<file>: <reason>` for an error about the document called `name`."""
    reason = err.reason if isinstance(err, DocumentError) else str(err)
    return f"{name}: {reason}"


@contextmanager
def intake_lock(settings: Settings) -> Iterator[None]:
    """One add at a time per data folder (released by the OS if the process dies)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / LOCK_NAME, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise IntakeBusy("another document is being added; try again when it is done") from e
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def intake_busy(settings: Settings) -> bool:
    """Whether some process (this one included) holds the intake lock right now."""
    try:
        with intake_lock(settings):
            return False
    except IntakeBusy:
        return True


def check_document(settings: Settings, source: Path, *, city: str, kind: str, fiscal_years: list[int],
                   title: str | None = None, doc_id: str | None = None, parser: str | None = None,
                   url: str | None = None) -> DocumentMeta:
    """Validate file and metadata exactly as `add_document` would, writing nothing to the corpus.

    Runs `add_document` against a scratch folder holding a copy of the manifest (and a link to
    a same-named corpus file, so a clash with other content is still caught).
    """
    manifest = settings.corpus_dir / MANIFEST_NAME
    load_manifest(settings.corpus_dir)  # a broken manifest is reported as such
    with tempfile.TemporaryDirectory(prefix="reform-search-check-") as tmp:
        scratch = Path(tmp)
        shutil.copyfile(manifest, scratch / MANIFEST_NAME)
        existing = settings.corpus_dir / source.name
        if existing.exists():
            (scratch / source.name).symlink_to(existing.resolve())
        try:
            return add_document(scratch, source, city=city, kind=kind, fiscal_years=fiscal_years, title=title,
                                doc_id=doc_id, parser=parser, source_url=url)
        except DocumentError:
            raise
        except CorpusError as e:  # name the corpus folder, not the scratch one
            raise CorpusError(str(e).replace(str(scratch), str(settings.corpus_dir))) from e


def _restore(settings: Settings, manifest_bytes: bytes, copied: Path | None) -> None:
    """Put the manifest back byte for byte and remove the file the add copied in."""
    path = settings.corpus_dir / MANIFEST_NAME
    tmp = settings.corpus_dir / f".{MANIFEST_NAME}.restore"
    tmp.write_bytes(manifest_bytes)
    tmp.replace(path)
    if copied is not None:
        copied.unlink(missing_ok=True)


def _new_document(result: IngestResult, meta: DocumentMeta, settings: Settings, name: str) -> Any:
    """The ingested records of `meta`, or a DocumentError saying why it has none."""
    doc = next((d for d in result.documents if d.meta.id == meta.id), None)
    if doc is None:
        prefix = f"{settings.corpus_dir / meta.file}: "
        why = next((e.removeprefix(prefix) for e in result.errors if e.startswith(prefix)), "it was not ingested")
        raise DocumentError(name, f"could not be ingested: {why}")
    if not doc.chunks:
        raise DocumentError(name, "no text to index was found in it (0 chunks); is it the right file?")
    return doc


def _ingest(settings: Settings, say: Progress) -> IngestResult:
    total = len(load_manifest(settings.corpus_dir))
    seen = [0]

    def on_document(msg: str) -> None:
        seen[0] += 1
        say(Stage("ingesting", seen[0], total, msg))

    say(Stage("ingesting", 0, total))
    params = ChunkParams(settings.chunk_target_chars, settings.chunk_max_chars, settings.chunk_overlap_chars)
    return run_ingest(settings.corpus_dir, params, progress=on_document)


def _embed_reporter(say: Progress) -> Callable[[int, int], None]:
    def on_embed(done: int, total: int) -> None:
        say(Stage("embedding", done, total))
        if done >= total:
            say(Stage("publishing"))

    return on_embed


def add_and_publish(settings: Settings, source: Path, *, city: str, kind: str, fiscal_years: list[int],
                    title: str | None = None, doc_id: str | None = None, url: str | None = None,
                    parser: str | None = None, name: str | None = None, progress: Progress | None = None,
                    encoder: Any = None) -> AddReport:
    """Add `source` to the corpus and publish a snapshot that serves it (only new chunks are embedded).

    `name` is how errors call the file (default: the path given). Any failure — invalid file or
    metadata, the new document yielding no chunks, a failed build — raises with the corpus,
    manifest and CURRENT as they were. IntakeBusy if another add is running.
    """
    say = progress or (lambda _s: None)
    name = name or str(source)
    t0 = time.perf_counter()
    store = SnapshotStore(settings.index_dir)
    with intake_lock(settings):
        say(Stage("validating"))
        load_manifest(settings.corpus_dir)  # CorpusError if missing or broken
        manifest_bytes = (settings.corpus_dir / MANIFEST_NAME).read_bytes()
        target = settings.corpus_dir / source.name
        copied = None if target.exists() else target
        serving = store.current()
        try:
            meta = add_document(settings.corpus_dir, source, city=city, kind=kind, fiscal_years=fiscal_years,
                                title=title, doc_id=doc_id, parser=parser, source_url=url)
        except DocumentError as e:
            raise DocumentError(name, e.reason) from e
        except CorpusError as e:
            raise CorpusError(describe(e, name)) from e
        staging = Path(tempfile.mkdtemp(prefix=".records-intake-", dir=settings.data_dir))
        try:
            result = _ingest(settings, say)
            doc = _new_document(result, meta, settings, name)
            write_records(result, staging / "records")
            report = publish(load_records(staging / "records"), settings, progress=lambda m: None, encoder=encoder,
                             embed_progress=_embed_reporter(say))
        except BaseException:
            if store.current() == serving:  # not published: undo the add
                _restore(settings, manifest_bytes, copied)
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        write_records(result, settings.records_dir)
    counts = report.manifest["counts"]
    out = AddReport(meta, len(doc.initiatives), len(doc.sections), len(doc.chunks), report.path.name,
                    counts["embedded"], counts["reused_vectors"], list(result.errors), time.perf_counter() - t0)
    say(Stage("done", message=f"{meta.id} is searchable in snapshot {report.path.name}"))
    return out
