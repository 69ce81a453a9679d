"""Headroom of /compare and of refusals under the signals the index has (DEV split only).

    REFORM_SEARCH_DATA_DIR=… python -m eval.headroom [--per-city 3] [--json out.json]

Issue 10's two unmet targets (/compare per-city P@1, refusals) both need a passage-level
judgment of "is this about the question". This asks whether any combination of the signals
the index already computes could give one, on the dev split:

1. **First cell.** For each judged city of each judged dev query, the city's `per_city`
   candidates from :meth:`Searcher.compare` with their features (:data:`CELL_FEATURES`, late
   interaction over e5's token vectors among them: :func:`maxsim`). It
   reports P@1 as ranked, the oracle (a relevant candidate anywhere in the top `per_city`),
   and a pairwise logistic reranker over the features, fitted leave-one-query-out.
2. **Leaving a city out.** For every city group (judged city or not), how well each signal
   separates cities that hold a judged passage from those that do not (AUC), and how many
   groups of cities without one each signal could drop while keeping every city that has one.
3. **Refusals.** The answerability model's leave-one-out refusals (eval/calibrate.py) with and
   without two extra question features: the best sentence's IDF-weighted share of the
   question's words, and the best initiative title's cosine.

Nothing here changes a setting; the test split is never read.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.calibrate import (MODEL, fit_logistic, leave_one_out, live_rows, matrix, question_rows, refused_rows,
                            threshold_by_cost)
from eval.metrics import gains, judged_cities, named_cities
from eval.queries import DEFAULT_FILES, load_queries

CELL_FEATURES = ("share", "dense", "sentence", "coverage", "sentence_coverage", "title_coverage",
                 "initiative", "rank", "length", "maxsim")
CITY_SIGNALS = ("share", "sentence", "dense", "maxsim", "title_cosine")


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count half); nan without both labels."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return math.nan
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def droppable(scores: Sequence[float], labels: Sequence[int]) -> int:
    """Negatives scoring below every positive: what a bar could drop without losing a positive."""
    low = min((s for s, y in zip(scores, labels) if y), default=math.inf)
    return sum(1 for s, y in zip(scores, labels) if not y and s < low)


def maxsim(query_tokens: np.ndarray, passage_tokens: np.ndarray) -> float:
    """Late interaction (ColBERT's MaxSim, here over e5's own token vectors): the mean over the
    query's tokens of its best cosine with a passage token; 0 when either has no token."""
    if not len(query_tokens) or not len(passage_tokens):
        return 0.0
    return float((query_tokens @ passage_tokens.T).max(axis=1).mean())


def _vector(cell: dict[str, Any], features: Sequence[str]) -> list[float]:
    return [float(cell[f]) for f in features]


def pairs_of(groups: Sequence[Sequence[dict[str, Any]]],
             features: Sequence[str] = CELL_FEATURES) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise training rows: feature differences of two candidates of one group with different
    grades, labelled 1 when the first is the better one (each pair in both orders)."""
    x: list[list[float]] = []
    y: list[int] = []
    for group in groups:
        for a in group:
            for b in group:
                if a["grade"] > b["grade"]:
                    va, vb = _vector(a, features), _vector(b, features)
                    x += [[p - q for p, q in zip(va, vb)], [q - p for p, q in zip(va, vb)]]
                    y += [1, 0]
    return np.array(x, dtype=float).reshape(len(x), len(features)), np.array(y, dtype=float)


def reranked_first(groups: Sequence[Sequence[dict[str, Any]]], w: np.ndarray,
                   features: Sequence[str] = CELL_FEATURES) -> list[dict[str, Any]]:
    """Each group's candidate with the highest linear score (the earlier rank on ties)."""
    return [max(g, key=lambda c: (float(np.dot(w[1:], _vector(c, features))), -c["rank_index"])) for g in groups]


