"""Pages end to end: form-feed paged documents → ingest → real index → hits, answers, API, chat, UI."""

from __future__ import annotations

import html
import json
import re
import shutil
from typing import Any

import pytest
from fastapi.testclient import TestClient

from index.display import excerpt
from index.qa import extractive_answer
from index.searcher import Hit, Searcher
from ingest.paging import page_label
from reform_search.settings import Settings
from search_api.app import create_app
from tests.conftest import CORPUS, make_settings


def _lines(name: str) -> list[str]:
    return (CORPUS / name).read_text(encoding="utf-8").splitlines(keepends=True)


DOC, KOMAE = "nishitokyo-paged", "komae-paged"
# The 西東京市 excerpt as three pages (intro; the ＡＩ・ＲＰＡ item; 標準化, クラウド and 電子決裁) and
# the 狛江市 one as two, page 2 opening with its R3 ＡＩ・ＲＰＡ results (inside 取組項目06).
_N, _K = _lines("nishitokyo.txt"), _lines("komae.txt")
PAGES = {DOC: ["".join(_N[:20]), "".join(_N[20:35]), "".join(_N[35:])], KOMAE: ["".join(_K[:78]), "".join(_K[78:])]}
QUESTION = "ガバメントクラウドへの移行に向けて何を進めるか"


def page_range(doc: str, start: int, end: int) -> tuple[int, int]:
    """Pages whose text overlaps the non-blank part of [start, end), from the page lengths."""
    text = "\f".join(PAGES[doc])
    seg = text[start:end]
    a, b = start + len(seg) - len(seg.lstrip()), start + len(seg.rstrip())
    bounds, pos = [], 0
    for p in PAGES[doc]:
        bounds.append((pos, pos + len(p)))
        pos += len(p) + 1  # the form feed
    hit = [n for n, (s, e) in enumerate(bounds, 1) if s < b and a < e]
    return min(hit), max(hit)


