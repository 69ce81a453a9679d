import math

import pytest

from eval.metrics import (
    Judgment,
    bootstrap_interval,
    city_coverage,
    gains,
    judged_cities,
    mrr,
    named_cities,
    ndcg_at_k,
    quote_grade,
    recall_at_k,
    within_budget,
)

J = [Judgment("d", "ＲＰＡを活用", 2), Judgment("d", "電子決裁の拡大", 1)]


def test_gains_match_folded_whitespace_free_text_of_the_right_document():
    m = gains([("d", "RPAを\n活用した"), ("e", "RPAを活用"), ("d", "電子 決裁の拡大とRPAを活用")], J)
    assert m == [[0], [], [0, 1]]


def test_ndcg_credits_each_judgment_once():
    perfect = ndcg_at_k([[0], [1]], J)
    assert perfect == pytest.approx(1.0)
    swapped = ndcg_at_k([[1], [0]], J)
    ideal = 3 + 1 / math.log2(3)
    assert swapped == pytest.approx((1 + 3 / math.log2(3)) / ideal)
    assert ndcg_at_k([[0], [0], [0]], J) == pytest.approx(3 / ideal)  # repeats earn nothing
    assert ndcg_at_k([[0, 1]], J) == 1.0  # one hit holding both passages: capped at 1
    assert ndcg_at_k([[], []], J) == 0.0


def test_recall_mrr_and_city_coverage():
    assert recall_at_k([[], [1]], J) == 0.5
    assert mrr([[], [], [0]]) == pytest.approx(1 / 3)
    assert mrr([[], []]) == 0.0
    assert city_coverage(["A", "B", "A"], [[0], [], [1]], ["A", "B"]) == 0.5


def test_judged_cities_drops_named_cities_without_a_judged_passage():
    doc_city = {"a": "A", "b": "B", "c": "C"}
    js = [Judgment("a", "x", 2), Judgment("b", "y", 1)]
    assert judged_cities(["C", "B", "A", "B"], js, doc_city) == ["B", "A"]  # C holds nothing judged
    assert judged_cities([], js, doc_city) == ["A", "B"]  # unnamed: every city with a judged passage
    assert judged_cities(["C"], [], doc_city) == []


def test_named_cities_are_those_the_text_names_not_the_writers_list():
    listed = ["狛江市", "小平市", "昭島市"]
    assert named_cities("各市のデジタル化の進み具合を比べたい", listed) == []  # every city is asked about
    assert named_cities("小平と昭島市のRPAを比べたい", listed) == ["小平市", "昭島市"]
    assert named_cities("五城目の取組", ["五城目町"]) == ["五城目町"]
    # English questions name them in romaji, as the server reads them (index.filters.city_named)
    assert named_cities("Compare RPA in Kodaira City and Akishima", listed) == ["小平市", "昭島市"]
    assert named_cities("What did cities do with RPA?", listed) == []


def test_quote_grade_needs_an_overlap_with_a_nugget_of_the_same_document():
    js = [Judgment("a", "RPAを導入して定型業務を自動化した", 2), Judgment("a", "窓口の混雑を緩和", 1)]
    # the quote holds the first half of the nugget (a sentence can cut a nugget in two)
    assert quote_grade("a", "令和4年度にＲＰＡを導入して定型業務を効率化。", js) == 2
    assert quote_grade("a", "窓口の混雑を緩和するため予約制とした。", js) == 1  # short nugget: whole of it
    assert quote_grade("b", "RPAを導入して定型業務を自動化した", js) == 0  # other document
    assert quote_grade("a", "窓口の混雑について検討した。", js) == 0  # overlap shorter than the nugget


def test_bootstrap_interval_is_seeded_and_brackets_the_mean():
    values = [0.0, 0.2, 0.5, 0.9, 1.0, 0.4, 0.7, 0.1]
    mean, lo, hi = bootstrap_interval(values)
    assert mean == pytest.approx(sum(values) / len(values))
    assert lo < mean < hi
    assert bootstrap_interval(values) == (mean, lo, hi)  # same seed, same interval
    assert bootstrap_interval([0.5] * 6) == (0.5, 0.5, 0.5)
    # more queries with the same spread: a narrower interval
    _, lo4, hi4 = bootstrap_interval(values * 4)
    assert hi4 - lo4 < hi - lo
    assert all(math.isnan(v) for v in bootstrap_interval([]))


def test_intervals_pair_systems_query_by_query():
    from eval.run import format_intervals, intervals

    # b is a everywhere minus 0.1: the paired difference is exactly 0.1 with no spread,
    # although both systems vary a lot across queries
    a = [0.9, 0.1, 0.6, 0.3, 1.0]
    per = {"hybrid": {"all": [{"ndcg@10": x} for x in a], "paraphrase": [{"ndcg@10": x} for x in a[:2]]},
           "base:bm25-400": {"all": [{"ndcg@10": x - 0.1} for x in a], "paraphrase": [{"ndcg@10": 0.0}, {"ndcg@10": 0.0}]}}
    iv = intervals(per)
    mean, lo, hi = iv["all"]["- base:bm25-400"]
    assert (mean, lo, hi) == pytest.approx((0.1, 0.1, 0.1))
    h_mean, h_lo, h_hi = iv["all"]["hybrid"]
    assert h_lo < h_mean < h_hi and h_mean == pytest.approx(sum(a) / 5)
    assert iv["paraphrase"]["- base:bm25-400"][0] == pytest.approx(0.5)
    text = format_intervals(iv)
    assert "- base:bm25-400 +0.100 [+0.100, +0.100]" in text and "para" in text
    assert intervals({"lexical": per["hybrid"]}) == {}


def test_within_budget_cuts_the_reading_at_the_budget():
    hits = [("d", "a" * 300), ("d", "b" * 500), ("e", "c" * 400)]
    assert within_budget(hits, 1000) == [("d", "a" * 300), ("d", "b" * 500), ("e", "c" * 200)]
    assert within_budget(hits, 300) == [("d", "a" * 300)]
    assert within_budget(hits, 10_000) == hits
    assert within_budget([], 100) == []
    # a nugget past the budget earns nothing
    j = [Judgment("e", "cccc", 2)]
    assert ndcg_at_k(gains(within_budget(hits, 800), j), j, 3) == 0.0
    assert ndcg_at_k(gains(within_budget(hits, 805), j), j, 3) > 0.0


def test_per_query_warns_when_judged_documents_are_not_indexed():
    from types import SimpleNamespace

    from eval.queries import Query
    from eval.run import per_query

    class NoHits:
        meta = SimpleNamespace(documents={"a": {"city": "A"}})

        def search(self, query, k, mode):
            return SimpleNamespace(hits=[])

    q = Query("x", "RPA", "cross_city", [Judgment("a", "RPA", 2), Judgment("gone", "RPA", 2)], cities=["A", "B"])
    with pytest.warns(UserWarning, match="gone"):
        rows = per_query(NoHits(), [q])
    assert rows["hybrid"]["cross_city"][0]["city_cov@10"] == 0.0  # A expected (judged), nothing retrieved


def test_a_cross_city_query_no_city_could_cover_has_no_coverage_score():
    from eval.queries import Query
    from eval.run import score_ranking

    q = Query("x", "小平市のRPA", "cross_city", [Judgment("a", "RPA", 2)], cities=["小平市"])
    assert "city_cov@10" not in score_ranking(q, [("a", "RPA")], ["昭島市"], expected=[])
    assert score_ranking(q, [("a", "RPA")], ["昭島市"], expected=["昭島市"])["city_cov@10"] == 1.0
