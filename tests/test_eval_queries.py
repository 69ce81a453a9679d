"""The judged query files: split recorded by the rule, blind queries well-formed, judgments findable."""

from __future__ import annotations

import json
from pathlib import Path

from eval.pool import units_of
from eval.queries import BLIND, DEFAULT_FILES, DEV_JUDGED, EVERYDAY, FRESH, assign_split, load_queries, read_rows
from ingest.normalize import compact

CORPUS = Path(__file__).resolve().parent.parent / "corpora"


def test_split_recorded_by_the_rule():
    rows = [r for p in DEFAULT_FILES for r in read_rows(p)]
    assert len({r["id"] for r in rows}) == len(rows)
    rule = assign_split(rows)
    assert {r["id"]: r["split"] for r in rows} == rule
    dev, test = load_queries(split="dev"), load_queries(split="test")
    assert len(dev) + len(test) == len(rows)
    # blind queries: the calibration and everyday-wording questions are dev, all others test
    dev_blind = {r["id"] for p in (DEV_JUDGED, EVERYDAY) for r in read_rows(p)}
    assert {q.id for q in dev if q.blind} == dev_blind
    assert {q.id for q in test if q.blind} == {r["id"] for r in read_rows(BLIND)}
    old = [q for q in dev + test if not q.blind]
    for qtype in {q.type for q in old}:
        n_dev = sum(q.type == qtype and not q.blind for q in dev)
        n_test = sum(q.type == qtype and not q.blind for q in test)
        assert abs(n_dev - n_test) <= 1, qtype


def test_blind_queries_meet_the_brief():
    rows = read_rows(BLIND)
    assert len(rows) >= 40 and all(r["blind"] and r["written"] for r in rows)
    kinds = [r["type"] for r in rows]
    assert kinds.count("paraphrase") >= 12 and kinds.count("cross_city") >= 8 and kinds.count("unanswerable") >= 8
    for r in rows:
        if r["type"] == "unanswerable":
            assert r["relevant"] == [], r["id"]
    # every unanswerable query says why, so refusals are reported per kind
    kinds = [q.unanswerable_kind for q in load_queries() if q.type == "unanswerable"]
    assert kinds and set(kinds) == {"absent_topic", "missing_detail"}
    assert all(q.unanswerable_kind is None for q in load_queries() if q.type != "unanswerable")


def test_everyday_dev_queries_are_blind_everyday_wording_judged():
    rows = read_rows(EVERYDAY)
    assert len(rows) >= 30 and all(r["blind"] and r["written"] and r["id"].startswith("ev") for r in rows)
    kinds = [r["type"] for r in rows]
    assert kinds.count("paraphrase") >= 12 and kinds.count("cross_city") >= 8 and kinds.count("unanswerable") >= 5
    for r in rows:
        assert (r["relevant"] == []) == (r["type"] == "unanswerable"), r["id"]
        if r["type"] == "cross_city":  # the cities with a grade-2 passage
            assert r["cities"], r["id"]


def test_everyday_dev_queries_do_not_restate_other_queries():
    """A dev query worded almost like a test query would leak test into tuning (and one like
    another dev query counts twice); such near-duplicates were removed before any run."""
    from difflib import SequenceMatcher

    others = [q for q in load_queries() if not q.id.startswith("ev")]
    close = [(e["id"], q.id) for e in read_rows(EVERYDAY) for q in others
             if SequenceMatcher(None, e["query"], q.query).ratio() >= 0.67]
    assert close == []


def test_dev_judged_are_the_answerable_calibration_questions():
    calibration = {r["id"]: r for r in read_rows(Path(__file__).resolve().parent.parent / "eval" / "queries_calibration.jsonl")}
    rows = read_rows(DEV_JUDGED)
    assert [r["id"] for r in rows] == [i for i, r in calibration.items() if r["answerable"]]
    for r in rows:
        assert r["query"] == calibration[r["id"]]["query"] and r["blind"] and r["written"], r["id"]
        assert r["type"] in ("topical", "factoid", "paraphrase", "cross_city"), r["id"]


