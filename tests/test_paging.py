"""Page numbers of chunks in texts whose pages are separated by form feeds."""

from __future__ import annotations

from index.answer import quote_of
from ingest.chunking import ChunkParams
from ingest.formats import page_starts
from ingest.paging import page_label, page_span, pages_of
from ingest.pipeline import ingest_document
from ingest.records import Chunk, DocumentMeta
from search_api.source_view import position_label, source_pieces

PAGE1 = "第1章 はじめに\n行財政改革の目的を定める。\n"
PAGE2 = "第2章 取組\nＲＰＡを導入し、定型作業を自動化した。\n"
PAGE3 = "第3章 評価\n電子決裁の利用率は80%に達した。\n"
PAGED = "\f".join([PAGE1, PAGE2, PAGE3])


def _meta() -> DocumentMeta:
    return DocumentMeta(id="paged", city="狛江市", title="改革計画", kind="reform_plan", fiscal_years=(2024,),
                        file="paged.txt", parser="generic")


def test_span_inside_one_page():
    starts = page_starts(PAGED)
    s = PAGED.index("ＲＰＡ")
    assert page_span(PAGED, starts, s, s + 3) == (2, 2)
    s = PAGED.index("電子決裁")
    assert page_span(PAGED, starts, s, s + 4) == (3, 3)
    assert page_span(PAGED, starts, 0, 3) == (1, 1)


def test_span_over_a_page_break():
    starts = page_starts(PAGED)
    s, e = PAGED.index("行財政改革"), PAGED.index("ＲＰＡ") + 3
    assert page_span(PAGED, starts, s, e) == (1, 2)
    assert page_span(PAGED, starts, 0, len(PAGED)) == (1, 3)


def test_break_at_the_edge_of_a_span_does_not_count():
    starts = page_starts(PAGED)
    end_of_page1 = PAGED.index("\f") + 1  # the span includes the trailing newline and form feed
    assert page_span(PAGED, starts, PAGED.index("行財政改革"), end_of_page1) == (1, 1)
    start_with_break = PAGED.index("\f", end_of_page1)  # starts on the form feed before page 3
    assert page_span(PAGED, starts, start_with_break, len(PAGED)) == (3, 3)


def test_text_without_page_breaks_has_no_pages():
    assert pages_of(PAGE2, 0, len(PAGE2)) == (None, None)
    assert pages_of(PAGED, 0, 5) == (1, 1)


def test_ingest_sets_chunk_pages_only_for_paged_texts():
    doc = ingest_document(_meta(), PAGED, ChunkParams(target=30, maximum=60, overlap=0))
    assert doc.chunks
    for c in doc.chunks:
        quoted = PAGED[c.char_start : c.char_end].strip()
        assert c.page == PAGED[: c.char_start + PAGED[c.char_start :].index(quoted[0])].count("\f") + 1
        assert c.page_end == c.page + quoted.count("\f")
    rpa = next(c for c in doc.chunks if "RPA" in c.text)
    assert (rpa.page, rpa.page_end) == (2, 2)
    two_pages = "\f".join([PAGE1, PAGE2]).replace("第1章 はじめに\n", "").replace("第2章 取組\n", "")
    (one,) = ingest_document(_meta(), two_pages, ChunkParams(target=400, maximum=600, overlap=0)).chunks
    assert (one.page, one.page_end) == (1, 2)
    plain = ingest_document(_meta(), PAGED.replace("\f", ""), ChunkParams(target=30, maximum=60, overlap=0))
    assert plain.chunks and all(c.page is None and c.page_end is None for c in plain.chunks)


def test_chunk_records_round_trip_and_old_records_load():
    c = Chunk("d:c1", "d", "狛江市", None, "d:s1", ("見出し",), "見出し", "本文", 0, 2, 0, page=2, page_end=3)
    assert Chunk.from_dict(c.to_dict()) == c
    old = {k: v for k, v in c.to_dict().items() if k not in ("page", "page_end")}
    assert Chunk.from_dict(old).page is None and Chunk.from_dict(old).page_end is None


def test_page_label():
    assert page_label(None) == "" and page_label(None, None) == ""
    assert page_label(12) == page_label(12, 12) == "p.12"
    assert page_label(12, 13) == "pp.12–13"


def test_quotes_over_a_page_break_have_no_form_feed():
    assert quote_of("電子決裁の\f活用を推進する。") == "電子決裁の活用を推進する。"
    assert quote_of("RPA\fpilot を\n\f導入した") == "RPA pilot を導入した"


def test_source_pieces_replace_only_the_form_feeds():
    start, end = PAGED.index("ＲＰＡ"), PAGED.index("電子決裁") + 4  # cited from page 2 into page 3
    before, cited, after = source_pieces(PAGED[:start], PAGED[start:end], PAGED[end:])
    assert before[0] == 1 and [p for p in before if isinstance(p, int)] == [1, 2]
    assert cited[0].startswith("ＲＰＡ") and [p for p in cited if isinstance(p, int)] == [3]
    assert not any(isinstance(p, int) for p in after)
    joined = "".join("\f" if isinstance(p, int) else p for p in before[1:] + cited + after)
    assert joined == PAGED and "".join(p for p in cited if isinstance(p, str)) == PAGED[start:end].replace("\f", "")
    assert source_pieces("前", "引用", "後") == (["前"], ["引用"], ["後"])


def test_position_label():
    assert position_label(None, None, 12, 14) == "12〜14行目"
    assert position_label(3, 3, 12, 12) == "p.3・12行目"
    assert position_label(3, 4, 12, 30) == "pp.3–4・12〜30行目"