def build_paged_index(tmp_path_factory: pytest.TempPathFactory, encoder: Any) -> Settings:
    """Ingest and publish a tmp corpus: the two paged texts and the unpaged 小平市 fixture."""
    from index.publish import publish
    from ingest.chunking import ChunkParams
    from ingest.pipeline import load_records, run_ingest, write_records

    corpus = tmp_path_factory.mktemp("paged_corpus")
    for doc, pages in PAGES.items():
        (corpus / f"{doc}.txt").write_text("\f".join(pages), encoding="utf-8")
    shutil.copy(CORPUS / "kodaira.txt", corpus / "kodaira.txt")
    manifest = {"format": 1, "documents": [
        {"id": DOC, "city": "西東京市", "title": "西東京市 行財政改革大綱（PDF）", "kind": "reform_plan",
         "fiscal_years": [2024], "file": f"{DOC}.txt", "parser": "generic"},
        {"id": KOMAE, "city": "狛江市", "title": "狛江市 進捗状況（PDF）", "kind": "progress_report",
         "fiscal_years": [2022], "file": f"{KOMAE}.txt", "parser": "komae_progress"},
        {"id": "kodaira-fx", "city": "小平市", "title": "小平市 経営方針推進プログラム（抜粋）", "kind": "progress_report",
         "fiscal_years": [2022], "file": "kodaira.txt", "parser": "generic"}]}
    (corpus / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    s = make_settings(tmp_path_factory.mktemp("paged_data"), corpus_dir=corpus)
    result = run_ingest(s.corpus_dir, ChunkParams(s.chunk_target_chars, s.chunk_max_chars, s.chunk_overlap_chars))
    assert not result.errors, result.errors
    write_records(result, s.records_dir)
    publish(load_records(s.records_dir), s, encoder=encoder)
    return s


@pytest.fixture(scope="module")
def paged(tmp_path_factory: pytest.TempPathFactory, encoder: Any) -> Searcher:
    return Searcher.open(build_paged_index(tmp_path_factory, encoder), encoder=encoder)


@pytest.fixture(scope="module")
def client(paged: Searcher) -> TestClient:
    return TestClient(create_app(paged.settings, searcher=paged))


@pytest.fixture(scope="module")
def lenient(paged: Searcher) -> TestClient:
    """A client that answers whatever the small corpus holds (no confidence threshold)."""
    lax = {"answer_min_confidence": 0.0, "answer_min_support": 0.0}
    return TestClient(create_app(paged.settings.model_copy(update=lax), searcher=paged))


def _top(searcher: Searcher, query: str) -> Hit:
    hits = searcher.search(query, k=5, mode="lexical").hits
    assert hits and hits[0].document_id == DOC, [h.document_id for h in hits]
    return hits[0]


def test_index_keeps_the_pages_of_every_chunk(paged: Searcher):
    for doc, pages in PAGES.items():
        chunks = [c for c in paged.meta.chunks if c.document_id == doc]
        assert chunks and {p for c in chunks for p in range(c.page, c.page_end + 1)} == set(range(1, len(pages) + 1))
        for c in chunks:
            assert (c.page, c.page_end) == page_range(doc, c.char_start, c.char_end)
    assert all(c.page is None and c.page_end is None for c in paged.meta.chunks if c.document_id == "kodaira-fx")


def test_hits_carry_their_pages(paged: Searcher):
    for query, page in (("ガバメントクラウド", 3), ("単純業務", 2)):
        hit = _top(paged, query)
        assert (hit.page, hit.page_end) == page_range(DOC, hit.source.char_start, hit.source.char_end)
        assert hit.page <= page <= hit.page_end
        assert hit.to_dict()["page"] == hit.source.page == hit.page
    other = paged.search("ICT 業務 効率化", k=10).hits
    assert any(h.document_id == "kodaira-fx" and h.page is None and h.to_dict()["page"] is None for h in other)


def test_answer_cites_the_page_of_the_quote(paged: Searcher):
    a = extractive_answer(paged, QUESTION, min_confidence=0.0, min_support=0.0)
    assert a.answerable and a.lines
    line = next(ln for ln in a.lines if "ガバメントクラウド" in ln.quote)
    assert line.document_id == DOC
    assert (line.page, line.page_end) == (3, 3) == page_range(DOC, line.char_start, line.char_end)
    assert f"「{paged.meta.documents[DOC]['title']}」p.3: {line.quote}" in a.answer
    assert all(h.page is not None for h in a.citations if h.document_id in PAGES)


def test_mcp_text_names_the_page_and_lines_of_the_quoted_excerpt(paged: Searcher):
    from search_api.mcp_text import QUOTE_CHARS, hit_text
    from search_api.service import hit_out

    seen = 0
    for query in ("単純業務の効率化とＡＩ・ＲＰＡ", "ガバメントクラウド 電子決裁", "ＲＰＡ 削減 時間"):
        for h in paged.search(query, k=5).hits:
            if h.document_id not in PAGES:
                continue
            ex = excerpt(h.text, h.highlights, QUOTE_CHARS)
            a, b = h.source.char_start + ex.start, h.source.char_start + ex.end
            first, last = page_range(h.document_id, a, b)
            where = f"（{first}ページ）" if first == last else f"（{first}〜{last}ページ）"
            text = hit_text(1, hit_out(h), "")
            assert where in text and f"?start={a}&end={b}#cited" in text, text
            doc = paged.meta.texts[h.document_id]
            assert f" {doc.count(chr(10), 0, a) + 1}" in text.split("出典: ")[1].split("行目")[0]
            seen += 1
    assert seen >= 3


def test_api_json_has_pages(client: TestClient, lenient: TestClient, paged: Searcher):
    body = client.post("/search", json={"query": "ガバメントクラウド", "k": 5, "mode": "lexical"}).json()
    top, hit = body["results"][0], _top(paged, "ガバメントクラウド")
    assert top["chunk_id"] == hit.chunk_id
    assert (top["page"], top["page_end"]) == (top["source"]["page"], top["source"]["page_end"]) == (hit.page, hit.page_end)
    assert all(r["page"] is None for r in body["results"] if r["document_id"] not in PAGES)
    answer = lenient.post("/answer", json={"question": QUESTION}).json()
    line = next(ln for ln in answer["lines"] if "ガバメントクラウド" in ln["quote"])
    assert line["page"] == line["page_end"] == 3
    assert all(c["page"] for c in answer["citations"] if c["document_id"] in PAGES)
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"page", "page_end"} <= set(schema["HitOut"]["properties"]) & set(schema["AnswerLineOut"]["properties"])


