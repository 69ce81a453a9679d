"""English questions over Japanese documents: query translation by the thesaurus, romanized city
names, and the cosine floors that move with the language (real model, fugashi, FAISS)."""

import numpy as np

from index.qa import extractive_answer, mentioned_places, unknown_places
from index.thesaurus import Expansion, is_foreign, translation


def test_is_foreign_tells_english_from_japanese_with_latin_terms():
    assert is_foreign("What did cities do with RPA?")
    assert not is_foreign("RPAの導入")
    assert not is_foreign("AI-OCRとRPAによる業務効率化")
    assert not is_foreign("")
    # the documents' own abbreviations alone are keyword queries, not English (full width too)
    for q in ("DX", "RPA", "ＤＸ", "EBPM", "PPP PFI 活用"):
        assert not is_foreign(q), q
    assert is_foreign("telework") and is_foreign("RPA adoption")


def test_translation_appends_each_japanese_term_once():
    exps = [Expansion("paperless", 8, 17, ("ペーパーレス", "電子化")), Expansion("tablets", 30, 37, ("タブレット", "ペーパーレス", "ipad"))]
    assert translation("compare paperless meetings with tablets", exps) == \
        "compare paperless meetings with tablets ペーパーレス 電子化 タブレット"
    assert translation("budget", []) == "budget"


def test_unknown_latin_places_are_those_no_document_mentions():
    known = {"komae", "nishitokyo", "chofu"}
    assert unknown_places("What is Mitaka City doing on DX?", [], known) == ["Mitaka"]
    assert unknown_places("In Nishitokyo City, how many", [], known) == []  # "In Nishitokyo": last word
    assert unknown_places("Komae City and Chofu City film commission", [], known) == []
    assert unknown_places("Compare each City on RPA", [], known) == []
    # capitalized English words before City are no place names (they do not read as romaji)
    for q in ("Which City uses RPA?", "Each City's telework", "The City of Komae", "Komae as a Smart City",
              "Sister City exchanges", "One City, one plan"):
        assert unknown_places(q, [], known) == [], q
    assert unknown_places("Hachioji City and Mitaka City", [], known) == ["Hachioji", "Mitaka"]


def test_english_question_reaches_the_japanese_passages(searcher):
    dense_text = searcher.lexical.dense_text("paperless meetings with tablets")
    assert "ペーパーレス" in dense_text and dense_text.startswith("paperless meetings")
    hits = searcher.search("paperless meetings with tablets", k=5).hits
    assert any("ペーパーレス" in h.search_text for h in hits[:3]), [h.search_text[:40] for h in hits]
    # off, the same question is embedded as it is (and the Japanese one never changes)
    assert searcher.lexical.dense_text("ペーパーレス会議") == "ペーパーレス会議"


def test_english_city_name_restricts_like_the_japanese_one(searcher):
    assert searcher.cities_named_in("What did Komae City do with RPA?") == ("狛江市",)
    assert searcher.cities_named_in("Compare Nishi-Tokyo and Kodaira") == ("小平市", "西東京市")
    hits = searcher.search("What did Komae City do with RPA?", k=5).hits
    assert hits and {h.city for h in hits} == {"狛江市"}
    assert "mitaka" not in mentioned_places(searcher) and "komae" in mentioned_places(searcher)


def test_english_comparison_and_answer_are_not_emptied_by_japanese_floors(searcher):
    groups = searcher.compare("What did cities do with RPA?", per_city=2).groups
    assert len({g.city for g in groups}) >= 3
    a = extractive_answer(searcher, "What did each city do with RPA?")
    assert a.answerable and a.lines
    refused = extractive_answer(searcher, "What is Mitaka City doing with RPA?")
    assert not refused.answerable


def test_cosine_floors_move_by_the_languages_probe_gap(searcher, monkeypatch):
    from index.probes import cosine_shift, probe_distribution

    shift = cosine_shift(searcher, "What did cities do with RPA?")
    english, japanese = probe_distribution(searcher, True), probe_distribution(searcher, False)
    assert -0.1 < shift < 0 and english.passage_mean < japanese.passage_mean
    assert cosine_shift(searcher, "RPAの導入") == 0.0
    # a floor between a cell's cosine and that cosine minus the shift keeps the cell for English
    q = "What did cities do with RPA?"
    cells = [h for g in searcher.compare(q, per_city=3, min_dense=-1.0, min_share=0.0).groups for h in g.hits]
    best = max(h.dense_score for h in cells)
    floor = best - shift / 2  # above every cell, but within the shift of the best one
    monkeypatch.setattr(searcher, "settings", searcher.settings.model_copy(update={"compare_min_dense": floor}))
    kept = [h.chunk_id for g in searcher.compare(q, per_city=3, min_share=0.0).groups for h in g.hits]
    assert kept and max(h.dense_score for h in cells if h.chunk_id in kept) == best
    assert not searcher.compare(q, per_city=3, min_dense=floor, min_share=0.0).groups  # the unshifted floor


