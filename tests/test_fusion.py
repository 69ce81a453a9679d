import pytest

from index.fusion import char_ngrams, convex, near_duplicate, rrf, top_k


def test_rrf_sums_weighted_reciprocal_ranks():
    fused = dict(rrf([([1, 2, 3], 1.0), ([3, 1], 1.0)], k=60))
    assert fused[1] == 1 / 61 + 1 / 62
    assert fused[3] == 1 / 63 + 1 / 61
    assert list(dict(rrf([([1, 2, 3], 1.0), ([3, 1], 1.0)], k=60))) == [1, 3, 2]


def test_rrf_ties_break_on_id_and_zero_weight_ignored():
    assert [d for d, _ in rrf([([5, 4], 1.0), ([4, 5], 1.0)], k=10)] == [4, 5]
    assert [d for d, _ in rrf([([1], 0.0), ([2], 1.0)], k=10)] == [2]


def test_top_k_masks_and_is_deterministic():
    scores = [0.5, 0.9, 0.9, 0.0, 0.7]
    assert [i for i, _ in top_k(scores, None, 3)] == [1, 2, 4]
    assert [i for i, _ in top_k(scores, [True, False, True, True, True], 2)] == [2, 4]
    assert top_k([0.0, 0.0], None, 5) == []  # zero BM25 score is no match


def test_near_duplicate():
    a = char_ngrams("自治会補助金制度の実施 自治会長研修会の実施")
    b = char_ngrams("自治会補助金制度の実施\n自治会長研修会の実施")
    c = char_ngrams("ペーパーレス化を推進した")
    assert near_duplicate(a, b)
    assert not near_duplicate(a, c)


def test_adaptive_weights_trust_dense_more_when_query_words_are_missing():
    from index.fusion import adaptive_weights

    assert adaptive_weights(1.0, 1.0, 1.0, 0.3) == (1.0, 1.0)
    assert adaptive_weights(1.0, 1.0, 0.0, 0.3) == (0.3, 1.0)
    assert adaptive_weights(2.0, 1.0, 0.5, 0.0) == (1.0, 1.0)
    assert adaptive_weights(1.0, 1.0, 0.2, 1.0) == (1.0, 1.0)  # floor 1 = fixed weights
    assert adaptive_weights(1.0, 1.0, 7.0, 0.5) == (1.0, 1.0)  # share clipped to [0, 1]


def test_adaptive_weights_change_the_fused_order():
    from index.fusion import adaptive_weights

    lex, den = [1, 2], [2, 1]
    even = rrf([(lex, 1.0), (den, 1.0)], k=60)
    assert [d for d, _ in even] == [1, 2]  # tie broken on id
    wl, wd = adaptive_weights(1.0, 1.0, 0.1, 0.5)
    assert [d for d, _ in rrf([(lex, wl), (den, wd)], k=60)] == [2, 1]


def test_rocchio_moves_the_query_toward_the_feedback_centroid():
    import numpy as np

    from index.fusion import rocchio

    q = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    fb = np.array([[0.0, 1.0, 0.0], [0.0, 0.6, 0.8]], dtype=np.float32)
    moved = rocchio(q, fb, 1.0)
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-6)
    assert moved[1] > 0 and moved[2] > 0 and moved[0] < 1.0
    assert float(moved @ fb.mean(axis=0)) > float(q @ fb.mean(axis=0))
    assert np.array_equal(rocchio(q, fb, 0.0), q)
    assert np.array_equal(rocchio(q, np.zeros((0, 3), dtype=np.float32), 1.0), q)


def test_feedback_terms_weight_frequent_distinctive_terms_of_top_passages():
    from index.fusion import feedback_terms

    idf = {"rpa": 2.0, "作業": 1.0, "市": 0.1, "削減": 1.5}.get
    docs = [["rpa", "rpa", "作業", "市"], ["rpa", "削減", "市"]]
    terms = feedback_terms(docs, lambda t: idf(t) or 0.0, exclude={"作業"}, n_terms=2, min_chars=1)
    assert [t for t, _ in terms] == ["rpa", "削減"]
    assert terms[0][1] == 1.0 and 0 < terms[1][1] < 1
    assert feedback_terms([], lambda t: 1.0, set(), 5) == []


def test_convex_sums_weighted_min_max_normalized_scores():
    lexical = [(1, 12.0), (2, 6.0), (3, 2.0)]  # -> 1.0, 0.4, 0.0
    dense = [(2, 0.90), (4, 0.85), (1, 0.80)]  # -> 1.0, 0.5, 0.0
    got = dict(convex([(lexical, 1.0), (dense, 1.0)]))
    assert got == pytest.approx({1: 1.0, 2: 1.4, 3: 0.0, 4: 0.5})
    assert [d for d, _ in convex([(lexical, 1.0), (dense, 1.0)])] == [2, 1, 4, 3]
    # unlike RRF, the size of a score gap counts: a lexical side with one clear winner keeps it first
    assert convex([(lexical, 2.0), (dense, 1.0)])[0][0] == 1


def test_convex_equal_scores_count_one_ties_on_id_zero_weight_ignored():
    assert convex([([(5, 3.0)], 1.0)]) == [(5, 1.0)]
    assert convex([([(7, 2.0), (3, 2.0)], 1.0)]) == [(3, 1.0), (7, 1.0)]
    assert convex([([(1, 1.0), (2, 0.0)], 0.0), ([(2, 0.5), (1, 0.1)], 1.0)]) == [(2, 1.0), (1, 0.0)]
    assert convex([([], 1.0)]) == []
