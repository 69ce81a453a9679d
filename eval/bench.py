"""`make bench`: runs the benchmarks one after another and writes their numbers.

The benchmarks themselves (:mod:`eval.bench_search`, :mod:`eval.bench_serving`) do not import each
other; this runner is the only module that knows both.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def main(argv: list[str] | None = None) -> int:
    from eval.bench_search import bench_search
    from eval.bench_serving import bench_serving
    from reform_search.settings import get_settings

    ap = argparse.ArgumentParser(prog="python -m eval.bench")
    ap.add_argument("--synthetic", type=int, default=100_000, help="chunks in the synthetic index (0 = skip)")
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--skip-api", action="store_true")
    ap.add_argument("--requests", type=int, default=600, help="API load requests per concurrency level")
    ap.add_argument("--serving-only", action="store_true", help="only the bare encoder vs API table")
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args(argv)
    settings = get_settings()
    results: dict[str, Any] = {}
    if not args.serving_only:
        results.update(bench_search(settings, args.synthetic, args.skip_build))
    if args.serving_only or not args.skip_api:
        results["serving"] = bench_serving(settings, args.requests)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