def test_every_judgment_is_found_in_its_document():
    manifest = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    texts = {d["id"]: compact((CORPUS / d["file"]).read_text(encoding="utf-8")) for d in manifest["documents"]}
    missing = [(q.id, j.doc, j.match) for q in load_queries() + load_queries(FRESH) for j in q.relevant
               if j.doc not in texts or compact(j.match) not in texts[j.doc]]
    assert missing == []


def test_pool_units_cover_the_spans_once():
    spans = {("d", 0, 200): {"a"}, ("d", 100, 300): {"b"}, ("d", 1000, 1100): {"a"}, ("e", 0, 50): {"b"},
             ("f", 0, 400): {"a"}, ("f", 300, 800): {"b"}}
    units = units_of(spans)
    covered = sorted((u["doc"], u["start"], u["end"]) for u in units)
    # overlapping spans merge; a merged region longer than UNIT is cut at a span boundary
    assert covered == [("d", 0, 300), ("d", 1000, 1100), ("e", 0, 50), ("f", 0, 400), ("f", 400, 800)]
    assert {u["start"]: u["queries"] for u in units if u["doc"] == "d"} == {0: ["a", "b"], 1000: ["a"]}
    assert {u["start"]: u["queries"] for u in units if u["doc"] == "f"} == {0: ["a", "b"], 400: ["b"]}


def test_merged_judgments_keep_the_held_ones_and_add_only_new_passages():
    from eval.pool import _dedupe

    texts = {"d": "市はRPAを導入して定型業務を自動化した。窓口の混雑を緩和するため予約制とした。"}
    held = [{"doc": "d", "match": "RPAを導入して", "grade": 1}]
    new = [{"doc": "d", "match": "導入して定型業務を自動化", "grade": 2},  # overlaps a held one: dropped
           {"doc": "d", "match": "窓口の混雑を緩和", "grade": 1},
           {"doc": "d", "match": "混雑を緩和するため予約制", "grade": 2}]  # overlaps the grade-1 one: wins
    assert _dedupe(new, texts, keep=held) == [new[2]]
    assert _dedupe(new, texts) == [new[0], new[2]]


def test_text_shown_in_pieces_is_not_shown_again():
    from eval.pool import _covered

    shown = {("d", 0, 300, "q1"), ("d", 300, 650, "q1"), ("d", 700, 900, "q1"), ("d", 0, 1000, "q2"), ("e", 0, 1000, "q1")}
    assert _covered(shown, {"doc": "d", "start": 100, "end": 600}, "q1")  # read as two earlier units
    assert _covered(shown, {"doc": "d", "start": 0, "end": 650}, "q1")
    assert not _covered(shown, {"doc": "d", "start": 600, "end": 750}, "q1")  # 650-700 never shown to q1
    assert not _covered(shown, {"doc": "d", "start": 950, "end": 1000}, "q1")
    assert _covered(shown, {"doc": "d", "start": 600, "end": 750}, "q2")
    assert not _covered(set(), {"doc": "d", "start": 0, "end": 1}, "q1")


def test_calibration_only_questions_are_dev_and_restate_no_test_query():
    """The calibration and keyword-style questions tune the answerability model, so none may be
    worded almost like a test query (that would leak test into tuning)."""
    from difflib import SequenceMatcher

    from eval.calibrate import CALIBRATION, KEYWORDS

    rows = [r for p in (CALIBRATION, KEYWORDS) for r in read_rows(p)]
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["split"] == "dev" and isinstance(r["answerable"], bool) and r["query"].strip() for r in rows)
    assert {r["id"][:2] for r in read_rows(KEYWORDS)} == {"kw"}
    test = load_queries(split="test")
    close = [(r["id"], q.id) for r in rows for q in test if SequenceMatcher(None, r["query"], q.query).ratio() >= 0.67]
    assert close == []


