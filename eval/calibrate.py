"""Calibrate the answerability model (index/answerability.py) on DEV queries only.

    REFORM_SEARCH_DATA_DIR=… python -m eval.calibrate [--out features.json] [--features features.json]

1. Features of every dev question: the dev split of the judged query files (unanswerable → 0,
   judged → 1) plus ``eval/queries_calibration.jsonl`` (dev-only questions written blind from
   general municipal topics, labelled afterwards by reading the corpus) and
   ``eval/queries_keywords.jsonl`` (keyword-style questions made the same way), computed with every
   refusal switched off; and of every city group of the dev cross-city questions (label: its
   first passage is judged relevant).
2. A logistic regression (L2, standardized features are *not* used so the weights are the
   settings) fitted on the question rows; leave-one-out probabilities are printed too.
3. Thresholds: the answer threshold minimizes, on the leave-one-out probabilities of the dev
   questions that would otherwise be answered, answered-unanswerable + ``--refusal-cost`` ×
   refused-answerable; the compare threshold is the largest that keeps every dev city group
   whose first passage is relevant (half way to the next lower score).

It prints the settings (``REFORM_SEARCH_ANSWER_*``) to use; the test split is never read.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from eval.metrics import expected_cities, gains
from eval.queries import DEFAULT_FILES, HERE, in_english, load_queries, read_rows

CALIBRATION = HERE / "queries_calibration.jsonl"
# Keyword-style questions (nouns strung together: 時間外勤務縮減), written blind and labelled the same
# way; labels only (not pooled), so they serve the calibration and nothing else.
KEYWORDS = HERE / "queries_keywords.jsonl"
FEATURES = ("coverage", "phrases", "agreement", "cosine_z", "compounds")
# The model's features: coverage and agreement got weights near 0 once compounds joined (leave-one-out
# log-loss 0.253 with all five, 0.238 without those two; refusals the same), so they are reported only.
MODEL = ("phrases", "cosine_z", "compounds")


def question_rows(searcher: Any, english: bool = False) -> list[dict[str, Any]]:
    """One row per dev question: its label, features, whether a quote was found, factoid hit, and
    whether the cosine floor (shifted for the question's language) passes; `english`: the same
    questions in English (eval/queries_en.jsonl)."""
    from index.probes import cosine_shift
    from index.qa import confidence_of, extractive_answer, mentioned_places, unknown_places
    from ingest.normalize import compact

    same = in_english if english else (lambda rows: rows)
    items = [(q.query, q.type != "unanswerable", q.answer, q.id) for q in same(load_queries(DEFAULT_FILES, "dev"))
             if q.type == "unanswerable" or q.relevant]
    # the answerable calibration questions are also judged dev queries (queries_dev_judged.jsonl): once each
    seen = {qid for *_, qid in items}
    items += [(r["query"], bool(r["answerable"]), None, r["id"]) for r in same([r for path in (CALIBRATION, KEYWORDS)
              for r in read_rows(path) if r["split"] == "dev"]) if r["id"] not in seen]
    out = []
    for text, label, answer, qid in items:
        a = extractive_answer(searcher, text, min_confidence=-1.0, min_support=0.0)
        unknown = unknown_places(text, searcher.folded_texts, mentioned_places(searcher))
        floor = searcher.settings.answer_min_confidence + cosine_shift(searcher, text)
        out.append({"id": qid, "query": text, "label": int(label), **a.extra["evidence"],
                    "quoted": bool(a.lines), "unknown_place": bool(unknown),
                    "above_floor": confidence_of(a.retrieved) >= floor,
                    "factoid_ok": None if answer is None else compact(answer) in compact(a.answer)})
    return out


def offset_report(rows: list[dict[str, Any]], w: np.ndarray, features: tuple[str, ...], threshold: float,
                  offsets: tuple[float, ...] = (0.0, -0.5, -1.0, -1.5, -2.0)) -> list[tuple[float, int, int]]:
    """(offset, unanswerable refused, answerable refused) when `offset` is added to the model's
    intercept for these rows (English questions: does a language's own bias help?)."""
    x, y = matrix(rows, features)
    out = []
    for off in offsets:
        p = prob(np.concatenate([[w[0] + off], w[1:]]), x)
        refused = [p[i] < threshold or not r["quoted"] or r["unknown_place"] or not r["above_floor"]
                   for i, r in enumerate(rows)]
        out.append((off, sum(1 for r, f in zip(refused, y) if r and not f), sum(1 for r, f in zip(refused, y) if r and f)))
    return out


def group_rows(searcher: Any) -> list[dict[str, Any]]:
    """One row per city group of each dev cross-city question (no city left out)."""
    from index.answerability import evidence

    out = []
    doc_city = {d: m["city"] for d, m in searcher.meta.documents.items()}
    for q in load_queries(DEFAULT_FILES, "dev"):
        if q.type != "cross_city" or not q.relevant:
            continue
        expected = expected_cities(q, doc_city)
        groups = searcher.compare(q.query, per_city=3, min_support=0.0, min_share=0.0).groups
        for g in groups:
            h = g.hits[0]
            ok = gains([(h.document_id, h.search_text + "|||" + h.text)], q.relevant)[0]
            ev = evidence(searcher, q.query, g.hits, city=g.city)
            out.append({"id": q.id, "city": g.city, "label": int(bool(ok)), "expected": g.city in expected,
                        **ev.as_dict()})
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 0.1, steps: int = 200) -> np.ndarray:
    """Newton's method for L2-regularized logistic regression; returns [bias, w…]."""
    xb = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(xb.shape[1])
    reg = l2 * np.eye(xb.shape[1])
    reg[0, 0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -50, 50)))
        grad = xb.T @ (p - y) + reg @ w
        hess = xb.T @ (xb * (p * (1 - p))[:, None]) + reg + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def prob(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(w[0] + x @ w[1:], -50, 50)))


