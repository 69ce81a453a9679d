"""Index build: records → BM25 over fugashi tokens, FAISS over passage embeddings, metadata.

`build_index` writes one index directory; index.publish turns it into a validated,
current snapshot.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ingest.pipeline import Records
from ingest.records import Chunk
from index.faults import fault_point
from index.store import BM25_DIR, FAISS_FILE, INDEX_FORMAT, MANIFEST, META_DB, write_meta
from index.tokenize import JapaneseTokenizer, TokenizerSpec
from reform_search.errors import EmptyCorpus, IndexError_
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


def make_faiss(vectors: np.ndarray, ann_threshold: int, scale_threshold: int | None = None,
               scale_index: str = "hnsw_sq8") -> tuple[Any, str]:
    """Exact inner product for small corpora, HNSW above `ann_threshold`, a compressed
    index (index.scale) above `scale_threshold`."""
    import faiss

    n, dim = vectors.shape
    if scale_threshold is not None and n > scale_threshold:
        from index.scale import make_scale_index

        return make_scale_index(vectors, scale_index)
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


# What makes two snapshots' vectors interchangeable (chunk vectors also need the same embed_context).
VECTOR_KEYS = ("name", "document_prompt", "dtype", "dimension")


@dataclass(frozen=True)
class PreviousSnapshot:
    """The snapshot a build reuses vectors from, read once: its directory, manifest and metadata."""

    path: Path
    manifest: dict[str, Any]
    meta: Any


def previous_snapshot(previous: Path | None, model: dict[str, Any]) -> PreviousSnapshot | None:
    """The previous snapshot if its vectors came from the same model setup (VECTOR_KEYS), else None."""
    from index.store import read_manifest, read_meta

    if previous is None or not (previous / MANIFEST).is_file():
        return None
    try:
        old = read_manifest(previous)
        if any(old["model"].get(k) != model.get(k) for k in VECTOR_KEYS):
            return None
        return PreviousSnapshot(previous, old, read_meta(previous / META_DB))
    except (OSError, RuntimeError, ValueError, KeyError, IndexError_):
        return None  # an unreadable previous snapshot just means embedding everything


def reusable_vectors(prev: PreviousSnapshot | None, model: dict[str, Any]) -> dict[str, np.ndarray]:
    """Chunk vectors of the previous snapshot keyed by embedded text, if it also embedded the same context."""
    import faiss

    from index.scale import stored_vectors

    if prev is None or prev.manifest["model"].get("embed_context") != model.get("embed_context"):
        return {}
    chunks = prev.meta.chunks
    try:
        index = faiss.read_index(str(prev.path / FAISS_FILE))
    except (OSError, RuntimeError):
        return {}
    vectors = stored_vectors(prev.path, index)
    if index.ntotal != len(chunks) or len(vectors) != len(chunks):
        return {}
    try:
        return {context_text(c, model["embed_context"]): np.asarray(vectors[n], np.float32)
                for n, c in enumerate(chunks)}
    except RuntimeError:  # a compressed index without its vectors file: embed everything
        return {}


def reusable_sentence_vectors(prev: PreviousSnapshot | None, min_chars: int) -> dict[str, np.ndarray]:
    """Sentence vectors of the previous snapshot keyed by embedded text, if it split and embedded
    sentences the same way (so adding one document embeds only that document's sentences)."""
    from index.sentences import load_view, sentence_texts

    if prev is None or prev.manifest.get("sentences", {}).get("min_chars") != min_chars:
        return {}
    try:
        view = load_view(prev.path, prev.manifest)
        vectors = view.index.reconstruct_n(0, view.index.ntotal) if view is not None else None
    except (OSError, RuntimeError, ValueError, KeyError, IndexError_):
        return {}
    texts, _owners = sentence_texts(prev.meta.chunks, min_chars)
    if vectors is None or len(vectors) != len(texts):
        return {}
    return dict(zip(texts, np.asarray(vectors, np.float32)))


def embedding_reporter(say: Progress, what: str, t0: float) -> Callable[[int, int], None]:
    """`(done, total)` → an "embedding done/total <what> (rate/s)" line at most every 2 s, and at the end."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 2 or done == total:
            last[0] = now
            say(f"embedding {done}/{total} {what} ({done / max(now - t0, 1e-9):.1f}/s)")

    return report


def require_chunks(records: Records, settings: Settings) -> None:
    """EmptyCorpus naming the corpus when ingest left nothing to index (checked before the model loads)."""
    if not records.chunks:
        held = f"{len(records.documents)} documents without text" if records.documents else "no documents"
        raise EmptyCorpus(f"the corpus is empty: nothing to index (ingest records in {settings.records_dir} hold "
                          f"{held}); add documents to {settings.corpus_dir} with `reform-search add`, "
                          "then run `reform-search ingest`")


def embed_texts(texts: list[str], cached: dict[str, np.ndarray], todo: list[int], encoder: Any, executor: Any,
                settings: Settings, model_info: dict[str, Any],
                on_batch: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Vectors of `texts`: the `cached` ones reused, those at `todo` embedded (by `executor` if given)."""
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for n, text in enumerate(texts):
        if text in cached:
            vectors[n] = cached[text]
    if todo:
        if executor is None:
            fresh = encoder.encode_documents([texts[n] for n in todo], batch_size=settings.encode_batch_size,
                                             progress=on_batch)
        else:
            fresh = executor.embed([texts[n] for n in todo], progress=on_batch)
            if executor.dtype != model_info["dtype"]:  # the manifest must say what the vectors are
                raise IndexError_(f"executor {executor.name} embedded in {executor.dtype}, the encoder runs in "
                                  f"{model_info['dtype']}; build with one model_dtype")
        vectors[todo] = fresh
    return vectors


def build_sentences(chunks: list[Any], settings: Settings, out_dir: Path, prev: PreviousSnapshot | None, encoder: Any,
                    executor: Any, model_info: dict[str, Any], say: Progress) -> dict[str, Any] | None:
    """Write the sentence index (index.sentences) into `out_dir`; None when off (sentence_weight 0)
    or above scale_threshold, where a second index of ~3 vectors a chunk would not fit the budget."""
    import faiss

    from index.sentences import SENTENCE_FAISS, SENTENCE_OWNERS, sentence_texts

    if settings.sentence_weight <= 0 or len(chunks) > settings.scale_threshold:
        return None
    texts, owners = sentence_texts(chunks, settings.sentence_min_chars)
    cached = reusable_sentence_vectors(prev, settings.sentence_min_chars)
    todo = [n for n, text in enumerate(texts) if text not in cached]
    say(f"sentence vectors: {len(texts)} sentences of {len(chunks)} chunks, embedding {len(todo)}")
    report = embedding_reporter(say, "sentences", time.perf_counter())
    vectors = embed_texts(texts, cached, todo, encoder, executor, settings, model_info, report)
    index, kind = make_faiss(vectors, settings.ann_threshold)
    faiss.write_index(index, str(out_dir / SENTENCE_FAISS))
    np.save(out_dir / SENTENCE_OWNERS, owners)
    return {"type": kind, "ntotal": int(index.ntotal), "min_chars": settings.sentence_min_chars,
            "embedded": len(todo)}


def build_index(records: Records, settings: Settings, out_dir: Path, progress: Progress | None = None,
                encoder: Any = None, previous: Path | None = None, executor: Any = None,
                embed_progress: Callable[[int, int], None] | None = None) -> BuildReport:
    """Write every part of the index for `records` into the new directory `out_dir`.

    Chunks whose embedded text is unchanged since the `previous` snapshot (same model,
    prompt, dtype) reuse its vectors, so adding one document embeds only that document.
    `embed_progress(done, total)` counts the chunks to embed: (0, total) first, then per group.
    The rest are embedded by `executor` (index.executors; default: in this process).
    """
    import faiss

    from index.model import encoder_from_settings

    say = progress or (lambda _m: None)
    timings: dict[str, float] = {}
    chunks = records.chunks
    require_chunks(records, settings)

    t = time.perf_counter()
    if encoder is None:
        encoder = encoder_from_settings(settings)
    timings["load_model"] = time.perf_counter() - t
    model_info = {  # what the encoder really is: vector reuse trusts these fields
        "name": encoder.spec.name,
        "dimension": int(encoder.dim),
        "query_prompt": encoder.spec.query_prompt,
        "document_prompt": encoder.spec.document_prompt,
        "dtype": encoder.dtype,
        "embed_context": settings.embed_context,
    }

    t = time.perf_counter()
    tok_spec = TokenizerSpec(settings.tokenizer_form, settings.tokenizer_drop_pos)
    tokenizer = JapaneseTokenizer(tok_spec)
    token_lists = [tokenizer.tokens(context_text(c, settings.lexical_context)) for c in chunks]
    bm25 = build_bm25(token_lists, settings.bm25_k1, settings.bm25_b)
    timings["lexical"] = time.perf_counter() - t
    say(f"BM25 over {len(chunks)} chunks, vocabulary {len(bm25.vocab_dict)} in {timings['lexical']:.1f}s")

    t = time.perf_counter()
    texts = [context_text(c, settings.embed_context) for c in chunks]
    prev = previous_snapshot(previous, model_info)  # read once, for chunk and sentence vectors
    cached = reusable_vectors(prev, model_info)
    todo = [n for n, text in enumerate(texts) if text not in cached]
    if cached:
        say(f"reusing {len(texts) - len(todo)} vectors from {previous.name if previous else ''}; embedding {len(todo)}")
    if embed_progress:
        embed_progress(0, len(todo))
    report = embedding_reporter(say, "chunks", t)

    def on_batch(done: int, total: int) -> None:
        if embed_progress:
            embed_progress(done, total)
        fault_point(settings.fault, "mid-embed", settings.index_dir)
        report(done, total)

    vectors = embed_texts(texts, cached, todo, encoder, executor, settings, model_info, on_batch)
    timings["embed"] = time.perf_counter() - t

    t = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    sentence_info = build_sentences(chunks, settings, out_dir, prev, encoder, executor, model_info, say)
    timings["embed_sentences"] = time.perf_counter() - t

    t = time.perf_counter()
    index, faiss_kind = make_faiss(vectors, settings.ann_threshold, settings.scale_threshold, settings.scale_index)
    faiss.write_index(index, str(out_dir / FAISS_FILE))
    if len(chunks) > settings.scale_threshold:
        from index.scale import save_vectors

        save_vectors(out_dir, vectors)
    bm25.save(str(out_dir / BM25_DIR), show_progress=False)
    write_meta(out_dir / META_DB, records.documents, records.texts, records.initiatives, records.sections, chunks)
    manifest = {
        "format": INDEX_FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": model_info,
        "tokenizer": tok_spec.describe(),
        "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b, "method": "lucene",
                 "lexical_context": settings.lexical_context, "vocabulary": len(bm25.vocab_dict)},
        "faiss": {"type": faiss_kind, "ntotal": int(index.ntotal)},
        **({"sentences": sentence_info} if sentence_info else {}),
        "build": {"executor": getattr(executor, "name", "local")},
        "corpus_hash": corpus_hash(records.documents),
        "documents": {d["id"]: d["sha256"] for d in records.documents},
        "counts": {
            "documents": len(records.documents),
            "initiatives": len(records.initiatives),
            "sections": len(records.sections),
            "chunks": len(chunks),
            "embedded": len(todo),
            "reused_vectors": len(texts) - len(todo),
        },
    }
    # The manifest is written last: a directory without one is never a valid index.
    fault_point(settings.fault, "before-manifest", settings.index_dir)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    timings["write"] = time.perf_counter() - t
    return BuildReport(out_dir, len(chunks), timings, manifest)
