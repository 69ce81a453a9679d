"""The Ray Data executor: ingest and embedding as Ray Data pipelines.

* ingest: one Ray task per document (read, parse, chunk); results come back in manifest order.
* embed:  chunk texts, sorted by length and cut into blocks of `ray_block_chunks`, go through
  ``map_batches`` on an actor pool; each actor loads the encoder once and embeds whole blocks.
  Vectors are put back in input order by row number, so the result does not depend on which
  actor finished first.

Actors that die are restarted and their blocks retried by Ray (`max_restarts`,
`max_task_retries`); an error that survives the retries fails the build, and publish then
leaves the served snapshot untouched. With `ray_address` unset a private local Ray is
started for the build and stopped after it (``address="local"``: never someone else's).
"""

from __future__ import annotations

import os
import pickle
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ingest.chunking import ChunkParams
from ingest.pipeline import IngestResult, add_outcome, ingest_file
from reform_search.settings import REPO_ROOT, Settings

#: Test hook: a path; the first actor call that finds no file there creates it and kills its process.
CRASH_ONCE_ENV = "REFORM_SEARCH_RAY_CRASH_ONCE"
RETRIES = 3


def _worker_env() -> dict[str, str]:
    """Environment for Ray workers: this checkout importable, the model cache offline."""
    paths = [str(REPO_ROOT), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    env = {"PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", CRASH_ONCE_ENV):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _crash_once() -> None:
    marker = os.environ.get(CRASH_ONCE_ENV)
    if marker and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)  # the process dies as a killed worker would: no exception, no cleanup


class Embedder:
    """A Ray Data actor: loads the encoder once, then embeds one block of texts per call."""

    def __init__(self, settings: dict[str, Any], threads: int) -> None:
        from index.model import encoder_from_settings

        # only the model's fields travel to the actors (no keys); they were validated by the driver
        self.encoder = encoder_from_settings(Settings.model_construct(**settings), threads=threads)
        self.batch_size = int(settings["encode_batch_size"])

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        _crash_once()
        texts = [str(t) for t in batch["text"]]
        vecs = self.encoder.encode_documents(texts, batch_size=self.batch_size)
        return {"row": np.asarray(batch["row"], dtype=np.int64), "vec": vecs,
                "dtype": np.array([self.encoder.dtype] * len(texts))}


def _ingest_row(row: dict[str, Any], corpus_dir: str, params: bytes) -> dict[str, Any]:
    """Ray task body: ingest one manifest document (pickled in and out)."""
    meta = pickle.loads(row["meta"])
    t = time.perf_counter()
    doc, error, note = ingest_file(Path(corpus_dir), meta, pickle.loads(params))
    return {"n": row["n"], "doc": pickle.dumps(doc), "error": error, "note": note,
            "seconds": time.perf_counter() - t}


class RayExecutor:
    """Ingest and embed on the Ray cluster this process is connected to."""

    name = "ray"

    def __init__(self, settings: Settings, progress: Callable[[str], None] | None = None) -> None:
        import ray

        self.settings = settings
        self.say = progress or (lambda _m: None)
        self.cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = settings.ray_workers or self.cpus
        self.dtype: str | None = None  # what the actors' encoders ran in, once they have embedded

    @classmethod
    @contextmanager
    def session(cls, settings: Settings, progress: Callable[[str], None] | None = None) -> Iterator["RayExecutor"]:
        """Connect to `settings.ray_address` or start a private local Ray; disconnect/stop after."""
        import logging

        import ray

        say = progress or (lambda _m: None)
        owned = not ray.is_initialized()
        if owned:
            t = time.perf_counter()
            common: dict[str, Any] = {"runtime_env": {"env_vars": _worker_env()}, "logging_level": logging.WARNING,
                                      "include_dashboard": False}
            if settings.ray_address:
                ray.init(address=settings.ray_address, **common)
                where = f"Ray cluster at {settings.ray_address}"
            else:
                ray.init(address="local", num_cpus=settings.ray_num_cpus, **common)
                where = "a local Ray"
            say(f"started {where} with {int(ray.cluster_resources().get('CPU', 0))} CPUs "
                f"in {time.perf_counter() - t:.1f}s")
        try:
            yield cls(settings, say)
        finally:
            if owned:
                ray.shutdown()

    def _model_settings(self) -> dict[str, Any]:
        s = self.settings
        return {"model": s.model, "cache_dir": s.cache_dir, "query_prompt": s.query_prompt,
                "document_prompt": s.document_prompt, "model_dtype": s.model_dtype,
                "encode_batch_size": s.encode_batch_size}

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Embed `texts` on an actor pool of `ray_workers` actors (1 CPU, 1 torch thread each)."""
        import pyarrow as pa
        import ray

        total = len(texts)
        if total == 0:
            return np.zeros((0, 0), np.float32)
        # Longest first, as the local encoder sorts: similar lengths per block, little padding.
        order = np.array(sorted(range(total), key=lambda i: -len(texts[i])), dtype=np.int64)
        size = self.settings.ray_block_chunks
        blocks = [pa.table({"row": order[s:s + size], "text": [texts[i] for i in order[s:s + size]]})
                  for s in range(0, total, size)]
        workers = max(1, min(self.workers, len(blocks)))
        self.say(f"embedding {total} chunks on Ray: {len(blocks)} blocks, {workers} actors")
        with warnings.catch_warnings():  # retry limits are still passed as remote args in Ray 2.60
            warnings.simplefilter("ignore", DeprecationWarning)
            ds = ray.data.from_arrow(blocks).map_batches(
                Embedder, fn_constructor_kwargs={"settings": self._model_settings(), "threads": 1},
                batch_size=None, batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=workers),
                num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES,
            )
        out: np.ndarray | None = None
        done = 0
        dtypes: set[str] = set()
        for batch in ds.iter_batches(batch_size=None, batch_format="numpy", prefetch_batches=0):
            vecs = np.asarray(batch["vec"], dtype=np.float32)
            dtypes.update(str(d) for d in batch["dtype"])
            if out is None:
                out = np.zeros((total, vecs.shape[1]), np.float32)
            out[batch["row"]] = vecs
            done += len(vecs)
            if progress:
                progress(done, total)
        if out is None or done != total:
            raise RuntimeError(f"Ray returned {done} of {total} vectors")
        if len(dtypes) != 1:
            raise RuntimeError(f"Ray actors embedded in mixed dtypes {sorted(dtypes)}")
        self.dtype = dtypes.pop()
        return out

    def ingest(self, corpus_dir: Path, params: ChunkParams,
               progress: Callable[[str], None] | None = None) -> IngestResult:
        """One Ray task per document; documents that fail are errors, as in the local ingest."""
        import ray

        from ingest.corpus import load_manifest

        say = progress or self.say
        t0 = time.perf_counter()
        metas = load_manifest(corpus_dir)
        result = IngestResult(documents=[])
        if not metas:
            return result
        items = [{"n": n, "meta": pickle.dumps(m)} for n, m in enumerate(metas)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ds = ray.data.from_items(items, override_num_blocks=len(items)).map(
                _ingest_row, fn_kwargs={"corpus_dir": str(corpus_dir), "params": pickle.dumps(params)},
                num_cpus=1, max_retries=RETRIES,
            )
        rows = sorted(ds.iter_rows(), key=lambda r: r["n"])
        for row in rows:
            n = int(row["n"])
            add_outcome(result, say, f"[{n + 1}/{len(metas)}]", metas[n], pickle.loads(row["doc"]), str(row["error"]),
                        str(row["note"]), float(row["seconds"]), " (Ray task)")
        result.seconds = time.perf_counter() - t0
        return result
