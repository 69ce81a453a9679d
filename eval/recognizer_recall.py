"""How many of the named parsers' numbered initiatives the general recognizer finds.

``python -m eval.recognizer_recall`` prints, per seed document, the initiatives found with
and without the named parser and the recall (same number and a matching title).
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import replace
from pathlib import Path

from ingest.corpus import load_manifest, read_document
from ingest.normalize import clean, compact
from ingest.parsers import get_parser
from ingest.records import DocumentMeta, Initiative

CORPUS = Path(__file__).resolve().parents[1] / "corpora"
_NUMERAL = re.compile(r"[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]|\d+(?:-\d+)?")


def number_key(number: str) -> str:
    """Comparable form of a printed number: its last numeral (取組項目05 → 5, (1)① → ①)."""
    found = _NUMERAL.findall(compact(number))
    if not found:
        return compact(number)
    g = found[-1]
    return str(int(g)) if g.isascii() and g.isdigit() else g


def counted(meta: DocumentMeta, inis: list[Initiative]) -> list[Initiative]:
    """The numbered initiatives the issue counts (181 over the seeds)."""
    if meta.parser == "akishima_evaluation":
        return [i for i in inis if i.parent_id]
    if meta.parser == "nishitokyo_outline":
        return [i for i in inis if not i.parent_id]
    if meta.parser == "komae_policy":
        return []
    return inis


def title_match(a: str, b: str) -> bool:
    a, b = compact(a), compact(b)
    if not a or not b:
        return False
    return a.startswith(b) or b.startswith(a) or difflib.SequenceMatcher(None, a, b).ratio() >= 0.6


def recall(named: list[Initiative], general: list[Initiative]) -> tuple[int, int]:
    """(matched, total): named initiatives with a general one of the same number and title."""
    pool = list(general)
    hit = 0
    for ni in named:
        k = number_key(ni.number)
        for gi in pool:
            if number_key(gi.number) == k and title_match(ni.title, gi.title):
                hit += 1
                pool.remove(gi)
                break
    return hit, len(named)


def main(argv: list[str] | None = None) -> int:
    generic = get_parser(None)
    tot_hit = tot = 0
    print(f"{'document':28} {'named':>6} {'general':>8} {'counted':>8} {'recall':>7}")
    for meta in load_manifest(CORPUS):
        text = read_document(CORPUS, meta)
        c = clean(text)
        named = get_parser(meta.parser)(text, c, meta).initiatives
        general = generic(text, c, replace(meta, parser=None)).initiatives
        target = counted(meta, named)
        h, n = recall(target, general)
        tot_hit, tot = tot_hit + h, tot + n
        r = f"{h / n:.2f}" if n else "—"
        print(f"{meta.id:28} {len(named):6} {len(general):8} {n:8} {r:>7}")
    print(f"{'total':28} {'':6} {'':8} {tot:8} {tot_hit / max(tot, 1):7.2f}  ({tot_hit}/{tot})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
