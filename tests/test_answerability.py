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
    content_tokens,
    idf,
    phrase_coverage,
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
    assert set(present.extra["evidence"]) == {"coverage", "phrases", "agreement", "cosine", "cosine_z"}


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


def test_corpus_stats_are_built_once_per_searcher_and_searchers_do_not_wait_for_each_other(monkeypatch):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import index.answerability as ans

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

    monkeypatch.setattr(ans, "CorpusStats", FakeStats)
    a, b = FakeSearcher("a"), FakeSearcher("b")
    with ThreadPoolExecutor(6) as ex:
        firsts = [ex.submit(ans.corpus_stats, a) for _ in range(5)]
        second = ex.submit(ans.corpus_stats, b)
        got = {id(f.result(20)) for f in firsts}
        second.result(20)
    assert len(got) == 1 and sorted(builds) == ["a", "b"]  # one build each, every caller of a got the same
