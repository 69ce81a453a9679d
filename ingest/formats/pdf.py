"""PDF text extraction with pypdfium2 (PDFium; Apache-2.0/BSD), pages joined by a form feed.

Library choice, measured with `python -m eval.bench_formats` on a 30-page PDF printed by
headless Chromium (IPAGothic; Japanese body text, a table, a two-column CSS layout, a
vertical-text block, running header and page footer) on the shared 2-core machine (the
ranges are the same runs at load ~1 and ~10):

* pypdfium2 5.15: 120-200 pages/s. Japanese exact (full-width ＲＰＡ/ＡＩ－ＯＣＲ kept), text in
  content-stream order, so the two CSS columns come out one after the other, never
  interleaved; vertical text comes out one character per line in reading order.
* pdfplumber 0.11: 6-11 pages/s (about 20x slower). Same characters, but it sorts lines by
  position: the two columns are interleaved line by line, and vertical text is scrambled
  ("和縦 / 六書 / ..."). Its table finder was not needed: PDFium already gives one table
  row per line with cells separated by spaces.

So pypdfium2 alone is used. The text is kept as PDFium extracts it (only CRLF -> LF, and a
stray form feed inside a page -> LF so page numbers stay exact); layout noise (running
headers/footers, page numbers, vertical runs) is removed in the *search* form by
`ingest.normalize.clean`, never here. PDFium marks a line-end hyphen it joined as U+0002;
that character is kept in the original and folded to "-" in the search form (a compound
"self-government" and a hyphenated "adminis-tration" cannot be told apart without a
dictionary; Japanese office documents seldom auto-hyphenate, so the hyphen is kept).

Not handled: scanned pages (no OCR: a PDF without any text is refused; a partly scanned
one keeps only its text pages); fonts without a Unicode map (refused when most characters
are unmapped); columns whose producer wrote the content out of reading order (PDFium
follows the content stream: right for the Chromium output tested here and usual for
office exports, but not guaranteed); vertical body text (its one-character lines are treated as decoration and
dropped from the search form, as for the .txt seeds); tables come as space-separated rows,
not `|` rows; owner-password restrictions (copy/print flags) are not enforced.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.formats import PAGE_BREAK, SourceText
from ingest.formats.sniff import require_nonempty, sniff, wrong_extension
from reform_search.errors import DocumentError


def _not_pdf(data: bytes, path: str, suffix: str) -> DocumentError:
    kind = sniff(data)
    if kind:
        return wrong_extension(path, suffix, kind)
    try:
        head = data[:4096].decode("utf-8-sig").lstrip().lower()
    except UnicodeDecodeError:
        return DocumentError(path, "not a PDF (no %PDF- header); the file is corrupt or of another format")
    real = ".html" if head.startswith(("<!doctype html", "<html")) else ".txt"
    return DocumentError(path, f"wrong extension: the content is text, not a PDF (no %PDF- header); rename it to {real}")


def _unreadable(text: str) -> bool:
    """Most characters unmapped (private use / U+FFFD): fonts without a ToUnicode map."""
    chars = [c for c in text if not c.isspace()]
    bad = sum(1 for c in chars if c == "\ufffd" or "\ue000" <= c <= "\uf8ff")
    return len(chars) > 0 and bad > 0.3 * len(chars)


def read_pdf(data: bytes, path: str, suffix: str = ".pdf") -> SourceText:
    """All pages' text joined by PAGE_BREAK; DocumentError for encrypted, scanned or broken PDFs."""
    require_nonempty(data, path)
    if b"%PDF-" not in data[:1024]:
        raise _not_pdf(data, path, suffix)
    if b"%%EOF" not in data[-8192:]:  # tolerate trailing padding after the end marker
        raise DocumentError(path, "truncated or corrupt PDF (no %%EOF end marker); download it again")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if e.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise DocumentError(path, "encrypted PDF: it is password-protected; ask for an unprotected copy") from e
        raise DocumentError(path, f"truncated or corrupt PDF ({e})") from e
    pages: list[str] = []
    try:
        for i in range(len(doc)):
            page = doc[i]
            textpage = page.get_textpage()
            text = textpage.get_text_bounded()
            textpage.close()
            page.close()
            pages.append(text.replace("\r\n", "\n").replace("\r", "\n").replace(PAGE_BREAK, "\n"))
    except pdfium.PdfiumError as e:
        raise DocumentError(path, f"corrupt PDF: page {len(pages) + 1} cannot be read ({e})") from e
    finally:
        doc.close()
    if not pages:
        raise DocumentError(path, "corrupt PDF: it has no pages")
    joined = PAGE_BREAK.join(pages)
    if not joined.strip():
        raise DocumentError(path, "scanned PDF with no text layer: it needs OCR first")
    if _unreadable(joined):
        raise DocumentError(path, "the PDF's text layer is unreadable (fonts without a Unicode map): it needs OCR first")
    return SourceText(joined, "pdf", len(pages))
