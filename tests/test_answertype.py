"""Questions that ask for a value (いくら, 何人, how many) are answered only by a quote giving one."""

from index.answertype import asked_kind, gives
from index.qa import extractive_answer


def test_only_explicit_interrogatives_ask_for_a_value():
    assert asked_kind("住民票をコンビニで取るときの手数料はいくら") == "amount"
    assert asked_kind("職員数を何人にする計画か") == "people"
    assert asked_kind("目標額の何％の寄附を集めたか") == "share"  # full width folded
    assert asked_kind("応募件数は何件だったか") == "count"
    assert asked_kind("How many people joined the RPA training?") == "people"
    assert asked_kind("How many scenarios were made?") == "count"
    assert asked_kind("How much did RPA cut working hours?") == "quantity"
    assert asked_kind("費用はいくらかかるか") == "amount" and asked_kind("何カ所に設置したか") == "count"
    assert asked_kind("How many work hours did RPA save?") == "count"
    # topic nouns and dates ask for nothing checkable (reform documents date every sentence), nor
    # do いくらか, 何人目, 何件か, qualitative "how much", or an English comparison (one line per city)
    for q in ("使用料・手数料の見直し", "事務事業の見直しによる経費の削減", "保育園の入園申込みはいつから", "RPAの導入",
              "いくらかの改善はあったか", "いくらでも申請できるか", "何人目の子どもから保育料が無料か", "何件かの事例",
              "How much progress has Kodaira made?", "Compare how much each city spent on RPA", "somehow much"):
        assert asked_kind(q) is None, q


def test_a_value_is_a_number_with_its_unit():
    assert gives("amount", "約１，２００万円を削減した") and not gives("amount", "費用対効果を勘案する")
    assert gives("people", "参加人数:32人") and not gives("people", "32件")
    assert gives("share", "40.2%削減") and gives("count", "新規シナリオが17件")
    assert gives("quantity", "年間738時間を削減") and not gives("quantity", "時間を削減した")
    assert gives("count", "約738時間の工数") and gives("count", "3カ所") and gives("people", "2万5千人")
    assert gives("amount", "12億3千万円") and gives("share", "12.5パーセント")
    # a date, an ordinal or a 分野 is no value
    for text in ("令和6年4月1日から運用を開始", "第2回検討会を開催", "重点5分野", "Society 5.0 towards"):
        assert not gives("quantity", text) and not gives("count", text), text


def test_a_question_for_an_amount_the_documents_never_give_is_refused(searcher):
    # the fixture documents discuss what RPA costs (費用対効果) but state no amount in 円
    asked = extractive_answer(searcher, "RPAの導入にかかった費用はいくら？")
    assert not asked.answerable and asked.extra["asked_value"] == {"kind": "amount", "given": False}
    assert extractive_answer(searcher, "RPAの導入の費用対効果").answerable
    # the same kind of question is answered where a quote gives the value
    count = extractive_answer(searcher, "昭島市のRPA研修の参加人数は何人？")
    assert count.answerable and count.extra["asked_value"] == {"kind": "people", "given": True}, count.answer


def test_a_municipality_the_corpus_only_mentions_is_answered_from_passages_naming_it(searcher):
    from index.qa import outside_places
    from ingest.normalize import fold

    # 調布市 has no documents of its own; 狛江市's names it (a DX training held jointly)
    assert outside_places(searcher, "調布市と合同で実施したDX研修") == ["調布市"]
    assert outside_places(searcher, "Joint DX training with Chofu City") == ["調布市"]
    for q in ("狛江市のDX研修", "区市町村DX支援", "近隣市との連携", "Komae City's DX training"):
        assert outside_places(searcher, q) == [], q
    joint = extractive_answer(searcher, "調布市と合同で実施したDX研修")
    assert joint.answerable and joint.citations
    for q in ("調布市と合同で実施したDX研修", "調布市はRPAで何をしたか", "What did Chofu City do on RPA?"):
        a = extractive_answer(searcher, q)
        assert all("調布市" in fold(h.text) for h in a.citations), (q, [h.text[:40] for h in a.citations])
    # without the rule 狛江市's RPA passages (which never name 調布市) would be quoted
    assert any("調布市" not in fold(h.text) for h in searcher.search("調布市はRPAで何をしたか", k=8).hits[:5])
