"""Tests for ingest.structure.indicators: year-labelled indicator tables."""

from __future__ import annotations

from ingest.normalize import clean
from ingest.structure.indicators import find_indicators, year_values

HEADER = "平成30年度末時点値 令和2年度末現状値 令和3年度末現状値 令和4年度末現状値 令和6年度末目標値"
TABLE = f"""指標
質の高い行政運営が行われていると感じている市民の割合（％）
市民アンケート
{HEADER}
55.6 37.0 （60.3）※１ 48.3（72.2）※１ 45.7（69.5）※１ 61.0
【関連基本事業】
施策1 施策２ 施策３
方向性１ 基本事業１
おわりに
"""


def test_year_values_keep_parenthesised_parts() -> None:
    vals = year_values(HEADER, "55.6 37.0 (60.3)※1 48.3(72.2)※1 45.7(69.5)※1 61.0")
    assert vals == {"平成30年度末時点値": "55.6", "令和2年度末現状値": "37.0 (60.3)※1",
                    "令和3年度末現状値": "48.3(72.2)※1", "令和4年度末現状値": "45.7(69.5)※1",
                    "令和6年度末目標値": "61.0"}
    assert year_values(HEADER, "1 2 3") == {"values": "1 2 3"}


def test_find_indicators_name_description_and_related_rows() -> None:
    texts = [t for t in clean(TABLE).text.split("\n") if t.strip()]
    (ind,) = find_indicators(texts, set())
    assert ind.number == 1 and ind.header == 3
    assert ind.name == "質の高い行政運営が行われていると感じている市民の割合(%)"
    assert ind.description == "市民アンケート"
    assert ind.values["令和6年度末目標値"] == "61.0"
    assert ind.lines == [1, 2, 3, 4, 5, 6, 7]  # the 指標 caption and おわりに stay out


def test_find_indicators_stops_at_blocked_and_previous_tables() -> None:
    texts = ["経常収支比率(%)", HEADER, "95.1 94.0 93.2 ー※5 90.0以下",
             "市債残高(億円)", HEADER, "195 189.5 183.0 178.1 170.0"]
    first, second = find_indicators(texts, set())
    assert (first.name, first.description, first.lines) == ("経常収支比率(%)", "", [0, 1, 2])
    assert (second.number, second.name, second.lines) == (2, "市債残高(億円)", [3, 4, 5])
    assert second.values["令和4年度末現状値"] == "178.1"
    # nothing above the labels but the previous table: no indicator
    assert [i.name for i in find_indicators(texts[:3] + texts[4:], set())] == ["経常収支比率(%)"]
    assert find_indicators(texts[:3], {0}) == []  # the name line is a heading
    assert find_indicators(["名前", HEADER], set()) == []  # no value row


def test_indicator_extra_is_the_record_form() -> None:
    texts = ["市債残高(億円)", "財政課調べ", HEADER, "195 189.5 183.0 178.1 170.0"]
    (ind,) = find_indicators(texts, set())
    assert list(ind.extra) == ["number", *ind.values, "description"]
    assert ind.extra["number"] == "1" and ind.extra["description"] == "財政課調べ"
