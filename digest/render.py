"""Render an Issue to inlined email HTML and its plain-text twin (pure: reads templates only)."""

from __future__ import annotations

import functools
import gc
import logging
import re
from collections.abc import Callable
from pathlib import Path

import jinja2
from markupsafe import Markup

import digest
from digest.email_theme import line_height, palette, script_font_stack, script_style
from digest.errors import RenderError
from digest.lazy import deferred
from digest.locale_text import week_span
from digest.models import (
    RECIPIENT_NAME_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
    Entry,
    Issue,
    Labels,
    Rendered,
)
from digest.template_cache import template_cache
from digest.textwrap_email import LINE_WIDTH, bullet, note_text, tidy, underline, wrap
from digest.transfer import base64_size, qp_size

# premailer's and cssutils' imports of these are for remote stylesheets, which digest never fetches.
with deferred("requests", "urllib.request", "encutils", "importlib.metadata", "email.message"):
    from premailer import Premailer

HTML_TEMPLATE = "email.html"
TEXT_TEMPLATE = "email.txt"
CLIP_LIMIT = 102_000  # Gmail clips an HTML part whose encoded source reaches this size
# A send replaces the unsubscribe placeholder with each subscriber's link (up to about 700 bytes with
# a long address): an issue keeps this much below the clip so no subscriber's copy reaches it.
RECIPIENT_RESERVE = 2_000
SAFE_LIMIT = CLIP_LIMIT - RECIPIENT_RESERVE
DEFAULT_BUDGET = 82_000
MIN_LINK_BYTES = 200  # a linked title with its inlined styles is never smaller than this, encoded

# premailer writes colours as 3-digit hex (#fff) and joins declarations with "; ".
# Anchored at a tag's "<" so text that merely looks like style="..." is never touched.
_STYLE_ATTR = re.compile(r'(<[a-zA-Z][^<>]*?\sstyle=)(["\'])(.*?)\2', re.S)
# Letters of the right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms).
_RTL_CHAR = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
_SHORT_HEX = re.compile(r"#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])(?![0-9a-fA-F])")
# One card's closing [if mso] comment followed by the next card's opening one: joined into one comment
# (the same markup for Outlook, fewer bytes for everyone). Only a plain [if mso] comment is joined.
_ADJACENT_MSO = re.compile(r"(<!--\[if mso\]>(?:(?!<!--|-->).)*?)<!\[endif\]--><!--\[if mso\]>", re.S)


def builtin_template_dir() -> Path:
    """The built-in templates: inside the installed package, else the source checkout's templates/."""
    packaged = Path(digest.__file__).parent / "templates"
    if (packaged / HTML_TEMPLATE).is_file():
        return packaged
    return Path(digest.__file__).resolve().parent.parent / "templates"


