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
            from index.model import encoder_from_settings

            self._encoder = encoder_from_settings(self.settings)
        return self._encoder

    @property
    def dtype(self) -> str | None:
        """What the vectors were embedded in (None before the encoder is loaded)."""
        return None if self._encoder is None else self._encoder.dtype

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        return self.encoder.encode_documents(texts, batch_size=self.settings.encode_batch_size, progress=progress)

    def ingest(self, corpus_dir: Path, params: ChunkParams,
               progress: Callable[[str], None] | None = None) -> IngestResult:
        return run_ingest(corpus_dir, params, progress)
