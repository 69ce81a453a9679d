"""Domain exceptions. Edges (CLI, API) map these to exit codes / HTTP statuses."""

from __future__ import annotations


class ReformSearchError(Exception):
    """Base class for every error this project raises on purpose."""


class CorpusError(ReformSearchError):
    """The corpus manifest or a corpus file is unusable."""


class DocumentError(CorpusError):
    """One document cannot be read (binary, empty, not UTF-8)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IngestOutputMissing(ReformSearchError):
    """Records were asked for before `reform-search ingest` wrote them."""


class ModelError(ReformSearchError):
    """The embedding model cannot be materialized or loaded."""


class IndexError_(ReformSearchError):
    """The index is missing, corrupt or does not match the settings."""


class IndexMismatch(IndexError_):
    """The index was built with another model/tokenizer than the settings ask for."""


class InvalidQuery(ReformSearchError):
    """A query or a filter value the searcher cannot accept."""


class NotFound(ReformSearchError):
    """An initiative or document id that does not exist."""