def threshold_by_cost(scores: list[float], labels: list[int], refusal_cost: float) -> float:
    """The threshold (midpoint between two adjacent scores) minimizing answered unanswerable
    questions plus `refusal_cost` times refused answerable ones; the lowest such on ties."""
    cuts = sorted(set(scores))
    candidates = [0.0] + [(a + b) / 2 for a, b in zip(cuts, cuts[1:])] + [1.0]

    def cost(t: float) -> float:
        return sum((s >= t and not y) + refusal_cost * (s < t and y) for s, y in zip(scores, labels))

    return min(candidates, key=lambda t: (cost(t), t))


def threshold_keeping(scores: list[float], labels: list[int]) -> float:
    """Half way between the lowest positive score and the highest negative score below it."""
    low = min((s for s, y in zip(scores, labels) if y), default=0.5)
    below = [s for s, y in zip(scores, labels) if not y and s < low]
    return (low + max(below)) / 2 if below else low


def matrix(rows: list[dict[str, Any]], features: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([[r[f] for f in features] for r in rows], dtype=float),
            np.array([r["label"] for r in rows], dtype=float))


def leave_one_out(x: np.ndarray, y: np.ndarray, l2: float = 0.1) -> np.ndarray:
    """Each row's probability under the model fitted without it."""
    return np.array([prob(fit_logistic(np.delete(x, i, 0), np.delete(y, i), l2), x[i : i + 1])[0] for i in range(len(y))])


def live_rows(rows: list[dict[str, Any]]) -> list[int]:
    """The questions that would be answered otherwise (a quote found, no unknown place): only
    these does the answerability threshold decide."""
    return [i for i, r in enumerate(rows) if r["quoted"] and not r["unknown_place"]]


def refused_rows(scores: Any, live: list[int], threshold: float) -> list[int]:
    """The questions refused: under the threshold, or refused anyway (not live)."""
    return [i for i in range(len(scores)) if scores[i] < threshold or i not in live]


