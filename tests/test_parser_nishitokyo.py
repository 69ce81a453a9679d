"""Tests for the 西東京市 行財政改革大綱 parser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.normalize import clean, compact
from ingest.parsers import nishitokyo
from ingest.records import DocumentMeta, ParsedDocument
from tests.parser_support import corpus_meta, parse_corpus_file, parse_text, spans_text

ROOT = Path(__file__).resolve().parents[1]
DOC_ID = "nishitokyo-2024-plan"

# Two action-plan pages (the page-end 実施項目 column shortened), copied from the file.
ACTION_EXCERPT = """基本方針Ⅰ みらいにつなぐ持続可能な行財政運営

取組目的 取組概要 担当

1 1

公共施設等を総合的かつ計画的に管理し、財
政負担の軽減・平準化を図るとともに、公共施
設の適正な配置を実現し、持続可能な自治体
経営の確立を目指す。

〇「公共施設総合管理計画」及び「公共施設再編計画」に
基づき、「公共施設等マネジメント実行計画」を毎年度策
定し、公共施設等の量と質の最適化やライフサイクルコス
トの適正化に向けた取組を推進する。

公共施設マネジメント課
関係各課

項目番号 実施項目

公共施設等マネジメントの推進

推進項目 (1) 公共施設マネジメントの推進

取組目的 取組概要 担当

2 1
限られた財源を効果的・効率的に活用する予
算編成を推進する。

〇行政評価と連携した予算編成の実施
〇総合計画実施計画及び新規レベルアップ事業の事前調
査結果を踏まえた予算編成の実施
〇財政健全化に向けた予算計上基準の実施

財政課

3 1
環境に配慮した行政運営を目指すとともに、
紙冊子の作成や配布に係る経費の削減を図
る。

〇紙冊子の刊行物について、ＤＸの推進、ゼロカーボンシ
ティ実現の観点から、市全体として電子化を推進する方
針を検討する。
〇その方針を踏まえ、各刊行物において、必要な人に引
き続き情報が届くよう配慮しつつ、電子化を推進する。

企画政策課
関係各課

1
庁内取組の推
進

環境に配慮した行政運営を目指すとともに、
紙やインク等に係る経費の削減を図る。

〇庁内会議等のペーパーレス化を進める。
〇紙やインク等の使用量の見える化を進め、意識啓発を
行う。
〇学校と教育委員会事務局との間の手続き書類の電子
化を進める。

総務課
教育企画課

2
タブレットの活
用

環境に配慮した行政運営を目指すとともに、
紙やインク等に係る経費の削減を図る。

〇児童・生徒とは、GIGAタブレット端末を利用し情報の
共有を図ることや、保護者とは、学校メール配信サービス
を活用することで、通知の電子化を図る。また、都からの
教材資料等については、QRコードの読み取りを利用する
ことで、紙文書の出力について削減を図る。

教育指導課

効果的な予算編成業務

市作成刊行物等の電子化

4 紙資源の削減

推進項目 (2) 経常的な経費の抑制

項目番号 実施項目
"""

# A 基本方針 page of this plan: 評価指標 run, then the 推進項目 run.
POLICY_EXCERPT = """１ 第５次行財政改革の基本的考え方

基本方針Ⅱ

基本方針が目指す姿

推進項目

評価指標

現状値 目標値

４９．０％
（令和４年度）

６０％
（令和15年度）

１９３時間/年
（令和４年度）

１２０時間/年
（令和15年度）

１ 総合的に考えて、現在の仕

事、職場、西東京市役所に満

足している職員の割合

２ 時間外勤務時間数/年

（職員一人当たり）

13

1 挑戦と改革の視点を持った職員の育成

行政サービスを一層向上させるため、職員一人ひとりが市民感覚を持ち、同じ目標に向かい挑戦し続けることが
重要です。従来の考え方に捉われることなく、使命感と目標をもって自律的に行動し、自ら成長する職員の育成
に取り組みます。
また、組織の活性化を図るため、組織運営としての継続性と職員の人材育成といった視点との均衡をとりなが
ら、適切な職員配置を行います。

2 職員一人ひとりが能力を発揮できる職場環境づくり

職員が持てる力を最大限に発揮し、行政サービスを持続的に提供できる組織には、職員が働きがいを感じながら
心身ともに充実した状況で働くことができる環境が大変重要です。
時間外勤務時間の縮減や、育児休暇、介護休暇等が取得しやすい環境づくりを進め、職員の多様な働き方に応じ
たワークライフバランスの推進に取り組むほか、職員定数の適切な管理を行い、それぞれの職員が活躍できる環
境を整えます。

