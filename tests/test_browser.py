"""The rendered issue in real headless Chromium: 375 and 600 px, light and dark, images on and off.

Screenshots land in tests/screenshots/ (git-ignored) as <issue>-<width>-<scheme>.png.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from browser_support import CHROMIUM, CHROMIUM_FLAGS, MEASURE_JS, SCREENSHOTS, serve_images
from digest.render import render_issue
from fixtures_issue import LONG_WORD, large_issue, long_word_issue, rtl_issue, small_issue

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        yield context
        context.close()


def _with_logo(issue):
    return replace(issue, newsletter=replace(issue.newsletter, logo_url="https://cdn.circuit.example.com/logo.png"))


def _sample_html(tmp_path_factory) -> str:
    from digest.config import settings_from
    from digest.fetch import Fetcher
    from digest.pipeline import build_issue

    result = build_issue(
        settings_from(out=tmp_path_factory.mktemp("issues")), Fetcher(), datetime(2026, 11, 28, tzinfo=UTC), write=False
    )
    return result.rendered.html


ISSUES = {
    "fixture": lambda _: render_issue(large_issue(30, rtl_every=9)).html,
    "small": lambda _: render_issue(_with_logo(small_issue())).html,
    "rtl": lambda _: render_issue(rtl_issue()).html,
    "sample": _sample_html,
    "long-words": lambda _: render_issue(long_word_issue(60)).html,
}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    cache: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in cache:
            cache[name] = ISSUES[name](tmp_path_factory)
        return cache[name]

    return get


def _open(browser, html: str, width: int, scheme: str, images: bool = True):
    page = browser.new_page()
    page.route("**/*", serve_images if images else (lambda route: route.abort()))
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.set_content(html, wait_until="load")
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 600])
@pytest.mark.parametrize("name", list(ISSUES))
def test_renders_well(browser, pages, name, width, scheme):
    page = _open(browser, pages(name), width, scheme)
    try:
        m = page.evaluate(MEASURE_JS)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
    finally:
        page.close()
    assert m["scrollWidth"] <= m["viewport"], "the page scrolls sideways"
    assert m["titles"] and all(t["visible"] and t["left"] >= 0 and t["right"] <= width for t in m["titles"]), [
        t["text"] for t in m["titles"] if not t["visible"]
    ]
    assert all(i["loaded"] for i in m["images"])
    assert all(i["left"] >= i["cardLeft"] - 0.5 and i["right"] <= i["cardRight"] + 0.5 for i in m["images"]), (
        "an image spills out of its column"
    )
    assert m["summaries"] and min(m["summaries"]) >= 16
    assert m["small"] == [], m["small"]
    assert m["lowContrast"] == [], m["lowContrast"]
    assert m["smallTargets"] == [], m["smallTargets"]
    if scheme == "dark":
        assert m["bodyBackground"] < 0.05, "dark mode keeps a light page"
    else:
        assert m["bodyBackground"] > 0.5


# The width and height of every article title.
TITLE_BOXES_JS = "() => Array.from(document.querySelectorAll('h3')).map(h => [h.offsetWidth, h.offsetHeight])"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["fixture", "rtl", "sample"])
def test_layout_holds_with_images_blocked(browser, pages, name, scheme):
    page = _open(browser, pages(name), 375, scheme, images=False)
    try:
        m = page.evaluate(MEASURE_JS)
        blocked = page.evaluate(TITLE_BOXES_JS)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-375-{scheme}-no-images.png"), full_page=True)
    finally:
        page.close()
    page = _open(browser, pages(name), 375, scheme)
    try:
        shown = page.evaluate(TITLE_BOXES_JS)
    finally:
        page.close()
    assert m["scrollWidth"] <= m["viewport"]
    assert all(t["visible"] and t["left"] >= 0 and t["right"] <= 375 for t in m["titles"])
    assert not any(i["loaded"] for i in m["images"])
    # images of known size keep their box, so titles wrap exactly as they do with images shown
    assert blocked == shown
    assert m["lowContrast"] == [], m["lowContrast"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 600])
def test_a_90_character_word_wraps_everywhere(browser, pages, width, scheme):
    html = pages("long-words")
    assert html.count(LONG_WORD) >= 60  # titles, summaries, bylines and link rows all carry it
    page = _open(browser, html, width, scheme)
    try:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            """(w) => Array.from(document.querySelectorAll('h3, .sum, .meta, .link, .card'))
            .filter(el => el.getBoundingClientRect().right > w + 0.5).map(el => el.className || el.tagName)""",
            width,
        )
    finally:
        page.close()
    assert overflow == 0 and wide == []


@pytest.mark.parametrize("alt", ["", "Photo for the story"])
def test_a_blocked_hero_leaves_no_empty_band(browser, alt):
    from fixtures_issue import small_issue as build

    issue = build()
    lead = replace(issue.lead, article=replace(issue.lead.article, image=replace(issue.lead.article.image, alt=alt)))
    page = _open(browser, render_issue(replace(issue, lead=lead)).html, 375, "light", images=False)
    try:
        height = page.evaluate("() => document.querySelector('.hero').getBoundingClientRect().height")
    finally:
        page.close()
    assert height < 60, f"the hero takes {height}px with its image blocked"
