"""Structure parsers, one per document layout, chosen by the manifest's `parser` field.

Each parser is a pure function ``parse(original, clean, meta) -> ParsedDocument``:
`clean` is :func:`ingest.normalize.clean` of `original`; spans in the result are
original-text offsets.
"""

from __future__ import annotations

from collections.abc import Callable

from ingest.normalize import MappedText
from ingest.records import DocumentMeta, ParsedDocument

Parser = Callable[[str, MappedText, DocumentMeta], ParsedDocument]


def get_parser(name: str | None) -> Parser:
    """The parser registered under `name`; the generic paragraph parser for None."""
    from ingest.parsers import akishima, generic, kodaira, komae_policy, komae_progress, nishitokyo

    registry: dict[str, Parser] = {
        "generic": generic.parse,
        "komae_progress": komae_progress.parse,
        "komae_policy": komae_policy.parse,
        "kodaira_program": kodaira.parse,
        "akishima_evaluation": akishima.parse,
        "nishitokyo_outline": nishitokyo.parse,
    }
    key = name or "generic"
    if key not in registry:
        raise KeyError(f"unknown parser {key!r}; known: {', '.join(sorted(registry))}")
    return registry[key]
