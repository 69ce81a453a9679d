"""Structure parsers, one per document layout, chosen by the manifest's `parser` field.

Each parser is a pure function ``parse(original, clean, meta) -> ParsedDocument``:
`clean` is :func:`ingest.normalize.clean` of `original`; spans in the result are
original-text offsets.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, ParsedDocument

Parser = Callable[[str, MappedText, DocumentMeta], ParsedDocument]


_REGISTRY = {
    "generic": "ingest.parsers.generic",
    "komae_progress": "ingest.parsers.komae_progress",
    "komae_policy": "ingest.parsers.komae_policy",
    "kodaira_program": "ingest.parsers.kodaira",
    "akishima_evaluation": "ingest.parsers.akishima",
    "nishitokyo_outline": "ingest.parsers.nishitokyo",
}
PARSER_NAMES = tuple(sorted(_REGISTRY))


def get_parser(name: str | None) -> Parser:
    """The parser registered under `name`; the generic heading parser for None."""
    key = name or "generic"
    if key not in _REGISTRY:
        raise KeyError(f"unknown parser {key!r}; known: {', '.join(PARSER_NAMES)}")
    return importlib.import_module(_REGISTRY[key]).parse
