"""Which of an item's tags are its sections: the feed's own categories, an editor's pin or map."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from digest.errors import ConfigError

FLAGS = frozenset({"featured"})  # categories that mark an article rather than name its topic


def _is_section_page(scheme: str) -> bool:
    """True for a category domain that is a site's section page (`/world`, `/us-news/us-news`)."""
    parts = urlsplit(scheme)
    if parts.scheme not in ("http", "https"):
        return False
    segments = [s for s in parts.path.split("/") if s]
    return len(segments) == 1 or (len(segments) == 2 and segments[0] == segments[1])


def feed_categories(tags: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[str]]:
    """Split a feed entry's tags into (categories, keyword tags) where the feed tells them apart.

    A feed that gives some categories a `domain` and not others names its taxonomy with the domain;
    one whose domains are URLs (news sites) names its sections by section pages and its keywords by
    deeper pages. Otherwise every tag is a category, first one first, as the feed ordered them.
    """
    named = [
        (str(t.get("label") or t.get("term") or "").strip(), str(t.get("scheme") or "").strip())
        for t in tags
        if isinstance(t, Mapping)
    ]
    named = [(name, scheme) for name, scheme in named if name]
    names = list(dict.fromkeys(name for name, _ in named))
    sections = [name for name, scheme in named if _is_section_page(scheme)]
    if not sections and any(scheme for _, scheme in named) and not all(scheme for _, scheme in named):
        sections = [name for name, scheme in named if scheme]
    if not sections or len(sections) == len(names):
        return names, []
    sections = list(dict.fromkeys(sections))
    return sections, [name for name in names if name not in sections]


def _options(spec: Any) -> tuple[str | None, dict[str, str]]:
    section = spec.options.get("section")
    mapping = spec.options.get("category_map") or {}
    if section is not None and (not isinstance(section, str) or not section.strip()):
        raise ConfigError(f'source {spec.name!r}: section must be a section name, e.g. section = "Science"')
    if not isinstance(mapping, Mapping) or not all(isinstance(v, str) for v in mapping.values()):
        raise ConfigError(
            f"source {spec.name!r}: category_map must be a table of names, e.g. "
            'category_map = { "Gadgets" = "Hardware", "For Tumblr" = "" }'
        )
    return (section.strip() if section else None), {str(k).strip().casefold(): v.strip() for k, v in mapping.items()}


def section_categories(categories: tuple[str, ...], spec: Any) -> tuple[str, ...]:
    """An item's categories after the source's `category_map` (a "" value drops one) and `section` pin."""
    if not spec.options:
        return categories
    section, mapping = _options(spec)
    flags = tuple(c for c in categories if c.strip().casefold() in FLAGS)
    if section:
        return (section, *flags)
    out: list[str] = []
    for name in categories:
        mapped = mapping.get(name.casefold(), name)
        if mapped and mapped not in out:
            out.append(mapped)
    return tuple(out)
