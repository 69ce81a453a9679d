"""`python -m eval.bench_ray`: embedding the seed chunks locally vs on a local Ray (1 and 2 workers).

Prints wall times from this run only; on a shared machine they move with the load, which is
printed next to them.
"""

from __future__ import annotations

import argparse
import os
import time

def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    from index.build import context_text
    from index.executors.ray import RayExecutor
    from index.model import encoder_from_settings
    from ingest.pipeline import load_records
    from reform_search.settings import get_settings

    ap = argparse.ArgumentParser(prog="python -m eval.bench_ray")
    ap.add_argument("--limit", type=int, default=0, help="embed only the first N chunks (0 = all)")
    ap.add_argument("--skip-local", action="store_true")
    args = ap.parse_args(argv)
    settings = get_settings()
    records = load_records(settings.records_dir)
    texts = [context_text(c, settings.embed_context) for c in records.chunks]
    if args.limit:
        texts = texts[: args.limit]
    print(f"{len(texts)} chunk texts, dtype {settings.model_dtype}, {os.cpu_count()} cores; {load()}")
    ref = None
    if not args.skip_local:
        for threads in (2, 1):
            t = time.perf_counter()
            enc = encoder_from_settings(settings, threads=threads)
            vecs = enc.encode_documents(texts, batch_size=settings.encode_batch_size)
            sec = time.perf_counter() - t
            ref = vecs if ref is None else ref
            print(f"  local, 1 process, {threads} torch threads (load + embed): {sec:7.1f} s "
                  f"{len(texts) / sec:6.1f} chunks/s; {load()}", flush=True)
    ray_settings = settings.model_copy(update={"executor": "ray", "ray_num_cpus": 2, "ray_block_chunks": 64})
    t = time.perf_counter()
    with RayExecutor.session(ray_settings) as ex:
        print(f"  Ray start (local, 2 CPUs): {time.perf_counter() - t:7.1f} s", flush=True)
        for workers in (1, 2):
            ex.workers = workers
            t = time.perf_counter()
            vecs = ex.embed(texts)
            sec = time.perf_counter() - t
            cos = float((vecs * ref).sum(axis=1).min()) if ref is not None else float("nan")
            print(f"  Ray, {workers} actor(s) x 1 thread (actor start + embed): {sec:7.1f} s "
                  f"{len(texts) / sec:6.1f} chunks/s; min cosine to local {cos:.6f}; {load()}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
