"""Tests for the 狛江市「各部の方針」 parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.normalize import clean, compact
from ingest.parsers import komae_policy
from ingest.records import DocumentMeta, ParsedDocument
from tests.parser_support import corpus_meta, parse_corpus_file, parse_text

ROOT = Path(__file__).resolve().parents[1]
DOC_ID = "komae-2023-policies"

EXCERPT = """令和５年度　企画財政部の方針
持続可能な行財政運営の推進
▽　令和７年度を始期とする後期基本計画の策定に向けて、様々な市民参加の手法により、幅広い世代からの意見の集約を行うとともに、将来
を見据えた計画策定を進めます。
▽　旧狛江第四小学校跡地の利用に向けて地域のニーズを踏まえた活用方法を検討し、官民連携等も視野に入れた方向性を示します。
令和５年度各部の方針（案）について
変革に挑戦する組織風土を醸成します
▽　計画的な職員採用を行っていくとともに職員のやる気を引き出し、将来を見据えた職員配置を行い、組織力の向上を図ります。
令和５年度　子ども家庭部の方針
保育所・学童クラブ等の充実に向けた取組の推進
▽　短期的待機児対策を進めつつ、定員拡大を行った和泉小放課後クラブの円滑な運営及び新設する猪方こどもクラブのサポートに努めます。
また、保育の質の維持・向上や虐待未然防止のため、巡回視察を行います。
▽　医療的ケア児の受入れを行い、ケアの内容に応じた体制等を整え、円滑な保育を行います。
"""


def _meta() -> DocumentMeta:
    return corpus_meta(DOC_ID)


def _parse(text: str) -> ParsedDocument:
    return parse_text(komae_policy.parse, text, DOC_ID)


@pytest.fixture(scope="module")
def full() -> tuple[str, ParsedDocument]:
    text, _meta_, parsed = parse_corpus_file(komae_policy.parse, DOC_ID)
    return text, parsed


def test_excerpt() -> None:
    doc = _parse(EXCERPT)
    got = [(i.id, i.number, i.title, i.departments, i.extra["items"]) for i in doc.initiatives]
    assert got == [
        (f"{DOC_ID}:d1.1", "1", "持続可能な行財政運営の推進", ["企画財政部"], "2"),
        (f"{DOC_ID}:d1.2", "2", "変革に挑戦する組織風土を醸成します", ["企画財政部"], "1"),
        (f"{DOC_ID}:d2.1", "1", "保育所・学童クラブ等の充実に向けた取組の推進", ["子ども家庭部"], "2"),
    ]
    first, _, last = doc.initiatives
    assert first.heading_path == ["令和5年度 企画財政部の方針"]
    # A wrapped item ("将来⏎を見据えた…") and a continuation line ending in 。 stay in their item.
    assert compact(EXCERPT[first.spans[0][0]:first.spans[0][1]]).endswith(compact("官民連携等も視野に入れた方向性を示します。"))
    assert "巡回視察を行います" in compact(EXCERPT[last.spans[0][0]:last.spans[0][1]])
    # The stray page header is a section, not a policy.
    stray = [s for s in doc.sections if s.title == "令和5年度各部の方針(案)について"]
    assert len(stray) == 1 and stray[0].heading_path == ["令和5年度 企画財政部の方針"]
    depts = [s for s in doc.sections if s.kind == "heading"]
    assert [s.extra["department"] for s in depts] == ["企画財政部", "子ども家庭部"]


@pytest.mark.parametrize("text", ["", "\n", "無関係な文章です。", "▽ 部の見出しがない項目"])
def test_robust_on_unrelated_text(text: str) -> None:
    doc = _parse(text)
    assert doc.initiatives == []
    if text.strip():
        assert doc.sections


def test_departments(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    depts = [s.extra["department"] for s in doc.sections if s.kind == "heading"]
    assert depts == ["企画財政部", "総務部", "市民生活部", "福祉保健部", "子ども家庭部", "環境部",
                     "都市建設部", "教育部", "議会事務局"]
    per_dept = {d: sum(1 for i in doc.initiatives if i.departments == [d]) for d in depts}
    assert per_dept == {"企画財政部": 6, "総務部": 4, "市民生活部": 5, "福祉保健部": 6, "子ども家庭部": 4,
                        "環境部": 6, "都市建設部": 4, "教育部": 4, "議会事務局": 2}


def test_item_counts(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    assert text.count("▽") == 115
    assert sum(int(i.extra["items"]) for i in doc.initiatives) == 115
    for it in doc.initiatives:
        body = "".join(text[s:e] for s, e in it.spans)
        assert body.count("▽") == int(it.extra["items"]) > 0, it.id
        assert compact(body).startswith(compact(it.title)), it.id


def test_dx_strategy(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    it = next(i for i in doc.initiatives if i.title == "狛江市DX戦略の推進")
    assert it.id == "komae-2023-policies:d1.3"
    assert it.number == "3"
    assert it.departments == ["企画財政部"]
    assert it.heading_path == ["令和5年度 企画財政部の方針"]
    assert it.extra["items"] == "3"
    assert it.city == "狛江市" and it.document_id == DOC_ID


def test_coverage_ids_and_overlap(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    owner = [0] * len(text)
    for rec in [*doc.initiatives, *doc.sections]:
        for s, e in rec.spans:
            for k in range(s, e):
                owner[k] += 1
    assert max(owner) == 1
    visible = [k for k, ch in enumerate(text) if not ch.isspace()]
    assert sum(1 for k in visible if owner[k]) / len(visible) >= 0.95
    ids = [r.id for r in [*doc.initiatives, *doc.sections]]
    assert len(ids) == len(set(ids)) and all(i.isascii() for i in ids)
    again = komae_policy.parse(text, clean(text), _meta())
    assert [r.id for r in [*again.initiatives, *again.sections]] == ids
