"""Web UI pages against the real fixture index (TestClient): rendering, escaping, exports, errors."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from search_api.ui.display import collapse, key_facts, render_marked
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def client(searcher: Any) -> TestClient:
    return TestClient(create_app(searcher.settings, searcher=searcher))


def cities_in(body: str) -> list[str]:
    return re.findall(r'data-city="([^"]+)"', body)


def is_html(r: Any) -> bool:
    return r.headers["content-type"].startswith("text/html")


# ---- pure helpers ----------------------------------------------------------------------------


def test_collapse_joins_pdf_lines_and_keeps_offsets():
    text = "ＲＰＡを\n\n導入 し、\n約7時間を削減 \nした。 RPA\ntool <ul style=\"x\">表</ul>"
    shown, pos = collapse(text)
    assert shown.startswith("ＲＰＡを導入し、約7時間を削減した。 RPA tool 表")
    assert len(shown) == len(pos)
    assert all(text[p] == ch for ch, p in zip(shown, pos) if ch != " ")


def test_render_marked_escapes_and_marks():
    text = "<script>alert(1)</script>\nＲＰＡを\n導入した"
    start = text.index("ＲＰＡ")
    out = str(render_marked(text, [(start, start + 3)]))
    assert "<script>" not in out
    assert "<mark>ＲＰＡ</mark>を導入した" in out
    long = "前置き。" * 100 + "ＲＰＡ" + "後書き。" * 100
    s = long.index("ＲＰＡ")
    snippet = str(render_marked(long, [(s, s + 3)], limit=100))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>ＲＰＡ</mark>" in snippet


def test_key_facts_pick_quantities():
    facts = [str(f) for f in key_facts("・2,481件のエラー処理でＲＰＡを活用し、約7時間を削減した。・方針を定めた。")]
    assert len(facts) == 1 and "<strong>2,481件</strong>" in facts[0] and "<strong>7時間</strong>" in facts[0]


# ---- pages -----------------------------------------------------------------------------------


def test_home_shows_examples_filters_and_documents(client: TestClient, searcher: Any):
    r = client.get("/")
    assert r.status_code == 200 and is_html(r)
    body = r.text
    assert 'lang="ja"' in body and "/static/ui.css" in body and "http://" not in body.split("<body")[0]
    for example in ("RPAの導入", "ペーパーレス化", "公共施設の老朽化対策", "ふるさと納税"):
        assert example in body
    for city in searcher.cities:
        assert f'name="city" value="{city}"' in body
    for doc in searcher.meta.documents.values():
        assert html.escape(doc["title"]) in body
    assert client.get("/static/ui.js").status_code == 200


def test_search_shows_results_from_several_cities(client: TestClient):
    r = client.get("/", params={"q": "RPAの導入"})
    assert r.status_code == 200
    body = r.text
    assert len(set(cities_in(body))) >= 3
    assert "<mark>" in body and "RPA" in body
    assert re.search(r'href="/source/[^"?]+\?start=\d+&amp;end=\d+#cited"', body)
    assert 'href="/initiative/' in body and "検索結果" in body
    assert 'value="RPAの導入"' in body  # the box keeps the query


def test_shareable_url_filters_are_honored(client: TestClient):
    r = client.get("/?q=RPA&city=昭島市")
    assert r.status_code == 200
    found = cities_in(r.text)
    assert found and set(found) == {"昭島市"}
    assert re.search(r'value="昭島市" checked', r.text)
    both = cities_in(client.get("/", params=[("q", "RPA"), ("city", "昭島市"), ("city", "狛江市")]).text)
    assert set(both) <= {"昭島市", "狛江市"} and len(set(both)) == 2


def test_query_is_escaped_everywhere(client: TestClient):
    q = '<script>alert("x")</script>'
    for path in ("/", "/compare", "/ask"):
        r = client.get(path, params={"q": q})
        assert r.status_code == 200, path
        assert "<script>alert" not in r.text and "&lt;script&gt;alert" in r.text


def test_document_markup_is_shown_as_text(client: TestClient):
    # The 昭島市 fixture text carries raw <ul style=...> from an HTML-to-text conversion.
    src = client.get("/source/akishima-fx")
    assert src.status_code == 200
    assert "<ul style" not in src.text and "&lt;ul style=" in src.text
    res = client.get("/", params={"q": "温室効果ガスの削減", "city": "昭島市"})
    assert res.status_code == 200 and cities_in(res.text)
    assert "<ul style" not in res.text and "&lt;ul style" not in res.text  # tags are dropped from snippets


@pytest.mark.parametrize(
    "params, status, needle",
    [
        ({"q": "   "}, 200, "検索する言葉を入力してください"),
        ({"q": "RPA", "city": "大阪市"}, 400, "大阪市"),
        ({"q": "RPA", "year": "abc"}, 400, "年度"),
        ({"q": "RPA", "year": "1999"}, 400, "1999"),
        ({"q": "RPA", "rating": "Z"}, 400, "評価"),
        ({"q": "RPA", "kind": "novel"}, 400, "資料の種類"),
        ({"q": "x" * 1001}, 400, "1000文字"),
    ],
)
def test_invalid_input_gives_a_friendly_page(client: TestClient, params: dict[str, str], status: int, needle: str):
    r = client.get("/", params=params)
    assert r.status_code == status and is_html(r)
    assert needle in r.text and "Traceback" not in r.text


def test_compare_has_one_column_per_city(client: TestClient, searcher: Any):
    r = client.get("/compare", params={"q": "RPAの導入"})
    assert r.status_code == 200
    heads = re.findall(r'<th scope="col" class="city-col(?: weak)?">([^<]+?)(?: <span|</th>)', r.text)
    assert sorted(heads) == sorted(searcher.cities)
    # a city far below the best one is shown but flagged (and only such a city)
    for q in ("RPAの導入", "ペーパーレス化"):
        page = client.get("/compare", params={"q": q}).text
        weak = re.findall(r'<th scope="col" class="city-col weak">([^<]+?) <span class="badge weak"', page)
        assert weak == [g.city for g in searcher.compare(q, per_city=3).groups if g.weak], q
    assert weak  # the fixture has one for ペーパーレス化 (小平市)
    assert "/compare.csv?q=" in r.text and "/compare.md?q=" in r.text
    assert "keyfacts" in r.text  # numbers are pulled out of the passages
    one = client.get("/compare", params={"q": "RPAの導入", "city": "狛江市"})
    assert re.findall(r'class="city-col(?: weak)?">([^<]+?)[ <]', one.text) == ["狛江市"]
    named = client.get("/compare", params={"q": "小平市のRPAの導入"})  # a city named is the city compared
    assert re.findall(r'class="city-col(?: weak)?">([^<]+?)[ <]', named.text) == ["小平市"]
    assert client.get("/compare", params={"q": "RPA", "per_city": "0"}).status_code == 400


def test_compare_csv_export(client: TestClient, searcher: Any):
    r = client.get("/compare.csv", params={"q": "RPAの導入", "per_city": 2})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"] and "filename*=UTF-8''" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["検索語", "市", "順位", "取組番号", "取組名"]
    assert {row[1] for row in rows[1:]} == set(searcher.cities)
    assert all(row[0] == "RPAの導入" and len(row) == len(rows[0]) for row in rows[1:])
    body = rows[0].index("本文")
    assert any("RPA" in row[body] or "ＲＰＡ" in row[body] for row in rows[1:])
    weak = {g.city for g in searcher.compare("ペーパーレス化", per_city=3).groups if g.weak}
    paper = list(csv.reader(io.StringIO(client.get("/compare.csv", params={"q": "ペーパーレス化"}).content.decode("utf-8-sig"))))
    assert weak and {row[1] for row in paper[1:] if row[-1] == "関連弱"} == weak  # 一致: the weak-match flag


def test_compare_markdown_export(client: TestClient, searcher: Any):
    r = client.get("/compare.md", params={"q": "RPAの導入"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    lines = r.text.splitlines()
    assert lines[0] == "# 市別比較: RPAの導入"
    header = next(ln for ln in lines if ln.startswith("| 順位 |"))
    assert all(f" {c} |" in header for c in searcher.cities)
    width = header.count("|")
    table = [ln for ln in lines if ln.startswith("|")]
    assert len(table) >= 3 and all(ln.count("|") - ln.count("\\|") == width for ln in table)
    assert "## 出典" in r.text
    weak = [g.city for g in searcher.compare("ペーパーレス化", per_city=3).groups if g.weak]
    paper = client.get("/compare.md", params={"q": "ペーパーレス化"}).text
    assert weak and all(f" {c}（関連弱） |" in paper for c in weak)
    assert client.get("/compare.md").status_code == 400
    assert client.get("/compare.pdf", params={"q": "RPA"}).status_code == 404


def test_ask_quotes_sources_or_says_not_found(client: TestClient):
    r = client.get("/ask", params={"q": "狛江市はRPAでどれくらいの時間を削減したか"})
    assert r.status_code == 200
    assert "資料からの回答" in r.text and "<blockquote>" in r.text and "時間" in r.text
    assert "/source/komae-fx?start=" in r.text and "出典" in r.text
    no = client.get("/ask", params={"q": "大阪府の競艇事業の売上はいくらか"})
    assert no.status_code == 200
    assert 'class="no-answer"' in no.text and "該当する記述が見つかりませんでした" in no.text
    assert "<blockquote>" not in no.text


def test_ask_marks_weak_cities_and_names_those_left_out(client: TestClient, searcher: Any):
    q = "電子決裁を各市で比較したい"  # the fixture: 小平市 far below 西東京市
    weak = [g.city for g in searcher.compare(q, per_city=2).groups if g.weak]
    page = client.get("/ask", params={"q": q}).text
    rows = page.split('<ol class="quotes">')[1].split("</ol>")[0].split("<li>")[1:]
    assert weak and rows
    for row in rows:
        city = row.split('<span class="badge city">')[1].split("<")[0]
        assert ('class="badge weak"' in row) == (city in weak), city
    q = "各市の指定管理者制度を比較したい"
    left_out = searcher.compare(q, per_city=2).without_match
    page = client.get("/ask", params={"q": q}).text
    assert left_out and f"比較できる記述が見つからなかった市: {'、'.join(left_out)}" in page


def test_source_view_marks_the_cited_passage(client: TestClient, searcher: Any):
    text = searcher.meta.texts["komae-fx"]
    start = text.index("ＲＰＡ")
    r = client.get("/source/komae-fx", params={"start": start, "end": start + 3})
    assert r.status_code == 200
    assert '<mark id="cited">ＲＰＡ</mark>' in r.text
    before = html.unescape(r.text.split('<div class="source-text">', 1)[1].split('<mark id="cited">', 1)[0])
    assert before == text[:start]  # the original text, line breaks and all
    bad = client.get("/source/komae-fx", params={"start": 10, "end": 10**9})
    assert bad.status_code == 200 and 'id="cited"' not in bad.text and "範囲" in bad.text
    missing = client.get("/source/no-such-doc")
    assert missing.status_code == 404 and is_html(missing) and "見つかりません" in missing.text


def test_initiative_page_and_similar(client: TestClient, searcher: Any):
    ini = next(i for i in searcher.meta.initiatives.values() if i.city == "狛江市" and "RPA" in i.title)
    r = client.get(f"/initiative/{ini.id}")
    assert r.status_code == 200
    assert html.escape(ini.title) in r.text and 'id="similar"' in r.text
    others = set(cities_in(r.text.split('id="similar"', 1)[1]))
    assert others and ini.city not in others
    missing = client.get("/initiative/komae-fx:999")
    assert missing.status_code == 404 and is_html(missing) and "ページが見つかりません" in missing.text


def test_pages_work_without_the_api_key(searcher: Any):
    c = TestClient(create_app(searcher.settings.model_copy(update={"api_key": "s3cret"}), searcher=searcher))
    assert c.get("/search", params={"q": "RPA"}).status_code == 401
    r = c.get("/", params={"q": "RPA"})
    assert r.status_code == 200 and cities_in(r.text)
    assert c.get("/compare.csv", params={"q": "RPA"}).status_code == 200


def test_missing_index_gives_a_friendly_page(tmp_path):
    c = TestClient(create_app(make_settings(tmp_path)))  # no lifespan: the searcher is not loaded
    r = c.get("/", params={"q": "RPA"})
    assert r.status_code == 503 and is_html(r) and "検索の準備ができていません" in r.text


def test_failures_in_a_page_or_its_parameters_give_the_error_page_of_its_tab(client: TestClient, searcher: Any,
                                                                             monkeypatch: pytest.MonkeyPatch):
    bad = client.get("/compare.csv", params={"q": "RPA", "city": "三鷹市"})  # refused by a parameter dependency
    assert bad.status_code == 400 and is_html(bad) and "三鷹市" in bad.text
    assert 'href="/compare" aria-current="page"' in bad.text

    def broken(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(searcher, "compare", broken)
    r = client.get("/compare", params={"q": "RPA"})
    assert r.status_code == 500 and is_html(r) and "エラーが発生しました" in r.text
    assert "disk on fire" not in r.text and "Traceback" not in r.text
    assert 'href="/compare" aria-current="page"' in r.text


def test_snippet_shows_the_passage_part_densest_in_matches():
    from index.display import snippet_start

    # a heading mentions one query word; the body sentence mentions three
    text = "公共施設の概要。" + "前置きの文章。" * 30 + "公共施設の統廃合と複合化で施設総量を削減する。" + "後書き。" * 30
    spans = [(m, m + len(w)) for w in ("公共施設", "統廃合", "複合化", "削減") for m in _all(text, w)]
    snippet = str(render_marked(text, spans, limit=80))
    assert "<mark>統廃合</mark>" in snippet and "<mark>削減</mark>" in snippet and snippet.startswith("…")
    marked = [False] * 10 + [True] * 3 + [False] * 100
    assert snippet_start(marked, 20) == 6  # opens limit // 5 = 4 before the first mark
    assert snippet_start([False] * 50, 20) == 0
    assert snippet_start([True] + [False] * 60 + [True, True], 20) == 43  # the later, denser pair; clamped to the end


def _all(text: str, word: str) -> list[int]:
    out, k = [], text.find(word)
    while k >= 0:
        out.append(k)
        k = text.find(word, k + 1)
    return out
