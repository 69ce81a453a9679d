"""Fallback for documents without a named family: the general structure recognizer."""

from __future__ import annotations

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, ParsedDocument
from ingest.structure import Profile, recognize


def parse(original: str, clean: MappedText, meta: DocumentMeta) -> ParsedDocument:
    """Initiatives and sections found by :func:`ingest.structure.recognize`."""
    return recognize(original, clean, meta, Profile.from_options(meta.structure))
