"""Pinned retrieval quality on the seed corpus (make test-all): fails if a change regresses it.

Numbers measured with the default settings (bf16 e5-small, hybrid RRF k=60); the pins sit a
little below them so that harmless float noise passes but real regressions do not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.run import evaluate, evaluate_answers, load_queries
from index.publish import publish
from index.searcher import Searcher
from ingest.chunking import ChunkParams
from ingest.pipeline import load_records, run_ingest, write_records
from tests.conftest import make_settings

pytestmark = pytest.mark.slow
CORPUS = Path(__file__).resolve().parent.parent / "corpora"


@pytest.fixture(scope="module")
def full_searcher(tmp_path_factory: pytest.TempPathFactory, encoder) -> Searcher:
    s = make_settings(tmp_path_factory.mktemp("full"), corpus_dir=CORPUS)
    write_records(run_ingest(CORPUS, ChunkParams()), s.records_dir)
    publish(load_records(s.records_dir), s, encoder=encoder)
    return Searcher.open(s, encoder=encoder)


def test_pinned_retrieval_quality(full_searcher: Searcher):
    r = evaluate(full_searcher, load_queries())
    assert r["hybrid"]["all"]["ndcg@10"] >= 0.83
    assert r["hybrid"]["paraphrase"]["ndcg@10"] >= 0.71
    assert r["hybrid"]["cross_city"]["city_cov@10"] >= 0.95
    assert r["hybrid"]["all"]["ndcg@10"] >= r["lexical"]["all"]["ndcg@10"] - 0.005
    assert r["hybrid"]["all"]["ndcg@10"] > r["dense"]["all"]["ndcg@10"]


def test_pinned_answer_quality(full_searcher: Searcher):
    a = evaluate_answers(full_searcher, load_queries())
    assert a["factoid_accuracy"] >= 0.68
    assert a["answerable_refused"] <= 0.02
    assert a["compare_city_p@1"] >= 0.85
