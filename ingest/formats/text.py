"""Plain UTF-8 text files (.txt): the seed corpus format; a form feed separates pages."""

from __future__ import annotations

import re

from ingest.formats import PAGE_BREAK, SourceText
from ingest.formats.sniff import require_nonempty, sniff, wrong_extension
from reform_search.errors import DocumentError

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


def read_text(data: bytes, path: str, suffix: str = ".txt") -> SourceText:
    """UTF-8 text with normalized line ends; DocumentError if empty, binary or not UTF-8."""
    require_nonempty(data, path)
    kind = sniff(data)
    if kind in ("pdf", "xlsx", "docx", "pptx", "ole"):
        raise wrong_extension(path, suffix, kind)
    if b"\x00" in data[:65536]:
        raise DocumentError(path, "file is binary (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentError(path, f"not UTF-8 text (byte {e.start}: {e.reason}); convert it to UTF-8") from e
    if len(_CONTROL.findall(text[:65536])) > 64:
        raise DocumentError(path, "file looks binary (many control characters)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return SourceText(text, "text", text.count(PAGE_BREAK) + 1)
