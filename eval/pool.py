"""Pooled judging of new queries: gather the top 10 of every system, show the passages blind.

``python -m eval.pool dump DATA_DIR[=CORPUS_DIR] ... [--ids b001,b002] [--queries FILE] > pool.txt``
    For each query, the top 10 of hybrid, lexical and dense on every given index (e.g. the
    named-parser corpus and the general-recognizer corpus) and of the three window baselines.
    The pooled spans are recorded per query in ``eval/blind/pool.jsonl`` (added to what earlier
    rounds pooled). All spans are merged per document into regions, cut into units of at most
    ``UNIT`` characters at span boundaries, shuffled (fixed seed) and printed in the search form
    (folded, whitespace collapsed) with the queries that pooled them — never the system. A unit
    is listed for a query only if an earlier round did not already show that text for it; the
    units are appended to ``eval/blind/units.jsonl``.

``python -m eval.pool apply eval/blind/judgments.tsv [--queries FILE]``
    Lines ``unit<TAB>match<TAB>qid:grade qid:grade …`` (grade 2 relevant, 1 partially; pooled
    units not named are grade 0). Each match must occur in the unit's text and the unit must
    have been shown for the query; the judgments are written to ``queries_blind.jsonl`` as
    document id + match + grade. Unanswerable queries must end with none.

``dump --compare`` pools, for the cross-city queries, the passages ``/compare`` shows (three per
city): a comparison digs below the rankings' top 10, and an unpooled cell would count as wrong.
``apply --merge`` adds judgments to those a file already holds (``queries.jsonl``, judged before
pooling existed) instead of replacing them.

``--queries`` (default ``eval/queries_blind.jsonl``) pools and judges another query file with the
same schema; it keeps its own pool and units, ``eval/blind/NAME_pool.jsonl`` and
``NAME_units.jsonl`` for ``eval/queries_NAME.jsonl`` (units numbered with NAME's initial), so the
blind test judgments are not touched. The dev questions (``queries_dev_judged.jsonl``) are
judged in ``eval/blind/dev_judged_judgments.tsv``.
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
BLIND_DIR = Path(__file__).parent / "blind"
POOL = BLIND_DIR / "pool.jsonl"
UNITS = BLIND_DIR / "units.jsonl"


def pool_files(queries: Path) -> tuple[Path, Path, str]:
    """(pool file, units file, unit-id letter) of a query file: the blind file keeps the
    original names; ``queries_NAME.jsonl`` gets ``NAME_pool.jsonl``, ``NAME_units.jsonl``."""
    if queries.resolve() == BLIND.resolve():
        return POOL, UNITS, "U"
    name = queries.stem.removeprefix("queries_")
    return BLIND_DIR / f"{name}_pool.jsonl", BLIND_DIR / f"{name}_units.jsonl", name[0].upper()


def compare_spans(searcher, query: str, per_city: int = 3) -> set[tuple[str, int, int]]:
    """The passages /compare shows for a query: its first `per_city` of every city. They can sit
    below every system's top 10, so pooling only the rankings leaves compare's cells unjudged."""
    groups = searcher.compare(query, per_city=per_city).groups
    return {(h.document_id, h.source.char_start, h.source.char_end) for g in groups for h in g.hits}


def pooled_spans(searcher, baseline, query: str, baselines: tuple[str, ...] = ("lexical", "dense", "rrf")) -> set[tuple[str, int, int]]:
    spans = set()
    for mode in ("hybrid", "lexical", "dense"):
        for h in searcher.search(query, k=K, mode=mode).hits:
            spans.add((h.document_id, h.source.char_start, h.source.char_end))
    for mode in baselines:
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
    from index.build import build_bm25
    from index.searcher import Searcher
    from reform_search.settings import Settings

    queries = Path(args.queries)
    pool_path, units_path, letter = pool_files(queries)
    rows = [r for r in read_rows(queries) if (not args.ids or r["id"] in args.ids.split(","))
            and (not args.compare or r["type"] == "cross_city")]
    spans: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    texts: dict[str, str] = {}
    for spec in args.indexes:
        data, _, corpus = spec.partition("=")
        s = Settings(data_dir=Path(data), **({"corpus_dir": Path(corpus)} if corpus else {}))
        searcher = Searcher.open(s)
        cities = {d: m["city"] for d, m in searcher.meta.documents.items()}
        for d, t in searcher.meta.texts.items():
            if texts.setdefault(d, t) != t:
                raise SystemExit(f"{d}: the indexes hold different texts")
        if args.compare:  # compare's per-city cells of the cross-city queries only
            for r in rows:
                for sp in compare_spans(searcher, r["query"]):
                    spans[sp].add(r["id"])
            continue
        modes = tuple(args.baselines.split(","))
        wins = windows(searcher.meta.texts, cities)
        if modes == ("lexical",):  # BM25 windows only: no window vectors needed yet
            base = WindowBaseline.__new__(WindowBaseline)
            base.wins, base.tokenizer = wins, searcher.tokenizer
            base.bm25 = build_bm25([searcher.tokenizer.tokens(w.text) for w in wins], k1=1.2, b=0.75)
        else:
            base = WindowBaseline(wins, searcher.encoder, searcher.tokenizer, Path(args.cache))
        for r in rows:
            for sp in pooled_spans(searcher, base, r["query"], modes):
                spans[sp].add(r["id"])
    before = _read(pool_path)
    shown = {(u["doc"], u["start"], u["end"], q) for u in _read(units_path) for q in u["queries"]}
    units = []
    for u in units_of(spans):
        # queries for which some of this text was not shown in an earlier round
        fresh = [q for q in u["queries"] if not _covered(shown, u, q)]
        if fresh:
            units.append({**u, "queries": fresh})
    random.Random(10 + len(before)).shuffle(units)
    n0 = len(_read(units_path))
    BLIND_DIR.mkdir(exist_ok=True)
    with units_path.open("a", encoding="utf-8") as f:
        for n, u in enumerate(units, n0 + 1):
            u["unit"] = f"{letter}{n:04d}"
            f.write(json.dumps(u, ensure_ascii=False) + "\n")
    pooled = {r["id"]: {tuple(x) for x in r["spans"]} for r in before}
    for (d, s, e), qids in spans.items():
        for q in qids:
            pooled.setdefault(q, set()).add((d, s, e))
    with pool_path.open("w", encoding="utf-8") as f:
        for qid in sorted(pooled):
            f.write(json.dumps({"id": qid, "spans": sorted(pooled[qid])}, ensure_ascii=False) + "\n")
    for r in rows:
        print(f"# {r['id']} [{r['type']}] {r['query']}")
    for u in units:
        text = re.sub(r"\s+", " ", fold(texts[u["doc"]][u["start"] : u["end"]]))
        print(f"\n== {u['unit']} {u['doc']} q={','.join(u['queries'])}\n{text}")
    print(f"{len(units)} units, {sum(u['end'] - u['start'] for u in units)} chars", file=sys.stderr)
    return 0


def _read(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.open(encoding="utf-8") if x.strip()] if path.is_file() else []


def _covered(shown: set, u: dict, qid: str) -> bool:
    """Was all of u's text already shown for qid, by one earlier unit or by several side by side?
    (Chunks of another size cut the same text at other places; it need not be read again.)"""
    reach = u["start"]
    for s, e in sorted((s, e) for d, s, e, q in shown if d == u["doc"] and q == qid):
        if s > reach:
            break
        reach = max(reach, e)
    return reach >= u["end"]


def read_judgments(path: Path, units: dict[str, dict], texts: dict[str, str]
                   ) -> tuple[dict[str, list[dict]], list[str]]:
    """{query id: [{doc, match, grade}]} from a judgments TSV, and the lines that do not check out
    (a match not in its unit's text, a query that did not pool the unit)."""
    judged: dict[str, list[dict]] = defaultdict(list)
    errors = []
    for n, line in enumerate(path.open(encoding="utf-8"), 1):
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
    return judged, errors


def apply(args: argparse.Namespace) -> int:
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (Path(args.data) / "records" / "texts").glob("*.txt")}
    queries = Path(args.queries)
    units = {u["unit"]: u for u in _read(pool_files(queries)[1])}
    judged, errors = read_judgments(Path(args.judgments), units, texts)
    rows = read_rows(queries)
    for r in rows:
        if args.merge:  # the file's own judgments stay as they are; new ones only where they add a passage
            r["relevant"] = r["relevant"] + _dedupe(judged.get(r["id"], []), texts, keep=r["relevant"])
        else:
            r["relevant"] = _dedupe(judged.get(r["id"], []), texts)
        if r["type"] == "unanswerable" and r["relevant"]:
            errors.append(f"{r['id']} is unanswerable but has relevant passages")
    if errors:
        raise SystemExit("\n".join(errors))
    if args.check:
        print(f"ok: {sum(len(v) for v in judged.values())} judgments for {len(judged)} queries")
        return 0
    with queries.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{sum(len(v) for v in judged.values())} judgments for {len(judged)} queries")
    return 0