def environment(template_dir: Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment: user templates first, then the built-in ones; strict and autoescaped.

    One environment per template folder and process, so each template is compiled once; Jinja reloads
    a template whose file changed, and a file added to the folder gives the folder a new environment.
    Each call starts a new rendering: template files are checked for edits once per rendering.
    """
    _Freshness.rendering += 1
    if template_dir is None:
        return _cached_environment(None, 0)
    folder = Path(template_dir)
    try:
        changed = folder.stat().st_mtime_ns
    except OSError:
        changed = -1
    if changed < 0 or not folder.is_dir():
        raise RenderError(f"{template_dir}: template folder not found (check the `templates` setting)")
    return _cached_environment(str(folder.resolve()), changed)


class _Freshness:
    """Counts renderings (environment() calls): a template file is checked for edits once per rendering."""

    rendering = 0


class _FolderLoader(jinja2.FileSystemLoader):
    """A template folder whose files are checked for edits once per rendering rather than at every
    {% include %}: an issue with 10,000 links includes a partial 20,000 times, and each check is a stat."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        """The template's source, file name and an edit check remembered for the rest of the rendering."""
        source, filename, uptodate = super().get_source(environment, template)
        checked = [-1, True]  # the rendering it was checked in, and the answer

        def fresh() -> bool:
            if checked[0] != _Freshness.rendering:
                checked[:] = [_Freshness.rendering, uptodate()]
            return bool(checked[1])

        return source, filename, fresh


@functools.lru_cache(maxsize=8)
def _cached_environment(template_dir: str | None, _changed: int) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if template_dir is not None:
        loaders.append(_FolderLoader(template_dir))
    loaders.append(_FolderLoader(str(builtin_template_dir())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Compiled code depends on these options: templates compiled with others are kept apart.
        bytecode_cache=template_cache("autoescape html xml, strict, trim_blocks lstrip_blocks keep_trailing_newline"),
    )
    env.filters.update(wrap=wrap, bullet=bullet, underline=underline, meta=meta_line, meta_html=meta_html)
    env.globals.update(
        UNSUBSCRIBE_URL=UNSUBSCRIBE_PLACEHOLDER, RECIPIENT_NAME=RECIPIENT_NAME_PLACEHOLDER, LINE_WIDTH=LINE_WIDTH
    )
    return env


def _meta_parts(entry: Entry, min_read: str, glue: str = " ") -> list[str]:
    article = entry.article
    parts = [article.source]
    if article.author and article.author != article.source:
        parts.append(article.author)
    if article.reading_minutes:
        parts.append(glue.join(min_read.format(minutes=article.reading_minutes).split()))
    return [p for p in parts if p]


def meta_line(entry: Entry, min_read: str = Labels.min_read) -> str:
    """The entry's byline, e.g. 'Source · Author · 4 min read', leaving out what is unknown."""
    return " · ".join(_meta_parts(entry, min_read))


def meta_html(entry: Entry, min_read: str = Labels.min_read) -> Markup:
    """The byline as HTML: "N min read" never wraps, and mixed-direction parts keep their order."""
    parts = _meta_parts(entry, min_read, glue="\u00a0")
    if entry.article.direction == "rtl" or any(_RTL_CHAR.search(p) for p in parts):
        # Without isolation "1 min read" after an Urdu name shows as "min read 1", and the parts
        # of a right-to-left article run left to right; dir="auto" spans order each part alone.
        return Markup(" · ").join(Markup('<span dir="auto">{}</span>').format(p) for p in parts)
    return Markup(" · ").join(parts)


def week_label(issue: Issue) -> str:
    """The issue's dates in its own timezone and language, e.g. "Nov 23 – 29, 2026" (CLDR formats)."""
    return week_span(issue.week.start, issue.week.end, issue.week.timezone, issue.newsletter.language)


def web_link(issue: Issue) -> str | None:
    """The issue's "view in browser" URL: web_url itself if it names a page, else web_url/<id>.html."""
    base = (issue.newsletter.web_url or "").strip()
    if not base:
        return None
    if base.endswith((".html", ".htm")):
        return base
    return f"{base.rstrip('/')}/{issue.id}.html"


def _context(issue: Issue, web: bool) -> dict:
    newsletter = issue.newsletter
    script = script_style(newsletter.language)
    return {
        "issue": issue,
        "newsletter": newsletter,
        "labels": newsletter.labels,
        "colors": palette(newsletter),
        "font_family": script_font_stack(newsletter.font_family, script),
        "lh": lambda px: line_height(px, script),
        "letter_spacing": script.spacing,
        "direction": "rtl" if newsletter.direction == "rtl" else "ltr",
        "week_label": week_label(issue),
        "web_link": None if web else web_link(issue),
        "web": web,
        "editor_note_text": note_text(issue.editor_note_html),
    }


def _fix_styles(html: str) -> str:
    """Undo premailer's colour shortening and "; " joins inside style attributes."""
    fixed: dict[str, str] = {}  # an issue repeats a few dozen style attributes thousands of times

    def fix(match: re.Match) -> str:
        body = match.group(3)
        if body not in fixed:
            fixed[body] = _SHORT_HEX.sub(lambda m: "#" + "".join(c * 2 for c in m.groups()), body).replace("; ", ";")
        return f"{match.group(1)}{match.group(2)}{fixed[body]}{match.group(2)}"

    return _STYLE_ATTR.sub(fix, html)


_STYLE_RULES: dict[tuple[str, int], tuple[list, list]] = {}  # (stylesheet, its index) -> premailer's rules


class _Inliner(Premailer):
    """premailer, with each stylesheet's rules worked out once per process rather than once per render."""

    def _parse_style_rules(self, css_body: str, ruleset_index: int) -> tuple[list, list]:
        key = (css_body, ruleset_index)
        if key not in _STYLE_RULES:
            if len(_STYLE_RULES) >= 64:  # template folders change rarely; keep the table small anyway
                _STYLE_RULES.clear()
            _STYLE_RULES[key] = super()._parse_style_rules(css_body, ruleset_index)
        rules, leftover = _STYLE_RULES[key]
        return list(rules), list(leftover)


def inline_css(html: str) -> str:
    """Inline the stylesheet once; <style data-premailer="ignore"> blocks are kept verbatim."""
    premailer = _Inliner(
        html,
        strip_important=False,
        keep_style_tags=False,
        remove_classes=False,
        allow_network=False,
        allow_loading_external_files=False,
        disable_validation=True,
        cssutils_logging_level=logging.CRITICAL,
        disable_link_rewrites=True,
        align_floating_images=False,
        disable_basic_attributes=["width", "height"],
    )
    collecting = gc.isenabled()
    gc.disable()  # premailer makes a few small containers per element and no cycles: nothing to collect
    try:
        # pretty_print=False: the template's own line breaks only (each one is two bytes sent)
        inlined = premailer.transform(pretty_print=False)
    except Exception as exc:  # premailer and cssutils fail in many ways on CSS they cannot handle
        raise RenderError(
            f"cannot inline the template's CSS ({type(exc).__name__}: {exc}); keep @-rules "
            f'flat and inside <style data-premailer="ignore"> blocks'
        ) from None
    finally:
        if collecting:
            gc.enable()
    return _ADJACENT_MSO.sub(r"\1", _fix_styles(inlined))


def _render_templates(issue: Issue, template_dir: Path | None, web: bool, names: tuple[str, ...]) -> list[str]:
    env = environment(template_dir)
    context = _context(issue, web)
    try:
        return [env.get_template(name).render(context) for name in names]
    except jinja2.TemplateNotFound as exc:
        where = f"{template_dir} or the built-in templates" if template_dir else str(builtin_template_dir())
        raise RenderError(f"template {exc.name} not found in {where}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"template uses an unknown value: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise RenderError(f"template error: {exc}") from None


def render_html_template(issue: Issue, template_dir: Path | None = None) -> str:
    """The email's HTML before its CSS is inlined (templates only: a tenth of a full render's cost)."""
    return _render_templates(issue, template_dir, False, (HTML_TEMPLATE,))[0]


def render_text(issue: Issue, template_dir: Path | None = None) -> str:
    """Only the plain-text twin (no clip applies to it, so it is made from the whole issue)."""
    return tidy(_render_templates(issue, template_dir, False, (TEXT_TEMPLATE,))[0])


def render_issue(issue: Issue, template_dir: Path | None = None, *, web: bool = False) -> Rendered:
    """Render the issue's inlined HTML and plain-text twin; `web` drops per-recipient parts."""
    html, text = _render_templates(issue, template_dir, web, (HTML_TEMPLATE, TEXT_TEMPLATE))
    return rendered_issue(inline_css(html), tidy(text))


def rendered_issue(html: str, text: str) -> Rendered:
    """The rendering of inlined `html` and its text twin, warning when the HTML comes near Gmail's clip."""
    warnings = []
    size = encoded_size(html)
    if size >= SAFE_LIMIT:
        warnings.append(
            f"HTML is {size:,} bytes encoded; with a subscriber's unsubscribe link it can reach "
            f"Gmail's clip at {CLIP_LIMIT:,}, which hides the footer"
        )
    return Rendered(html=html, text=text, warnings=tuple(warnings))


def render_web_html(issue: Issue, template_dir: Path | None = None) -> str:
    """The web version's inlined HTML, as render_issue(web=True) makes it, without the unused text twin."""
    return inline_css(_render_templates(issue, template_dir, True, (HTML_TEMPLATE,))[0])


def encoded_size(html: str) -> int:
    """Bytes of the HTML part as the sender encodes it: UTF-8, CRLF line ends, in the smaller of
    quoted-printable and base64 (the one the sender chooses)."""
    return min(qp_size(html), base64_size(html))
