"""Open a built index: read every part and cross-check it against the manifest and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.store import BM25_DIR, FAISS_FILE, META_DB, Meta, read_manifest, read_meta
from index.tokenize import TokenizerSpec
from reform_search.errors import IndexError_, IndexMismatch
from reform_search.settings import Settings


@dataclass
class IndexParts:
    """What a Searcher serves: the manifest, chunk metadata, FAISS, BM25 and a matching encoder."""

    index_dir: Path
    manifest: dict[str, Any]
    meta: Meta
    dense: Any
    bm25: Any
    encoder: Any


def faiss_read(path: Path) -> Any:
    import faiss

    try:
        return faiss.read_index(str(path))
    except RuntimeError as e:
        raise IndexError_(f"{path} is corrupt or truncated ({e}); rebuild with `reform-search build`") from e


def check_model(manifest: dict[str, Any], index_dir: Path, settings: Settings) -> None:
    """Refuse an index built with another model, query prompt or tokenizer dictionary."""
    from index.model import resolve_model

    spec = resolve_model(settings.model, settings.cache_dir, settings.query_prompt, settings.document_prompt)
    built = manifest["model"]
    if built["name"] != spec.name or built["query_prompt"] != spec.query_prompt:
        raise IndexMismatch(
            f"index at {index_dir} was built with model {built['name']!r} (query prompt "
            f"{built['query_prompt']!r}) but settings ask for {spec.name!r} ({spec.query_prompt!r}); "
            "rebuild with `reform-search build` or set REFORM_SEARCH_MODEL to the index's model"
        )
    tok = manifest["tokenizer"]
    current = TokenizerSpec(tok["form"], tuple(tok["drop_pos"])).describe()
    if current["dictionary_version"] != tok["dictionary_version"]:
        raise IndexMismatch(
            f"index was tokenized with unidic-lite {tok['dictionary_version']}, "
            f"installed is {current['dictionary_version']}; rebuild with `reform-search build`"
        )


def load_parts(settings: Settings, index_dir: Path | None = None, encoder: Any = None) -> IndexParts:
    """Read the current (or given) snapshot; every part must agree with the manifest's counts."""
    import bm25s

    from index.model import encoder_from_settings
    from index.snapshots import SnapshotStore

    index_dir = index_dir or SnapshotStore(settings.index_dir).require_current()
    manifest = read_manifest(index_dir)
    check_model(manifest, index_dir, settings)
    built = manifest["model"]
    meta = read_meta(index_dir / META_DB)
    dense = faiss_read(index_dir / FAISS_FILE)
    try:
        bm25 = bm25s.BM25.load(str(index_dir / BM25_DIR), show_progress=False)
    except (OSError, ValueError, KeyError) as e:
        raise IndexError_(f"BM25 index in {index_dir} is unreadable ({e}); rebuild with `reform-search build`") from e
    n = manifest["counts"]["chunks"]
    parts = {"metadata": len(meta.chunks), "faiss": dense.ntotal, "bm25": int(bm25.scores["num_docs"])}
    if any(v != n for v in parts.values()) or dense.d != built["dimension"]:
        raise IndexError_(
            f"index parts disagree with the manifest ({n} chunks, dimension {built['dimension']}): "
            f"{parts}, faiss dimension {dense.d}; rebuild with `reform-search build`"
        )
    if encoder is None:
        encoder = encoder_from_settings(settings)
    if encoder.dim != built["dimension"]:
        raise IndexMismatch(f"model dimension {encoder.dim} differs from the index's {built['dimension']}")
    return IndexParts(index_dir, manifest, meta, dense, bm25, encoder)
