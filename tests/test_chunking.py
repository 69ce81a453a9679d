from ingest.chunking import ChunkParams, Unit, chunk_unit, pack, sentences
from ingest.normalize import clean, fold

TEXT = ("業務の効率化を進めた。" * 30) + "\n" + ("RPAを導入し、定型作業を自動化した。" * 20)


def test_sentences_never_empty():
    spans = sentences("一文目。\n\n二文目！三文目")
    assert [s for s in spans if not "一文目。\n\n二文目！三文目"[s[0]:s[1]].strip()] == []
    assert len(spans) == 3


def test_pack_respects_bounds_and_overlaps():
    params = ChunkParams(target=120, maximum=200, overlap=30)
    chunks = pack(TEXT, params)
    assert all(e - s <= params.maximum for s, e in chunks)
    assert chunks[0][0] == 0 and chunks[-1][1] == len(TEXT)
    assert any(b[0] < a[1] for a, b in zip(chunks, chunks[1:]))  # some overlap
    assert all(b[0] > a[0] for a, b in zip(chunks, chunks[1:]))  # always progresses


def test_long_sentence_is_cut():
    long = "、".join(["とても長い文章の一部"] * 100) + "。"
    assert max(e - s for s, e in pack(long, ChunkParams(100, 150, 20))) <= 150


def _unit(original: str) -> Unit:
    return Unit("doc:1", "doc", "狛江市", "タイトル", ("施策1",), ((0, len(original)),), True)


def test_chunk_offsets_map_to_original():
    original = "\n\n".join(["ＲＰＡを導入し、定型作業を自動化した。", "- 3 -", "ｶﾞｲﾄﾞﾗｲﾝを策定した。"] * 20)
    chunks = chunk_unit(_unit(original), clean(original), ChunkParams(150, 250, 40))
    assert chunks
    ids = [c.id for c in chunks]
    assert len(set(ids)) == len(ids)
    for c in chunks:
        assert c.text.strip()
        assert len(c.text) <= 250
        quoted = original[c.char_start : c.char_end]
        assert fold(quoted[0])[0] == c.text[0]
        assert fold(quoted[-1])[-1] == c.text[-1]
        assert "RPA" in c.text or "ガイドライン" in c.text
    again = chunk_unit(_unit(original), clean(original), ChunkParams(150, 250, 40))
    assert again == chunks  # stable ids and boundaries


def test_title_only_fragments_are_dropped_but_unit_stays_findable():
    original = "取組項目 06 AI・RPA等の先進技術の導入 P.10\n\n" + "他の取組の本文です。" * 3 + "\n\n" + "RPAを活用して約7時間を削減した。" * 3
    list_line = (0, original.index("P.10") + 4)
    body = (original.index("RPAを活用"), len(original))
    unit = Unit("d:06", "d", "狛江市", "AI・RPA等の先進技術の導入", (), (list_line, body), True, labels=("06",))
    chunks = chunk_unit(unit, clean(original), ChunkParams())
    assert [c.text[:6] for c in chunks] == ["RPAを活用"]
    only_title = Unit("d:06", "d", "狛江市", "AI・RPA等の先進技術の導入", (), (list_line,), True, labels=("06",))
    assert len(chunk_unit(only_title, clean(original), ChunkParams())) == 1


def test_adjacent_spans_are_merged():
    original = "第一の文です。\n\n第二の文です。"
    unit = Unit("d:1", "d", "狛江市", "t", (), ((0, 7), (9, len(original))), True)
    chunks = chunk_unit(unit, clean(original), ChunkParams())
    assert len(chunks) == 1 and chunks[0].text == "第一の文です。\n第二の文です。"
