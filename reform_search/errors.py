"""Domain exceptions, in two kinds the edges map once each (CLI exit codes, HTTP statuses, MCP tool errors).

* UserError: the caller can fix the request or the arguments (HTTP 4xx, CLI exit 2).
* Unavailable: the data or the model behind the service is missing or broken and the operator must act
  (HTTP 503, CLI exit 3); the message says what to run.
* Busy: another build or add holds the data folder; trying again later works (HTTP 409, CLI exit 4).
"""

from __future__ import annotations


class ReformSearchError(Exception):
    """Base class for every error this project raises on purpose."""

    fix = ""  # what the operator runs to cure it; the edges add it when the message does not say

    def explain(self) -> str:
        """The message, with the fix appended unless the message already names its command."""
        msg = str(self)
        command = self.fix.partition("`")[2].partition("`")[0] or self.fix
        return f"{msg}; {self.fix}" if self.fix and command not in msg else msg


class UserError(ReformSearchError):
    """A request or arguments the caller can correct."""


class Unavailable(ReformSearchError):
    """Data or model the service needs is missing or broken."""


class Busy(ReformSearchError):
    """Another build or document add is running on the same data folder."""


class NotReady(Unavailable):
    """The server has not (yet) loaded an index; the message says why."""


class CorpusError(UserError):
    """The corpus manifest or a corpus file is unusable."""


class EmptyCorpus(CorpusError):
    """There is nothing to index: ingest found no documents (or no text in them)."""


class DocumentError(CorpusError):
    """One document cannot be read (binary, empty, not UTF-8)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IngestOutputMissing(Unavailable):
    """Records were asked for before `reform-search ingest` wrote them."""

    fix = "run `reform-search ingest`"


class ModelError(Unavailable):
    """The embedding model cannot be materialized or loaded."""

    fix = "check REFORM_SEARCH_MODEL and REFORM_SEARCH_CACHE_DIR, then run `reform-search model`"


class IndexError_(Unavailable):
    """The index is missing, corrupt or does not match the settings."""

    fix = "run `reform-search build`"


class IndexMismatch(IndexError_):
    """The index was built with another model/tokenizer than the settings ask for."""


class InvalidQuery(UserError):
    """A query or a filter value the searcher cannot accept."""


class NotFound(UserError):
    """An initiative or document id that does not exist."""
