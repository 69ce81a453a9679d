"""End-to-end retrieval on the fixture corpus with the real model, FAISS and fugashi."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.searcher import Filters, Searcher
from index.store import FAISS_FILE, read_manifest
from ingest.normalize import fold
from reform_search.errors import IndexError_, IndexMismatch, InvalidQuery
from tests.conftest import make_settings


def test_manifest_describes_the_index(built_index: Path, searcher: Searcher):
    m = read_manifest(built_index)
    assert m["model"]["name"] == "intfloat/multilingual-e5-small"
    assert m["model"]["dimension"] == 384
    assert m["model"]["query_prompt"] == "query: " and m["model"]["document_prompt"] == "passage: "
    assert m["tokenizer"]["dictionary"] == "unidic-lite"
    assert m["counts"]["chunks"] == len(searcher.meta.chunks) == searcher.dense.ntotal
    assert m["counts"]["documents"] == 4
    assert len(m["corpus_hash"]) == 64


def test_cross_city_rpa_query(searcher: Searcher):
    r = searcher.search("RPAの導入", k=10)
    cities = {h.city for h in r.hits}
    assert len(cities) >= 3, cities
    assert all("rpa" in fold(h.search_text).lower() for h in r.hits[:3])


def test_paraphrase_without_shared_words_finds_rpa(searcher: Searcher):
    r = searcher.search("定型的なパソコン作業をソフトウェアロボットで自動化した事例", k=5, mode="dense")
    assert any("RPA" in h.search_text for h in r.hits[:3]), [h.search_text[:40] for h in r.hits]


def test_bm25_scores_japanese_terms(searcher: Searcher):
    r = searcher.search("電子決裁", k=5, mode="lexical")
    assert r.hits, "BM25 returned nothing for a Japanese term present in the corpus"
    assert all(h.lexical_score and h.lexical_score > 0 for h in r.hits)
    assert "電子決裁" in r.hits[0].search_text
    one_char = searcher.search("課", k=3, mode="lexical")  # one-character words are kept
    assert one_char.hits


def test_filters(searcher: Searcher):
    r = searcher.search("RPAの導入", k=20, filters=Filters(city=("昭島市",)))
    assert r.hits and {h.city for h in r.hits} == {"昭島市"}
    r = searcher.search("業務の効率化", k=20, filters=Filters(rating=("B",)))
    assert r.hits and all(h.initiative and any(x.value == "B" for x in h.initiative.ratings) for h in r.hits)
    r = searcher.search("RPAの導入", k=20, filters=Filters(fiscal_year=(2025,)))
    assert {h.city for h in r.hits} == {"西東京市"}
    r = searcher.search("RPAの導入", k=20, filters=Filters(kind=("evaluation_report",)))
    assert {h.kind for h in r.hits} == {"evaluation_report"}
    with pytest.raises(InvalidQuery, match="allowed: .*昭島市"):
        searcher.search("RPA", filters=Filters(city=("大阪市",)))


@pytest.mark.parametrize("query, k, mode", [("", 10, "hybrid"), ("   ", 10, "hybrid"), ("x" * 1001, 10, "hybrid"),
                                            ("RPA", 0, "hybrid"), ("RPA", 101, "hybrid"), ("RPA", 10, "sparse")])
def test_invalid_queries(searcher: Searcher, query: str, k: int, mode: str):
    with pytest.raises(InvalidQuery):
        searcher.search(query, k=k, mode=mode)


def test_highlights_point_at_query_terms(searcher: Searcher):
    r = searcher.search("ＲＰＡの活用", k=5)
    spans = [(h, s, e) for h in r.hits for s, e in h.highlights]
    assert spans
    for h, s, e in spans:
        assert fold(h.text[s:e]).lower().replace("\n", "") in {"rpa", "活用"}


def test_results_are_deterministic_and_collapsed(searcher: Searcher):
    a = [h.chunk_id for h in searcher.search("公共施設の老朽化対策", k=10).hits]
    b = [h.chunk_id for h in searcher.search("公共施設の老朽化対策", k=10).hits]
    assert a == b
    texts = [h.search_text for h in searcher.search("RPAの導入", k=20).hits]
    assert len(texts) == len(set(texts))


def test_source_offsets_quote_the_original(searcher: Searcher):
    for h in searcher.search("RPAの導入", k=5).hits:
        original = searcher.meta.texts[h.document_id]
        assert original[h.source.char_start : h.source.char_end] == h.text
        assert h.source.line_start <= h.source.line_end


def test_compare_groups_by_city(searcher: Searcher):
    groups = searcher.compare("RPAの導入", per_city=2).groups
    cities = [g.city for g in groups]
    assert len(cities) == len(set(cities)) >= 3
    assert all(1 <= len(g.hits) <= 2 for g in groups)
    assert [g.best_score for g in groups] == sorted((g.best_score for g in groups), reverse=True)
    only = searcher.compare("RPAの導入", cities=("小平市",)).groups
    assert [g.city for g in only] == ["小平市"]


def test_reopen_refuses_other_model(fixture_settings, built_index: Path):
    other = make_settings(fixture_settings.data_dir, model="cl-nagoya/ruri-v3-130m")
    with pytest.raises(IndexMismatch, match="ruri"):
        Searcher.open(other)


def _copy_with_manifest(built_index: Path, tmp_path: Path, change) -> Path:
    """A copy of the fixture snapshot whose manifest.json was edited by `change(manifest)`."""
    broken = tmp_path / "index"
    shutil.copytree(built_index, broken)
    m = json.loads((broken / "manifest.json").read_text())
    change(m)
    (broken / "manifest.json").write_text(json.dumps(m))
    return broken


def test_truncated_faiss_file_is_refused(fixture_settings, built_index: Path, tmp_path: Path, encoder):
    broken = _copy_with_manifest(built_index, tmp_path, lambda m: None)
    data = (broken / FAISS_FILE).read_bytes()
    (broken / FAISS_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexError_, match="corrupt or truncated"):
        Searcher.open(fixture_settings, index_dir=broken, encoder=encoder)


def test_manifest_count_mismatch_is_refused(fixture_settings, built_index: Path, tmp_path: Path, encoder):
    broken = _copy_with_manifest(built_index, tmp_path, lambda m: m["counts"].update(chunks=m["counts"]["chunks"] + 1))
    with pytest.raises(IndexError_, match="disagree"):
        Searcher.open(fixture_settings, index_dir=broken, encoder=encoder)


def test_other_tokenizer_dictionary_is_refused(fixture_settings, built_index: Path, tmp_path: Path, encoder):
    broken = _copy_with_manifest(built_index, tmp_path, lambda m: m["tokenizer"].update(dictionary_version="0.0.1"))
    with pytest.raises(IndexMismatch, match="unidic-lite 0.0.1.*rebuild"):
        Searcher.open(fixture_settings, index_dir=broken, encoder=encoder)


def test_manifest_records_the_encoders_dtype_and_reuse_needs_the_same_one(fixture_settings, built_index: Path,
                                                                          tmp_path: Path, encoder):
    from index.build import build_index, previous_snapshot, reusable_vectors
    from index.model import encoder_from_settings
    from ingest.pipeline import load_records

    records = load_records(fixture_settings.records_dir)
    n = len(records.chunks)
    f32 = encoder if encoder.dtype == "float32" else encoder_from_settings(fixture_settings, dtype="float32")
    bf16 = encoder if encoder.dtype == "bfloat16" else encoder_from_settings(fixture_settings, dtype="bfloat16")
    # settings ask for the other dtype each time: the manifest must follow the encoder, not the settings
    a = build_index(records, fixture_settings.model_copy(update={"model_dtype": "bfloat16"}), tmp_path / "a",
                    encoder=f32)
    assert a.manifest["model"]["dtype"] == "float32" and a.manifest["counts"]["embedded"] == n
    b = build_index(records, fixture_settings.model_copy(update={"model_dtype": "float32"}), tmp_path / "b",
                    encoder=bf16, previous=a.path)
    assert b.manifest["model"]["dtype"] == "bfloat16"
    assert b.manifest["counts"]["reused_vectors"] == 0 and b.manifest["counts"]["embedded"] == n
    c = build_index(records, fixture_settings, tmp_path / "c", encoder=bf16, previous=b.path)
    assert c.manifest["counts"]["reused_vectors"] == n and c.manifest["counts"]["embedded"] == 0
    model = b.manifest["model"]
    reuse = lambda m: reusable_vectors(previous_snapshot(b.path, m), m)  # noqa: E731
    assert len(reuse(model)) > 0
    assert reuse({**model, "name": "cl-nagoya/ruri-v3-30m"}) == {}
    assert reuse({**model, "dtype": "float32"}) == {}
    assert reuse({**model, "embed_context": "none" if model["embed_context"] != "none" else "title"}) == {}
