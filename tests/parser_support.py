"""Shared helpers for the structure-parser tests: the seed documents and their manifest entries."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.normalize import clean, compact
from ingest.parsers import Parser
from ingest.records import DocumentMeta, ParsedDocument

CORPORA = Path(__file__).resolve().parents[1] / "corpora"


def corpus_meta(doc_id: str) -> DocumentMeta:
    manifest = json.loads((CORPORA / "manifest.json").read_text(encoding="utf-8"))
    return DocumentMeta.from_dict(next(d for d in manifest["documents"] if d["id"] == doc_id))


def parse_text(parse: Parser, text: str, doc_id: str) -> ParsedDocument:
    return parse(text, clean(text), corpus_meta(doc_id))


def parse_corpus_file(parse: Parser, doc_id: str) -> tuple[str, DocumentMeta, ParsedDocument]:
    meta = corpus_meta(doc_id)
    text = (CORPORA / meta.file).read_text(encoding="utf-8")
    return text, meta, parse(text, clean(text), meta)


def spans_text(original: str, spans: list[tuple[int, int]]) -> str:
    """The compacted text of `spans` joined, for containment checks."""
    return compact("".join(original[s:e] for s, e in spans))
