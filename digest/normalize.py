"""Normalization shared by every source kind: URLs, dates, titles and HTML."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import nh3

from digest.errors import ItemError
from digest.models import PLACEHOLDER_MARK, PLACEHOLDERS

# Parameters that only tell the publisher's analytics where a click came from: the link a reader clicks
# loses these and nothing else (ref=, share=, source= may select what the page shows).
CLICK_TRACKING = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
        "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "wt_mc", "wt.mc_id", "wt_mc_id", "_ga", "_gl",
    }
)  # fmt: skip
# For identity only, more goes: two URLs that differ in these (or in click tracking) are one story.
TRACKING_PARAMS = CLICK_TRACKING | frozenset(
    {
        "ref", "ref_src", "cmpid", "ncid", "sr_share", "share", "s_cid", "oly_anon_id", "oly_enc_id",
        "vero_id", "__s", "spm", "ocid", "li_fat_id", "s_kwcid", "ef_id", "rb_clickid",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "*": {"dir", "lang"},
}
RTL_LANGS = {"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"}

UNTITLED_WORDS = 12  # title-less (microblog) items get their first words as title


def is_tracking_param(name: str) -> bool:
    """True for a query parameter that only tracks clicks (utm_*, fbclid, ...)."""
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


# Fragments that point inside a page rather than naming an item (comment threads, "read more").
NOISE_FRAGMENT = re.compile(r"(comments?|respond|disqus_thread|more|more-\d+|comment-\d+|main|content|top)?$", re.I)


def _feed_marker(name: str, value: str) -> bool:
    """True for a parameter that only says the click came from a feed (Medium's ?source=rss-...)."""
    return name.lower() in ("source", "src", "from") and value.lower().startswith(("rss", "feed", "atom"))


def canonical_url(url: str, base: str | None = None, keep_fragment: bool = False) -> str:
    """Return the canonical form of a URL: https, lower-case host, no tracking or fragment.

    `keep_fragment` keeps a fragment that names an item (a microblog's `/2017/06/26.html#a080605`).
    """
    from urllib.parse import urljoin

    url = clean_text(url)
    if base:
        url = urljoin(base, url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ItemError(f"not an absolute http(s) URL: {url!r}")
    host = parts.netloc.lower()
    if host.endswith(":443") or host.endswith(":80"):
        host = host.rsplit(":", 1)[0]
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k) and not _feed_marker(k, v)
    ]
    path = parts.path or "/"
    fragment = parts.fragment if keep_fragment and not NOISE_FRAGMENT.fullmatch(parts.fragment) else ""
    return urlunsplit(("https", host, path, urlencode(query), fragment))


def article_id(canonical: str) -> str:
    """A short stable id for an article, derived from its canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


# Unicode category Cc (C0 and C1 controls) except tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str | None) -> str:
    """Decode entities, strip tags' remains and control characters, fold whitespace."""
    if not value:
        return ""
    text = str(value)
    if "&" in text:  # no ampersand, no entity: skip both decoding passes
        text = html.unescape(html.unescape(text))
    return _folded(_without_placeholders(_CONTROL.sub("", text)))


def _without_placeholders(text: str) -> str:
    for placeholder in PLACEHOLDERS:
        if placeholder in text:
            text = text.replace(placeholder, "")
    return text


def _folded(text: str) -> str:
    # The same as re.sub(r"\s+", " ", text).strip(): str.split() and \s agree on what whitespace is.
    return " ".join(text.split())


_NO_TAGS = nh3.Cleaner(tags=set())  # a Cleaner converts its settings once, not on every call


def clean_title(value: str | None) -> str:
    """A title as plain text: any markup removed, entities decoded, whitespace folded."""
    return clean_text(_NO_TAGS.clean(str(value or "")))


