"""HTML pages: the main text only, one block per line, tables as `a | b | c` rows.

Dropped: script/style/template, nav/header/footer/aside, ARIA navigation landmarks and
elements whose id/class is an obvious menu (gnav, breadcrumb, pankuzu, sidebar, ...).
The main element (`<main>`, role=main, or the usual CMS content ids) is used when present.
Encoding: BOM, then `<meta charset>`, then UTF-8, then Windows-31J (what "Shift_JIS" pages
really use), then EUC-JP. Not handled: rowspan (the cell appears in its first row only),
text drawn by JavaScript, and content hidden by CSS.
"""

from __future__ import annotations

import codecs
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ingest.formats import SourceText
from ingest.formats.sniff import require_nonempty, sniff, wrong_extension
from reform_search.errors import DocumentError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_ALIASES = {"shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
            "windows-31j": "cp932", "csshiftjis": "cp932", "euc-jp": "euc_jp", "x-euc-jp": "euc_jp",
            "iso-2022-jp": "iso2022_jp_2"}
_FALLBACKS = ("utf-8", "cp932", "euc_jp")
_PAGE_CHROME = ("header", "footer")  # the site's, unless inside an article/section/main
_DROP_TAGS = ("script", "style", "noscript", "template", "nav", "aside", "iframe", "svg",
              "canvas", "object", "embed", "map", "button", "select", "textarea", "input", "head")
_DROP_ROLES = ("navigation", "banner", "contentinfo", "complementary", "search")
_MENU = re.compile(r"^(?:g?nav|navi|navigation|[gl]nav\w*|global-?nav\w*|local-?nav\w*|menu|\w*-menu|side-?menu"
                   r"|breadcrumbs?\w*|pankuzu\w*|topicpath|sidebar|side|sidenav|skip\w*|pagetop|page-top|sitemap"
                   r"|header|footer|site-header|site-footer)$", re.I)
_MAIN = ("main", "[role=main]", "#tmp_contents", "#main-contents", "#main_contents", "#contents", "#content", "#main")
_BLOCKS = {"p", "div", "section", "article", "main", "body", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
           "dl", "dt", "dd", "blockquote", "pre", "address", "figure", "figcaption", "caption", "hr", "form",
           "fieldset", "legend", "details", "summary", "center", "table", "tr"}
_SPACE = re.compile(r"[ \t\n\r\f]+")


def decode_html(data: bytes, path: str) -> str:
    """Decode by BOM, declared charset, then UTF-8 / Windows-31J / EUC-JP."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    m = _META_CHARSET.search(data[:8192])
    if m:
        label = m.group(1).decode("ascii").lower()
        try:
            return data.decode(codecs.lookup(_ALIASES.get(label, label)).name)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: guess like an undeclared page
    decoded = []
    for enc in _FALLBACKS:
        try:
            decoded.append(data.decode(enc))
        except UnicodeDecodeError:
            continue
        if enc == "utf-8":
            return decoded[0]
    if not decoded:
        raise DocumentError(path, f"cannot tell the text encoding (not {', '.join(_FALLBACKS)}); "
                                  "add <meta charset> or save it as UTF-8")
    # EUC-JP bytes often decode as Windows-31J too (into half-width kana): keep the likelier Japanese
    return max(decoded, key=_japaneseness)


def _japaneseness(text: str) -> int:
    kana = sum(1 for c in text if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff")
    halfwidth = sum(1 for c in text if "\uff61" <= c <= "\uff9f")
    return kana - 2 * halfwidth


def _is_menu(node: LexborNode) -> bool:
    attrs = node.attributes
    if (attrs.get("role") or "").lower() in _DROP_ROLES:
        return True
    names = [attrs.get("id") or ""] + (attrs.get("class") or "").split()
    return any(_MENU.match(n) for n in names if n)


def _in_content(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in ("article", "section", "main"):
            return True
        parent = parent.parent
    return False


def _main(root: LexborNode) -> LexborNode:
    for sel in _MAIN:
        node = root.css_first(sel)
        if node is not None and node.text(strip=True):
            return node
    return root


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.cur: list[str] = []

    def text(self, s: str) -> None:
        self.cur.append(_SPACE.sub(" ", s))

    def flush(self) -> None:
        line = "".join(self.cur).strip(" ")
        if line:
            self.lines.append(line)
        self.cur = []


def _inline(node: LexborNode) -> str:
    """A table cell's text on one line."""
    out = _Lines()
    _walk(node, out, inline=True)
    out.flush()
    return " ".join(out.lines).replace("|", "／")


def _rows(table: LexborNode) -> list[LexborNode]:
    rows: list[LexborNode] = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(c for c in child.iter() if c.tag == "tr")
    return rows


def _table(table: LexborNode, out: _Lines) -> None:
    out.flush()
    for child in table.iter():
        if child.tag == "caption":
            out.text(_inline(child))
            out.flush()
    for tr in _rows(table):
        cells: list[str] = []
        for cell in tr.iter():
            if cell.tag not in ("td", "th"):
                continue
            cells.append(_inline(cell))
            span = cell.attributes.get("colspan") or "1"
            cells.extend([""] * (min(int(span), 50) - 1 if span.isdigit() and int(span) > 1 else 0))
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            out.lines.append(" | ".join(cells))


def _walk(node: LexborNode, out: _Lines, inline: bool = False, pre: bool = False) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            s = child.text_content or ""
            if pre:
                parts = s.split("\n")
                for k, part in enumerate(parts):
                    if k:
                        out.flush()
                    out.cur.append(part)
            else:
                out.text(s)
        elif tag == "br":
            if inline:
                out.text(" ")
            else:
                out.flush()
        elif tag in _DROP_TAGS or tag.startswith("-") or _is_menu(child):
            continue
        elif tag in _PAGE_CHROME and not _in_content(child):
            continue
        elif tag == "table" and not inline:
            _table(child, out)
        elif tag in _BLOCKS or tag in ("td", "th"):
            if inline:
                out.text(" ")
                _walk(child, out, inline=True, pre=pre)
                out.text(" ")
            else:
                out.flush()
                _walk(child, out, pre=pre or tag == "pre")
                out.flush()
        else:
            _walk(child, out, inline=inline, pre=pre)


def read_html(data: bytes, path: str, suffix: str = ".html") -> SourceText:
    """Main text of an HTML page as lines; DocumentError if empty, misnamed or without text."""
    require_nonempty(data, path)
    kind = sniff(data)
    if kind:
        raise wrong_extension(path, suffix, kind)
    if b"\x00" in data[:65536] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DocumentError(path, "file is binary (contains NUL bytes), expected an HTML page")
    tree = LexborHTMLParser(decode_html(data, path))
    root = tree.body or tree.root
    if root is None:
        raise DocumentError(path, "no HTML body")
    out = _Lines()
    _walk(_main(root), out)
    out.flush()
    text = "\n".join(out.lines)
    if not text.strip():
        raise DocumentError(path, "the HTML page has no visible text")
    return SourceText(text, "html", 1)
