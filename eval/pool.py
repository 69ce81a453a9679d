"""Pooled judging of new queries: gather the top 10 of every system, show the passages blind.

``python -m eval.pool dump DATA_DIR[=CORPUS_DIR] ... --ids b001,b002 > pool.txt``
    For each query, the top 10 of hybrid, lexical and dense on every given index (e.g. the
    named-parser corpus and the general-recognizer corpus) and of the three window baselines.
    All pooled spans of all queries are merged per document into regions, cut into units of at
    most ``UNIT`` characters at span boundaries, shuffled (fixed seed) and printed in the search
    form (folded, whitespace collapsed) with the queries that pooled them — never the system.
    The unit list is also written to ``eval/blind/pool.jsonl`` (what was judged).

``python -m eval.pool apply eval/blind/judgments.tsv``
    Lines ``unit<TAB>match<TAB>qid:grade qid:grade …`` (grade 2 relevant, 1 partially; pooled
    units not named are grade 0). Each match must occur in the unit's search form; the
    judgments are written to ``queries_blind.jsonl`` as document id + match + grade.
    Unanswerable queries must end with none.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

from eval.queries import BLIND, read_rows
from ingest.normalize import compact, fold

K = 10
UNIT = 600
POOL = Path(__file__).parent / "blind" / "pool.jsonl"


def pooled_spans(searcher, baseline, query: str) -> set[tuple[str, int, int]]:
    spans = set()
    for mode in ("hybrid", "lexical", "dense"):
        for h in searcher.search(query, k=K, mode=mode).hits:
            spans.add((h.document_id, int(h.source["char_start"]), int(h.source["char_end"])))
    for mode in ("lexical", "dense", "rrf"):
        for w in baseline.search(query, mode, K):
            spans.add((w.document_id, w.start, w.start + len(w.text)))
    return spans


def units_of(spans: dict[tuple[str, int, int], set[str]]) -> list[dict]:
    """Merge overlapping spans per document, cut regions at span boundaries into <= UNIT chars."""
    out = []
    by_doc: dict[str, list[tuple[int, int, set[str]]]] = defaultdict(list)
    for (doc, s, e), qids in spans.items():
        by_doc[doc].append((s, e, qids))
    for doc, items in by_doc.items():
        items.sort()
        regions: list[list] = []
        for s, e, _ in items:
            if regions and s < regions[-1][1]:
                regions[-1][1] = max(regions[-1][1], e)
            else:
                regions.append([s, e])
        for rs, re_ in regions:
            cuts = sorted({rs, re_} | {p for s, e, _ in items for p in (s, e) if rs < p < re_})
            start = rs
            for a, b in zip(cuts, cuts[1:]):
                if b - start > UNIT and a > start:
                    out.append((doc, start, a))
                    start = a
            out.append((doc, start, re_))
    units = []
    for doc, s, e in out:
        qids = sorted({q for (d, ss, ee), qs in spans.items() if d == doc and ss < e and ee > s for q in qs})
        units.append({"doc": doc, "start": s, "end": e, "queries": qids})
    return units


def dump(args: argparse.Namespace) -> int:
    from eval.baselines import WindowBaseline, windows
    from index.searcher import Searcher
    from reform_search.settings import Settings

    rows = [r for r in read_rows(BLIND) if not args.ids or r["id"] in args.ids.split(",")]
    spans: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    texts: dict[str, str] = {}
    for spec in args.indexes:
        data, _, corpus = spec.partition("=")
        s = Settings(data_dir=Path(data), **({"corpus_dir": Path(corpus)} if corpus else {}))
        searcher = Searcher.open(s)
        cities = {d: m["city"] for d, m in searcher.meta.documents.items()}
        base = WindowBaseline(windows(searcher.meta.texts, cities), searcher.encoder, searcher.tokenizer,
                              Path(args.cache))
        for d, t in searcher.meta.texts.items():
            if texts.setdefault(d, t) != t:
                raise SystemExit(f"{d}: the indexes hold different texts")
        for r in rows:
            for sp in pooled_spans(searcher, base, r["query"]):
                spans[sp].add(r["id"])
    units = units_of(spans)
    random.Random(10).shuffle(units)
    POOL.parent.mkdir(exist_ok=True)
    with POOL.open("w", encoding="utf-8") as f:
        for n, u in enumerate(units, 1):
            u["unit"] = f"U{n:04d}"
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    for r in rows:
        print(f"# {r['id']} [{r['type']}] {r['query']}")
    for u in units:
        text = re.sub(r"\s+", " ", fold(texts[u["doc"]][u["start"] : u["end"]]))
        print(f"\n== {u['unit']} {u['doc']} q={','.join(u['queries'])}\n{text}")
    print(f"{len(units)} units, {sum(u['end'] - u['start'] for u in units)} chars", file=sys.stderr)
    return 0


def apply(args: argparse.Namespace) -> int:
    from index.searcher import Searcher
    from reform_search.settings import Settings

    texts = Searcher.open(Settings(data_dir=Path(args.data))).meta.texts
    units = {u["unit"]: u for u in (json.loads(x) for x in POOL.open(encoding="utf-8"))}
    judged: dict[str, list[dict]] = defaultdict(list)
    errors = []
    for n, line in enumerate(Path(args.judgments).open(encoding="utf-8"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        uid, match, grades = line.rstrip("\n").split("\t")
        u = units[uid]
        if compact(match) not in compact(texts[u["doc"]][u["start"] : u["end"]]):
            errors.append(f"line {n}: {match!r} not in {uid}")
        for g in grades.split():
            qid, grade = g.split(":")
            if qid not in u["queries"]:
                errors.append(f"line {n}: {qid} did not pool {uid}")
            judged[qid].append({"doc": u["doc"], "match": match, "grade": int(grade)})
    rows = read_rows(BLIND)
    for r in rows:
        r["relevant"] = judged.get(r["id"], [])
        if r["type"] == "unanswerable" and r["relevant"]:
            errors.append(f"{r['id']} is unanswerable but has relevant passages")
    if errors:
        raise SystemExit("\n".join(errors))
    with BLIND.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{sum(len(v) for v in judged.values())} judgments for {len(judged)} queries")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.pool")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("indexes", nargs="+", help="DATA_DIR or DATA_DIR=CORPUS_DIR")
    d.add_argument("--ids", help="comma-separated query ids (default: all blind queries)")
    d.add_argument("--cache", default="var/eval-cache", help="window-vector cache")
    a = sub.add_parser("apply")
    a.add_argument("judgments")
    a.add_argument("--data", default="var", help="any data dir of the seed corpus (for the texts)")
    args = p.parse_args(argv)
    return dump(args) if args.cmd == "dump" else apply(args)


if __name__ == "__main__":
    sys.exit(main())