def loo_rerank(groups: Sequence[Sequence[dict[str, Any]]], l2: float = 1.0,
               features: Sequence[str] = CELL_FEATURES) -> int:
    """Groups whose first cell is relevant after a pairwise reranker fitted without the group's query."""
    by_query: dict[str, list[Sequence[dict[str, Any]]]] = {}
    for g in groups:
        by_query.setdefault(g[0]["query_id"], []).append(g)
    hits = 0
    for qid, own in by_query.items():
        x, y = pairs_of([g for q, gs in by_query.items() if q != qid for g in gs], features)
        if not len(y):
            hits += sum(g[0]["grade"] > 0 for g in own)
            continue
        w = fit_logistic(x, y, l2)
        hits += sum(c["grade"] > 0 for c in reranked_first(own, w, features))
    return hits


def _query_idf(searcher: Any, text: str) -> dict[str, float]:
    """IDF of each content word of `text` (the answerability stopwords left out)."""
    from index.answerability import STOPWORDS

    return {t: searcher.lexical.idf(t) for t in dict.fromkeys(searcher.lexical.parse(text).tokens) if t not in STOPWORDS}


def initiative_titles(searcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every initiative title's passage vector, and its city."""
    inis = list(searcher.meta.initiatives.values())
    vecs = searcher.encoder.encode_documents([i.title for i in inis]) if inis else np.zeros((0, 1))
    return np.asarray(vecs, dtype=np.float32), np.array([i.city for i in inis])


def _coverage(tokens: set[str], idf: dict[str, float]) -> float:
    total = sum(idf.values())
    return sum(v for t, v in idf.items() if t in tokens) / total if total else 0.0


def cells(searcher: Any, per_city: int, titles: tuple[np.ndarray, np.ndarray]) -> list[list[dict[str, Any]]]:
    """Candidate cells of every city group of every judged dev query, with features and grade;
    `titles`: :func:`initiative_titles` of the searcher."""
    from index.sentences import split_sentences

    doc_city = {d: m["city"] for d, m in searcher.meta.documents.items()}
    title_vecs, title_city = titles
    out = []
    for q in load_queries(DEFAULT_FILES, "dev"):
        if not q.relevant:
            continue
        comp = searcher.compare(q.query, per_city=per_city, min_support=0.0, min_share=0.0)
        held = set(judged_cities(named_cities(q.query, q.cities), q.relevant, doc_city))
        qvec = searcher.encode_query(q.query)
        idf = _query_idf(searcher, q.query)
        top = max((g.best_score for g in comp.groups), default=0.0) or 1.0
        title_cos = title_vecs @ qvec if len(title_city) else np.zeros(0)
        qtok = searcher.encoder.token_vectors([q.query], query=True)[0]
        for g in comp.groups:
            rows = [h.row for h in g.hits]
            ptok = searcher.encoder.token_vectors([h.search_text for h in g.hits], query=False)
            sent = searcher.sentences.best(rows, qvec) if searcher.sentences is not None else np.zeros(len(rows))
            own = title_cos[title_city == g.city]
            group = []
            for i, h in enumerate(g.hits):
                toks = set(searcher.lexical.doc_tokens(h.search_text))
                heading = set(searcher.lexical.doc_tokens(" ".join([*h.heading_path, h.title])))
                per_sentence = [set(searcher.lexical.doc_tokens(s)) for s in split_sentences(h.search_text, 10)]
                found = gains([(h.document_id, h.search_text + "|||" + h.text)], q.relevant)[0]
                group.append({
                    "query_id": q.id, "query": q.query, "text": h.search_text, "city": g.city,
                    "held": g.city in held, "rank_index": i,
                    "grade": max((q.relevant[j].grade for j in found), default=0),
                    "share": h.score / top, "dense": h.dense_score or 0.0, "sentence": float(sent[i]),
                    "coverage": _coverage(toks, idf), "title_coverage": _coverage(heading, idf),
                    "sentence_coverage": max((_coverage(s, idf) for s in per_sentence), default=0.0),
                    "initiative": float(h.initiative is not None), "rank": -float(i),
                    "length": math.log1p(len(h.text)), "maxsim": maxsim(qtok, ptok[i]),
                    "title_cosine": float(own.max()) if own.size else 0.0,
                })
            out.append(group)
    return out


def first_cell_report(groups: list[list[dict[str, Any]]]) -> dict[str, Any]:
    held = [g for g in groups if g[0]["held"]]
    return {"groups": len(held), "as_ranked": sum(g[0]["grade"] > 0 for g in held),
            "oracle": sum(any(c["grade"] > 0 for c in g) for g in held), "reranked_loo": loo_rerank(held)}


def omission_report(groups: list[list[dict[str, Any]]], signals: Sequence[str] = CITY_SIGNALS) -> dict[str, Any]:
    labels = [int(g[0]["held"]) for g in groups]
    out: dict[str, Any] = {"groups": len(groups), "without_judged_passage": labels.count(0)}
    for signal in signals:
        scores = [max(c[signal] for c in g) for g in groups]
        out[signal] = {"auc": round(auc(scores, labels), 3), "droppable": droppable(scores, labels)}
    return out


def refusal_report(searcher: Any, titles: tuple[np.ndarray, np.ndarray], refusal_cost: float = 8.0) -> dict[str, Any]:
    """Leave-one-out refusals of the answerability model, alone and with each extra feature."""
    from index.sentences import split_sentences

    rows = question_rows(searcher)
    for r in rows:
        idf = _query_idf(searcher, r["query"])
        hits = searcher.search(r["query"], k=5).hits
        r["sentence_coverage"] = max((_coverage(set(searcher.lexical.doc_tokens(s)), idf)
                                      for h in hits for s in split_sentences(h.search_text, 10)), default=0.0)
        r["title_cosine"] = float((titles[0] @ searcher.encode_query(r["query"])).max())
    out: dict[str, Any] = {}
    for extra in ((), ("sentence_coverage",), ("title_cosine",)):
        features = MODEL + extra
        x, y = matrix(rows, features)
        loo = leave_one_out(x, y)
        live = live_rows(rows)
        t = threshold_by_cost([float(loo[i]) for i in live], [int(y[i]) for i in live], refusal_cost)
        refused = refused_rows(loo, live, t)
        out["+".join(features)] = {"unanswerable_refused": sum(1 for i in refused if not y[i]),
                                   "unanswerable": int((1 - y).sum()),
                                   "answerable_refused": sum(1 for i in refused if y[i]), "answerable": int(y.sum())}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-city", type=int, default=3)
    ap.add_argument("--json", help="also write the report here")
    ap.add_argument("--skip-refusals", action="store_true", help="only the /compare parts (faster)")
    args = ap.parse_args(argv)
    from index.searcher import Searcher
    from reform_search.settings import get_settings

    searcher = Searcher.open(get_settings())
    titles = initiative_titles(searcher)  # embedded once for both parts
    groups = cells(searcher, args.per_city, titles)
    report = {"first_cell": first_cell_report(groups), "omission": omission_report(groups)}
    if not args.skip_refusals:
        report["refusals"] = refusal_report(searcher, titles)
    f = report["first_cell"]
    print(f"first cell (dev, {f['groups']} groups of judged cities): as ranked {f['as_ranked']}, "
          f"pairwise reranker over {len(CELL_FEATURES)} features (leave one query out) {f['reranked_loo']}, "
          f"oracle top {args.per_city} {f['oracle']}")
    o = report["omission"]
    print(f"leaving a city out ({o['groups']} groups, {o['without_judged_passage']} of cities without a judged passage):")
    for signal in CITY_SIGNALS:
        print(f"  {signal:13s} AUC {o[signal]['auc']:.3f}; droppable keeping every judged city: {o[signal]['droppable']}")
    for name, r in report.get("refusals", {}).items():
        print(f"refusals ({name}, leave one out): {r['unanswerable_refused']} of {r['unanswerable']} unanswerable, "
              f"{r['answerable_refused']} of {r['answerable']} answerable")
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
