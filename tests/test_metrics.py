import math

import pytest

from eval.metrics import Judgment, city_coverage, gains, mrr, ndcg_at_k, quote_grade, recall_at_k

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


def test_quote_grade_needs_an_overlap_with_a_nugget_of_the_same_document():
    js = [Judgment("a", "RPAを導入して定型業務を自動化した", 2), Judgment("a", "窓口の混雑を緩和", 1)]
    # the quote holds the first half of the nugget (a sentence can cut a nugget in two)
    assert quote_grade("a", "令和4年度にＲＰＡを導入して定型業務を効率化。", js) == 2
    assert quote_grade("a", "窓口の混雑を緩和するため予約制とした。", js) == 1  # short nugget: whole of it
    assert quote_grade("b", "RPAを導入して定型業務を自動化した", js) == 0  # other document
    assert quote_grade("a", "窓口の混雑について検討した。", js) == 0  # overlap shorter than the nugget
