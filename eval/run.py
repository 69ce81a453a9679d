"""`reform-search eval` / `make eval`: retrieval and answer quality per split (dev, test).

Every system — hybrid, lexical, dense and the three naive window baselines (BM25, dense and
their RRF over 400-character windows, eval/baselines.py) — is scored on the same queries in the
same run. Tune on dev; report test (the split rule is in eval/queries.py).
"""

from __future__ import annotations

import argparse
import json
import statistics
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

from eval.answers import evaluate_answers, evaluate_refusals, format_answers, format_refusals
from eval.metrics import (bootstrap_interval, city_coverage, expected_cities, gains, mrr, ndcg_at_k, recall_at_k,
                          within_budget)
from eval.queries import (DEFAULT_FILES, ENGLISH, ENGLISH_WRITTEN, FRESH, HOLDOUT, SPLITS, Query, in_english, load_queries,
                          read_rows)

__all__ = ["evaluate", "evaluate_answers", "load_queries", "evaluate_split", "intervals", "main"]

K = 10
MODES = ("hybrid", "lexical", "dense")
# nDCG over what a reader gets through in this many characters (about five 400-character windows),
# from a deeper list (BUDGET_K) so systems with short passages are not cut at 10 hits.
BUDGET = 2100
BUDGET_K = 30


def score_ranking(q: Query, docs_texts: list[tuple[str, str]], cities: list[str],
                  expected: list[str] | None = None) -> dict[str, float]:
    """Metrics of one ranked list of (document_id, text); `expected`: the cities city_cov counts
    (default: the query's own list; :func:`per_query` passes :func:`expected_cities`)."""
    m = gains(docs_texts, q.relevant)
    row = {
        "ndcg@10": ndcg_at_k(m, q.relevant, K),
        "recall@10": recall_at_k(m, q.relevant, K),
        "mrr": mrr(m, K),
    }
    want = q.cities if expected is None else expected
    if q.type == "cross_city" and want:  # no city could be covered: not a coverage question
        row["city_cov@10"] = city_coverage(cities, m, want, K)
    return row


Rows = dict[str, dict[str, list[dict[str, float]]]]


