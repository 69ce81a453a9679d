from index.fusion import char_ngrams, near_duplicate, rrf, top_k


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
