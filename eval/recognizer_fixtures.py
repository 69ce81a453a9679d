"""Score the general recognizer on the rewritten municipal excerpts in tests/fixtures/recognizer.

The excerpts were written blind (by someone who never saw the recognizer) from real
documents' layouts. ``DEV`` is the half the recognizer was tuned on; the rest is held out
and only reported. ``python -m eval.recognizer_fixtures`` prints both.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from eval.recognizer_recall import number_key, title_match
from ingest.normalize import clean, compact
from ingest.records import DocumentMeta, Initiative
from ingest.structure import recognize

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "recognizer"
DEV = frozenset({
    "dx_bullets_maru_sankaku.txt", "excel_action_plan_ichiran.txt", "excel_shinchoku_sabc.txt",
    "html_hyoka_abcd.txt", "kekka_group_heading_rating.txt", "maru_suji_schedule_cells.txt",
    "shinchoku_cell_per_line.txt", "taikou_juten_kakko.txt", "torikumi_koumoku_nn.txt",
})


@dataclass
class Score:
    expected: int = 0
    found: int = 0
    extra: int = 0
    dept_total: int = 0
    dept_ok: int = 0
    rating_total: int = 0
    rating_ok: int = 0

    def add(self, o: "Score") -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(o, k))

    @property
    def recall(self) -> float:
        return self.found / max(self.expected, 1)


def expected() -> dict[str, dict]:
    return json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def run(name: str, exp: dict) -> tuple[Score, list[Initiative]]:
    """Recognize one excerpt and score it against its expected initiatives."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    meta = DocumentMeta(id="fx", city="テスト市", title=name, kind="other",
                        fiscal_years=tuple(exp.get("fiscal_years") or [2023]), file=name)
    got = recognize(text, clean(text), meta).initiatives
    pool = list(got)
    sc = Score(expected=len(exp["initiatives"]))
    for ex in exp["initiatives"]:
        k = number_key(ex["number"])
        m = next((g for g in pool if number_key(g.number) == k and title_match(ex["title"], g.title)), None)
        if m is not None:
            sc.found += 1
            pool.remove(m)
        if ex.get("departments"):
            sc.dept_total += 1
            sc.dept_ok += bool(m and {compact(d) for d in ex["departments"]} <= {compact(d) for d in m.departments})
        if ex.get("ratings"):
            sc.rating_total += 1
            sc.rating_ok += bool(m and all(any(r.value == x["value"] and x.get("year") in (None, r.year)
                                                for r in m.ratings) for x in ex["ratings"]))
    sc.extra = len(pool)
    return sc, got


def main(argv: list[str] | None = None) -> int:
    exp = expected()
    for label, names in (("dev (tuned on)", sorted(n for n in exp if n in DEV)),
                         ("held out", sorted(n for n in exp if n not in DEV))):
        total = Score()
        print(f"== {label}")
        for name in names:
            sc, _ = run(name, exp[name])
            total.add(sc)
            print(f"  {name:36} recall {sc.found:3}/{sc.expected:<3} extra {sc.extra:3}  "
                  f"dept {sc.dept_ok}/{sc.dept_total}  rating {sc.rating_ok}/{sc.rating_total}")
        print(f"  {'total':36} recall {total.recall:.2f} ({total.found}/{total.expected})  extra {total.extra}  "
              f"dept {total.dept_ok}/{total.dept_total}  rating {total.rating_ok}/{total.rating_total}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
