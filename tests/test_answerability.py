"""The answerability signal: pure features and the logistic combination, on tiny inputs."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from index.answerability import (
    Evidence,
    Weights,
    adjacent_pairs,
    agreement,
    answerability,
    Compound,
    compound_coverage,
    composed,
    compound_found,
    content_tokens,
    corpus_stats,
    evidence,
    idf,
    phrase_coverage,
    question_compounds,
    STOPWORDS,
    token_coverage,
    weights_of,
    zscore,
)
from index.comparison import strong_cities
from reform_search.settings import Settings


def test_content_tokens_drop_question_words_and_single_kana():
    assert content_tokens(["競輪", "の", "収益", "は", "何", "か", "ある"]) == ["競輪", "収益"]


def test_coverage_is_idf_weighted_and_an_absent_word_weighs_most():
    df = {"税": 30, "宿泊": 0, "導入": 40}.get
    cov = token_coverage(["宿泊", "税", "導入"], lambda t: df(t) or 0, n_docs=100)
    assert 0 < cov < 0.5  # the one absent word outweighs two common ones
    assert token_coverage(["税", "導入"], lambda t: df(t) or 0, 100) == 1.0
    assert token_coverage([], lambda t: 0, 100) == 1.0
    assert idf(0, 100) > idf(1, 100) > idf(50, 100) > 0


def test_adjacent_pairs_and_phrase_coverage():
    pairs = adjacent_pairs([(0, 2, "公営"), (2, 4, "競技"), (5, 7, "収益"), (7, 8, "金"), (9, 11, "発行")])
    assert pairs == [("公営", "競技"), ("収益", "金")]  # only touching words form a compound
    chunks = [{"市", "収益", "金"}, {"公営", "住宅"}, {"競技", "大会"}]
    together = lambda p: any(p[0] in c and p[1] in c for c in chunks)  # noqa: E731
    assert phrase_coverage(pairs, together) == 0.5  # 公営 and 競技 never share a chunk
    assert phrase_coverage([], together) == 1.0


def test_compounds_are_runs_of_touching_noun_parts():
    from index.tokenize import JapaneseTokenizer
    from ingest.normalize import fold

    tok = JapaneseTokenizer()
    got = tok.compounds(fold("市営バス事業の民営化とお金の話").lower(), STOPWORDS)
    assert [text for text, _ in got] == ["市営バス事業", "民営化"]  # お金: a kana prefix is no topic
    assert got[0][1] == [("市営", "市営", False), ("バス", "バス", False), ("事業", "事業", False)]
    # (surface, token, verbal noun?): 宿泊 (宿泊する) is one, 税 is not
    assert tok.compounds(fold("宿泊税の導入").lower()) == [("宿泊税", [("宿泊", "宿泊", True), ("税", "税", False)])]
    assert tok.compounds(fold("テレワーク導入").lower())[0][1][1] == ("導入", "導入", True)
    assert tok.compounds(fold("導入").lower()) == []  # one noun is no compound
    # a question word breaks a compound: 何件 is asked, not part of the topic
    assert [t for t, _ in tok.compounds(fold("電子申請何件").lower(), STOPWORDS)] == ["電子申請"]


def test_compound_coverage_counts_compounds_found_in_any_wording():
    corpus = {"rpa", "電子申請"}
    found = lambda c: any(w in corpus for w in (c.text, *c.wordings))  # noqa: E731
    assert compound_coverage([Compound("入力作業", (), ("rpa",)), Compound("宿泊税", ())], found) == 0.5
    assert compound_coverage([Compound("電子申請", ())], found) == 1.0
    assert compound_coverage([], found) == 1.0


def test_a_compound_may_be_written_pieces_but_a_two_part_term_only_whole():
    corpus = "市有地の売却 導入効果 消防団の活動 宿泊施設 市税 議員 定数 テレワークの導入 児童"
    words = {"市有", "地", "売却", "導入", "効果", "rpa", "消防", "団", "員", "宿泊", "税", "議員", "定数", "テレワーク", "児童"}
    verbatim = lambda ps: "".join(p[0] for p in ps) in corpus  # noqa: E731
    known = lambda p: len(p[0]) >= 2 and p[1] in words  # noqa: E731
    verbal = {"売却", "導入", "宿泊", "手当"}
    parts = lambda *ps: [(p, p, p in verbal) for p in ps]  # noqa: E731
    assert composed(parts("市有", "地", "売却"), verbatim, known)  # 市有地 + 売却
    assert composed(parts("rpa", "導入", "効果"), verbatim, known)  # rpa + 導入効果
    assert composed(parts("テレワーク", "導入"), verbatim, known)  # a term + a verbal noun
    assert not composed(parts("宿泊", "税"), verbatim, known)  # two parts: written whole or absent
    assert not composed(parts("議員", "定数"), verbatim, known)
    assert not composed(parts("児童", "手当"), verbatim, known)  # 手当 is no corpus word here
    assert not composed(parts("消防", "団", "員"), verbatim, known)  # 員 is no term of its own
    assert composed(parts("宿泊", "施設"), verbatim, known)
    long = parts(*["公共", "施設"] * 10)  # too long to search for a split: whole or absent
    assert not composed(long, lambda ps: len(ps) < 20, lambda p: True)


def test_agreement_counts_shared_keys_of_the_two_tops():
    assert agreement(["a", "b", "c", "d"], ["c", "x", "a", "y"], 4) == 0.5
    assert agreement(["a"], ["b"], 1) == 0.0
    assert agreement([], [], 0) == 0.0


def test_zscore():
    assert zscore(0.9, 0.8, 0.05) == pytest.approx(2.0)
    assert zscore(0.9, 0.8, 0.0) == 0.0


def test_answerability_is_monotone_in_every_feature_with_positive_weights():
    w = Weights(bias=-3.0, coverage=2.0, phrases=1.0, agreement=1.5, cosine_z=1.0)
    weak = Evidence(coverage=0.3, phrases=0.0, agreement=0.0, cosine=0.8, cosine_z=0.0)
    p = answerability(weak, w)
    assert 0.0 < p < 0.5
    for field in ("coverage", "phrases", "agreement", "cosine_z"):
        stronger = Evidence(**{**weak.__dict__, field: getattr(weak, field) + 1.0})
        assert answerability(stronger, w) > p
    assert answerability(Evidence(1, 1, 1, 1, 1e6), w) == pytest.approx(1.0)
    assert math.isfinite(answerability(Evidence(0, 0, 0, 0, -1e6), w))


def test_weights_and_thresholds_are_settings_and_bad_values_are_refused():
    s = Settings(answer_w_coverage=2.5, answer_bias=-1.0)
    assert weights_of(s).coverage == 2.5 and weights_of(s).bias == -1.0
    for bad in ({"answer_min_support": 1.5}, {"compare_min_support": -0.1}, {"answer_w_phrases": 1e9}):
        with pytest.raises(ValidationError):
            Settings(**bad)


# ---- end to end on the fixture corpus with the real model (default, calibrated settings) -------


def test_absent_topic_is_refused_and_a_present_one_answered(searcher):
    from index.qa import NO_ANSWER, extractive_answer

    for question in ("離島航路の維持", "クマやイノシシなど有害鳥獣の対策"):  # topics no fixture document touches
        absent = extractive_answer(searcher, question)
        assert not absent.answerable and absent.answer == NO_ANSWER and not absent.citations, question
    present = extractive_answer(searcher, "狛江市はRPAでどれくらいの時間を削減したか")
    assert present.answerable and present.lines and present.citations
    assert present.confidence > absent.confidence
    assert set(present.extra["evidence"]) == {"coverage", "phrases", "agreement", "cosine", "cosine_z", "compounds"}


def test_compound_terms_are_looked_up_verbatim_and_in_the_thesaurus_wordings(searcher):
    stats = corpus_stats(searcher)
    absent, = question_compounds(searcher, "宿泊税の導入")
    assert absent.text == "宿泊税" and absent.wordings == () and not compound_found(searcher, stats, absent)
    written, = question_compounds(searcher, "職員研修の進め方")
    assert written.text == "職員研修" and compound_found(searcher, stats, written)  # the fixture writes it
    # 入力作業 is not written in the fixture documents, but the thesaurus words it RPA
    typed, = question_compounds(searcher, "入力作業の肩代わり")
    assert typed.text == "入力作業" and "rpa" in typed.wordings
    assert not stats.occurs("入力作業", ["入力", "作業"]) and compound_found(searcher, stats, typed)
    e = evidence(searcher, "宿泊税の導入", searcher.search("宿泊税の導入", k=5).hits)
    assert e.compounds == 0.0 and evidence(searcher, "入力作業の肩代わり", []).compounds == 1.0
    # a keyword query strings written terms together: 職員研修 + 計画
    keywords, = question_compounds(searcher, "職員研修計画")
    assert not stats.occurs("職員研修計画", ["職員", "研修", "計画"]) and compound_found(searcher, stats, keywords)
    # a chunk may split the characters otherwise (庁|内|無線 in 庁内無線LAN): the rarest token's chunks are read
    assert stats.occurs("庁内無線", ["庁内", "無線"]) and stats.occurs("庁内無線", ["無線"])


def test_a_compound_met_again_takes_the_thesaurus_wordings_at_its_own_place():
    from types import SimpleNamespace

    from index.thesaurus import Expansion
    from index.tokenize import JapaneseTokenizer

    # a thesaurus that words バス otherwise only at 7 (the second バス事業), not inside 市営バス事業
    thesaurus = SimpleNamespace(expand=lambda text, starts, ends: [Expansion("バス", 7, 9, ("乗合自動車",))])
    fake = SimpleNamespace(tokenizer=JapaneseTokenizer(), lexical=SimpleNamespace(thesaurus=thesaurus))
    first, again = question_compounds(fake, "市営バス事業とバス事業")
    assert (first.text, first.wordings) == ("市営バス事業", ())
    assert (again.text, again.wordings) == ("バス事業", ("乗合自動車事業",))


def test_mark_strength_flags_cities_far_below_the_best_one():
    from index.comparison import mark_strength
    from index.results import CityGroup

    groups = [CityGroup("A", [], 2.0), CityGroup("B", [], 1.4), CityGroup("C", [], 1.2)]
    mark_strength(groups, 0.65)
    assert [(g.strength, g.weak) for g in groups] == [(1.0, False), (0.7, False), (0.6, True)]
    mark_strength(groups, 0.0)  # 0 = never flagged
    assert not any(g.weak for g in groups)
    zero = [CityGroup("A", [], 0.0), CityGroup("B", [], -1.0)]
    mark_strength(zero, 0.65)  # no positive best: no scale, nothing flagged
    assert [(g.strength, g.weak) for g in zero] == [(1.0, False), (1.0, False)]
    mark_strength([], 0.65)
    below = [CityGroup("A", [], 2.0), CityGroup("B", [], -0.5)]
    mark_strength(below, 0.65)  # a negative score is no negative strength
    assert [(g.strength, g.weak) for g in below] == [(1.0, False), (0.0, True)]


def test_compare_reports_each_citys_strength(searcher):
    groups = searcher.compare("RPAの導入", per_city=1, min_share=0.0).groups
    assert groups[0].strength == 1.0 and not groups[0].weak
    assert all(0 < g.strength <= 1 and g.weak == (g.strength < searcher.settings.compare_weak_share) for g in groups)
    assert [g.strength for g in groups] == sorted((g.strength for g in groups), reverse=True)


def test_rrf_fusion_flags_no_weak_city(searcher, monkeypatch):
    q = "電子決裁を各市で比較したい"  # under convex fusion 小平市 is flagged (see the next test)
    assert any(g.weak for g in searcher.compare(q, per_city=1).groups)
    monkeypatch.setattr(searcher, "settings", searcher.settings.model_copy(update={"fusion": "rrf"}))
    groups = searcher.compare(q, per_city=1).groups
    assert groups and not any(g.weak for g in groups) and groups[0].strength == 1.0


def test_a_comparison_answer_marks_its_weak_cities(searcher):
    from index.qa import extractive_answer

    q = "電子決裁を各市で比較したい"  # the fixture: 小平市 far below 西東京市
    weak = {g.city for g in searcher.compare(q, per_city=2).groups if g.weak}
    a = extractive_answer(searcher, q, min_support=0.0)
    assert a.answerable and weak
    for row in a.answer.splitlines():
        if row.startswith("- "):
            city = next(c for c in searcher.filters.cities if row.startswith(f"- {c}"))
            assert ("（関連弱）:" in row) == (city in weak), row
    assert {ln.city for ln in a.lines if ln.weak} == weak & {ln.city for ln in a.lines}  # structured, too


def test_compare_leaves_out_cities_without_support(searcher):
    threshold = 0.5  # the mechanism at a set threshold (the calibrated default is lower)
    present = searcher.compare("RPAの導入", per_city=2, min_support=threshold).groups
    absent = searcher.compare("競輪や競艇など公営競技の収益金", per_city=2, min_support=threshold).groups
    assert present and len(absent) < len(present)
    assert all(g.support is not None and g.support >= threshold for g in present + absent)
    everyone = searcher.compare("競輪や競艇など公営競技の収益金", per_city=2, min_support=0.0).groups
    assert len(everyone) >= len(absent)


def test_answer_quotes_read_well_and_offsets_slice_the_original(searcher):
    from index.display import display_text
    from index.qa import extractive_answer

    a = extractive_answer(searcher, "昭島市のAI・RPAの推進の取組", min_support=0.0, min_confidence=-1.0)
    assert a.lines
    for ln in a.lines:
        original = searcher.meta.texts[ln.document_id][ln.char_start : ln.char_end]
        assert ln.quote == display_text(original) and ln.quote
        assert "<ul" not in ln.quote and "style=" not in ln.quote and "\t" not in ln.quote


def test_strong_cities_are_relative_to_the_best_city():
    best = {"A": 2.0, "B": 0.8, "C": 0.6, "D": 0.69}
    assert strong_cities(best, 0.35) == {"A", "B"}  # 0.7 is the bar
    assert strong_cities(best, 0.0) == set(best)
    assert strong_cities(best, 1.0) == {"A"}
    assert strong_cities({}, 0.5) == set()
    assert strong_cities({"A": 0.0, "B": -1.0}, 0.35) == {"A", "B"}  # no positive best: no scale, no bar


def test_compare_leaves_out_cities_far_below_the_best_one(searcher):
    q = "RPAの導入"
    everyone = searcher.compare(q, per_city=1, min_share=0.0, min_support=0.0).groups
    assert len(everyone) >= 3
    top = everyone[0].best_score
    bar = (everyone[1].best_score + everyone[-1].best_score) / 2 / top  # between the second and the last city
    kept = searcher.compare(q, per_city=1, min_share=bar, min_support=0.0).groups
    assert [g.city for g in kept] == [g.city for g in everyone if g.best_score >= bar * top]
    assert 1 < len(kept) < len(everyone)
    assert [g.city for g in searcher.compare(q, per_city=1, min_share=1.0, min_support=0.0).groups] == [everyone[0].city]
    assert everyone[0].city not in searcher.compare(q, per_city=1, min_share=1.0, min_support=0.0).without_match
    assert searcher.compare(q, per_city=1, min_share=1.0, min_support=0.0).without_match == sorted(
        set(searcher.filters.cities) - {everyone[0].city})  # the cities left out are said, not hidden
    asked = tuple(g.city for g in everyone)  # cities asked for are all shown, however weak
    assert {g.city for g in searcher.compare(q, per_city=1, cities=asked, min_share=1.0, min_support=0.0).groups} == set(asked)


def test_a_comparison_answer_names_the_cities_it_left_out(searcher):
    from index.qa import extractive_answer

    q = "各市の指定管理者制度を比較したい"
    left_out = searcher.compare(q, per_city=2).without_match
    assert left_out  # the fixture's excerpts of two cities say nothing on it
    a = extractive_answer(searcher, q)
    assert a.answerable and a.extra["cities_without_match"] == left_out
    assert a.answer.endswith(f"（比較できる記述が見つからなかった市: {'、'.join(left_out)}）")


def test_compare_scope_follows_the_cities_a_query_names(searcher, fixture_settings, encoder):
    from index.searcher import Searcher

    named = searcher.compare("小平市のRPAの導入", per_city=1)
    assert [g.city for g in named.groups] == ["小平市"] and named.without_match == []
    # with names not filtering (implicit_city_filter off) the same query compares every city
    s = Searcher.open(fixture_settings.model_copy(update={"implicit_city_filter": False}), encoder=encoder)
    c = s.compare("小平市のRPAの導入", per_city=1, min_support=0.0)
    shown = {g.city for g in c.groups}
    assert len(shown) > 1 and not shown & set(c.without_match) and shown | set(c.without_match) == set(s.filters.cities)
    s.close()


def test_per_searcher_values_are_built_once_and_searchers_do_not_wait_for_each_other():
    # what corpus_stats, the probe distributions, the term space and mentioned places are built by
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import index.answerability as ans
    from index.memo import PerSearcher

    assert isinstance(ans.corpus_stats, PerSearcher)
    b_started = threading.Event()
    builds: list[str] = []

    class FakeStats:
        def __init__(self, searcher):
            builds.append(searcher.name)
            if searcher.name == "a":  # a's build can only finish once b's has started
                assert b_started.wait(10), "b's build waited for a's"
            else:
                b_started.set()

    class FakeSearcher:
        def __init__(self, name: str) -> None:
            self.name = name

    stats = PerSearcher(FakeStats)
    a, b = FakeSearcher("a"), FakeSearcher("b")
    with ThreadPoolExecutor(6) as ex:
        firsts = [ex.submit(stats, a) for _ in range(5)]
        second = ex.submit(stats, b)
        got = {id(f.result(20)) for f in firsts}
        second.result(20)
    assert len(got) == 1 and sorted(builds) == ["a", "b"]  # one build each, every caller of a got the same
    import gc

    del a, firsts, second
    gc.collect()
    assert len(stats._values) == 1  # a's value went with a (the memo holds searchers weakly)


def test_refusal_report_counts_by_category(searcher):
    from eval.answers import evaluate_refusals, format_refusals

    rows = [{"query": "大阪府の競艇事業の売上はいくらか", "answerable": False, "category": "absent_topic"},
            {"query": "狛江市はRPAでどれくらいの時間を削減したか", "answerable": True, "category": "answerable"}]
    r = evaluate_refusals(searcher, rows)
    assert r == {"absent_topic": {"n": 1, "refused": 1}, "all_unanswerable": {"n": 1, "refused": 1},
                 "answerable": {"n": 1, "refused": 0}}
    assert format_refusals(r).splitlines() == ["unanswerable: refused 1 of 1", "  absent topic: refused 1 of 1",
                                               "answerable: refused 0 of 1"]