def report(rows: list[dict[str, Any]], groups: list[dict[str, Any]], features: tuple[str, ...], l2: float,
           refusal_cost: float) -> dict[str, float]:
    x, y = matrix(rows, features)
    w = fit_logistic(x, y, l2)
    loo = leave_one_out(x, y, l2)
    p = prob(w, x)
    live = live_rows(rows)
    t_answer = threshold_by_cost([float(loo[i]) for i in live], [int(y[i]) for i in live], refusal_cost)
    print(f"weights ({', '.join(('bias',) + features)}): {np.round(w, 3).tolist()}  l2={l2}")
    for name, scores in (("fitted", p), ("leave-one-out", loo)):
        refused = refused_rows(scores, live, t_answer)
        tp = sum(1 for i in refused if not y[i])
        print(f"  {name}: threshold {t_answer:.3f}: refuses {tp}/{int((1 - y).sum())} unanswerable, "
              f"{len(refused) - tp}/{int(y.sum())} answerable; log-loss "
              f"{-np.mean(y * np.log(scores + 1e-9) + (1 - y) * np.log(1 - scores + 1e-9)):.3f}")
    for i in np.argsort(p):
        r = rows[i]
        print(f"    {p[i]:.3f} loo {loo[i]:.3f} y={r['label']} q={int(r['quoted'])} "
              + " ".join(f"{f}={r[f]:.2f}" for f in features) + f"  {r['id']} {r['query'][:30]}")
    gx, gy = matrix(groups, features)
    gp = prob(w, gx)
    t_compare = threshold_keeping(gp.tolist(), gy.astype(int).tolist())
    kept = gp >= t_compare
    exp = np.array([g["expected"] for g in groups])
    print(f"compare: threshold {t_compare:.3f}: P@1 {gy.mean():.3f} → {gy[kept].mean() if kept.any() else 0:.3f}, "
          f"groups {len(gy)} → {int(kept.sum())}, expected cities kept {int((kept & exp).sum())}/{int(exp.sum())}")
    for i in np.argsort(gp):
        g = groups[i]
        print(f"    {gp[i]:.3f} y={g['label']} exp={int(g['expected'])} "
              + " ".join(f"{f}={g[f]:.2f}" for f in features) + f"  {g['id']} {g['city']}")
    weights = dict.fromkeys(FEATURES, 0.0) | {f: float(v) for f, v in zip(features, w[1:])}  # unused: 0
    return {"bias": float(w[0]), **weights,
            "answer_min_support": float(t_answer), "compare_min_support": float(t_compare)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--features", help="read features from this JSON instead of computing them")
    ap.add_argument("--out", help="write the computed features here")
    ap.add_argument("--recompute-groups", action="store_true",
                    help="with --features: keep its question rows, recompute the compare city groups")
    ap.add_argument("--use", default=",".join(MODEL), help="comma-separated features of the model")
    ap.add_argument("--l2", type=float, default=0.1)
    # Issue 10's targets tolerate one unanswerable question answered in five (20%) but about one
    # answerable question refused in seventy (1.4%): a 14:1 ratio of rates, about 8:1 in the counts
    # of the dev rows (51 unanswerable, 96 answerable).
    ap.add_argument("--refusal-cost", type=float, default=8.0,
                    help="how many answered unanswerable questions one refused answerable question is worth")
    ap.add_argument("--english", action="store_true",
                    help="also report the English versions of the dev questions under intercept offsets")
    args = ap.parse_args(argv)
    searcher = None
    if not (args.features and not args.recompute_groups) or args.english:
        from index.searcher import Searcher
        from reform_search.settings import get_settings

        searcher = Searcher.open(get_settings())
    if args.features and not args.recompute_groups:
        data = json.loads(Path(args.features).read_text(encoding="utf-8"))
    else:
        questions = (json.loads(Path(args.features).read_text(encoding="utf-8"))["questions"] if args.features
                     else question_rows(searcher))
        data = {"questions": questions, "groups": group_rows(searcher)}
        if args.out:
            Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")
    features = tuple(f for f in args.use.split(",") if f)
    out = report(data["questions"], data["groups"], features, args.l2, args.refusal_cost)
    if args.english:
        rows = question_rows(searcher, english=True)
        w = np.array([out["bias"], *(out[f] for f in features)])
        n_un, n_ans = sum(1 for r in rows if not r["label"]), sum(1 for r in rows if r["label"])
        for off, un, ans in offset_report(rows, w, features, out["answer_min_support"]):
            print(f"English, intercept {off:+.1f}: refuses {un}/{n_un} unanswerable, {ans}/{n_ans} answerable; "
                  f"cost {n_un - un + args.refusal_cost * ans:.0f}")
    names = {"bias": "ANSWER_BIAS", "coverage": "ANSWER_W_COVERAGE", "phrases": "ANSWER_W_PHRASES",
             "agreement": "ANSWER_W_AGREEMENT", "cosine_z": "ANSWER_W_COSINE_Z", "compounds": "ANSWER_W_COMPOUNDS",
             "answer_min_support": "ANSWER_MIN_SUPPORT", "compare_min_support": "COMPARE_MIN_SUPPORT"}
    print("settings: " + " ".join(f"REFORM_SEARCH_{names[k]}={v:.3f}" for k, v in out.items()
                                  if not math.isnan(v)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