def parse_datetime(value: object, tz: str = "UTC") -> datetime:
    """Parse ISO 8601 or RFC 822 into an aware UTC datetime; naive values use `tz`."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        dt = datetime.fromtimestamp(value, tz=UTC)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            # Imported only for a date that is not ISO 8601: email.utils (with socket) costs every start.
            from email.utils import parsedate_to_datetime

            try:
                dt = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                raise ItemError(f"unparseable date {text!r} (use ISO 8601, e.g. 2026-11-24T09:30:00Z)") from None
    else:
        raise ItemError(f"missing or invalid date {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(tz))
    return dt.astimezone(UTC)


_ARTICLE_HTML = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize_html(fragment: str | None, base: str | None = None) -> str:
    """Sanitize untrusted article HTML: no scripts, styles, frames, forms or handlers."""
    if not fragment:
        return ""
    cleaned = _ARTICLE_HTML.clean(_without_placeholders(fragment))
    if base and ('href="' in cleaned or 'src="' in cleaned):  # a body without links has nothing to resolve
        cleaned = _absolutize(cleaned, base)
    return cleaned.strip()


_HREF = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def _absolutize(fragment: str, base: str) -> str:
    """Resolve relative href/src values against the article's or feed's URL."""
    from urllib.parse import urljoin

    return _HREF.sub(
        lambda m: m.group(1) + html.escape(urljoin(base, html.unescape(m.group(2)))) + m.group(3), fragment
    )


_BLOCK = re.compile(
    r"</?(?:p|div|br|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|figure|figcaption|tr|td|th|table|caption|"
    r"pre|hr|section|article|header|footer|aside)\b[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[^>]+>")
# NUL marks where a block tag was: html.unescape never makes one (&#0; becomes U+FFFD) and no entity's
# name holds one; a body that holds one already is converted chunk by chunk instead.
_BREAK = "\x00"
_INLINE_TAG = re.compile(r"<[^>\x00]+>")  # _TAG inside one chunk
_FIGCAPTION = re.compile(r"<figcaption\b.*?</figcaption>", re.I | re.S)


def html_paragraphs(fragment: str) -> list[str]:
    """Split sanitized HTML into plain-text paragraphs; figure captions are dropped."""
    if not fragment:
        return []
    return list(_paragraphs(fragment))


# Reading, summarizing and grouping each convert every body: a week of a few hundred articles converts
# each body once; a larger one converts again (cheap) rather than hold every body's text all build long,
# and grouping, which only counts words, then takes words_text.
PARAGRAPHS_CACHED = 512


@lru_cache(maxsize=PARAGRAPHS_CACHED)
def _paragraphs(fragment: str) -> tuple[str, ...]:
    fragment = _FIGCAPTION.sub(" ", fragment)
    if _BREAK in fragment:
        return _paragraphs_by_chunk(fragment)
    out = []
    for chunk in _marked(fragment).split(_BREAK):
        if not chunk:
            continue
        if chunk.isprintable():  # the common case: no control character, no whitespace but the space
            if PLACEHOLDER_MARK in chunk:  # without control characters, a placeholder is whole
                chunk = _without_placeholders(chunk)
            chunk = chunk.strip(" ")
            if "  " in chunk:
                chunk = _folded(chunk)
        else:
            chunk = _folded(_without_placeholders(_CONTROL.sub("", chunk)))
        if chunk:
            out.append(chunk)
    return tuple(out)


def _marked(fragment: str) -> str:
    """The text of a body without captions or NUL characters, its blocks' bounds marked by _BREAK."""
    # Tags and entities go in one pass over the whole body, its blocks' bounds marked by _BREAK, instead
    # of one pass per chunk (most chunks between block tags are empty). No tag match crosses a _BREAK and
    # no entity decodes across one, so each chunk comes out as it would converted on its own.
    text = _INLINE_TAG.sub("", _BLOCK.sub(_BREAK, fragment))
    if "&" in text:
        text = html.unescape(html.unescape(text))
    return text


