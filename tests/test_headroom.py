"""eval.headroom's pure parts: AUC, what a bar could drop, and the leave-one-query-out reranker."""

import math

import pytest

import numpy as np

from eval.headroom import CELL_FEATURES, auc, droppable, loo_rerank, maxsim, pairs_of


def test_auc_counts_ties_half_and_needs_both_labels():
    assert auc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert auc([0.1, 0.9], [1, 0]) == 0.0
    assert auc([0.5, 0.5], [1, 0]) == 0.5
    assert auc([0.2, 0.7, 0.4, 0.9], [0, 1, 1, 0]) == pytest.approx(0.5)
    assert math.isnan(auc([0.3, 0.4], [1, 1]))


def test_droppable_keeps_every_positive():
    # negatives under the lowest positive (0.4) can go; the one at 0.45 cannot
    assert droppable([0.1, 0.3, 0.45, 0.4, 0.9], [0, 0, 0, 1, 1]) == 2
    assert droppable([0.1, 0.2], [0, 0]) == 2  # no positive: nothing to keep
    assert droppable([0.5, 0.1], [0, 1]) == 0


def _cell(query, rank, grade, signal):
    cell = dict.fromkeys(CELL_FEATURES, 0.0)
    cell.update(query_id=query, rank_index=rank, grade=grade, rank=-float(rank), coverage=signal)
    return cell


def test_pairs_are_both_orders_of_differently_graded_candidates():
    group = [_cell("a", 0, 0, 0.1), _cell("a", 1, 2, 0.9), _cell("a", 2, 2, 0.8)]
    x, y = pairs_of([group])
    assert x.shape == (4, len(CELL_FEATURES)) and sorted(y.tolist()) == [0, 0, 1, 1]
    col = CELL_FEATURES.index("coverage")
    assert {round(v, 3) for v, label in zip(x[:, col], y) if label == 1} == {0.8, 0.7}


def test_loo_rerank_learns_a_signal_from_the_other_queries():
    # in every query the relevant candidate is second (0 of 6 as ranked) but has the higher
    # coverage: a reranker fitted on the other queries moves it first
    informative = [[_cell(q, 0, 0, 0.2), _cell(q, 1, 2, 0.8)] for q in "abcdef"]
    assert loo_rerank(informative) == 6
    # relevant first everywhere, coverage equal: the reranker keeps the order (6 of 6)
    kept = [[_cell(q, 0, 2, 0.5), _cell(q, 1, 0, 0.5)] for q in "abcdef"]
    assert loo_rerank(kept) == 6
    # the others teach "the second is relevant"; query z, whose first is relevant, is scored by a
    # model fitted without it, so it gets that wrong: 5 of 6 (the held-out query is never seen)
    odd = informative[:5] + [[_cell("z", 0, 2, 0.8), _cell("z", 1, 0, 0.2)]]
    assert loo_rerank(odd) == 5


def test_maxsim_averages_each_query_tokens_best_match():
    q = np.array([[1.0, 0.0], [0.0, 1.0]])
    p = np.array([[1.0, 0.0], [0.6, 0.8]])
    assert maxsim(q, p) == pytest.approx((1.0 + 0.8) / 2)  # token 1 matches p[0], token 2 best p[1]
    assert maxsim(q, p[:1]) == pytest.approx(0.5)
    assert maxsim(q, np.zeros((0, 2))) == 0.0 and maxsim(np.zeros((0, 2)), p) == 0.0


def test_token_vectors_leave_out_the_prompt_and_specials(encoder):
    from index.embedding.encoder import Encoder

    assert isinstance(encoder, Encoder)
    # "query: RPA導入" is ▁que ry : ▁R PA 導入: ▁R starts in the prompt's space but is the text's
    for text, pieces in (("RPA導入", 3), ("テレワーク", 3), ("在宅勤務", 3)):
        (doc,), (qry,) = encoder.token_vectors([text], query=False), encoder.token_vectors([text], query=True)
        ids = encoder.tokenizer(encoder.spec.query_prompt + text, add_special_tokens=False)["input_ids"]
        tokens = encoder.tokenizer.convert_ids_to_tokens(ids)
        assert "".join(tokens[-len(qry):]).replace("\u2581", "") == text, tokens
        assert len(qry) == pieces and doc.shape[1] == encoder.dim and len(doc) >= pieces - 1, (text, tokens)
        assert np.allclose(np.linalg.norm(doc, axis=1), 1.0, atol=1e-4)
    # the vectors are the model's own: the text's tokens, not the prompt's, follow the text
    a, b = encoder.token_vectors(["RPA導入", "公園整備"], query=True)
    assert a.shape != b.shape or not np.allclose(a, b)


def test_crossencoder_probe_splits_by_query_and_reports_held_out_groups():
    from eval.crossencoder import report, split_queries

    groups = [[_cell(q, 0, 0, 0.2), _cell(q, 1, 2, 0.8)] for q in "abcdef"]
    fold = split_queries(groups)
    assert sorted(fold) == list("abcdef") and sorted(fold.values()) == [0, 0, 0, 1, 1, 1]
    assert split_queries(groups) == fold  # seeded
    for g in groups:
        for c in g:
            c.update(held=True, share=c["coverage"], dense=c["coverage"], cross=float(c["grade"]))
    r = report(groups)
    assert (r["groups"], r["as_ranked"], r["cross_first"]) == (6, 0, 6)
    assert r["reranked_loo_with_cross"] == 6


def test_crossencoder_scores_every_cell_with_the_real_model(encoder):
    from eval.crossencoder import train_and_score

    cell = {"query": "テレワークの導入", "text": "在宅勤務を試行した。", "grade": 1}
    scores = train_and_score(encoder, [], [cell, {**cell, "text": "公園を整備した。"}], epochs=0, lr=1e-5)
    assert len(scores) == 2 and all(np.isfinite(scores)) and scores[0] != scores[1]