def test_refusal_holdout_is_labelled_and_restates_no_other_query():
    """The holdout was written after all tuning: none of it may be worded almost like a query
    that tuned, calibrated or reported anything, or it would not be held out."""
    from difflib import SequenceMatcher

    from eval.calibrate import CALIBRATION, KEYWORDS
    from eval.queries import HOLDOUT

    rows = read_rows(HOLDOUT)
    assert len(rows) >= 30 and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["split"] == "holdout" and r["blind"] and r["query"].strip()
        assert r["category"] in ("absent_topic", "missing_detail", "answerable")
        assert r["answerable"] == (r["category"] == "answerable") and bool(r["evidence"]) == r["answerable"]
    others = [r["query"] for p in (*DEFAULT_FILES, CALIBRATION, KEYWORDS) for r in read_rows(p)]
    close = [(r["id"], o) for r in rows for o in others if SequenceMatcher(None, r["query"], o).ratio() >= 0.67]
    assert close == []
    documents = {p.name for p in CORPUS.glob("*.txt")}  # an answerable one says where its answer is
    assert all(r["evidence"].split(":")[0] in documents for r in rows if r["answerable"])


def test_fresh_queries_are_blind_test_judged_and_restate_no_other_query():
    from difflib import SequenceMatcher

    from eval.calibrate import CALIBRATION, KEYWORDS
    from eval.queries import HOLDOUT

    rows = read_rows(FRESH)
    assert len(rows) >= 20 and len({r["id"] for r in rows}) == len(rows)
    assert all(r["blind"] and r["written"] >= "2026-12-04" and r["id"].startswith("f") for r in rows)
    assert assign_split(rows) == {r["id"]: r["split"] for r in rows} == {r["id"]: "test" for r in rows}
    assert {r["type"] for r in rows} <= {"paraphrase", "topical", "cross_city"}
    assert sum(bool(r["relevant"]) for r in rows) >= 0.8 * len(rows)  # judged by pooling; a few may have nothing
    others = [r["query"] for p in (*DEFAULT_FILES, CALIBRATION, KEYWORDS, HOLDOUT) for r in read_rows(p)]
    close = [(r["id"], o) for r in rows for o in others if SequenceMatcher(None, r["query"], o).ratio() >= 0.67]
    assert close == []


def test_every_english_query_translates_a_query_of_the_judged_sets():
    from eval.queries import DEFAULT_FILES, ENGLISH, FRESH, HOLDOUT, in_english, load_queries, read_rows

    english = read_rows(ENGLISH)
    ids = [r["id"] for r in english]
    from eval.calibrate import CALIBRATION, KEYWORDS

    originals = {q.id: q for q in load_queries(DEFAULT_FILES) + load_queries(FRESH)} | \
        {r["id"]: r for r in read_rows(HOLDOUT)} | \
        {r["id"]: r for p in (CALIBRATION, KEYWORDS) for r in read_rows(p) if r["split"] == "dev"}
    assert len(ids) == len(set(ids)) and set(ids) == set(originals)
    assert all(r["query"].isascii() or not any("\u3040" <= c <= "\u30ff" for c in r["query"]) for r in english)
    moved = in_english(load_queries(DEFAULT_FILES, "test"))
    assert moved and all(q.relevant or q.type == "unanswerable" for q in moved)
    assert {q.split for q in moved} == {"test"}
    row = in_english(read_rows(HOLDOUT))[0]
    assert row["answerable"] == read_rows(HOLDOUT)[0]["answerable"] and row["query"].isascii()


def test_english_written_queries_are_test_only_and_unanswerable_ones_unjudged():
    from eval.queries import ENGLISH_WRITTEN, load_queries

    qs = load_queries(ENGLISH_WRITTEN)
    assert len({q.id for q in qs}) == len(qs) == 24 and {q.split for q in qs} == {"test"}
    assert all(not any("\u3040" <= c <= "\u30ff" for c in q.query) for q in qs)  # written in English
    assert all((q.type == "unanswerable") == (not q.relevant) for q in qs)
