"""Tests for ingest.structure.columns (a title column printed after its rows)."""

from __future__ import annotations

from ingest.structure.columns import ColumnBlock, add_column_line, attach_plain, match_blocks, overlap, title_like
from ingest.structure.textlines import LayoutLine


def _ln(text: str, start: int, blank: bool = True) -> LayoutLine:
    return LayoutLine(text, start, start + len(text), blank_before=blank)


def test_overlap_and_title_like() -> None:
    assert overlap("予算編成", "効果的な予算編成を推進する") == 1.0
    assert overlap("紙資源", "予算の編成") == 0.0
    assert overlap("紙", "紙") == 0.0  # no bigram
    assert title_like("効果的な予算編成業務", 16) and not title_like("推進する。", 16)
    assert not title_like("〇ペーパーレス", 16) and not title_like("あ" * 17, 16)


def test_blocks_numbers_wrapped_titles_and_plain_text() -> None:
    blocks: list[ColumnBlock] = []
    b = None
    for k, (text, blank, num, rest) in enumerate([
        ("市作成刊行物等の電", True, None, None), ("子化", False, None, None),
        ("効果的な予算編成業務", True, None, None), ("4 紙資源の削減", True, 4, "紙資源の削減"),
        ("紙資源の削減を進める、説明文です。", False, None, None),
    ]):
        b = add_column_line(blocks, b, _ln(text, k * 100, blank), num, rest, 16)
    assert [(x.number, x.title, x.text) for x in blocks] == [
        (None, ["市作成刊行物等の電", "子化"], []), (None, ["効果的な予算編成業務"], []),
        (4, ["紙資源の削減"], ["紙資源の削減を進める、説明文です。"])]


def test_plain_text_joins_the_title_before_it_else_after() -> None:
    lead = ColumnBlock(None, [_ln("前置きの文です。", 0)], text=["前置きの文です。"])
    t1 = ColumnBlock(None, [_ln("題一", 10)], title=["題一"])
    tail = ColumnBlock(None, [_ln("続きの文です。", 20)], text=["続きの文です。"])
    titled, orphans = attach_plain([lead, t1, tail])
    assert titled == [t1] and orphans == []
    assert t1.text == ["前置きの文です。", "続きの文です。"] and [ln.start for ln in t1.lines] == [0, 10, 20]
    only = ColumnBlock(None, [_ln("孤立した文。", 0)], text=["孤立した文。"])
    assert attach_plain([only]) == ([], only.lines)


def test_match_blocks_maximises_total_overlap() -> None:
    blocks = [ColumnBlock(None, title=["市作成刊行物等の電子化"]), ColumnBlock(None, title=["効果的な予算編成業務"]),
              ColumnBlock(None, title=["無関係"])]
    rows = ["限られた財源を効果的に活用する予算編成を推進する。", "紙冊子の刊行物について電子化を推進する。"]
    pairs, rest = match_blocks(blocks, rows, lambda r: r)
    assert {"".join(b.title): r[:4] for b, r in pairs} == {"市作成刊行物等の電子化": "紙冊子の",
                                                           "効果的な予算編成業務": "限られた"}
    assert rest == [blocks[2]]
    assert match_blocks([], rows, lambda r: r) == ([], [])
