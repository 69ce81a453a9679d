"""On-disk index layout: manifest, FAISS, BM25 and an SQLite metadata store.

A built index is a self-describing directory::

    manifest.json   format, model, dimension, prompts, tokenizer, BM25 params, corpus hash, counts
    dense.faiss     FAISS index, row i = chunk i
    bm25/           bm25s index over fugashi tokens, doc i = chunk i
    meta.sqlite     documents, original texts, initiatives, sections, chunks (row i = chunk i)
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.records import Chunk, Initiative, Section
from reform_search.errors import IndexError_

INDEX_FORMAT = 1
MANIFEST = "manifest.json"
FAISS_FILE = "dense.faiss"
BM25_DIR = "bm25"
META_DB = "meta.sqlite"


def write_meta(path: Path, documents: list[dict[str, Any]], texts: dict[str, str], initiatives: list[Initiative],
               sections: list[Section], chunks: list[Chunk]) -> None:
    """Write the metadata store; chunk rows keep the index order."""
    con = sqlite3.connect(path)
    try:
        con.executescript(
            """
            CREATE TABLE documents (id TEXT PRIMARY KEY, json TEXT NOT NULL, text TEXT NOT NULL);
            CREATE TABLE initiatives (id TEXT PRIMARY KEY, document_id TEXT NOT NULL, json TEXT NOT NULL);
            CREATE TABLE sections (id TEXT PRIMARY KEY, document_id TEXT NOT NULL, json TEXT NOT NULL);
            CREATE TABLE chunks (row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, json TEXT NOT NULL);
            """
        )
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?)",
            [(d["id"], json.dumps(d, ensure_ascii=False), texts[d["id"]]) for d in documents],
        )
        con.executemany(
            "INSERT INTO initiatives VALUES (?, ?, ?)",
            [(i.id, i.document_id, json.dumps(i.to_dict(), ensure_ascii=False)) for i in initiatives],
        )
        con.executemany(
            "INSERT INTO sections VALUES (?, ?, ?)",
            [(s.id, s.document_id, json.dumps(s.to_dict(), ensure_ascii=False)) for s in sections],
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?)",
            [(n, c.id, json.dumps(c.to_dict(), ensure_ascii=False)) for n, c in enumerate(chunks)],
        )
        con.commit()
    finally:
        con.close()


@dataclass
class Meta:
    """Everything the searcher keeps in memory besides the vectors and BM25."""

    documents: dict[str, dict[str, Any]]
    texts: dict[str, str]
    initiatives: dict[str, Initiative]
    sections: dict[str, Section]
    chunks: list[Chunk]


def read_meta(path: Path) -> Meta:
    if not path.is_file():
        raise IndexError_(f"{path} is missing; rebuild the index with `reform-search build`")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        docs = {r[0]: json.loads(r[1]) for r in con.execute("SELECT id, json FROM documents ORDER BY id")}
        texts = {r[0]: r[1] for r in con.execute("SELECT id, text FROM documents")}
        inits = {r[0]: Initiative.from_dict(json.loads(r[1])) for r in con.execute("SELECT id, json FROM initiatives")}
        secs = {r[0]: Section.from_dict(json.loads(r[1])) for r in con.execute("SELECT id, json FROM sections")}
        chunks = [Chunk.from_dict(json.loads(r[0])) for r in con.execute("SELECT json FROM chunks ORDER BY row")]
    except sqlite3.DatabaseError as e:
        raise IndexError_(f"{path} is not a readable metadata store ({e}); rebuild with `reform-search build`") from e
    finally:
        con.close()
    return Meta(docs, texts, inits, secs, chunks)


def read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.is_file():
        raise IndexError_(f"no index at {index_dir}; build it with `reform-search build`")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise IndexError_(f"{path} is corrupt ({e}); rebuild with `reform-search build`") from e
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexError_(
            f"{index_dir} has index format {manifest.get('format')!r}, this version reads {INDEX_FORMAT}; "
            "rebuild with `reform-search build`"
        )
    return manifest
