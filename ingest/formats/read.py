"""`read_source`: any supported file -> SourceText, by suffix, with the content checked against it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.formats import SourceText
from ingest.formats.html_page import read_html
from ingest.formats.pdf import read_pdf
from ingest.formats.text import read_text
from ingest.formats.xlsx import read_xlsx
from reform_search.errors import DocumentError

READERS: dict[str, Callable[[bytes, str, str], SourceText]] = {
    ".txt": read_text, ".pdf": read_pdf, ".html": read_html, ".htm": read_html, ".xlsx": read_xlsx,
}
SUPPORTED = tuple(READERS)


def read_bytes(data: bytes, name: str) -> SourceText:
    """Read `data` as the format its file name's suffix says (`name` is used in errors)."""
    suffix = Path(name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise DocumentError(name, f"unsupported file type {suffix or '(no suffix)'!r}; supported: {', '.join(SUPPORTED)}")
    return reader(data, name, suffix)


def read_source(path: Path) -> SourceText:
    """The file's exact original text; DocumentError with a clear reason when it cannot be used."""
    if not path.is_file():
        raise DocumentError(str(path), "no such file")
    suffix = path.suffix.lower()
    if suffix not in READERS:
        raise DocumentError(str(path), f"unsupported file type {suffix or '(no suffix)'!r}; supported: {', '.join(SUPPORTED)}")
    return read_bytes(path.read_bytes(), str(path))
