"""`reform-search eval` / `make eval`: retrieval quality per mode and query type, with baselines."""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.metrics import Judgment, city_coverage, gains, mrr, ndcg_at_k, recall_at_k

QUERIES = Path(__file__).with_name("queries.jsonl")
K = 10


@dataclass
class Query:
    id: str
    query: str
    type: str
    relevant: list[Judgment]
    answer: str | None = None
    cities: list[str] = field(default_factory=list)


def load_queries(path: Path = QUERIES) -> list[Query]:
    out = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            try:
                out.append(
                    Query(
                        id=d["id"],
                        query=d["query"],
                        type=d["type"],
                        relevant=[Judgment(r["doc"], r["match"], int(r["grade"])) for r in d.get("relevant", [])],
                        answer=d.get("answer"),
                        cities=d.get("cities", []),
                    )
                )
            except KeyError as e:
                raise ValueError(f"{path}:{n}: missing field {e}") from e
    return out


def score_ranking(q: Query, docs_texts: list[tuple[str, str]], cities: list[str]) -> dict[str, float]:
    """Metrics of one ranked list of (document_id, text)."""
    m = gains(docs_texts, q.relevant)
    row = {
        "ndcg@10": ndcg_at_k(m, q.relevant, K),
        "recall@10": recall_at_k(m, q.relevant, K),
        "mrr": mrr(m, K),
    }
    if q.type == "cross_city":
        row["city_cov@10"] = city_coverage(cities, m, q.cities, K)
    return row


def evaluate(searcher: Any, queries: list[Query], baseline: Any | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """{system: {query type or 'all': {metric: mean}}} over answerable queries."""
    per: dict[str, dict[str, list[dict[str, float]]]] = defaultdict(lambda: defaultdict(list))
    judged = [q for q in queries if q.relevant]
    for q in judged:
        for mode in ("hybrid", "dense", "lexical"):
            hits = searcher.search(q.query, k=K, mode=mode).hits
            row = score_ranking(q, [(h.document_id, h.search_text + "|||" + h.text) for h in hits], [h.city for h in hits])
            per[mode][q.type].append(row)
            per[mode]["all"].append(row)
        if baseline is not None:
            for mode, name in (("lexical", "base:bm25-400"), ("dense", "base:dense-400")):
                wins = baseline.search(q.query, mode, K)
                row = score_ranking(q, [(w.document_id, w.text) for w in wins], [w.city for w in wins])
                per[name][q.type].append(row)
                per[name]["all"].append(row)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for system, by_type in per.items():
        out[system] = {}
        for qtype, rows in by_type.items():
            keys = sorted({k for r in rows for k in r})
            out[system][qtype] = {k: statistics.fmean(r[k] for r in rows if k in r) for k in keys}
            out[system][qtype]["n"] = len(rows)
    return out


def evaluate_answers(searcher: Any, queries: list[Query]) -> dict[str, float]:
    """Factoid answer accuracy, no-answer detection and per-city precision@1 of compare."""
    from index.qa import extractive_answer
    from ingest.normalize import compact

    factoid = [q for q in queries if q.type == "factoid" and q.answer]
    correct = 0
    for q in factoid:
        a = extractive_answer(searcher, q.query)
        correct += bool(a.answerable and compact(q.answer) in compact(a.answer))
    unanswerable = [q for q in queries if q.type == "unanswerable"]
    refused = sum(not extractive_answer(searcher, q.query).answerable for q in unanswerable)
    answerable = [q for q in queries if q.relevant]
    wrongly_refused = sum(not extractive_answer(searcher, q.query).answerable for q in answerable)
    p1: list[float] = []
    for q in (q for q in queries if q.type == "cross_city"):
        groups, _ = searcher.compare(q.query, per_city=3)
        for g in groups:
            m = gains([(g.hits[0].document_id, g.hits[0].search_text + "|||" + g.hits[0].text)], q.relevant)
            p1.append(1.0 if m[0] else 0.0)
    return {
        "factoid_accuracy": correct / len(factoid) if factoid else 0.0,
        "factoid_n": float(len(factoid)),
        "no_answer_detected": refused / len(unanswerable) if unanswerable else 0.0,
        "unanswerable_n": float(len(unanswerable)),
        "answerable_refused": wrongly_refused / len(answerable) if answerable else 0.0,
        "answerable_n": float(len(answerable)),
        "compare_city_p@1": statistics.fmean(p1) if p1 else 0.0,
        "compare_groups": float(len(p1)),
    }


def format_answers(r: dict[str, float]) -> str:
    return (
        f"answers: factoid accuracy {r['factoid_accuracy']:.3f} (n={int(r['factoid_n'])}), "
        f"no-answer detected {r['no_answer_detected']:.3f} (n={int(r['unanswerable_n'])}), "
        f"answerable refused {r['answerable_refused']:.3f} (n={int(r['answerable_n'])}), "
        f"compare per-city P@1 {r['compare_city_p@1']:.3f} ({int(r['compare_groups'])} city groups)"
    )


def format_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    types = sorted({t for by in results.values() for t in by}, key=lambda t: (t != "all", t))
    metrics = ["ndcg@10", "recall@10", "mrr", "city_cov@10"]
    lines = [f"{'system':<16} {'type':<11} {'n':>3} " + " ".join(f"{m:>11}" for m in metrics)]
    for system in sorted(results, key=lambda s: (s.startswith("base"), s)):
        for t in types:
            row = results[system].get(t)
            if not row:
                continue
            cells = " ".join(f"{row[m]:>11.3f}" if m in row else f"{'-':>11}" for m in metrics)
            lines.append(f"{system:<16} {t:<11} {int(row['n']):>3} {cells}")
    return "\n".join(lines)


def main(settings: Any, args: argparse.Namespace) -> int:
    from eval.baselines import WindowBaseline, windows
    from index.searcher import Searcher

    queries = load_queries(Path(args.queries) if args.queries else QUERIES)
    searcher = Searcher.open(settings)
    baseline = None
    if not args.no_baselines:
        cities = {d: meta["city"] for d, meta in searcher.meta.documents.items()}
        baseline = WindowBaseline(windows(searcher.meta.texts, cities), searcher.encoder, searcher.tokenizer,
                                  settings.data_dir / "eval-cache")
    results = evaluate(searcher, queries, baseline)
    answers = evaluate_answers(searcher, queries)
    if args.json:
        print(json.dumps({"retrieval": results, "answers": answers}, ensure_ascii=False, indent=1))
    else:
        print(format_table(results))
        print(format_answers(answers))
    return 0