def evaluate(searcher: Any, queries: list[Query], baseline: Any | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """{system: {query type, 'blind' or 'all': {metric: mean, 'n': count}}} over judged queries."""
    return summarize(per_query(searcher, queries, baseline))


def per_query(searcher: Any, queries: list[Query], baseline: Any | None = None) -> Rows:
    """{system: {group: [metrics of each judged query of the group]}}; every system's list of a
    group holds the same queries in the same order, so lists pair up across systems."""
    from eval.baselines import MODES as BASELINES

    per: dict[str, dict[str, list[dict[str, float]]]] = defaultdict(lambda: defaultdict(list))

    def add(system: str, q: Query, row: dict[str, float]) -> None:
        for group in (q.type, "all", *(["blind"] if q.blind else [])):
            per[system][group].append(row)

    doc_city = {d: m["city"] for d, m in searcher.meta.documents.items()}
    missing = sorted({j.doc for q in queries for j in q.relevant} - doc_city.keys())
    if missing:  # judged passages no ranking can return: nDCG silently low, expected cities silently fewer
        warnings.warn(f"judged documents missing from the index: {', '.join(missing)}", stacklevel=2)
    for q in (q for q in queries if q.relevant):
        expected = expected_cities(q, doc_city)
        for mode in MODES:
            hits = searcher.search(q.query, k=K, mode=mode).hits
            row = score_ranking(q, [(h.document_id, h.search_text + "|||" + h.text) for h in hits], [h.city for h in hits],
                                expected)
            deep = searcher.search(q.query, k=BUDGET_K, mode=mode).hits
            row["ndcg@budget"] = budget_ndcg(q, [(h.document_id, h.text) for h in deep])
            add(mode, q, row)
        if baseline is not None:
            for mode, name in BASELINES.items():
                wins = baseline.search(q.query, mode, K)
                row = score_ranking(q, [(w.document_id, w.text) for w in wins], [w.city for w in wins], expected)
                row["ndcg@budget"] = budget_ndcg(q, [(w.document_id, w.text) for w in baseline.search(q.query, mode, BUDGET_K)])
                add(name, q, row)
    return per


def budget_ndcg(q: Query, hits: list[tuple[str, str]]) -> float:
    """nDCG of the hits read within :data:`BUDGET` characters (original text, as displayed)."""
    read = within_budget(hits, BUDGET)
    return ndcg_at_k(gains(read, q.relevant), q.relevant, len(read))


def summarize(per: Rows) -> dict[str, dict[str, dict[str, float]]]:
    """Means of :func:`per_query`'s rows, with each group's query count as 'n'."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for system, by_group in per.items():
        out[system] = {}
        for group, rows in by_group.items():
            keys = sorted({k for r in rows for k in r})
            out[system][group] = {k: statistics.fmean(r[k] for r in rows if k in r) for k in keys}
            out[system][group]["n"] = len(rows)
    return out


COLUMNS = (  # header, group, metric
    ("nDCG@10", "all", "ndcg@10"),
    ("para", "paraphrase", "ndcg@10"),
    ("cross", "cross_city", "ndcg@10"),
    ("city_cov", "cross_city", "city_cov@10"),
    ("factoid", "factoid", "ndcg@10"),
    ("topical", "topical", "ndcg@10"),
    ("blind", "blind", "ndcg@10"),
    ("read2k", "all", "ndcg@budget"),
    ("R@10", "all", "recall@10"),
    ("MRR", "all", "mrr"),
)


def format_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per system (products first, then baselines), one column per headline metric."""
    lines = [f"{'system':<15}" + "".join(f"{h:>9}" for h, _, _ in COLUMNS)]
    for system in sorted(results, key=lambda s: (s.startswith("base"), s not in MODES, MODES.index(s) if s in MODES else s)):
        cells = []
        for _, group, metric in COLUMNS:
            v = results[system].get(group, {}).get(metric)
            cells.append(f"{v:>9.3f}" if v is not None else f"{'-':>9}")
        lines.append(f"{system:<15}" + "".join(cells))
    return "\n".join(lines)


def describe(queries: list[Query]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for q in queries:
        counts[q.type] += 1
    judged = sum(bool(q.relevant) for q in queries)
    kinds = ", ".join(f"{t} {n}" for t, n in sorted(counts.items()))
    return f"{len(queries)} queries ({judged} judged; {kinds}; {sum(q.blind for q in queries)} blind)"


INTERVAL_GROUPS = (("nDCG@10", "all"), ("para", "paraphrase"))


def intervals(per: Rows, system: str = "hybrid", metric: str = "ndcg@10") -> dict[str, dict[str, list[float]]]:
    """95% bootstrap intervals of `system`'s mean and of its paired difference to every other
    system, per group of :data:`INTERVAL_GROUPS`: {group: {'hybrid' or '- other': [mean, lo, hi]}}.
    The noise a target or a baseline gap has to clear, from the same queries."""
    out: dict[str, dict[str, list[float]]] = {}
    if system not in per:
        return out
    for _, group in INTERVAL_GROUPS:
        mine = [r[metric] for r in per[system].get(group, [])]
        if not mine:
            continue
        cells = {system: list(bootstrap_interval(mine))}
        for other in sorted(per, key=lambda s: (s.startswith("base"), s)):
            theirs = [r[metric] for r in per[other].get(group, [])]
            if other != system and len(theirs) == len(mine):
                cells[f"- {other}"] = list(bootstrap_interval([a - b for a, b in zip(mine, theirs)]))
        out[group] = cells
    return out


def format_intervals(iv: dict[str, dict[str, list[float]]]) -> str:
    lines = ["95% intervals (bootstrap over queries, 2000 resamples, seed 0; differences paired):"]
    for header, group in INTERVAL_GROUPS:
        cells = iv.get(group)
        if not cells:
            continue
        parts = []
        for name, (mean, lo, hi) in cells.items():
            sign = "+" if name.startswith("-") else ""
            parts.append(f"{name} {mean:{sign}.3f} [{lo:{sign}.3f}, {hi:{sign}.3f}]")
        lines.append(f"  {header:<8} " + "; ".join(parts))
    return "\n".join(lines)


def evaluate_split(searcher: Any, queries: list[Query], baseline: Any | None) -> dict[str, Any]:
    per = per_query(searcher, queries, baseline)
    return {"queries": describe(queries), "retrieval": summarize(per), "intervals": intervals(per),
            "answers": evaluate_answers(searcher, queries)}


def main(settings: Any, args: argparse.Namespace) -> int:
    from eval.baselines import WindowBaseline, windows
    from index.searcher import Searcher

    paths = [Path(args.queries)] if args.queries else list(DEFAULT_FILES)
    split = getattr(args, "split", None) or "both"
    searcher = Searcher.open(settings)
    baseline = None
    if not args.no_baselines:
        cities = {d: meta["city"] for d, meta in searcher.meta.documents.items()}
        baseline = WindowBaseline(windows(searcher.meta.texts, cities), searcher.encoder, searcher.tokenizer,
                                  settings.data_dir / "eval-cache")
    names = SPLITS if split == "both" else (split,)
    report: dict[str, Any] = {name: evaluate_split(searcher, load_queries(paths, name), baseline) for name in names}
    english = not args.queries and not getattr(args, "no_english", False)
    rows = read_rows(HOLDOUT)
    # the sets written after all tuning hold for the corpus read to label them: every file the holdout names
    labelled_here = not args.queries and all((settings.corpus_dir / r["evidence"].split(":")[0]).is_file()
                                             for r in rows if r["answerable"])
    fresh = [q for q in load_queries(FRESH, "test") if q.relevant]
    if fresh and labelled_here and split in ("both", "test"):
        report["fresh test"] = evaluate_split(searcher, fresh, baseline)
    if english and labelled_here:  # the same questions in English: dictionary translation, romanized cities
        for name in names:
            report[f"{name}, English"] = evaluate_split(searcher, in_english(load_queries(paths, name)), baseline)
        if fresh and split in ("both", "test"):
            report["fresh test, English"] = evaluate_split(searcher, in_english(fresh), baseline)
        written = [q for q in load_queries(ENGLISH_WRITTEN, "test") if q.relevant or q.type == "unanswerable"]
        if written and split in ("both", "test"):
            report["English-written test"] = evaluate_split(searcher, written, baseline)
    holdout = evaluate_refusals(searcher, rows) if labelled_here else None
    holdout_en = evaluate_refusals(searcher, in_english(rows)) if labelled_here and english else None
    if args.json:
        print(json.dumps({"splits": report, "holdout_refusals": holdout, "holdout_refusals_english": holdout_en},
                         ensure_ascii=False, indent=1))
        return 0
    print(f"corpus {settings.corpus_dir}, index {settings.data_dir}; nDCG@10 by query group, "
          "city_cov = share of a cross-city query's cities (those holding a judged passage) with a relevant hit in the top 10")
    for name, r in report.items():
        after = {"fresh test": f" ({FRESH.name}: written blind after all tuning)",
                 "English-written test": f" ({ENGLISH_WRITTEN.name}: written in English, blind, after all tuning)"}.get(name, "")
        print(f"\n== {name}{after}: {r['queries']} ==")
        print(format_table(r["retrieval"]))
        print(format_intervals(r["intervals"]))
        print(format_answers(r["answers"]))
    if holdout:
        print(f"\n== refusal holdout ({HOLDOUT.name}: written blind after all tuning, never tuned on) ==")
        print(format_refusals(holdout))
    if holdout_en:
        print(f"\n== refusal holdout, English ({ENGLISH.name}) ==")
        print(format_refusals(holdout_en))
    return 0
