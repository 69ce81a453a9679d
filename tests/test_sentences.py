"""Sentence vectors (index/sentences.py): splitting, the view over FAISS, and the built index's use of them."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from index.sentences import SENTENCE_OWNERS, SentenceView, blend, load_view, sentence_texts, split_sentences
from reform_search.errors import IndexError_


def test_split_sentences_breaks_on_full_stops_and_lines_and_joins_short_pieces():
    text = "業務の自動化を進める。RPAを導入し、年間1,200時間を削減した！\n(1)\n会議録作成支援システムを導入する"
    assert split_sentences(text, min_chars=10) == [
        "業務の自動化を進める。",
        "RPAを導入し、年間1,200時間を削減した！",
        "(1)会議録作成支援システムを導入する",  # "(1)" alone is too short: joined with the next line
    ]
    assert split_sentences("短い。", min_chars=10) == ["短い。"]  # a short tail stays
    assert split_sentences(" \n \n") == []


def test_sentence_texts_put_the_title_in_front_and_keep_each_chunks_sentences_together():
    chunks = [SimpleNamespace(title="RPAの導入", text="定型業務を自動化する。入力作業を削減する。"),
              SimpleNamespace(title="", text="公共施設の統廃合を検討する。"),
              SimpleNamespace(title="空", text="")]
    texts, owners = sentence_texts(chunks, min_chars=5)
    assert texts == ["RPAの導入 / 定型業務を自動化する。", "RPAの導入 / 入力作業を削減する。", "公共施設の統廃合を検討する。",
                     "空 / "]
    assert owners.tolist() == [0, 0, 1, 2]


def test_blend_weights_the_best_sentence_against_the_chunk():
    chunk, sent = np.array([0.8, 0.9]), np.array([0.9, 0.7])
    assert blend(chunk, sent, 0.0).tolist() == chunk.tolist()
    assert blend(chunk, sent, 1.0).tolist() == sent.tolist()
    assert blend(chunk, sent, 0.5) == pytest.approx([0.85, 0.8])


def _unit(v: list[float]) -> np.ndarray:
    a = np.asarray(v, dtype=np.float32)
    return a / np.linalg.norm(a)


def _view(kind: str) -> SentenceView:
    import faiss

    vecs = np.stack([_unit([1, 0, 0]), _unit([0, 1, 0]), _unit([1, 1, 0]), _unit([0, 0, 1]), _unit([0, 1, 1])])
    index = {"flat": lambda: faiss.IndexFlatIP(3),
             "hnsw": lambda: faiss.IndexHNSWFlat(3, 8, faiss.METRIC_INNER_PRODUCT),
             "sq": lambda: faiss.IndexScalarQuantizer(3, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)}[kind]()
    index.add(vecs)
    return SentenceView(index, np.array([0, 0, 1, 2, 2]))  # chunk 0: s0 s1, chunk 1: s2, chunk 2: s3 s4


@pytest.mark.parametrize("kind", ["flat", "hnsw", "sq"])  # sq: no flat storage, vectors come from reconstruct
def test_view_scores_a_chunk_by_its_best_sentence_and_finds_chunks_through_their_sentences(kind: str):
    view = _view(kind)
    assert (view.matrix is None) == (kind == "sq")
    q = _unit([0, 1, 0])
    assert view.best([0, 1, 2], q) == pytest.approx([1.0, 2 ** -0.5, 2 ** -0.5], abs=1e-3)
    assert view.best([2, 0], q) == pytest.approx([2 ** -0.5, 1.0], abs=1e-3)  # in the order asked
    assert view.best([7], q).tolist() == [-1.0]  # a row the view has no sentences for
    wider = SentenceView(view.index, view.owners, n_chunks=5)  # chunks 3 and 4 have no sentences
    assert wider.best([4, 0], q)[0] == -1.0
    if kind == "flat":
        assert wider.per_chunk(q).tolist()[3:] == [-1.0, -1.0]
    assert view.nearest_rows(q, 1, None) == [0]  # s1 is the query's direction
    assert view.nearest_rows(q, 2, None)[0] == 0
    assert sorted(view.nearest_rows(q, 5, None)) == [0, 1, 2]  # each chunk once
    assert sorted(view.nearest_rows(q, 5, np.array([False, True, True]))) == [1, 2]  # chunk 0 filtered out
    every = view.per_chunk(q)  # the exact index's shortcut: all chunks' best sentences in one product
    if kind == "flat":
        assert every == pytest.approx(view.best([0, 1, 2], q), abs=1e-6)
    else:
        assert every is None
    assert view.nearest_rows(q, 5, np.array([False, False, False])) == []


def test_a_sentence_index_that_disagrees_with_the_chunks_is_refused(built_index: Path, tmp_path: Path):
    from index.store import read_manifest

    broken = tmp_path / "snap"
    shutil.copytree(built_index, broken)
    manifest = read_manifest(broken)
    assert load_view(broken, manifest) is not None
    owners = np.load(broken / SENTENCE_OWNERS)
    np.save(broken / SENTENCE_OWNERS, owners[::-1].copy())  # no longer in chunk order
    with pytest.raises(IndexError_, match="sentence index"):
        load_view(broken, manifest)
    np.save(broken / SENTENCE_OWNERS, owners[:-1])  # one sentence short of the FAISS index
    with pytest.raises(IndexError_, match="sentence index"):
        load_view(broken, manifest)


def test_the_built_index_holds_one_vector_per_sentence_of_every_chunk(searcher, fixture_settings, encoder):
    texts, owners = sentence_texts(searcher.meta.chunks, fixture_settings.sentence_min_chars)
    info = searcher.manifest["sentences"]
    assert info["ntotal"] == len(texts) == searcher.sentences.index.ntotal > len(searcher.meta.chunks)
    assert searcher.sentences.owners.tolist() == owners.tolist()
    picked = [0, len(texts) // 2, len(texts) - 1]
    fresh = encoder.encode_documents([texts[i] for i in picked])
    stored = np.stack([searcher.sentences.index.reconstruct(i) for i in picked])
    assert np.sum(fresh * stored, axis=1) == pytest.approx([1.0] * 3, abs=2e-3)


def test_dense_ranking_blends_the_best_sentence_but_hits_report_the_chunks_own_cosine(searcher):
    q = "会議の記録を文字に起こす作業を機械に任せる"
    qvec = searcher.encode_query(q)
    weight = searcher.settings.sentence_weight
    assert weight > 0
    ranking = searcher._rank(q, 10, "dense", _no_filters(), True, qvec)
    rows = [r for r, _ in ranking.rows]
    cos = np.array([searcher.dense_score(r, qvec) for r in rows])
    best = searcher.sentences.best(rows, qvec)
    expected = (1 - weight) * cos + weight * best
    assert [s for _, s in ranking.rows] == pytest.approx(expected.tolist(), abs=1e-5)
    assert [s for _, s in ranking.rows] == sorted((s for _, s in ranking.rows), reverse=True)
    hits = searcher.search(q, k=10, mode="dense").hits
    assert [h.dense_score for h in hits] == pytest.approx(cos.tolist(), abs=1e-5)


def _no_filters():
    from index.results import Filters

    return Filters()


def test_a_rebuild_reuses_sentence_vectors_and_sentence_weight_0_builds_without_them(fixture_settings, built_index,
                                                                                     encoder, tmp_path):
    from index.build import build_index
    from index.searcher import Searcher
    from ingest.pipeline import load_records

    records = load_records(fixture_settings.records_dir)
    again = build_index(records, fixture_settings, tmp_path / "again", encoder=encoder, previous=built_index)
    assert again.manifest["sentences"]["embedded"] == 0
    assert again.manifest["sentences"]["ntotal"] > 0
    other_split = fixture_settings.model_copy(update={"sentence_min_chars": 60})
    split = build_index(records, other_split, tmp_path / "split", encoder=encoder, previous=built_index)
    assert split.manifest["sentences"]["embedded"] == split.manifest["sentences"]["ntotal"]
    off = fixture_settings.model_copy(update={"sentence_weight": 0.0})
    plain = build_index(records, off, tmp_path / "plain", encoder=encoder, previous=built_index)
    assert "sentences" not in plain.manifest
    s = Searcher.open(off, index_dir=plain.path, encoder=encoder)
    try:
        assert s.sentences is None
        hits = s.search("RPA", k=3, mode="dense").hits
        assert hits and all(h.score == pytest.approx(h.dense_score, abs=1e-6) for h in hits)
    finally:
        s.close()
