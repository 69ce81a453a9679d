"""``python -m eval.other_cities [--data DIR] [--json]`` (``make eval-other``).

Ingests the other-cities corpus and publishes its index into DIR when the records or the index
are missing or older than the corpus or the code that shapes them (as the Makefile's rules for
the seed index; ``--rebuild`` forces both), then scores hybrid, lexical,
dense and the three 400-character window baselines on the judged queries in one run and prints
eval/run.py's table. Issue 10's target: hybrid nDCG@10 ≥ base:bm25-400 + 0.05.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eval.other_cities import CORPUS, DEFAULT_DATA, ENGLISH, QUERIES


ROOT = Path(__file__).resolve().parents[2]
INGEST_CODE = sorted((ROOT / "ingest").rglob("*.py"))
INDEX_CODE = [ROOT / "index" / f for f in ("build.py", "tokenize.py", "model.py", "store.py", "scale.py", "sentences.py")]


def _stale(target: Path, sources: list[Path]) -> bool:
    return not target.exists() or any(p.stat().st_mtime > target.stat().st_mtime for p in sources)


def prepare(data: Path, rebuild: bool = False):
    """Settings of an up-to-date index of the other-cities corpus in ``data``."""
    from index.publish import publish
    from ingest.chunking import ChunkParams
    from ingest.pipeline import load_records, run_ingest, write_records
    from reform_search.settings import Settings

    s = Settings(data_dir=data, corpus_dir=CORPUS)
    docs = s.records_dir / "documents.json"
    if rebuild or _stale(docs, sorted(CORPUS.iterdir()) + INGEST_CODE):
        result = run_ingest(CORPUS, ChunkParams(s.chunk_target_chars, s.chunk_max_chars, s.chunk_overlap_chars))
        if result.errors:
            raise SystemExit("\n".join(map(str, result.errors)))
        write_records(result, s.records_dir)
    current = s.data_dir / "index" / "CURRENT"
    if rebuild or _stale(current, [docs, *INDEX_CODE]):
        publish(load_records(s.records_dir), s)
    return s


def run(data: Path, rebuild: bool = False, baselines: bool = True, english: bool = False) -> dict:
    """{"test": the test split's report} and, with `english`, {"test, English": the same queries in
    English (ENGLISH)}, from one searcher."""
    from eval.baselines import WindowBaseline, windows
    from eval.run import evaluate_split
    from eval.queries import in_english, load_queries
    from index.searcher import Searcher

    s = prepare(data, rebuild)
    searcher = Searcher.open(s)
    baseline = None
    if baselines:
        cities = {d: m["city"] for d, m in searcher.meta.documents.items()}
        baseline = WindowBaseline(windows(searcher.meta.texts, cities), searcher.encoder, searcher.tokenizer,
                                  s.data_dir / "eval-cache")
    queries = load_queries(QUERIES, "test")
    reports = {"test": evaluate_split(searcher, queries, baseline)}
    if english:
        reports["test, English"] = evaluate_split(searcher, in_english(queries, ENGLISH), baseline)
    searcher.close()
    return reports


def main(argv: list[str] | None = None) -> int:
    from eval.answers import format_answers
    from eval.run import format_intervals, format_table

    p = argparse.ArgumentParser(prog="python -m eval.other_cities")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data dir for the other-cities index")
    p.add_argument("--rebuild", action="store_true", help="re-ingest and re-index even if up to date")
    p.add_argument("--no-baselines", action="store_true")
    p.add_argument("--json", action="store_true")
    p.add_argument("--no-english", action="store_true", help="skip the English versions of the queries")
    args = p.parse_args(argv)
    reports = run(args.data, args.rebuild, not args.no_baselines, english=not args.no_english and ENGLISH.is_file())
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=1))
        return 0
    print(f"other cities: corpus {CORPUS}, index {args.data}; nDCG@10 by query group")
    for name, r in reports.items():
        print(f"\n== {name}: {r['queries']} ==")
        print(format_table(r["retrieval"]))
        print(format_intervals(r["intervals"]))
        print(format_answers(r["answers"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
