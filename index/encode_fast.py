"""Query encoding without sentence-transformers' per-call bookkeeping, padded consistently.

``SentenceTransformer.encode`` walks every submodule (``eval()``), resolves the device,
sorts and re-sorts and builds a progress bar on every call: about a millisecond of Python
per query, paid while holding the GIL. Here the same model is called the way ``encode``
calls it internally (its own ``preprocess`` with the prompt, then the module pipeline under
``inference_mode``); the model is put in eval mode once at load time.

Padding: in bfloat16 a query's vector depends on how far it is padded (max abs difference
~1e-3, enough to swap near-tied results), but on an AVX512-BF16 CPU not on which other rows
share the forward pass (measured: bit-identical). So every query is padded to the next
multiple of ``PAD_MULTIPLE`` tokens and a batch runs one forward pass per such bucket: there a
query gets the same vector alone or in any batch. On a CPU with AMX tiles oneDNN's blocking
also follows the number of rows (measured: the same query as 1, 2, 12 or 32 rows is identical,
as 3, 4, 8 or 16 rows off by up to 1e-3, cosine > 0.9999), so under concurrent load a near tie
may still swap; AMX is kept because it embeds documents 3.6x faster (64 passages 1.5 s vs
5.3 s with ``ONEDNN_MAX_CPU_ISA=AVX512_CORE_BF16``) and queries 12 vs 18 ms.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

PAD_MULTIPLE = 8  # queries are 8-30 tokens: a batch of 32 needs 2-3 forward passes


def forward(model: Any, texts: Sequence[str], prompt: str) -> np.ndarray:
    """L2-normalized float32 [n, dim]: one forward pass per padding bucket."""
    import torch

    out = np.zeros((len(texts), 0), np.float32)
    with torch.inference_mode():
        features = model.preprocess(list(texts), prompt=prompt or None,
                                    processing_kwargs={"text": {"pad_to_multiple_of": PAD_MULTIPLE}})
        mask = features["attention_mask"]
        width = mask.shape[1]
        buckets = (mask.sum(dim=1) + PAD_MULTIPLE - 1) // PAD_MULTIPLE * PAD_MULTIPLE
        left = bool(mask[:, 0].lt(1).any())  # a left-padding tokenizer: keep the right end
        for b in sorted(set(buckets.tolist())):
            rows = torch.nonzero(buckets == b).flatten()
            cols = slice(width - b, width) if left else slice(0, b)
            part = {k: _rows(v, rows, cols, len(texts)) for k, v in features.items()}
            vecs = model(part)["sentence_embedding"].to(torch.float32).numpy()
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vecs.shape[1]), np.float32)
            out[rows.numpy()] = vecs
    return renormalized(out)


def _rows(value: Any, rows: Any, cols: slice, n: int) -> Any:
    """The selected rows of a per-row tensor, token tensors cut to the bucket's width."""
    import torch

    if not isinstance(value, torch.Tensor) or value.ndim == 0 or value.shape[0] != n:
        return value
    value = value[rows]
    return value[:, cols] if value.ndim == 2 else value


def encode_grouped(model: Any, texts: Sequence[str], prompt: str, batch_size: int, dim: int) -> np.ndarray:
    """`texts` in groups of `batch_size`, grouped by length as sentence-transformers does."""
    out = np.zeros((len(texts), dim), np.float32)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        out[idx] = forward(model, [texts[i] for i in idx], prompt)
    return out


def renormalized(vecs: Any) -> np.ndarray:
    """A float32 copy with unit rows (bf16 outputs are normalized again in float32)."""
    vecs = np.array(vecs, dtype=np.float32)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return vecs
