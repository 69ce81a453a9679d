"""Where a build's heavy stages run: in this process (`local`) or on a Ray cluster (`ray`).

An executor does the two stages that grow with the corpus, ingesting documents and
embedding chunk texts, and nothing else: BM25, the FAISS index, validation and the atomic
snapshot swap stay in index.build / index.publish for every executor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.chunking import ChunkParams
from ingest.pipeline import IngestResult
from reform_search.settings import Settings

EmbedProgress = Callable[[int, int], None]


class Executor(Protocol):
    name: str
    dtype: str | None  # what the last embed() ran in, asked of the encoders that ran it

    def embed(self, texts: list[str], progress: EmbedProgress | None = None) -> np.ndarray:
        """L2-normalized float32 [len(texts), dim] passage vectors, in input order."""
        ...

    def ingest(self, corpus_dir: Path, params: ChunkParams,
               progress: Callable[[str], None] | None = None) -> IngestResult:
        """Every manifest document ingested and chunked, in manifest order."""
        ...


@contextmanager
def open_executor(settings: Settings, encoder: Any = None,
                  progress: Callable[[str], None] | None = None) -> Iterator[Executor]:
    """The executor `settings.executor` names, with its resources released on exit."""
    if settings.executor == "ray":
        from index.executors.ray import RayExecutor

        with RayExecutor.session(settings, progress) as ex:
            yield ex
    else:
        from index.executors.local import LocalExecutor

        yield LocalExecutor(settings, encoder)
