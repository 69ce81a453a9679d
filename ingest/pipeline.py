"""Ingest: corpus files → parsed records → chunks, written to the records folder.

`ingest_document` is pure; `run_ingest` does the I/O at the rim and keeps going when a
single document is unusable (its error is reported, the others still ingest).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.chunking import ChunkParams, Unit, chunk_unit
from ingest.corpus import load_manifest, read_source_document
from ingest.normalize import clean
from ingest.paging import with_pages
from ingest.parsers import get_parser
from ingest.records import Chunk, DocumentMeta, Initiative, Section
from reform_search.errors import DocumentError, IngestOutputMissing

RECORDS_FORMAT = 1
Progress = Callable[[str], None]


@dataclass
class DocumentRecords:
    meta: DocumentMeta
    text: str
    initiatives: list[Initiative]
    sections: list[Section]
    chunks: list[Chunk]
    format: str = "text"  # the source file's format (ingest.formats): "text" | "pdf" | "html" | "xlsx"
    pages: int = 1

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass
class IngestResult:
    documents: list[DocumentRecords]
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


# Kept in the records but not chunked: a table of contents only lists titles found again in the
# body, and as a passage it matches every broad question (it was the first cell of /compare).
UNINDEXED_KINDS = frozenset({"toc"})


def ingest_document(meta: DocumentMeta, text: str, params: ChunkParams) -> DocumentRecords:
    """Parse one document's structure and chunk every initiative and section."""
    cleaned = clean(text)
    parsed = get_parser(meta.parser)(text, cleaned, meta)
    units = [
        Unit(i.id, meta.id, meta.city, i.title, tuple(i.heading_path), tuple(i.spans), True,
             labels=(i.number, *i.departments, *(r.value for r in i.ratings)))
        for i in parsed.initiatives
    ] + [Unit(s.id, meta.id, meta.city, s.title, tuple(s.heading_path), tuple(s.spans), False)
         for s in parsed.sections if s.kind not in UNINDEXED_KINDS]
    chunks: list[Chunk] = []
    for unit in units:
        chunks.extend(chunk_unit(unit, cleaned, params))
    return DocumentRecords(meta, text, parsed.initiatives, parsed.sections, with_pages(chunks, text))


def run_ingest(corpus_dir: Path, params: ChunkParams, progress: Progress | None = None) -> IngestResult:
    """Ingest every manifest document; unusable documents become errors, not crashes."""
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    metas = load_manifest(corpus_dir)
    result = IngestResult(documents=[])
    for n, meta in enumerate(metas, 1):
        t1 = time.perf_counter()
        doc, error, note = ingest_file(corpus_dir, meta, params)
        add_outcome(result, say, f"[{n}/{len(metas)}]", meta, doc, error, note, time.perf_counter() - t1)
    result.seconds = time.perf_counter() - t0
    return result


def add_outcome(result: IngestResult, say: Progress, step: str, meta: DocumentMeta, doc: DocumentRecords | None,
                error: str, note: str, seconds: float, where: str = "") -> None:
    """Record what :func:`ingest_file` gave for one document (records or an error) and report it."""
    if doc is None:
        result.errors.append(error)
        say(f"{step} {meta.id}: {note}")
        return
    result.documents.append(doc)
    say(f"{step} {doc_summary(doc)} in {seconds:.2f}s{where}")


def ingest_file(corpus_dir: Path, meta: DocumentMeta,
                params: ChunkParams) -> tuple[DocumentRecords | None, str, str]:
    """Read and ingest one manifest document: (records, "", "") or (None, error, short note)."""
    try:
        source = read_source_document(corpus_dir, meta)
    except DocumentError as e:
        return None, str(e), f"SKIPPED — {e.reason} ({e.path})"
    try:
        doc = ingest_document(meta, source.text, params)
        doc.format, doc.pages = source.format, source.pages
    except Exception as e:  # one unparseable document must not stop the others
        return None, f"{corpus_dir / meta.file}: parser {meta.parser or 'generic'!r} failed: {e!r}", f"FAILED — {e!r}"
    return doc, "", ""


def doc_summary(doc: DocumentRecords) -> str:
    return (f"{doc.meta.id} ({doc.meta.city}): {len(doc.initiatives)} initiatives, "
            f"{len(doc.sections)} sections, {len(doc.chunks)} chunks")


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_records(result: IngestResult, records_dir: Path) -> None:
    """Write all records to `records_dir`, replacing the previous ones atomically."""
    records_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".records-", dir=records_dir.parent))
    try:
        (tmp / "texts").mkdir()
        docs = []
        for d in result.documents:
            (tmp / "texts" / f"{d.meta.id}.txt").write_text(d.text, encoding="utf-8")
            docs.append(
                {
                    **d.meta.to_dict(),
                    "sha256": d.sha256,
                    "chars": len(d.text),
                    "format": d.format,
                    "pages": d.pages,
                    "initiatives": len(d.initiatives),
                    "sections": len(d.sections),
                    "chunks": len(d.chunks),
                }
            )
        _jsonl(tmp / "initiatives.jsonl", [i.to_dict() for d in result.documents for i in d.initiatives])
        _jsonl(tmp / "sections.jsonl", [s.to_dict() for d in result.documents for s in d.sections])
        _jsonl(tmp / "chunks.jsonl", [c.to_dict() for d in result.documents for c in d.chunks])
        meta = {"format": RECORDS_FORMAT, "documents": docs, "errors": result.errors}
        (tmp / "documents.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        old = records_dir.with_name(records_dir.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if records_dir.exists():
            os.rename(records_dir, old)
        os.rename(tmp, records_dir)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@dataclass
class Records:
    """Records read back from disk (what the index stage consumes)."""

    documents: list[dict[str, Any]]
    initiatives: list[Initiative]
    sections: list[Section]
    chunks: list[Chunk]
    texts: dict[str, str]
    errors: list[str]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_records(records_dir: Path) -> Records:
    """Read what `write_records` wrote; IngestOutputMissing if ingest has not run."""
    meta_path = records_dir / "documents.json"
    if not meta_path.is_file():
        raise IngestOutputMissing(f"no ingest records in {records_dir}; run `reform-search ingest` first")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return Records(
        documents=meta["documents"],
        initiatives=[Initiative.from_dict(d) for d in _read_jsonl(records_dir / "initiatives.jsonl")],
        sections=[Section.from_dict(d) for d in _read_jsonl(records_dir / "sections.jsonl")],
        chunks=[Chunk.from_dict(d) for d in _read_jsonl(records_dir / "chunks.jsonl")],
        texts={d["id"]: (records_dir / "texts" / f"{d['id']}.txt").read_text(encoding="utf-8") for d in meta["documents"]},
        errors=meta.get("errors", []),
    )
