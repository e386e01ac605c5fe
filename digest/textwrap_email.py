"""Helpers for the plain-text twin: wrapping that never breaks a URL, underlined headings."""

from __future__ import annotations

import re

import lxml.html

from digest.normalize import html_to_text

LINE_WIDTH = 78
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def wrap(text: str, width: int = LINE_WIDTH, indent: str = "") -> str:
    """Wrap text at `width` columns; words and URLs longer than a line stay whole."""
    # One paragraph (a title, a summary) skips the split into paragraphs.
    paragraphs = [text] if "\n" not in text else [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "\n\n".join(_fill(p.split(), width, indent) for p in paragraphs)


def _fill(words: list[str], width: int, indent: str) -> str:
    """The words in lines of at most `width` columns after `indent`, as textwrap fills them.

    With the words joined by single spaces, no hyphen breaks and no long word broken, textwrap puts
    on each line the next word (whole, however long), then every following word while the line with a
    space and that word still fits; this does the same without textwrap's per-chunk work (a
    10,000-article week's text twin wraps some 9,000 summaries).
    """
    room = width - len(indent)
    lines = []
    at, count = 0, len(words)
    while at < count:
        used, start = len(words[at]), at
        at += 1
        while at < count and used + 1 + len(words[at]) <= room:
            used += 1 + len(words[at])
            at += 1
        lines.append(indent + " ".join(words[start:at]))
    return "\n".join(lines)


def bullet(text: str, width: int = LINE_WIDTH, mark: str = "- ") -> str:
    """A list item: `mark` then the text, wrapped with a hanging indent."""
    return mark + wrap(text, width, indent=" " * len(mark))[len(mark) :]


def underline(heading: str, char: str = "-") -> str:
    """A heading followed by a line of `char` as long as the heading (at most a full line)."""
    heading = " ".join(heading.split())
    return f"{heading}\n{char * min(max(len(heading), 3), LINE_WIDTH)}"


def tidy(text: str) -> str:
    """Drop trailing spaces, fold runs of blank lines and end with exactly one newline."""
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip("\n") + "\n"


def overlong_lines(text: str, width: int = LINE_WIDTH) -> list[str]:
    """Lines longer than `width` that are not a lone URL or unbreakable word (for checks)."""
    return [line for line in text.splitlines() if len(line) > width and len(line.strip().split()) > 1]


def note_text(fragment: str) -> str:
    """Plain text of the editor's note; each link becomes "label (URL)" so the URL survives."""
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for link in list(root.iter("a")):
        label = link.text_content().strip()
        href = (link.get("href") or "").strip()
        text = f"{label} ({href})" if href and href != label else label
        parent, previous = link.getparent(), link.getprevious()
        joined = text + (link.tail or "")
        if previous is not None:
            previous.tail = (previous.tail or "") + joined
        else:
            parent.text = (parent.text or "") + joined
        parent.remove(link)
    return html_to_text(lxml.html.tostring(root, encoding="unicode"))
