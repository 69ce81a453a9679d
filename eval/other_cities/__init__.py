"""Retrieval eval on other municipalities' reform documents (issue 10: "other cities").

``corpus/`` holds 27 short documents of 27 municipalities the project has not tuned its ranking
on (manifest without ``parser`` fields, so everything goes through the general recognizer);
``queries.jsonl`` the queries, written blind from ``topics.md`` before the corpus was read and
judged by pooling the top 10 of every system (``eval/other_cities/pool.py``).

``python -m eval.other_cities`` ingests and indexes the corpus into its own data dir when needed
and prints the same table as ``reform-search eval`` (products and window baselines, one run).
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
QUERIES = HERE / "queries.jsonl"
ENGLISH = HERE / "queries_en.jsonl"  # the same queries in English (translated from their text alone)
POOL = HERE / "pool.jsonl"
UNITS = HERE / "units.jsonl"
JUDGMENTS = HERE / "judgments.tsv"
DEFAULT_DATA = HERE.parent.parent / "var-other"
