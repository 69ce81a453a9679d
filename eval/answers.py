"""Answer metrics of one query set: factoid accuracy, refusals, per-city P@1 of compare."""

from __future__ import annotations

import statistics
from typing import Any

from eval.metrics import expected_cities, gains, quote_grade
from eval.queries import Query


def evaluate_answers(searcher: Any, queries: list[Query]) -> dict[str, float]:
    """Factoid accuracy (short expected answer inside an answerable reply), refusal precision
    and recall (a refusal is right on an unanswerable query, wrong on a judged one) and the
    share of answered questions whose first quote comes from a judged passage, the
    share of compare's city groups whose first hit is a judged passage (also over the groups of
    cities holding a judged passage only: where compare's cells were not pooled, a group of another
    city is unjudged rather than wrong), and the share of the
    cities a cross-city query expects (those holding a judged passage, eval.metrics.expected_cities)
    that compare still shows (city omission must not buy P@1)."""
    from index.qa import extractive_answer
    from ingest.normalize import compact

    factoid = [q for q in queries if q.type == "factoid" and q.answer]
    unanswerable = [q for q in queries if q.type == "unanswerable"]
    answerable = [q for q in queries if q.relevant]
    # one answer per query (a judged factoid is both a factoid and an answerable question)
    answers = {q.id: extractive_answer(searcher, q.query) for q in factoid + unanswerable + answerable}
    correct = sum(bool(answers[q.id].answerable and compact(q.answer) in compact(answers[q.id].answer))
                  for q in factoid)
    refused = sum(not answers[q.id].answerable for q in unanswerable)
    wrongly_refused = sum(not answers[q.id].answerable for q in answerable)
    first_quote = [  # is the first quoted sentence from a judged passage?
        float(quote_grade(a.lines[0].document_id, a.lines[0].quote, q.relevant) > 0)
        for q in answerable if (a := answers[q.id]).lines
    ]
    p1: list[float] = []
    p1_judged: list[float] = []  # groups of cities that hold a judged passage
    expected = kept = 0
    doc_city = {d: m["city"] for d, m in searcher.meta.documents.items()}
    for q in (q for q in queries if q.type == "cross_city" and q.relevant):
        groups = searcher.compare(q.query, per_city=3).groups
        cities = expected_cities(q, doc_city)
        expected += len(cities)
        kept += len(set(cities) & {g.city for g in groups})
        for g in groups:
            m = gains([(g.hits[0].document_id, g.hits[0].search_text + "|||" + g.hits[0].text)], q.relevant)
            p1.append(1.0 if m[0] else 0.0)
            if g.city in cities:
                p1_judged.append(p1[-1])
    refusals = refused + wrongly_refused
    by_kind = {kind: [not answers[q.id].answerable for q in unanswerable if q.unanswerable_kind == kind]
               for kind in ("absent_topic", "missing_detail")}
    return {
        "factoid_accuracy": correct / len(factoid) if factoid else 0.0,
        "factoid_n": float(len(factoid)),
        "no_answer_detected": refused / len(unanswerable) if unanswerable else 0.0,
        "refusal_precision": refused / refusals if refusals else 0.0,
        "unanswerable_n": float(len(unanswerable)),
        **{f"refused_{kind}": float(sum(v)) for kind, v in by_kind.items()},
        **{f"{kind}_n": float(len(v)) for kind, v in by_kind.items()},
        "answerable_refused": wrongly_refused / len(answerable) if answerable else 0.0,
        "answerable_n": float(len(answerable)),
        "first_quote_relevant": statistics.fmean(first_quote) if first_quote else 0.0,
        "first_quote_n": float(len(first_quote)),
        "compare_city_p@1": statistics.fmean(p1) if p1 else 0.0,
        "compare_groups": float(len(p1)),
        "compare_city_p@1_judged": statistics.fmean(p1_judged) if p1_judged else 0.0,
        "compare_groups_judged": float(len(p1_judged)),
        "compare_cities_kept": kept / expected if expected else 0.0,
    }


def _kinds(r: dict[str, float]) -> str:
    """': absent topic a of n, detail not given b of m' where the queries say which is which."""
    if not (r.get("absent_topic_n") or r.get("missing_detail_n")):
        return ""
    return (f": absent topic {int(r['refused_absent_topic'])} of {int(r['absent_topic_n'])}, "
            f"detail not given {int(r['refused_missing_detail'])} of {int(r['missing_detail_n'])}")


def format_answers(r: dict[str, float]) -> str:
    return (
        f"answers: factoid accuracy {r['factoid_accuracy']:.3f} (n={int(r['factoid_n'])}); "
        f"refusal recall {r['no_answer_detected']:.3f} (n={int(r['unanswerable_n'])} unanswerable{_kinds(r)}), "
        f"precision {r['refusal_precision']:.3f}, answerable refused {r['answerable_refused']:.3f} "
        f"(n={int(r['answerable_n'])}); first quote from a judged passage {r['first_quote_relevant']:.3f} "
        f"(n={int(r['first_quote_n'])}); compare per-city P@1 {r['compare_city_p@1']:.3f} "
        f"({int(r['compare_groups'])} city groups, {r['compare_cities_kept']:.3f} of expected cities kept; "
        f"{r['compare_city_p@1_judged']:.3f} over the {int(r['compare_groups_judged'])} groups of cities holding a "
        f"judged passage)"
    )


def evaluate_refusals(searcher: Any, rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{category: {"n", "refused"}} of /answer on questions labelled only answerable or not
    (``category``: absent_topic, missing_detail, answerable); "all_unanswerable" sums the first two."""
    from index.qa import extractive_answer

    out: dict[str, dict[str, int]] = {}
    for r in rows:
        refused = int(not extractive_answer(searcher, r["query"]).answerable)
        for key in {r["category"], "answerable" if r["answerable"] else "all_unanswerable"}:
            c = out.setdefault(key, {"n": 0, "refused": 0})
            c["n"] += 1
            c["refused"] += refused
    return out


def format_refusals(r: dict[str, dict[str, int]]) -> str:
    names = {"all_unanswerable": "unanswerable", "absent_topic": "  absent topic", "missing_detail": "  detail not given",
             "answerable": "answerable"}
    return "\n".join(f"{label}: refused {r[k]['refused']} of {r[k]['n']}" for k, label in names.items() if k in r)
