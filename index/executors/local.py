"""The in-process executor: what `reform-search` has always done on one machine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import ChunkParams
from ingest.pipeline import IngestResult, run_ingest
from reform_search.settings import Settings


class LocalExecutor:
    """Ingest and embed in this process (the encoder is loaded on first use)."""

    name = "local"

    def __init__(self, settings: Settings, encoder: Any = None) -> None:
        self.settings = settings
        self._encoder = encoder

    @property
    def encoder(self) -> Any:
        if self._encoder is None:
            from index.model import load_encoder, resolve_model

            s = self.settings
            spec = resolve_model(s.model, s.cache_dir, s.query_prompt, s.document_prompt)
            self._encoder = load_encoder(spec, threads=s.torch_threads, dtype=s.model_dtype)
        return self._encoder

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        return self.encoder.encode_documents(texts, batch_size=self.settings.encode_batch_size, progress=progress)

    def ingest(self, corpus_dir: Path, params: ChunkParams,
               progress: Callable[[str], None] | None = None) -> IngestResult:
        return run_ingest(corpus_dir, params, progress)
