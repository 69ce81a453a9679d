"""The web UI end to end: the real server process on the fixture index, driven in headless Chromium.

Needs Debian's chromium (/usr/bin/chromium) and the `playwright` package (`make test` installs
both through `browser-deps` and the `test` extra). Screenshots of the main views are saved to
artifacts/screenshots/ for a human look.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import server

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian chromium is not installed (make browser-deps)")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
SHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


@pytest.fixture(scope="module")
def base_url(fixture_settings: Any, built_index: Path) -> Iterator[str]:
    env = {"REFORM_SEARCH_DATA_DIR": str(fixture_settings.data_dir),
           "REFORM_SEARCH_CORPUS_DIR": str(fixture_settings.corpus_dir)}
    with server(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def offsite() -> list[str]:
    return []


def open_page(browser: Any, base_url: str, offsite: list[str], viewport: dict[str, int] = LAPTOP) -> Any:
    """A fresh page that refuses (and records) every request leaving the server: no CDN."""
    ctx = browser.new_context(viewport=viewport, locale="ja-JP")
    ctx.set_default_timeout(60_000)

    def guard(route: Any) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    return ctx.new_page()


@pytest.fixture()
def page(browser: Any, base_url: str, offsite: list[str]) -> Iterator[Any]:
    pg = open_page(browser, base_url, offsite)
    yield pg
    pg.context.close()
    assert not offsite, f"the UI requested outside resources: {offsite}"


def shot(pg: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"))


def no_horizontal_scroll(pg: Any) -> bool:
    return pg.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_type_a_query_and_press_enter(page: Any, base_url: str, browser: Any, offsite: list[str]):
    page.goto(base_url + "/")
    shot(page, "home")
    box = page.locator("#q")
    assert box.evaluate("el => el === document.activeElement")  # ready to type
    box.fill("RPAの導入")
    # The loading state, seen by stopping the navigation after the page's own submit handler ran.
    page.evaluate("window.addEventListener('submit', e => e.preventDefault(), {once: true})")
    box.press("Enter")
    sync_api.expect(page.locator("#loading")).to_be_visible()
    sync_api.expect(page.locator("#loading")).to_contain_text("検索中")
    assert page.locator("form button[type=submit]").is_disabled()
    page.reload()
    page.locator("#q").fill("RPAの導入")
    page.locator("#q").press("Enter")  # Enter submits
    page.wait_for_selector("article.hit")
    assert "q=RPA" in page.url  # the results page is a shareable URL
    cities = set(page.locator("article.hit .badge.city").all_inner_texts())
    assert len(cities) >= 3, cities
    assert page.locator("article.hit mark").count() > 0
    assert page.locator("#loading").is_hidden()
    shot(page, "search")
    page.locator("body").click(position={"x": 5, "y": 700})
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"

    tablet = open_page(browser, base_url, offsite, TABLET)
    tablet.goto(page.url)
    tablet.wait_for_selector("article.hit")
    assert no_horizontal_scroll(tablet)
    shot(tablet, "search-tablet")
    tablet.context.close()


def test_compare_has_one_column_per_city(page: Any, base_url: str, browser: Any, offsite: list[str]):
    page.goto(base_url + "/?q=" + "RPAの導入")
    page.get_by_role("link", name="市ごとに並べて比較する").click()
    page.wait_for_selector("table.compare-table")
    heads = page.locator("table.compare-table thead th").all_inner_texts()
    assert sorted(h.removesuffix(" 関連弱") for h in heads) == sorted(["狛江市", "小平市", "昭島市", "西東京市"])
    # a city far below the best one is flagged where a reader sees it
    assert page.locator("table.compare-table thead th.weak .badge.weak").count() == sum(h.endswith("関連弱") for h in heads)
    assert page.locator("table.compare-table tbody td").count() == len(heads)
    assert page.locator("table.compare-table .cell-item").count() >= 3
    assert no_horizontal_scroll(page)
    shot(page, "compare")
    weak = open_page(browser, base_url, offsite, TABLET)
    weak.goto(base_url + "/compare?q=" + "ペーパーレス化")
    weak.wait_for_selector("table.compare-table")
    assert weak.locator("th.weak .badge.weak").first.is_visible()
    weak.context.close()
    tablet = open_page(browser, base_url, offsite, TABLET)
    tablet.goto(page.url)
    tablet.wait_for_selector("table.compare-table")
    shot(tablet, "compare-tablet")
    tablet.context.close()


def test_source_view_shows_the_cited_passage(page: Any, base_url: str):
    page.goto(base_url + "/?q=" + "温室効果ガスの削減")
    page.locator("article.hit a.src").first.click()
    page.wait_for_selector("#cited")
    page.wait_for_function("""() => {
        const r = document.getElementById('cited').getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.top < window.innerHeight;
    }""")
    assert page.locator("#cited").is_visible()
    assert page.locator(".source-text").evaluate("el => getComputedStyle(el).whiteSpace") == "pre-wrap"
    shot(page, "source")


def test_question_without_answer_shows_the_empty_state(page: Any, base_url: str):
    page.goto(base_url + "/ask")
    page.locator("#q").fill("大阪府の競艇事業の売上はいくらか")
    page.locator("#q").press("Enter")
    page.wait_for_selector(".no-answer")
    assert "該当する記述が見つかりませんでした" in page.locator(".no-answer").inner_text()
    assert page.locator("blockquote").count() == 0
    shot(page, "ask-no-answer")
    page.locator("#q").fill("狛江市はRPAでどれくらいの時間を削減したか")
    page.locator("#q").press("Enter")
    page.wait_for_selector("ol.quotes blockquote")
    shot(page, "ask")


def test_initiative_page_lists_similar_initiatives(page: Any, base_url: str):
    page.goto(base_url + "/?q=RPAの導入&city=狛江市")
    page.locator("article.hit h3.title a").first.click()
    page.wait_for_selector("#similar")
    similar = set(page.locator("#similar .badge.city").all_inner_texts())
    assert similar and "狛江市" not in similar
    shot(page, "initiative")
