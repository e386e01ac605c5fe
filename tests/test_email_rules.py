"""The structural checker catches each rule it enforces, one breakage at a time."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from digest.models import UNSUBSCRIBE_PLACEHOLDER
from digest.render import render_issue
from email_rules import check_email
from fixtures_issue import small_issue


@pytest.fixture(scope="module")
def good_html() -> str:
    return render_issue(small_issue()).html


def test_the_rendered_small_issue_passes(good_html):
    assert check_email(good_html, small_issue()) == []


def _sub(pattern: str, replacement: str, count: int = 1):
    def mutate(html: str) -> str:
        changed, n = re.subn(pattern, replacement, html, count=count, flags=re.S)
        assert n, f"mutation {pattern!r} did not apply"
        return changed

    return mutate


BREAKAGES = [
    ("no lang", _sub(r'<html lang="en"', "<html"), "lang attribute"),
    ("no dir", _sub(r'(<html[^>]*?) dir="ltr"', r"\1"), "dir=ltr or dir=rtl"),
    ("no viewport", _sub(r'<meta name="viewport"[^>]*>', ""), "viewport"),
    ("no colour-scheme meta", _sub(r'<meta name="color-scheme"[^>]*>', ""), "color-scheme"),
    ("empty title", _sub(r"<title>.*?</title>", "<title></title>"), "<title>"),
    ("no article wrapper", _sub(r' aria-roledescription="email"', ""), 'role="article"'),
    ("no 96 dpi block", _sub(r"<o:PixelsPerInch>96</o:PixelsPerInch>", ""), "96-dpi"),
    (
        "table without role",
        _sub(r'<table role="presentation" class="card', '<table class="card'),
        'role="presentation"',
    ),
    (
        "no MSO wrapper",
        _sub(
            r'<table role="presentation" align="center" width="600"[^>]*><tr><td>(<!\[endif\]-->\s*<table[^>]*class="card lead)',
            r"\1",
        ),
        "MSO 600px wrapper",
    ),
    ("wider than 600", _sub(r"max-width:600px", "max-width:700px"), "max-width of at most 600px"),
    (
        "two sections in one table",
        _sub(r"(<h2[^>]*>News</h2>)", r'\1<h2 style="margin:0">Extra</h2>'),
        "one table per section",
    ),
    ("two h1", _sub(r"(<h1[^>]*>)", r"<h1>Again</h1>\1"), "exactly one h1"),
    (
        "skipped level",
        _sub(r'<h2 style="([^"]*)">Top story</h2>', r'<h4 style="\1">Top story</h4>'),
        "skips a heading level",
    ),
    (
        "tiny text",
        _sub(r'class="meta" style="margin:0 0 6px;font-size:14px', 'class="meta" style="margin:0 0 6px;font-size:12px'),
        "below 14px",
    ),
    ("small summary", _sub(r'<div class="sum">', '<div class="sum" style="font-size:15px">'), "below 16px"),
    ("low light contrast", _sub(r'(class="meta" style="[^"]*color:)#[0-9a-f]{6}', r"\1#bbbbbb"), "light-mode contrast"),
    (
        "low dark contrast",
        _sub(r"\.meta,\.lede,\.foot,\.src,\.hero img\{color:#[0-9a-f]{6} !important\}", ""),
        "dark-mode contrast",
    ),
    ("bare read more", _sub(r"(<h3[^>]*><a [^>]*>)[^<]*(</a>)", r"\1Read more\2"), "must name its target"),
    ("small tap target", _sub(r"display:block;padding:9px 0;", "display:block;padding:2px 0;"), "tap target"),
    ("http link", _sub(r'href="https://circuit', 'href="http://circuit'), "href must be https"),
    ("image without alt", _sub(r'(<img[^>]*?) alt=""', r"\1"), "alt attribute"),
    ("image without width", _sub(r'(<img[^>]*?) width="120"', r"\1"), "numeric width"),
    ("image not block", _sub(r'(<img[^>]*?style=")display:block;', r"\1"), "display:block;height:auto"),
    ("thumbnail without hspace", _sub(r'(<img[^>]*?) hspace="16"', r"\1"), "needs hspace"),
    ("thumbnail not floated", _sub(r'(<img[^>]*?) align="right"', r"\1"), "display:block;height:auto"),
    ("underlined title", _sub(r"(<h3[^>]*><a [^>]*?);text-decoration:none", r"\1"), "text-decoration:none inline"),
    ("http image", _sub(r'<img src="https://', '<img src="http://'), "src must be https"),
    ("data uri", _sub(r'<img src="[^"]*"', '<img src="data:image/png;base64,AAAA"'), "data: URI"),
    ("flex", _sub(r'<div class="sum">', '<div class="sum" style="display:flex">'), "flex/grid"),
    ("calc", _sub(r"max-width:600px", "max-width:calc(600px)"), "calc()"),
    ("var", _sub(r"(\.item\{border-color:)#[0-9a-f]{6}", r"\1var(--rule)"), "var()"),
    ("position", _sub(r'<div class="sum">', '<div class="sum" style="position:relative">'), "position"),
    ("font-face", _sub(r"(<style>\n)", r"\1@font-face{font-family:X}\n"), "@font-face"),
    (
        "background image",
        _sub(r'<div class="sum">', '<div class="sum" style="background-image:url(https://x.example/a.png)">'),
        "CSS images",
    ),
    ("3-digit hex", _sub(r"background-color:#ffffff", "background-color:#fff"), "not 6-digit hex"),
    ("rgb colour", _sub(r'<div class="sum">', '<div class="sum" style="color:rgb(0,0,0)">'), "rgb()"),
    (
        "nested at-rule",
        _sub(
            r"@media \(prefers-color-scheme: dark\)\{",
            "@media (prefers-color-scheme: dark){@media screen{.x{color:#000000}}",
        ),
        "nested @media",
    ),
    (
        "no dark rules",
        _sub(r"@media \(prefers-color-scheme: dark\)", "@media (min-width:1px)"),
        "prefers-color-scheme: dark",
    ),
    ("no outlook.com rules", _sub(r"\[data-ogsc\]", "[data-x]", count=0), "[data-ogsc]"),
    ("huge style block", _sub(r"(<style>\n)", r"\1" + ".x{color:#000000}" * 1100), "Gmail drops them"),
    ("no unsubscribe", _sub(re.escape(UNSUBSCRIBE_PLACEHOLDER), "https://example.com/u", count=0), "unsubscribe link"),
    ("no postal address", _sub(r"1 Example Street", "", count=0), "postal address"),
    ("no preheader", _sub(r'<div class="preheader".*?</div>', ""), "preheader"),
    ("no view in browser", _sub(r">View in browser<", ">Web<"), "View in browser"),
    ("missing article", _sub(r"(<h3[^>]*><a [^>]*>)[^<]*(</a>)", r"\1Another title\2"), "has no h3 title"),
    ("lang not from config", _sub(r'<html lang="en"', '<html lang="fr"'), "newsletter's language is en"),
    ("h1 is not the title", _sub(r'(<h1[^>]*><span dir="auto">)[^<]*', r"\1Something else"), "not the issue's title"),
    ("96 dpi block outside mso", _sub(r"<!--\[if mso\]>\n<noscript>", "<!--[if gte mso 99]>\n<noscript>"), "96-dpi"),
    ("no office namespace", _sub(r' xmlns:o="urn:schemas-microsoft-com:office:office"', ""), "xmlns:v and xmlns:o"),
    (
        "MSO wrapper left open",
        _sub(r"(</table>\n<!--\[if mso\]>)</td></tr><tr><td height=\"16\"></td></tr></table>", r"\1"),
        "not closed",
    ),
    (
        "phone font too small",
        _sub(r"(\.item img\{width:96px !important\})", r"\1\n.sum{font-size:13px !important}"),
        "on phones is below 14px",
    ),
    (
        "phone body text small",
        _sub(r"(\.item img\{width:96px !important\})", r"\1\n.sum{font-size:15px !important}"),
        "15px on phones is below 16px",
    ),
    (
        "alt text unreadable",
        _sub(r'(<img src="[^"]*" alt="Photo for the story"[^>]*style="[^"]*)color:#[0-9a-f]{6}', r"\1color:#dddddd"),
        "alt text of image",
    ),
    ("svg image", _sub(r'(<img src="[^"]*)\.jpg"', r'\1.svg"'), "SVG images"),
    ("numeric image height", _sub(r'(<img[^>]*? width="120")', r'\1 height="68"'), "numeric height attribute"),
    ("focusable decorative link", _sub(r' aria-hidden="true" tabindex="-1"><img', "><img"), "aria-hidden and tabindex"),
    ("inline svg", _sub(r'(<p class="sum")', r'<svg width="1" height="1"></svg>\1'), "inline SVG"),
    ("named colour", _sub(r'<div class="sum">', '<div class="sum" style="color:red">'), "named colour"),
    ("named border colour", _sub(r"border-top:1px solid #e3e6ea", "border-top:1px solid silver"), "named colour"),
    ("font without fallback", _sub(r"Helvetica, Arial, sans-serif", "Helvetica, Arial"), "generic family"),
    ("no outlook.com twin", _sub(r",\[data-ogsc\] \.hero img", ""), "no [data-ogsc] .hero img rule"),
    (
        "visible preheader",
        _sub(r'<div class="preheader" style="display:none;', '<div class="preheader" style="'),
        "must be hidden",
    ),
    ("listed link wrong dir", _sub(r'(<a class="link" href="[^"]*")', r'\1 dir="rtl"'), "renders rtl, not ltr"),
    ("lead alt not the article's", _sub(r'alt="Photo for the story"', 'alt="image"'), "lead image's alt text"),
]


@pytest.mark.parametrize("name, mutate, expected", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_each_breakage_is_reported(good_html, name, mutate, expected):
    problems = check_email(mutate(good_html), small_issue())
    assert any(expected in p for p in problems), problems


@pytest.fixture(scope="module")
def logo_issue():
    issue = small_issue()
    return replace(issue, newsletter=replace(issue.newsletter, logo_url="https://cdn.circuit.example.com/logo.png"))


LOGO_BREAKAGES = [
    ("logo without alt", _sub(r'alt="The Circuit Weekly"', 'alt=""'), "needs it as alt text"),
    (
        "logo alt text unreadable in dark mode",
        _sub(r'(class="logo-img" style="[^"]*)color:#[0-9a-f]{6}', r"\1"),
        "dark-mode contrast",
    ),
    (
        "logo plate not white in dark mode",
        _sub(r"\.logo\{background-color:#ffffff !important\}", ".logo{background-color:#171b21 !important}"),
        "white plate",
    ),
    ("logo plate not kept in Outlook.com", _sub(r"\[data-ogsb\] \.logo\{[^}]*\}", ""), "[data-ogsb] .logo"),
]


@pytest.mark.parametrize("name, mutate, expected", LOGO_BREAKAGES, ids=[b[0] for b in LOGO_BREAKAGES])
def test_each_logo_breakage_is_reported(logo_issue, name, mutate, expected):
    html = render_issue(logo_issue).html
    assert check_email(html, logo_issue) == []
    problems = check_email(mutate(html), logo_issue)
    assert any(expected in p for p in problems), problems


def test_long_preheader_is_reported(good_html):
    issue = replace(small_issue(), preheader="word " * 30)
    assert any("the preheader is 150 characters" in p for p in check_email(render_issue(issue).html, issue))


def test_clip_size_is_reported(good_html):
    padded = good_html.replace("</body>", "<p>" + "x" * 120_000 + "</p></body>")
    assert any("Gmail clips" in p for p in check_email(padded))


def test_web_version_must_not_carry_recipient_parts(good_html):
    problems = check_email(good_html, small_issue(), web=True)
    assert any("web version must not carry" in p for p in problems)
