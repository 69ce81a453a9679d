"""Pooled judging of the other-cities queries (same protocol as eval/pool.py, own files).

``python -m eval.other_cities.pool dump [DATA_DIR] > pool.txt``
    Top 10 of hybrid, lexical and dense and of the three 400-character window baselines for
    every query; spans recorded in ``pool.jsonl``, merged into units (``units.jsonl``), shuffled
    and printed without the system that retrieved them.

``python -m eval.other_cities.pool dump --compare [DATA_DIR] > pool2.txt``
    A later round: the first passage ``/compare`` shows for every city of each cross-city query
    (what its per-city P@1 reads), appended as new units when that text was not shown for the
    query before. Judgments go to the same ``judgments.tsv``.

``python -m eval.other_cities.pool apply [DATA_DIR]``
    Reads ``judgments.tsv`` (``unit<TAB>match<TAB>qid:grade …``; unnamed pooled units are grade
    0), checks every match against the unit text and the pool, and writes the judgments into
    ``queries.jsonl`` (doc + match + grade). A cross-city query's ``cities`` becomes the set of
    municipalities with at least one judged passage (the expected set for city_cov).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from eval.other_cities import CORPUS, DEFAULT_DATA, JUDGMENTS, POOL, QUERIES, UNITS
from eval.pool import _covered, _dedupe, _read, compare_spans, pooled_spans, read_judgments, units_of
from eval.queries import read_rows
from ingest.normalize import fold


def dump(data: Path, cache: Path, compare: bool = False) -> int:
    from eval.baselines import WindowBaseline, windows
    from index.searcher import Searcher
    from reform_search.settings import Settings

    searcher = Searcher.open(Settings(data_dir=data, corpus_dir=CORPUS))
    if compare:
        return dump_compare(searcher)
    cities = {d: m["city"] for d, m in searcher.meta.documents.items()}
    base = WindowBaseline(windows(searcher.meta.texts, cities), searcher.encoder, searcher.tokenizer, cache)
    rows = read_rows(QUERIES)
    spans: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for r in rows:
        for sp in pooled_spans(searcher, base, r["query"]):
            spans[sp].add(r["id"])
    units = units_of(spans)
    random.Random(10).shuffle(units)
    with UNITS.open("w", encoding="utf-8") as f:
        for n, u in enumerate(units, 1):
            u["unit"] = f"O{n:04d}"
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    pooled: dict[str, set] = defaultdict(set)
    for sp, qids in spans.items():
        for q in qids:
            pooled[q].add(sp)
    with POOL.open("w", encoding="utf-8") as f:
        for qid in sorted(pooled):
            f.write(json.dumps({"id": qid, "spans": sorted(pooled[qid])}, ensure_ascii=False) + "\n")
    _print(rows, units, searcher.meta.texts)
    return 0


def dump_compare(searcher) -> int:
    """Append the first /compare cell of every city of the cross-city queries, where not shown before."""
    rows = [r for r in read_rows(QUERIES) if r["type"] == "cross_city"]
    spans: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for r in rows:
        for sp in compare_spans(searcher, r["query"], per_city=1):
            spans[sp].add(r["id"])
    old = _read(UNITS)
    shown = {(u["doc"], u["start"], u["end"], q) for u in old for q in u["queries"]}
    units = []
    for u in units_of(spans):
        fresh = [q for q in u["queries"] if not _covered(shown, u, q)]
        if fresh:
            units.append({**u, "queries": fresh})
    random.Random(11).shuffle(units)
    with UNITS.open("a", encoding="utf-8") as f:
        for n, u in enumerate(units, len(old) + 1):
            u["unit"] = f"O{n:04d}"
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    pooled = {r["id"]: {tuple(x) for x in r["spans"]} for r in _read(POOL)}
    for sp, qids in spans.items():
        for q in qids:
            pooled.setdefault(q, set()).add(sp)
    with POOL.open("w", encoding="utf-8") as f:
        for qid in sorted(pooled):
            f.write(json.dumps({"id": qid, "spans": sorted(pooled[qid])}, ensure_ascii=False) + "\n")
    _print(rows, units, searcher.meta.texts)
    return 0


def _print(rows: list[dict], units: list[dict], texts: dict[str, str]) -> None:
    for r in rows:
        print(f"# {r['id']} [{r['type']}] {r['query']}")
    for u in units:
        text = re.sub(r"\s+", " ", fold(texts[u["doc"]][u["start"] : u["end"]]))
        print(f"\n== {u['unit']} {u['doc']} q={','.join(u['queries'])}\n{text}")
    print(f"{len(units)} units, {sum(u['end'] - u['start'] for u in units)} chars", file=sys.stderr)


def apply(data: Path, check: bool = False) -> int:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (data / "records" / "texts").glob("*.txt")}
    city = {d["id"]: d["city"] for d in json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))["documents"]}
    units = {u["unit"]: u for u in _read(UNITS)}
    judged, errors = read_judgments(JUDGMENTS, units, texts)
    rows = read_rows(QUERIES)
    for r in rows:
        r["relevant"] = _dedupe(judged.get(r["id"], []), texts)
        if r["type"] == "cross_city":
            r["cities"] = sorted({city[j["doc"]] for j in r["relevant"]})
        if r["type"] == "unanswerable" and r["relevant"]:
            errors.append(f"{r['id']} is unanswerable but has relevant passages")
    if errors:
        raise SystemExit("\n".join(errors))
    print(f"{sum(len(r['relevant']) for r in rows)} judgments for {sum(bool(r['relevant']) for r in rows)} queries")
    if not check:
        with QUERIES.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.other_cities.pool")
    p.add_argument("cmd", choices=("dump", "apply"))
    p.add_argument("data", nargs="?", type=Path, default=DEFAULT_DATA, help="data dir of the other-cities corpus")
    p.add_argument("--check", action="store_true", help="apply: validate only")
    p.add_argument("--compare", action="store_true", help="dump: a later round of /compare's first cells")
    args = p.parse_args(argv)
    if args.cmd == "dump":
        return dump(args.data, args.data / "eval-cache", args.compare)
    return apply(args.data, args.check)


if __name__ == "__main__":
    sys.exit(main())
