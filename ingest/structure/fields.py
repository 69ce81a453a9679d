"""Field labels of initiative blocks: department, ratings with their year, target/result text.

All functions take lines in the search form (NFKC-folded) and are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEPT_LABELS = ("担当課等", "担当課", "所管課", "所管部署", "推進部署", "担当部署", "主管課", "担当部局", "所管部局",
               "実施課", "担当所属", "所管", "担当")
RATING_LABELS = ("個別評価", "総合評価", "自己評価", "内部評価", "外部評価", "評価区分", "達成状況", "達成度", "進捗状況", "進捗度", "進捗", "評価結果", "評価",
                 "取組状況")
TEXT_LABELS = ("今後の方向性", "今後の取組方針", "今後の方針", "今後の取組", "目標値", "目標", "実績値", "実績", "成果",
               "効果", "課題", "取組内容", "取組概要", "概要", "計画")
# Letter grades and symbol/word scales seen in municipal evaluations.
_SCALE_WORDS = ("一部達成", "未達成", "達成", "完了", "実施中", "未着手", "未実施", "検討中", "実施済", "順調", "概ね順調",
                "遅れ", "着手", "継続", "廃止", "実施")
_GRADE = re.compile(r"^(S|A|B|C|D|E|[◎○△×◯]|" + "|".join(_SCALE_WORDS) + r")$")
_DEPT_SUFFIX = re.compile(r"(?:課|室|部|局|係|担当|センター|事務局|本部|館|所|委員会|グループ|チーム)$")
_TRAILING_DEPT = re.compile(r"\s*[(（]([^()（）]{2,60})[)）]\s*$")
_ERA = re.compile(r"(令和|平成|R|H)\s*(元|\d{1,2})\s*(?:年度|年|$|(?=\D))")
_WESTERN = re.compile(r"(20\d\d)\s*年度")
_ERA_BASE = {"令和": 2018, "平成": 1988, "R": 2018, "H": 1988}
_LABEL_SEP = r"\s*(?:[:：|｜]|\s)\s*"


@dataclass
class Fields:
    """What the labels of one initiative block said."""

    departments: list[str] = field(default_factory=list)
    ratings: list[tuple[int | None, str, str]] = field(default_factory=list)  # (year, value, label)
    texts: dict[str, str] = field(default_factory=dict)
    by_number: dict[str, list[str]] = field(default_factory=dict)  # ``担当課 ①A ②B`` → {"①": [A], ...}


def era_year(text: str) -> int | None:
    """Western year of the first 令和N/平成N/RN/20NN年度 in `text`."""
    m = _ERA.search(text)
    if m:
        n = 1 if m.group(2) == "元" else int(m.group(2))
        return _ERA_BASE[m.group(1)] + n
    m = _WESTERN.search(text)
    return int(m.group(1)) if m else None


def years_in(text: str) -> list[int]:
    """Every fiscal year named in `text`, in order."""
    out = []
    for m in _ERA.finditer(text):
        n = 1 if m.group(2) == "元" else int(m.group(2))
        out.append(_ERA_BASE[m.group(1)] + n)
    return out


# A group heading that names its items' outcome: 「①達成又は達成見込みの取組事項」, 「②未達成となった取組事項」.
_OUTCOMES = ("一部達成", "未達成", "達成", "概ね順調", "順調", "遅れ", "完了", "未着手")
_HEADING_RATING = re.compile(r"^(" + "|".join(_OUTCOMES) + r")(?=又は|または|見込|となった|とした|した|である|"
                             r"の(?:取組|項目|事業|もの|施策)|\s*[(（]|\s*$)")


def heading_rating(title: str) -> str | None:
    """The outcome a group heading gives the items under it (its first word), else None;
    「達成状況の概要」 names a field, not an outcome."""
    m = _HEADING_RATING.match(title.strip())
    return m.group(1) if m else None


def is_grade(token: str) -> bool:
    return bool(_GRADE.match(token.strip()))


def split_departments(raw: str) -> list[str]:
    """``政策室／関係各課（職員課／総務課）`` → 政策室, 職員課, 総務課; a bare 関係各課 is kept."""
    out: list[str] = []
    raw = re.sub(r"^[①-⑳㉑-㊿\s]+", "", raw)
    for m in re.finditer(r"([^/／、,，・\s()（）①-⑳]+)(?:[(（]([^)）]*)[)）])?", raw):
        outer = m.group(1).strip()
        inner = [s.strip() for s in re.split(r"[/／、,，・\s]", m.group(2) or "") if s.strip()]
        if outer and not (inner and "各" in outer):
            out.append(outer)
        out.extend(inner)
    return [d for d in dict.fromkeys(out) if 1 < len(d) <= 30]


def looks_like_department(text: str) -> bool:
    """A cell naming departments (企画財政課, 総務課・会計課, 関係各課)."""
    t = text.strip()
    return 1 < len(t) <= 40 and "。" not in t and bool(split_departments(t)) and all(
        _DEPT_SUFFIX.search(d) or d.startswith("関係") for d in split_departments(t))


def trailing_department(title: str) -> tuple[str, list[str]]:
    """``窓口業務の委託化（市民課）`` → (``窓口業務の委託化``, [``市民課``])."""
    m = _TRAILING_DEPT.search(title)
    if m:
        depts = split_departments(m.group(1))
        if depts and all(_DEPT_SUFFIX.search(d) or d.startswith("関係") for d in depts):
            return title[: m.start()].rstrip(), depts
    return title, []


_YEAR_PREFIX = re.compile(r"^(?:(?:令和|平成|R|H)\s*(?:元|\d{1,2})\s*年?度?|20\d\d\s*年度)\s*(?:の\s*)?")


def label_at(line: str, labels: tuple[str, ...]) -> tuple[str, str] | None:
    """(label, rest) when `line` starts with one of `labels` (after an optional 令和N年度 prefix)."""
    s = line.strip().lstrip("【[〔<〈《").strip()
    s = _YEAR_PREFIX.sub("", s) if _YEAR_PREFIX.match(s) and any(lb in s[:20] for lb in labels) else s
    for lb in labels:
        if s.startswith(lb):
            rest = s[len(lb):]
            if rest and not re.match(r"[】\]〕>〉》]|\s|[:：|｜]", rest) and not is_grade(rest.split()[0]):
                if lb in ("担当", "所管", "評価", "進捗", "実績", "目標", "成果", "効果", "課題", "計画", "概要"):
                    continue  # a longer word that merely starts with the label (評価の見方, 担当者)
            rest = re.sub(r"^[】\]〕>〉》]?\s*(?:[:：|｜]\s*)?", "", rest)
            return lb, rest.strip()
    return None


def _line_year(line: str) -> int | None:
    m = _YEAR_PREFIX.match(line.strip().lstrip("【[〔<〈《"))
    return era_year(m.group(0)) if m else None


def extract(lines: list[str], default_year: int | None) -> Fields:
    """Departments, ratings and labelled texts found in an initiative's lines."""
    f = Fields()
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i].strip()
        hit = label_at(line, DEPT_LABELS)
        if hit and (hit[1] or (i + 1 < n and (len(lines[i + 1].strip()) <= 40 or _per_number(lines[i + 1])))):
            lb, rest = hit
            if lb in ("所管", "担当") and rest and not _DEPT_SUFFIX.search(rest.split()[0]):
                hit = None
            else:
                value = rest or lines[i + 1].strip()
                per = _per_number(value)
                if per:
                    for k, v in per.items():
                        f.by_number.setdefault(k, []).extend(v)
                    i += 1 if rest else 2
                    continue
                for d in split_departments(value):
                    if d not in f.departments and not label_at(d, RATING_LABELS + TEXT_LABELS):
                        f.departments.append(d)
                i += 1 if rest else 2
                continue
        hit = label_at(line, RATING_LABELS)
        if hit:
            lb, rest = hit
            got = _ratings_after(lb, rest, lines[i + 1: i + 4], _line_year(line) or default_year)
            if got:
                f.ratings.extend(got)
                i += 1
                continue
        hit = label_at(line, TEXT_LABELS)
        if hit and hit[0] not in f.texts:
            lb, rest = hit
            value = rest or (lines[i + 1].strip() if i + 1 < n else "")
            if value and not label_at(value, DEPT_LABELS + RATING_LABELS):
                f.texts[lb] = value[:200]
        i += 1
    return f