def _dedupe(judgments: list[dict], texts: dict[str, str], keep: list[dict] = ()) -> list[dict]:
    """One judgment per passage: matches overlapping in the document merge (higher grade kept);
    a match overlapping one of `keep` (judgments already held) is dropped."""
    def span(j: dict) -> tuple[str, int, int]:
        at = compact(texts[j["doc"]]).find(compact(j["match"]))
        return j["doc"], at, at + len(compact(j["match"]))

    held = [span(j) for j in keep]
    out: list[tuple[str, int, int, dict]] = []
    for j in sorted(judgments, key=lambda j: -j["grade"]):
        sp = span(j)
        if any(d == sp[0] and s < sp[2] and sp[1] < e for d, s, e, *_ in [*held, *out]):
            continue
        out.append((*sp, j))
    return [j for *_, j in out]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.pool")
    sub = p.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("indexes", nargs="+", help="DATA_DIR or DATA_DIR=CORPUS_DIR")
    d.add_argument("--ids", help="comma-separated query ids (default: all queries of the file)")
    d.add_argument("--queries", default=str(BLIND), help="query file to pool (default: the blind test queries)")
    d.add_argument("--baselines", default="lexical,dense,rrf", help="window baselines to pool")
    d.add_argument("--cache", default="var/eval-cache", help="window-vector cache")
    d.add_argument("--compare", action="store_true",
                   help="pool what /compare shows (3 per city) for the cross-city queries, instead of the rankings")
    a = sub.add_parser("apply")
    a.add_argument("judgments")
    a.add_argument("--data", default="var", help="any data dir of the seed corpus (its records hold the texts)")
    a.add_argument("--check", action="store_true", help="validate only")
    a.add_argument("--merge", action="store_true",
                   help="add to the judgments the file already holds (for files not judged through a TSV, queries.jsonl)")
    a.add_argument("--queries", default=str(BLIND), help="query file the judgments are for (default: the blind test queries)")
    args = p.parse_args(argv)
    return dump(args) if args.cmd == "dump" else apply(args)


if __name__ == "__main__":
    sys.exit(main())