3 業務改革による生産性の向上

ＢＰＲを推進し業務の効率化を図ることで、生産性の向上を目指します。
デジタル技術を積極的に活用し、内部業務のデジタル化の更なる推進に取り組み、職員は、職員でなければでき
ない業務に注力する時間を生み出します。
ＢＰＲ・・・Business Process Re-engineeringの略で、業務プロセスの全体を根本から見直し、再構築すること。

調整中



"""

# The review chapter of the previous (第4次) plan.
OLD_PLAN_EXCERPT = """１ 第４次行財政改革の検証

基本方針Ⅰ 経営の発想に基づいた将来への備え

推進項目１ ファシリティマネジメントの推進
公共施設の再編については、施設分野ごとの適正配置の考え方、「学校を核としたまちづく

り」に向けた学校施設の有効活用、施設別行政コスト計算書などを活用した個別施設の分析な
どを踏まえて、令和５年度の公共施設等総合管理計画の改定に向けて検討を進めてきました。

各施設分野における具体的な取組については、 「公共施設等マネジメント実行計画」を毎年
度策定し、進捗管理を行うことにより、公共施設の適正配置・有効活用に向けた取組を着実に

実施しています。

推進項目２ 受益者負担の適正化
消費税率改定などの社会経済情勢の変化への対応や市民負担の公平性の観点から、受益者

負担の更なる適正化を図るために、令和元年５月に「使用料・手数料等の適正化に関する基本
方針」を改定しました。

また、特定の範囲の市民を対象とするサービスについては、その受益の程度やサービスの特
性に応じた負担の在り方を検討し、各種サービスの利用者負担の適正化に向けた取組が進めら
れました。

推進項目３ 特別会計の持続性の確保
国民健康保険特別会計や下水道事業会計について、中長期的な改善計画やそれに基づく取組

を実施し、健全化が一定程度図られてきました。
しかしながら、国民健康保険特別会計については、一般会計からの法定外繰入金が依然とし

