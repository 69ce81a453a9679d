"""The judged query sets and their dev/test split.

Four files, one schema (id, query, type, relevant[{doc, match, grade}], answer?, cities?, split):

* ``queries.jsonl`` — the original 64 queries. The retrieval settings were swept on them, so
  numbers on them flatter the system.
* ``queries_blind.jsonl`` — queries written blind (``"blind": true``, ``"written"``): from a topic
  list, before the passages or the other judgments were read (see git history of that file),
  and judged afterwards by pooling the top 10 of every system, baselines included
  (``eval/pool.py``).
* ``queries_dev_judged.jsonl`` — the answerable questions of ``queries_calibration.jsonl`` (same
  ids and text; written blind from a topic list and everyday wording, ``"blind": true``), judged
  afterwards by the same pooling (``eval/pool.py --queries``). They were used to calibrate the
  answerability model, so they can never be test.

Split rule (:func:`assign_split`, recorded as ``"split"`` in every file and checked by the tests):

* every query of ``queries_dev_judged.jsonl`` and ``queries_everyday.jsonl`` is **dev** (by
  construction: calibration and tuning questions; recognized by their ``cal…`` and ``ev…`` ids,
  which no other file uses);
* every other blind query (``queries_blind.jsonl``) is **test**;
* the original queries are split per type: sort the ids of one type by ``sha256(id)`` and
  alternate test, dev, test, dev, … — deterministic, about half each, every type in both halves.

Tune on **dev** only; **test** is for reporting (the regression test pins it). A fifth file,
``queries_holdout.jsonl`` (split ``holdout``), only labels questions answerable or not: it was
written after all tuning and measures refusals where nothing was ever looked at before.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eval.metrics import Judgment

HERE = Path(__file__).parent
QUERIES = HERE / "queries.jsonl"
BLIND = HERE / "queries_blind.jsonl"
DEV_JUDGED = HERE / "queries_dev_judged.jsonl"
EVERYDAY = HERE / "queries_everyday.jsonl"
DEFAULT_FILES = (QUERIES, BLIND, DEV_JUDGED, EVERYDAY)
# Refusal holdout: questions written blind after all tuning (2026-12-03), labelled answerable or not
# (and why not: absent_topic / missing_detail) by reading the corpus; near-copies (ratio >= 0.67) of
# any other query were dropped. Reported by `make eval`; never calibrated or tuned on.
HOLDOUT = HERE / "queries_holdout.jsonl"
# Fresh test: 26 queries written blind after all tuning (2026-12-04; near-copies of any other query
# dropped), judged by pooling like the blind file. Test by the split rule, but kept out of
# DEFAULT_FILES so the test numbers pinned before them stay comparable; `make eval` reports them apart.
FRESH = HERE / "queries_fresh.jsonl"
# English: every query of DEFAULT_FILES, FRESH and HOLDOUT, and the dev calibration questions
# (eval/calibrate.py), as an English-speaking user or chat client would send it (2026-12-04;
# translated by helpers from the query text alone, never tuned on for test), keyed by the Japanese
# query's id, whose judgments and labels it takes over.
ENGLISH = HERE / "queries_en.jsonl"
# English-written test: 24 queries written in English by a helper from the topic list alone, after
# all tuning (2026-12-04), judged by pooling every system on the named corpus; test only, reported apart.
ENGLISH_WRITTEN = HERE / "queries_english.jsonl"
DEV_PREFIXES = ("cal", "ev")  # ids of the rows of DEV_JUDGED and EVERYDAY
SPLITS = ("dev", "test")


@dataclass
class Query:
    id: str
    query: str
    type: str
    relevant: list[Judgment]
    answer: str | None = None
    cities: list[str] = field(default_factory=list)
    split: str | None = None
    blind: bool = False
    # an unanswerable query's kind, labelled by reading the corpus (not the system's output):
    # absent_topic (the corpus never discusses it) or missing_detail (it does, without the detail asked)
    unanswerable_kind: str | None = None


def _hash(qid: str) -> str:
    return hashlib.sha256(qid.encode("utf-8")).hexdigest()


def assign_split(rows: Iterable[dict]) -> dict[str, str]:
    """{id: 'dev'|'test'} by the rule in the module docstring."""
    out: dict[str, str] = {}
    by_type: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        if r.get("blind") and r["id"].startswith(DEV_PREFIXES):
            out[r["id"]] = "dev"
        elif r.get("blind"):
            out[r["id"]] = "test"
        else:
            by_type[r["type"]].append(r["id"])
    for ids in by_type.values():
        for n, qid in enumerate(sorted(ids, key=_hash)):
            out[qid] = "test" if n % 2 == 0 else "dev"
    return out


def read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_queries(paths: Path | Iterable[Path] = DEFAULT_FILES, split: str = "all") -> list[Query]:
    """Queries of the given files, restricted to one split ('dev', 'test' or 'all')."""
    if split not in (*SPLITS, "all"):
        raise ValueError(f"split must be dev, test or all, not {split!r}")
    out = []
    for path in [paths] if isinstance(paths, Path) else list(paths):
        for n, d in enumerate(read_rows(path), 1):
            try:
                q = Query(
                    id=d["id"],
                    query=d["query"],
                    type=d["type"],
                    relevant=[Judgment(r["doc"], r["match"], int(r["grade"])) for r in d.get("relevant", [])],
                    answer=d.get("answer"),
                    cities=d.get("cities", []),
                    split=d.get("split"),
                    blind=bool(d.get("blind", False)),
                    unanswerable_kind=d.get("unanswerable_kind"),
                )
            except KeyError as e:
                raise ValueError(f"{path}:{n}: missing field {e}") from e
            if split == "all" or q.split == split:
                out.append(q)
    return out


def in_english(rows: list[Any], path: Path = ENGLISH) -> list[Any]:
    """The queries (:class:`Query`) or holdout rows (dicts) that have an English version in `path`,
    with that text in place of theirs; everything else (judgments, labels, split) kept."""
    english = {r["id"]: r["query"] for r in read_rows(path)}
    return [(dict(r, query=english[r["id"]]) if isinstance(r, dict) else replace(r, query=english[r.id]))
            for r in rows if (r["id"] if isinstance(r, dict) else r.id) in english]


def write_splits(paths: Iterable[Path] = DEFAULT_FILES) -> dict[str, str]:
    """Record the split of every query in its file (idempotent)."""
    paths = list(paths)
    rows = {p: read_rows(p) for p in paths}
    split = assign_split(r for rs in rows.values() for r in rs)
    for p, rs in rows.items():
        with p.open("w", encoding="utf-8") as f:
            for r in rs:
                r["split"] = split[r["id"]]
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return split


if __name__ == "__main__":
    from collections import Counter

    s = write_splits()
    print(Counter(s.values()))