def words_text(fragment: str) -> str:
    """A text with the words of html_to_text(fragment) (runs between white space), for counting them.

    Its white space may differ. A body whose text, once its blocks' bounds and common white space are
    spaces, is printable has no control character or placeholder to remove: its words are the text's
    as it stands, without the paragraph-by-paragraph pass. Any other body is converted in full.
    """
    cut = _FIGCAPTION.sub(" ", fragment)
    if _BREAK not in cut:
        text = _marked(cut)
        if PLACEHOLDER_MARK not in text:
            spaced = text.replace(_BREAK, " ").replace("\n", " ").replace("\t", " ").replace("\r", " ")
            spaced = spaced.replace("\xa0", " ")
            if spaced.isprintable():
                return spaced
    return html_to_text(fragment)


def _paragraphs_by_chunk(fragment: str) -> tuple[str, ...]:
    """Each chunk between block tags converted on its own (the rare body holding a NUL character)."""
    out = []
    for chunk in _BLOCK.split(fragment):
        # Inline tags vanish without a space: "socialist</a>." and 失って<em>いる</em> stay unbroken.
        text = clean_text(_TAG.sub("", chunk))
        if text:
            out.append(text)
    return tuple(out)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, paragraphs separated by blank lines."""
    return "\n\n".join(html_paragraphs(fragment))


@lru_cache(maxsize=32768)  # reading, dedupe and ranking all weigh every body by its length
def body_word_count(fragment: str) -> int:
    """Words in an HTML fragment's plain text."""
    paragraphs = _paragraphs(fragment) if fragment else ()
    # A paragraph has one space between words and none at its ends: its words are its spaces plus one.
    return sum(paragraph.count(" ") for paragraph in paragraphs) + len(paragraphs)


def text_direction(language: str | None, sample: str = "") -> str:
    """'rtl' for right-to-left languages or text that is mostly RTL script, else 'ltr'."""
    if language and language.split("-")[0].lower() in RTL_LANGS:
        return "rtl"
    if sample.isascii():  # no right-to-left letter (isascii is a flag lookup, not a scan)
        return "ltr"
    letters = [ch for ch in sample[:400] if ch.isalpha()]
    if letters:
        rtl = sum(1 for ch in letters if unicodedata.bidirectional(ch) in ("R", "AL"))
        if rtl * 2 > len(letters):
            return "rtl"
    return "ltr"


# Letters only one right-to-left language of a script uses, telling them apart when a source names none.
_URDU_LETTERS = set("ٹڈڑںھہےۓ")
_PERSIAN_LETTERS = set("پچژگکی")


def script_language(sample: str) -> str | None:
    """A language tag guessed from right-to-left script when the source gives none: Urdu letters mean
    "ur", Persian ones "fa", other Arabic script "ar", Hebrew "he"; None for other scripts."""
    if sample.isascii():
        return None
    letters = [ch for ch in sample[:400] if ch.isalpha()]
    if not letters or text_direction(None, sample) != "rtl":
        return None
    if any("\u0590" <= ch <= "\u05ff" for ch in letters):
        return "he"
    present = set(letters)
    if present & _URDU_LETTERS:
        return "ur"
    return "fa" if present & _PERSIAN_LETTERS else "ar"


def reading_minutes(text: str, words_per_minute: int = 230, words: int | None = None) -> int:
    """Estimated reading time in whole minutes (at least 1); CJK text is counted by characters.

    `words`, when the caller has counted them, is the text's whitespace-separated words: word_count's
    count for ASCII text, which then is not counted again.
    """
    from digest.sentences import word_count  # the one rule for counting words in any script

    count = words if words is not None and text.isascii() else word_count(text)
    return max(1, round(count / words_per_minute))


def first_words(text: str) -> str | None:
    """A title for a title-less (microblog) item: its first words."""
    # A bare link says nothing as a headline ("Cats are neat. https://example.org/cats").
    words = [w for w in text.split() if not w.startswith(("http://", "https://"))]
    if not words:
        return None
    return " ".join(words[:UNTITLED_WORDS]) + (" …" if len(words) > UNTITLED_WORDS else "")