def test_chat_reply_names_the_page(lenient: TestClient, paged: Searcher):
    r = lenient.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]})
    content = r.json()["choices"][0]["message"]["content"]
    cited = extractive_answer(paged, QUESTION, min_confidence=0.0, min_support=0.0).citations
    paged_hit = next(h for h in cited if h.document_id == DOC)
    assert f"（{page_label(paged_hit.page, paged_hit.page_end)}・{DOC}.txt" in content
    assert "」p.3: " in content


def test_source_view_shows_page_markers(client: TestClient, paged: Searcher):
    text = paged.meta.texts[DOC]
    start = text.index("ガバメントクラウド")
    r = client.get(f"/source/{DOC}", params={"start": start, "end": start + 9})
    assert r.status_code == 200 and "\f" not in r.text
    for n in (1, 2, 3):
        assert f"— p. {n} —" in r.text
    assert '<mark id="cited">ガバメントクラウド</mark>' in r.text
    body = r.text.split('<div class="source-text">', 1)[1].split('<mark id="cited">', 1)[0]
    # The text around the markers is the original: only the form feeds became markers.
    assert html.unescape(re.sub(r'<span class="page-break"[^>]*>— p\. \d+ —</span>', "\f", body)) == "\f" + text[:start]
    over = client.get(f"/source/{DOC}", params={"start": text.index("\f") - 5, "end": text.index("\f") + 5})
    assert re.search(r'<mark id="cited">[^<]+<span class="page-break"[^>]*>— p\. 2 —</span>[^<]+</mark>', over.text)
    assert "page-break" not in client.get("/source/kodaira-fx").text


def test_ui_pages_show_page_labels(client: TestClient, lenient: TestClient, paged: Searcher):
    hit = _top(paged, "ガバメントクラウド")
    r = client.get("/", params={"q": "ガバメントクラウド"})
    assert r.status_code == 200 and "\f" not in r.text
    assert f"原文で確認（{page_label(hit.page, hit.page_end)}・" in r.text
    cmp = client.get("/compare", params={"q": "ガバメントクラウド"})
    assert cmp.status_code == 200 and "\f" not in cmp.text and re.search(r'class="pages">pp?\.\d', cmp.text)
    ask = lenient.get("/ask", params={"q": QUESTION})
    assert ask.status_code == 200 and "\f" not in ask.text and '<span class="pages">p.3</span>' in ask.text


def test_initiative_page_shows_the_page_of_each_span(client: TestClient, paged: Searcher):
    inits = [i for i in paged.meta.initiatives.values() if i.document_id == KOMAE]
    on_page_2 = [i for i in inits if any(page_range(KOMAE, a, b)[1] == 2 for a, b in i.spans)]
    assert inits and on_page_2
    ini = on_page_2[0]
    r = client.get(f"/initiative/{ini.id}")
    assert r.status_code == 200 and "\f" not in r.text
    shown = re.findall(r'原文で確認(?:（<span class="pages">([^<]+)</span>）)?</a>', r.text.split('id="similar"')[0])
    assert shown == [page_label(*page_range(KOMAE, a, b)) for a, b in ini.spans]


def test_cli_prints_pages(paged: Searcher, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    from reform_search.cli import main
    from reform_search.settings import get_settings

    monkeypatch.setenv("REFORM_SEARCH_DATA_DIR", str(paged.settings.data_dir))
    monkeypatch.setenv("REFORM_SEARCH_CORPUS_DIR", str(paged.settings.corpus_dir))
    monkeypatch.setenv("REFORM_SEARCH_ANSWER_MIN_CONFIDENCE", "0")
    get_settings.cache_clear()
    try:
        hit = paged.search("ガバメントクラウド", k=1, mode="lexical").hits[0]
        ex = excerpt(hit.text, hit.highlights, 160)  # the CLI shows (and locates) this window
        pages = page_range(hit.document_id, hit.source.char_start + ex.start, hit.source.char_start + ex.end)
        line = hit.source.line_start + hit.text[: ex.start].count("\n")
        assert main(["search", "ガバメントクラウド", "--k", "1", "--mode", "lexical"]) == 0
        assert f"({hit.document_id} {page_label(*pages)} L{line}," in capsys.readouterr().out
        assert main(["ask", QUESTION]) == 0
        assert "」p.3: " in capsys.readouterr().out
        assert main(["search", "ICT 効率化", "--k", "3", "--city", "小平市"]) == 0
        assert re.search(r"\(kodaira-fx L\d+,", capsys.readouterr().out)
    finally:
        get_settings.cache_clear()
