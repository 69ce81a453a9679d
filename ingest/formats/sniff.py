"""What a file's bytes really are (magic numbers), so a misnamed file gets a clear error."""

from __future__ import annotations

import zipfile
from io import BytesIO

from reform_search.errors import DocumentError

# content kind -> the suffix it should have
_EXPECTED = {"pdf": ".pdf", "xlsx": ".xlsx", "docx": ".docx", "pptx": ".pptx", "zip": ".zip",
             "ole": ".xls/.doc", "png": ".png", "jpeg": ".jpg", "gif": ".gif", "tiff": ".tif"}
_NAMES = {"pdf": "a PDF", "xlsx": "an Excel .xlsx workbook", "docx": "a Word .docx file",
          "pptx": "a PowerPoint .pptx file", "zip": "a ZIP archive", "ole": "a legacy Office (.xls/.doc) file",
          "png": "a PNG image", "jpeg": "a JPEG image", "gif": "a GIF image", "tiff": "a TIFF image"}


def sniff(data: bytes) -> str | None:
    """The kind of content the bytes start with, or None for anything text-like or unknown."""
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n\x00").startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        for kind, marker in (("xlsx", "xl/workbook.xml"), ("docx", "word/document.xml"), ("pptx", "ppt/presentation.xml")):
            if marker in names:
                return kind
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return None


def wrong_extension(path: str, suffix: str, kind: str) -> DocumentError:
    hint = "an old binary Excel/Word file: save it as .xlsx or PDF first" if kind == "ole" else (
        f"rename it to {_EXPECTED[kind]}")
    return DocumentError(path, f"wrong extension: the content is {_NAMES[kind]} but the name ends in "
                               f"{suffix}; {hint}")


def require_nonempty(data: bytes, path: str) -> None:
    if not data.strip():
        raise DocumentError(path, "file is empty")
