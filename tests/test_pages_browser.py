"""A paged document in headless Chromium: page labels, page markers, and the jump to the cited passage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import server
from tests.test_browser import CHROMIUM, browser, offsite, open_page, shot  # noqa: F401 - fixtures
from tests.test_pages_e2e import build_paged_index

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")


@pytest.fixture(scope="module")
def paged_url(tmp_path_factory: pytest.TempPathFactory, encoder: Any) -> Iterator[str]:
    s = build_paged_index(tmp_path_factory, encoder)
    with server({"REFORM_SEARCH_DATA_DIR": str(s.data_dir), "REFORM_SEARCH_CORPUS_DIR": str(s.corpus_dir)}) as url:
        yield url


def test_hit_on_page_three_opens_the_source_at_its_passage(browser: Any, paged_url: str, offsite: list[str]):
    import httpx

    top = httpx.get(paged_url + "/search", params={"q": "ガバメントクラウド", "k": 1}).json()["results"][0]
    first, last = top["page"], top["page_end"]
    assert last == 3  # the passage on ガバメントクラウド ends on page 3 of the paged fixture
    page = open_page(browser, paged_url, offsite)
    page.goto(paged_url + "/?q=ガバメントクラウド")
    link = page.locator("article.hit a.src").first
    assert (f"p.{first}" if first == last else f"pp.{first}–{last}") in link.inner_text()
    link.click()
    page.wait_for_selector("#cited")
    page.wait_for_function("""() => {
        const r = document.getElementById('cited').getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.top < window.innerHeight;
    }""")
    markers = page.locator(".source-text .page-break")
    assert markers.all_inner_texts() == ["— p. 1 —", "— p. 2 —", "— p. 3 —"]
    assert markers.nth(2).is_visible()
    # The marker of the passage's first page sits above it, and no raw form feed reaches the page.
    assert markers.nth(first - 1).bounding_box()["y"] < page.locator("#cited").bounding_box()["y"]
    assert page.locator(".source-text").evaluate("el => el.textContent.includes('\\f')") is False
    shot(page, "source-paged")
    markers.nth(1).scroll_into_view_if_needed()
    shot(page, "source-paged-marker")
    page.context.close()
    assert not offsite, f"the UI requested outside resources: {offsite}"
