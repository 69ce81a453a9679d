"""Sentence vectors: a finer dense view of each chunk, scored as the chunk's best sentence.

A chunk of up to ~700 characters often mixes an initiative's aim, its steps and its numbers, and one
vector of the whole dilutes the sentence a question is about. Each chunk's sentences (short
ones merged up to `min_chars`, the initiative title in front) get their own vectors in a second
FAISS index; the dense side then scores a chunk by a blend of its own cosine and its best
sentence's (:func:`blend`), over the union of both indexes' nearest chunks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SENTENCE_FAISS = "sentences.faiss"
SENTENCE_OWNERS = "sentence_owners.npy"
_BREAK = re.compile(r"(?<=[。！？!?])|\n")


def split_sentences(text: str, min_chars: int = 25) -> list[str]:
    """Sentences (and lines) of `text`, stripped; a piece shorter than `min_chars` is joined
    with the pieces after it, and a short tail stays a sentence of its own."""
    out: list[str] = []
    buf = ""
    for piece in _BREAK.split(text):
        piece = piece.strip()
        if not piece:
            continue
        buf += piece
        if len(buf) >= min_chars:
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def sentence_texts(chunks: Sequence[Any], min_chars: int) -> tuple[list[str], np.ndarray]:
    """What is embedded per sentence (``title / sentence``) and the row of the chunk it belongs to;
    sentences are in chunk order, so a chunk's sentences are one contiguous range."""
    texts: list[str] = []
    owners: list[int] = []
    for row, chunk in enumerate(chunks):
        for s in split_sentences(chunk.text, min_chars) or [chunk.text]:
            texts.append(f"{chunk.title} / {s}" if chunk.title else s)
            owners.append(row)
    return texts, np.asarray(owners, dtype=np.int64)


def blend(chunk_cos: np.ndarray, sentence_cos: np.ndarray, weight: float) -> np.ndarray:
    """Dense score of chunks: (1 - weight) x the chunk's cosine + weight x its best sentence's."""
    return (1.0 - weight) * chunk_cos + weight * sentence_cos


@dataclass
class SentenceView:
    """The sentence index of one snapshot: FAISS over sentence vectors and each sentence's chunk row."""

    index: Any
    owners: np.ndarray
    n_chunks: int | None = None  # chunks of the snapshot (default: up to the last owner)

    def __post_init__(self) -> None:
        import faiss

        n_rows = int(self.owners.max()) + 1 if self.owners.size else 0
        n_rows = max(n_rows, self.n_chunks or 0)
        # owners are sorted: chunk r's sentences are starts[r]:starts[r + 1]
        self.starts = np.searchsorted(self.owners, np.arange(n_rows + 1))
        self.matrix = flat_vectors(self.index)
        # An exact (IndexFlat) sentence index is scanned whole anyway: one product then gives every
        # chunk's best sentence, cheaper than a FAISS search plus a gather per candidate.
        self.exact = self.matrix is not None and isinstance(self.index, faiss.IndexFlat)
        self.segment_starts = self.starts[:-1][np.diff(self.starts) > 0]
        self.segment_rows = np.flatnonzero(np.diff(self.starts) > 0)

    def per_chunk(self, qvec: np.ndarray) -> np.ndarray | None:
        """Every chunk's best sentence cosine (-1 for a chunk without sentences), from an exact
        index; None for an approximate one (use :meth:`nearest_rows` and :meth:`best`)."""
        if not self.exact:
            return None
        sims = self.matrix @ qvec.reshape(-1).astype(np.float32)
        out = np.full(len(self.starts) - 1, -1.0)
        if self.segment_starts.size:
            out[self.segment_rows] = np.maximum.reduceat(sims, self.segment_starts)
        return out

    def nearest_rows(self, qvec: np.ndarray, n: int, mask: np.ndarray | None) -> list[int]:
        """Chunk rows owning the query's `n` nearest sentences (only allowed rows if masked)."""
        import faiss

        from index.scale import search_params

        params = None
        if mask is not None:
            allowed = np.flatnonzero(np.asarray(mask)[self.owners]).astype(np.int64)
            if allowed.size == 0:
                return []
            params = search_params(self.index, faiss.IDSelectorBatch(allowed))
        n = min(n, self.index.ntotal)
        _scores, ids = self.index.search(qvec.reshape(1, -1).astype(np.float32), n, params=params)
        return list(dict.fromkeys(int(self.owners[i]) for i in ids[0] if i >= 0))

    def best(self, rows: Sequence[int], qvec: np.ndarray) -> np.ndarray:
        """Cosine of each row's best sentence (rows without sentences get -1)."""
        q = qvec.reshape(-1).astype(np.float32)
        out = np.full(len(rows), -1.0)
        r = np.asarray(rows, dtype=np.int64)
        inside = np.flatnonzero(r + 1 < len(self.starts))
        lo, hi = self.starts[r[inside]], self.starts[r[inside] + 1]
        has = hi > lo
        inside, lo, hi = inside[has], lo[has], hi[has]
        if inside.size == 0:
            return out
        ids = np.concatenate([np.arange(a, b) for a, b in zip(lo.tolist(), hi.tolist())])
        vecs = self.matrix[ids] if self.matrix is not None else self.index.reconstruct_batch(ids)
        sims = vecs @ q
        offsets = np.concatenate(([0], np.cumsum(hi - lo)[:-1]))
        out[inside] = np.maximum.reduceat(sims, offsets)
        return out


def flat_vectors(index: Any) -> np.ndarray | None:
    """A read-only view of a flat (or HNSW-flat) index's vectors without copying them; None otherwise."""
    import faiss

    flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSWFlat) else index
    if not isinstance(flat, faiss.IndexFlat) or flat.ntotal == 0:
        return None
    return faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)


def load_view(index_dir: Path, manifest: dict[str, Any]) -> SentenceView | None:
    """The snapshot's sentence view, or None for an index built without one."""
    if "sentences" not in manifest:
        return None
    from index.loading import faiss_read

    from reform_search.errors import IndexError_

    index = faiss_read(index_dir / SENTENCE_FAISS)
    try:
        owners = np.load(index_dir / SENTENCE_OWNERS)
    except (OSError, ValueError) as e:
        raise IndexError_(f"{index_dir / SENTENCE_OWNERS} is unreadable ({e}); rebuild with `reform-search build`") from e
    n_chunks = manifest["counts"]["chunks"]
    if index.ntotal != owners.size or (owners.size and (owners.max() >= n_chunks or np.any(np.diff(owners) < 0))):
        raise IndexError_(f"sentence index in {index_dir} disagrees with its {n_chunks} chunks; "
                          "rebuild with `reform-search build`")
    return SentenceView(index, owners, n_chunks)

