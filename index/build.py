"""Index build: records → BM25 over fugashi tokens, FAISS over passage embeddings, metadata.

Written to a temporary directory beside the target and renamed into place, so a crash
never leaves a half-written index where the searcher looks.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ingest.pipeline import Records
from ingest.records import Chunk
from index.store import BM25_DIR, FAISS_FILE, INDEX_FORMAT, MANIFEST, META_DB, write_meta
from index.tokenize import JapaneseTokenizer, TokenizerSpec
from reform_search.settings import Settings

Progress = Callable[[str], None]


def context_text(chunk: Chunk, context: str) -> str:
    """The chunk text with its initiative title or heading path in front (what gets indexed)."""
    if context == "none":
        return chunk.text
    parts = list(chunk.heading_path) if context == "path" else []
    if chunk.title and chunk.title not in chunk.text[: len(chunk.title) + 10]:
        parts.append(chunk.title)
    head = " / ".join(p for p in parts if p)
    return f"{head}\n{chunk.text}" if head else chunk.text


def corpus_hash(documents: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for d in sorted(documents, key=lambda d: d["id"]):
        h.update(f"{d['id']}:{d['sha256']}\n".encode())
    return h.hexdigest()


def make_faiss(vectors: np.ndarray, ann_threshold: int) -> tuple[Any, str]:
    """Exact inner product for small corpora, HNSW above the threshold."""
    import faiss

    n, dim = vectors.shape
    if n > ann_threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
        kind = "HNSWFlat(M=32,efSearch=128)"
    else:
        index = faiss.IndexFlatIP(dim)
        kind = "FlatIP"
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def build_bm25(token_lists: list[list[str]], k1: float, b: float) -> Any:
    import bm25s

    retriever = bm25s.BM25(k1=k1, b=b, method="lucene")
    # An empty token list would break bm25s; such chunks stay unmatched instead.
    retriever.index([toks or [""] for toks in token_lists], show_progress=False)
    return retriever


@dataclass
class BuildReport:
    path: Path
    chunks: int
    seconds: dict[str, float] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)


def build_index(records: Records, settings: Settings, out_dir: Path, progress: Progress | None = None,
                encoder: Any = None) -> BuildReport:
    """Build every part of the index for `records` into `out_dir` (replaced atomically)."""
    import faiss

    from index.model import load_encoder, resolve_model

    say = progress or (lambda _m: None)
    timings: dict[str, float] = {}
    chunks = records.chunks
    if not chunks:
        raise ValueError("no chunks to index; did ingest find any documents?")

    t = time.perf_counter()
    spec = resolve_model(settings.model, settings.cache_dir, settings.query_prompt, settings.document_prompt)
    if encoder is None:
        encoder = load_encoder(spec, threads=settings.torch_threads, dtype=settings.model_dtype)
    timings["load_model"] = time.perf_counter() - t

    t = time.perf_counter()
    tok_spec = TokenizerSpec(settings.tokenizer_form, settings.tokenizer_drop_pos)
    tokenizer = JapaneseTokenizer(tok_spec)
    token_lists = [tokenizer.tokens(context_text(c, settings.lexical_context)) for c in chunks]
    bm25 = build_bm25(token_lists, settings.bm25_k1, settings.bm25_b)
    timings["lexical"] = time.perf_counter() - t
    say(f"BM25 over {len(chunks)} chunks, vocabulary {len(bm25.vocab_dict)} in {timings['lexical']:.1f}s")

    t = time.perf_counter()
    last = [0.0]

    def on_batch(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 2 or done == total:
            last[0] = now
            rate = done / max(now - t, 1e-9)
            say(f"embedding {done}/{total} chunks ({rate:.1f}/s)")

    texts = [context_text(c, settings.embed_context) for c in chunks]
    vectors = encoder.encode_documents(texts, batch_size=settings.encode_batch_size, progress=on_batch)
    timings["embed"] = time.perf_counter() - t

    t = time.perf_counter()
    index, faiss_kind = make_faiss(vectors, settings.ann_threshold)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        faiss.write_index(index, str(tmp / FAISS_FILE))
        bm25.save(str(tmp / BM25_DIR), show_progress=False)
        write_meta(tmp / META_DB, records.documents, records.texts, records.initiatives, records.sections, chunks)
        manifest = {
            "format": INDEX_FORMAT,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "model": {
                "name": spec.name,
                "dimension": int(vectors.shape[1]),
                "query_prompt": spec.query_prompt,
                "document_prompt": spec.document_prompt,
                "dtype": settings.model_dtype,
                "embed_context": settings.embed_context,
            },
            "tokenizer": tok_spec.describe(),
            "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b, "method": "lucene",
                     "lexical_context": settings.lexical_context, "vocabulary": len(bm25.vocab_dict)},
            "faiss": {"type": faiss_kind, "ntotal": int(index.ntotal)},
            "corpus_hash": corpus_hash(records.documents),
            "counts": {
                "documents": len(records.documents),
                "initiatives": len(records.initiatives),
                "sections": len(records.sections),
                "chunks": len(chunks),
            },
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _swap_into_place(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    timings["write"] = time.perf_counter() - t
    return BuildReport(out_dir, len(chunks), timings, manifest)


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    old = out_dir.with_name(out_dir.name + ".previous")
    if old.exists():
        shutil.rmtree(old)
    if out_dir.exists():
        os.rename(out_dir, old)
    os.rename(tmp, out_dir)
    shutil.rmtree(old, ignore_errors=True)