て多額となっており、引き続き改善に向けた取組が求められます。
"""


def _meta() -> DocumentMeta:
    return corpus_meta(DOC_ID)


def _parse(text: str) -> ParsedDocument:
    return parse_text(nishitokyo.parse, text, DOC_ID)


_text = spans_text


@pytest.fixture(scope="module")
def full() -> tuple[str, ParsedDocument]:
    text, _meta_, parsed = parse_corpus_file(nishitokyo.parse, DOC_ID)
    return text, parsed


# --- unit behaviour on excerpts -------------------------------------------------------


def test_action_plan_excerpt() -> None:
    doc = _parse(ACTION_EXCERPT)
    by = {i.number: i for i in doc.initiatives}
    assert list(by) == ["1", "2", "3", "4", "4-1", "4-2"]
    assert by["1"].title == "公共施設等マネジメントの推進"
    assert by["1"].heading_path == ["基本方針I みらいにつなぐ持続可能な行財政運営", "推進項目 (1) 公共施設マネジメントの推進"]
    assert by["1"].departments == ["公共施設マネジメント課", "関係各課"]
    assert by["1"].extra["purpose"].startswith("公共施設等を総合的かつ計画的に管理し")
    assert by["1"].extra["overview"].startswith("〇「公共施設総合管理計画」")
    # Titles printed without their number are matched to the rows by content.
    assert (by["2"].title, by["2"].departments) == ("効果的な予算編成業務", ["財政課"])
    assert (by["3"].title, by["3"].departments) == ("市作成刊行物等の電子化", ["企画政策課", "関係各課"])
    assert by["2"].heading_path[-1] == "推進項目 (2) 経常的な経費の抑制"
    # A lone "1" after other rows starts the next 実施項目; its rows become children.
    assert by["4"].title == "紙資源の削減" and by["4"].departments == ["総務課", "教育企画課", "教育指導課"]
    assert (by["4-1"].title, by["4-1"].departments) == ("庁内取組の推進", ["総務課", "教育企画課"])
    assert (by["4-2"].id, by["4-2"].parent_id) == (f"{DOC_ID}:4.2", f"{DOC_ID}:4")
    assert by["4-2"].heading_path[-1] == "4 紙資源の削減"
    # Spans: the row and the title printed at the page end; no parent headings.
    assert _text(ACTION_EXCERPT, by["2"].spans[-1:]) == "効果的な予算編成業務"
    assert "推進項目" not in _text(ACTION_EXCERPT, [s for i in doc.initiatives for s in i.spans])


def test_policy_page_excerpt() -> None:
    doc = _parse(POLICY_EXCERPT)
    assert doc.initiatives == []
    by = {s.title: s for s in doc.sections}
    policy = "基本方針II"
    indicator = next(s for s in doc.sections if s.kind == "indicator")
    assert indicator.heading_path == ["1 第5次行財政改革の基本的考え方", policy]
    assert indicator.extra["indicators"].splitlines() == [
        "1 総合的に考えて、現在の仕 事、職場、西東京市役所に満 足している職員の割合",
        "2 時間外勤務時間数/年 (職員一人当たり)",
    ]
    assert "60%" in indicator.extra["values"]
    items = [s for s in doc.sections if s.title.startswith("推進項目")]
    assert [s.title for s in items] == [
        "推進項目 (1) 挑戦と改革の視点を持った職員の育成",
        "推進項目 (2) 職員一人ひとりが能力を発揮できる職場環境づくり",
        "推進項目 (3) 業務改革による生産性の向上",
    ]
    assert all(s.heading_path == ["1 第5次行財政改革の基本的考え方", policy] for s in items)
    assert "ワークライフバランス" in _text(POLICY_EXCERPT, items[1].spans)
    # What follows the last description (the next 基本方針's summary) is not part of it.
    assert "調整中" not in _text(POLICY_EXCERPT, items[2].spans)
    assert "調整中" in by


def test_old_plan_excerpt() -> None:
    doc = _parse(OLD_PLAN_EXCERPT)
    assert doc.initiatives == []
    titles = [s.title for s in doc.sections]
    assert titles == [
        "1 第4次行財政改革の検証",
        "第4次 基本方針I 経営の発想に基づいた将来への備え",
        "第4次 推進項目1 ファシリティマネジメントの推進",
        "第4次 推進項目2 受益者負担の適正化",
        "第4次 推進項目3 特別会計の持続性の確保",
    ]
    assert doc.sections[3].heading_path == ["1 第4次行財政改革の検証", "第4次 基本方針I 経営の発想に基づいた将来への備え"]


@pytest.mark.parametrize("text", ["", "こんにちは\n\n世界", "取組目的 取組概要 担当\n\n1\n", "1 2\n3\n", "基本方針Ⅰ\n評価指標\n1 a\n1 b\n"])
def test_robust_on_unrelated_text(text: str) -> None:
    doc = _parse(text)
    if not text.strip():
        assert doc.initiatives == [] and doc.sections == []
    for rec in [*doc.initiatives, *doc.sections]:
        assert all(0 <= s <= e <= len(text) for s, e in rec.spans)


# --- the full document -----------------------------------------------------------------


def test_all_action_items(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    top = [i for i in doc.initiatives if i.parent_id is None]
    children = [i for i in doc.initiatives if i.parent_id is not None]
    # "全36の項目を設定しました" — numbered 1..36, each with its 担当課
    assert "全36の項目" in compact(text)
    assert [i.number for i in top] == [str(n) for n in range(1, 37)]
    assert all(i.title and i.departments for i in doc.initiatives)
    assert len(children) == 55
    per_parent = {i.number: sum(c.parent_id == i.id for c in children) for i in top}
    assert {k: v for k, v in per_parent.items() if v} == {
        "4": 2, "6": 2, "9": 3, "10": 13, "11": 3, "12": 7, "13": 2, "14": 3,
        "25": 2, "29": 3, "30": 3, "32": 4, "35": 6, "36": 2,
    }
    for parent in top:  # a parent's departments are its rows' departments
        rows = [c for c in children if c.parent_id == parent.id]
        if rows:
            assert parent.departments == list(dict.fromkeys(d for r in rows for d in r.departments))


def test_known_items(full: tuple[str, ParsedDocument]) -> None:
    _, doc = full
    by = {i.number: i for i in doc.initiatives}
    p1, p2, p3 = (f"基本方針{r} {n}" for r, n in [
        ("I", "みらいにつなぐ持続可能な行財政運営"),
        ("II", "職員のエンゲージメントの向上で組織を強化"),
        ("III", "効果的・効率的で安定したサービス提供の仕組みづくり"),
    ])
    assert (by["8"].title, by["8"].departments) == ("投開票事務の効率化", ["選挙管理委員会事務局"])
    assert by["8"].heading_path == [p1, "推進項目 (2) 経常的な経費の抑制"]
    assert (by["12"].title, by["12"].id) == ("徴収率の維持・向上", f"{DOC_ID}:12")
    assert (by["10-4"].title, by["10-4"].departments) == ("保谷こもれびホール", ["文化振興課"])
    assert by["10"].extra["purpose"].startswith("使用料・手数料等について")
    assert by["17"].departments == ["企画政策課", "秘書広報課", "産業振興課"]
    assert by["19"].heading_path == [p1, "推進項目 (4) 特別会計の持続性の確保"]
    assert (by["22"].title, by["22"].heading_path[0]) == ("成果に応じた人事評価・給与制度の構築", p2)
    assert (by["26"].title, by["26"].departments) == ("電子決裁の推進による業務の効率化", ["総務課", "会計課"])
    assert by["27"].title == "新たなデジタル技術を活用した効果的・効率的な内部事務の推進"
    assert by["29"].title == "オンライン相談の推進"
    assert (by["29-1"].title, by["29-1"].departments) == ("自立支援給付・障害児通所支援の申請・相談", ["障害福祉課"])
    assert (by["34"].title, by["34"].departments) == ("学童クラブの計画的な委託化", ["児童青少年課"])
    assert by["36"].heading_path == [p3, "推進項目 (3) 市民ニーズに応じた行政サービスの提供"]
    assert by["5"].title == "省エネルギー等の推進" and by["5"].extra["subtitle"] == "公共施設"
    assert all(i.heading_path[0] in (p1, p2, p3) and "第4次" not in " ".join(i.heading_path) for i in doc.initiatives)


def test_plan_structure(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    new_items = [s for s in doc.sections if s.title.startswith("推進項目 (") and len(s.heading_path) == 2]
    per_policy: dict[str, int] = {}
    for s in new_items:
        per_policy[s.heading_path[1]] = per_policy.get(s.heading_path[1], 0) + 1
    assert list(per_policy.values()) == [4, 3, 3]
    assert [k.split()[0] for k in per_policy] == ["基本方針I", "基本方針II", "基本方針III"]
    indicators = [s for s in doc.sections if s.kind == "indicator"]
    assert [len(s.extra["indicators"].splitlines()) for s in indicators] == [5, 2, 3]
    assert indicators[0].extra["indicators"].startswith("1 経常収支比率")
    assert "○○%" in indicators[0].extra["values"]  # draft targets kept as printed
    # The previous plan's outline: sections only, marked 第4次.
    old = [s for s in doc.sections if s.title.startswith("第4次")]
    assert sum(s.title.startswith("第4次 基本方針") for s in old) == 4
    assert sum(s.title.startswith("第4次 推進項目") for s in old) == 12
    assert all(s.heading_path[0] == "2 第4次行財政改革の検証" for s in old)
    chapters = [s.title for s in doc.sections if not s.heading_path and re.match(r"\d ", s.title)]
    assert chapters == ["1 策定の趣旨", "2 第4次行財政改革の検証", "3 第5次行財政改革の基本的考え方",
                        "4 第5次行財政改革の推進方法", "5 アクションプラン(実施項目)"]


def test_spans_hold_titles(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    for i in doc.initiatives:
        body = _text(text, i.spans)
        assert i.spans and compact(i.title) in body or i.parent_id
        assert "推進項目(" not in body and "取組目的取組概要担当" not in body
    for s in doc.sections:
        assert any(compact(t) in _text(text, s.spans) for t in s.title.split() if len(t) > 1)


def test_coverage_and_no_overlap(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    spans = sorted(s for rec in [*doc.initiatives, *doc.sections] for s in rec.spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    covered = bytearray(len(text))
    for s, e in spans:
        covered[s:e] = b"\x01" * (e - s)
    chars = [i for i, c in enumerate(text) if not c.isspace()]
    assert sum(covered[i] for i in chars) / len(chars) >= 0.95


def test_ids_unique_and_stable(full: tuple[str, ParsedDocument]) -> None:
    text, doc = full
    ids = [r.id for r in [*doc.initiatives, *doc.sections]]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", i.split(":", 1)[1]) for i in ids)
    again = nishitokyo.parse(text, clean(text), _meta())
    assert [r.to_dict() for r in again.initiatives] == [r.to_dict() for r in doc.initiatives]
    assert [s.to_dict() for s in again.sections] == [s.to_dict() for s in doc.sections]