_CIRCLED_SPLIT = re.compile(r"([\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])")
_TRAILING_GRADES = re.compile(r"(?:\s+(?:S|A|B|C|D|[◎○△×]|-|—|ー))+\s*$")


def _per_number(value: str) -> dict[str, list[str]]:
    """``①A課 B課 ②C課`` → {"①": [A課, B課], "②": [C課]} (≥ 2 numbers), else {}."""
    parts = _CIRCLED_SPLIT.split(value)
    if len(parts) < 5:
        return {}
    out: dict[str, list[str]] = {}
    waiting: list[str] = []
    for k in range(1, len(parts) - 1, 2):
        waiting.append(parts[k])
        depts = split_departments(parts[k + 1])
        if depts:
            for num in waiting:
                out[num] = depts
            waiting = []
    return out


def trailing_grades(title: str) -> tuple[str, list[str]]:
    """``市民総合交流拠点施設の整備 A B`` → (title, [A, B]): a rating column flattened into the line."""
    m = _TRAILING_GRADES.search(title)
    if not m or m.start() == 0:
        return title, []
    grades = [g for g in m.group(0).split() if is_grade(g)]
    return title[: m.start()].rstrip(), grades


def _ratings_after(label: str, rest: str, following: list[str], default_year: int | None) -> list[tuple[int | None, str, str]]:
    """Ratings after a rating label: inline (``評価 A``, ``R5評価：B``) or a year header + value row."""
    tokens = [t for t in re.split(r"[\s|｜:：]+", rest) if t]
    grades = [t for t in tokens if is_grade(t)]
    years = years_in(rest)
    if grades and len(years) <= 1:
        return [(years[0] if years else default_year, grades[0], label)]
    if years and not grades:
        # a year header (令和4年度 令和5年度 …) with the values on the next line
        for nxt in following[:2]:
            vals = [t for t in re.split(r"[\s|｜]+", nxt.strip()) if t]
            if vals and all(is_grade(v) or v in ("—", "-", "ー", "―", "－") for v in vals):
                return [(y, v, label) for y, v in zip(years, vals) if is_grade(v)]
        return []
    if grades and years:
        return [(y, g, label) for y, g in zip(years, grades)]
    if not rest and following:
        nxt = following[0].strip()
        if is_grade(nxt):
            return [(default_year, nxt, label)]
    if rest and not years and len(rest) <= 30 and "。" not in rest and not re.search(r"[:：]", rest):
        return [(default_year, rest, label)]  # a verbal scale (目標をおおむね達成)
    return []
