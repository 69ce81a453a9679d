"""Structure-blind baselines: fixed 400-character windows, ranked by BM25, by dense similarity, or by
reciprocal rank fusion of the two (k=60, the product's default) — what a naive system would do."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.build import build_bm25
from index.fusion import rrf, top_k
from index.tokenize import JapaneseTokenizer

WINDOW = 400
RRF_K = 60
MODES = {"lexical": "base:bm25-400", "dense": "base:dense-400", "rrf": "base:rrf-400"}


@dataclass(frozen=True)
class Window:
    document_id: str
    city: str
    text: str
    start: int = 0


def windows(texts: dict[str, str], cities: dict[str, str], size: int = WINDOW) -> list[Window]:
    """Non-overlapping fixed windows over each original text (what a naive system would index)."""
    out = []
    for doc_id in sorted(texts):
        t = texts[doc_id]
        out.extend(Window(doc_id, cities[doc_id], t[i : i + size], i) for i in range(0, len(t), size))
    return out


class WindowBaseline:
    """BM25 (fugashi tokens) and dense (same model as the product) over fixed windows."""

    def __init__(self, wins: list[Window], encoder: Any, tokenizer: JapaneseTokenizer, cache_dir: Path) -> None:
        self.wins = wins
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.bm25 = build_bm25([tokenizer.tokens(w.text) for w in wins], k1=1.2, b=0.75)
        self.vectors = self._vectors(cache_dir)

    def _vectors(self, cache_dir: Path) -> np.ndarray:
        h = hashlib.sha256(("\x00".join(w.text for w in self.wins) + self.encoder.name).encode()).hexdigest()[:16]
        path = cache_dir / f"baseline-windows-{h}.npy"
        if path.is_file():
            return np.load(path)
        vecs = self.encoder.encode_documents([w.text for w in self.wins])
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.save(path, vecs)
        return vecs

    def ranked(self, query: str, mode: str, k: int) -> list[int]:
        if mode == "lexical":
            vocab = self.bm25.vocab_dict
            toks = [t for t in self.tokenizer.tokens(query) if t in vocab]
            if not toks:
                return []
            return [i for i, _ in top_k(self.bm25.get_scores(toks), None, k)]
        if mode == "dense":
            q = self.encoder.encode_queries([query])[0]
            return [i for i, _ in top_k(self.vectors @ q, None, k, min_score=-2.0)]
        if mode == "rrf":
            deep = 5 * k
            fused = rrf([(self.ranked(query, "lexical", deep), 1.0), (self.ranked(query, "dense", deep), 1.0)], RRF_K)
            return [i for i, _ in fused[:k]]
        raise ValueError(f"unknown baseline mode {mode!r}")

    def search(self, query: str, mode: str, k: int = 10) -> list[Window]:
        """mode: 'lexical' (BM25), 'dense' or 'rrf' (both fused)."""
        return [self.wins[i] for i in self.ranked(query, mode, k)]
