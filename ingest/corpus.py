"""The corpus folder: manifest.json validation and safe reading of its documents (any format of
`ingest.formats.read`)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ingest.formats import SourceText
from ingest.formats.read import read_bytes, read_source
from ingest.parsers import PARSER_NAMES
from ingest.records import DocumentMeta
from reform_search.errors import CorpusError, DocumentError

MANIFEST_NAME = "manifest.json"
KINDS = ("progress_report", "department_policy", "evaluation_report", "reform_plan", "other")


class ManifestEntry(BaseModel):
    """One document of the manifest, as written by people: validated strictly."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,80}$")
    city: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=300)
    kind: str
    fiscal_years: list[int] = Field(min_length=1)
    file: str = Field(min_length=1)
    parser: str | None = None
    source_url: str | None = None
    published: str | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        return v

    @field_validator("parser")
    @classmethod
    def _known_parser(cls, v: str | None) -> str | None:
        if v is not None and v not in PARSER_NAMES:
            raise ValueError(f"parser must be one of {', '.join(PARSER_NAMES)}")
        return v

    @field_validator("fiscal_years")
    @classmethod
    def _plausible_years(cls, v: list[int]) -> list[int]:
        for y in v:
            if not 1989 <= y <= 2100:
                raise ValueError(f"fiscal year {y} is not a Western year between 1989 and 2100")
        return sorted(set(v))

    @field_validator("file")
    @classmethod
    def _relative_file(cls, v: str) -> str:
        if Path(v).is_absolute() or ".." in Path(v).parts:
            raise ValueError("file must be a path inside the corpus folder")
        return v


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: int = 1
    documents: list[ManifestEntry]


def _describe(err: ValidationError, raw: object) -> str:
    lines = []
    for e in err.errors():
        loc = list(e["loc"])
        where = ".".join(str(x) for x in loc)
        if len(loc) >= 2 and loc[0] == "documents" and isinstance(raw, dict):
            try:
                entry = raw["documents"][loc[1]]
                name = entry.get("id") or entry.get("file") or f"#{loc[1]}"
                where = f"document {name!r} ({'.'.join(str(x) for x in loc[2:]) or 'entry'})"
            except (KeyError, IndexError, TypeError, AttributeError):
                pass
        lines.append(f"{where}: {e['msg']}")
    return "; ".join(lines)


def load_manifest(corpus_dir: Path) -> list[DocumentMeta]:
    """Validated manifest entries; CorpusError naming the entry on any problem."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        raise CorpusError(f"no {MANIFEST_NAME} in {corpus_dir}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CorpusError(f"{path}: not valid JSON ({e})") from e
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as e:
        raise CorpusError(f"{path}: {_describe(e, raw)}") from e
    seen: dict[str, str] = {}
    for entry in manifest.documents:
        if entry.id in seen:
            raise CorpusError(f"{path}: document id {entry.id!r} appears twice")
        seen[entry.id] = entry.file
    return [
        DocumentMeta(
            id=e.id,
            city=e.city,
            title=e.title,
            kind=e.kind,
            fiscal_years=tuple(e.fiscal_years),
            file=e.file,
            source_url=e.source_url,
            parser=e.parser,
            published=e.published,
        )
        for e in manifest.documents
    ]


def read_source_document(corpus_dir: Path, meta: DocumentMeta) -> SourceText:
    """The document's original text and format; DocumentError naming the file when unusable."""
    path = corpus_dir / meta.file
    if not path.is_file():
        raise DocumentError(str(path), f"file listed for document {meta.id!r} does not exist")
    return read_source(path)


def read_document(corpus_dir: Path, meta: DocumentMeta) -> str:
    """The document's original text (any supported format); see :func:`read_source_document`."""
    return read_source_document(corpus_dir, meta).text


def add_document(corpus_dir: Path, source: Path, *, city: str, kind: str, fiscal_years: list[int],
                 title: str | None = None, doc_id: str | None = None, parser: str | None = None,
                 source_url: str | None = None) -> DocumentMeta:
    """Validate `source` and its metadata, copy it into the corpus and append it to the manifest.

    Nothing is written unless everything is valid; the manifest is replaced atomically.
    """
    if not source.is_file():
        raise DocumentError(str(source), "no such file")
    data = source.read_bytes()
    read_bytes(data, str(source))  # the whole file must be readable before anything is written
    existing = load_manifest(corpus_dir)
    stem = re.sub(r"[^a-z0-9]+", "-", source.stem.lower()).strip("-") or "document"
    if not fiscal_years:
        raise CorpusError("give at least one fiscal year (--year 2024)")
    try:
        entry = ManifestEntry(
            id=doc_id or f"{stem}-{min(fiscal_years)}",
            city=city,
            title=title or source.stem,
            kind=kind,
            fiscal_years=fiscal_years,
            file=source.name,
            parser=parser,
            source_url=source_url,
        )
    except ValidationError as e:
        raise CorpusError("; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())) from e
    if any(m.id == entry.id for m in existing):
        raise CorpusError(f"document id {entry.id!r} is already in the manifest; pass another --id")
    target = corpus_dir / entry.file
    if target.exists() and target.read_bytes() != data:
        raise CorpusError(f"{target} already exists with other content; rename the file")
    if any(m.file == entry.file for m in existing):
        raise CorpusError(f"{entry.file} is already listed in the manifest")
    raw = json.loads((corpus_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    raw["documents"].append(entry.model_dump(exclude_none=True))
    Manifest.model_validate(raw)
    if not target.exists():
        tmp_file = corpus_dir / f".{entry.file}.tmp"
        tmp_file.write_bytes(data)
        os.replace(tmp_file, target)
    tmp = corpus_dir / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(json.dumps(raw, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, corpus_dir / MANIFEST_NAME)
    return next(m for m in load_manifest(corpus_dir) if m.id == entry.id)