def test_nearest_terms_are_ranked_by_cosine_and_skip_what_is_there():
    import numpy as np

    from index.crosslingual import japanese_terms, nearest_terms
    from index.thesaurus import parse

    rules = parse("rpa, ソフトウェアロボット\nnaming rights => ネーミングライツ, 命名権\n").rules
    assert japanese_terms(rules) == ["ソフトウェアロボット", "ネーミングライツ", "命名権"]
    terms = ["a", "b", "c"]
    m = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
    assert nearest_terms(m, terms, np.array([1.0, 0.0]), 2) == ["a", "b"]
    assert nearest_terms(m, terms, np.array([1.0, 0.0]), 2, exclude="query a") == ["b", "c"]
    assert nearest_terms(m, terms, np.array([1.0, 0.0]), 0) == []


def test_english_ranking_vector_takes_the_nearest_japanese_terms(searcher, monkeypatch):
    from index.crosslingual import term_space

    q = "cutting down on printing at council meetings"  # no rule covers printing or council meetings
    plain = searcher.encode_query(q)
    space = term_space(searcher)
    assert len(space.terms) > 500 and space.matrix.shape[0] == len(space.terms)
    near = space.nearest(plain, 3, exclude=searcher.lexical.dense_text(q))
    assert len(near) == 3
    expected = searcher.batcher.encode(f"{searcher.lexical.dense_text(q)} {' '.join(near)}")
    assert np.allclose(searcher.ranking_vector(q), expected)
    assert np.allclose(searcher.ranking_vector("会議のペーパーレス化"), searcher.encode_query("会議のペーパーレス化"))
    monkeypatch.setattr(searcher, "settings", searcher.settings.model_copy(update={"translate_neighbours": 0}))
    assert np.allclose(searcher.ranking_vector(q), plain)


def test_english_question_quotes_and_highlights_by_its_japanese_terms(searcher):
    q = "paperless meetings with tablets"
    terms = searcher.query_terms(q)
    assert "ペーパーレス" in terms and not any(t.isascii() for t in terms)
    assert searcher.highlight_terms(q) == terms
    hit = next(h for h in searcher.search(q, k=5).hits if "ペーパーレス" in h.text)
    assert hit.highlights and all(not hit.text[s:e].isascii() for s, e in hit.highlights)
    assert searcher.query_terms("RPAの導入") == ["rpa", "導入"]  # Japanese questions as before


def test_api_search_ranks_an_english_question_as_the_library_does(searcher):
    from fastapi.testclient import TestClient

    from search_api.app import create_app

    q = "cutting down on printing at council meetings"
    client = TestClient(create_app(searcher.settings, searcher=searcher))
    got = client.post("/search", json={"query": q, "k": 8}).json()["results"]
    assert [h["chunk_id"] for h in got] == [h.chunk_id for h in searcher.search(q, k=8).hits]
    japanese = client.post("/search", json={"query": "会議のペーパーレス化", "k": 8}).json()["results"]
    assert [h["chunk_id"] for h in japanese] == [h.chunk_id for h in searcher.search("会議のペーパーレス化", k=8).hits]


def test_responses_say_what_an_english_question_was_searched_with(searcher):
    from fastapi.testclient import TestClient

    from search_api.app import create_app
    from search_api.mcp_text import searched_as_text

    client = TestClient(create_app(searcher.settings, searcher=searcher))
    en = client.post("/search", json={"query": "paperless meetings with tablets", "k": 3}).json()
    rules = searcher.lexical.dense_text("paperless meetings with tablets").split()[4:]  # after the 4 English words
    assert en["searched_as"][: len(rules)] == rules and "ペーパーレス" in rules
    assert len(en["searched_as"]) == len(rules) + searcher.settings.translate_neighbours
    assert client.post("/search", json={"query": "会議のペーパーレス化", "k": 3}).json()["searched_as"] == []
    cmp = client.post("/compare", json={"query": "compare paperless meetings", "per_city": 1}).json()
    assert "ペーパーレス" in cmp["searched_as"]
    page = client.get("/", params={"q": "paperless meetings with tablets"}).text
    assert 'id="searched-as"' in page and "ペーパーレス" in page.split('id="searched-as"')[1].split("</p>")[0]
    assert 'id="searched-as"' not in client.get("/", params={"q": "会議のペーパーレス化"}).text
    compare_page = client.get("/compare", params={"q": "compare paperless meetings"}).text
    assert "ペーパーレス" in compare_page.split('id="searched-as"')[1].split("</p>")[0]
    assert 'id="searched-as"' not in client.get("/compare", params={"q": "会議のペーパーレス化"}).text
    assert searched_as_text(["ペーパーレス", "電子化"]) == "（英語の質問を次の語で検索: ペーパーレス、電子化）"
    assert searched_as_text([]) == ""


def test_lexical_search_is_said_to_use_the_rule_terms_only(searcher):
    q = "paperless meetings with tablets"
    rules = searcher.searched_as(q, "lexical")
    assert rules and rules == searcher.searched_as(q)[: len(rules)]
    assert len(searcher.searched_as(q)) == len(rules) + searcher.settings.translate_neighbours
