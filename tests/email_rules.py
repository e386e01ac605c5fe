"""A structural checker for the rendered email (lxml): every inbox rule the templates must keep.

check_email(html) returns a list of readable problems; an empty list means the email passes.
Given the Issue, it also cross-checks titles, links, sections, direction and the preheader.
"""

from __future__ import annotations

import re

import cssutils
import lxml.html
from lxml import etree

from digest.email_theme import contrast
from digest.models import UNSUBSCRIBE_PLACEHOLDER, Issue
from digest.render import CLIP_LIMIT, SAFE_LIMIT, encoded_size, web_link

STYLE_BLOCKS_MAX = 16 * 1024
PREHEADER_MAX = 110  # inbox lists show 40-90 characters; longer ones are cut mid-word
MIN_FONT_PX, BODY_FONT_PX, MIN_TARGET_PX, MIN_CONTRAST = 14, 16, 44, 4.5
BARE_LINK_TEXT = {"read more", "more", "click here", "here", "link", "continue reading", "read on"}
BANNED_CSS = [
    (re.compile(p, re.I), why)
    for p, why in (
        (r"var\(", "var()"),
        (r"calc\(", "calc()"),
        (r"display\s*:\s*(inline-)?(flex|grid)", "flex/grid layout"),
        (r"(^|[;{\s])position\s*:", "position"),
        (r"@font-face", "@font-face"),
        (r"@import", "@import"),
        (r"(rgba?|hsla?)\(", "rgb()/hsl() colour (use 6-digit hex)"),
        (r"url\(", "CSS images (break with images off)"),
        (r"data:", "data: URI"),
    )
]
HEX = re.compile(r"#[0-9a-fA-F]+\b")
COLOUR_DECLARATION = re.compile(
    r"(?<![\w-])(color|background-color|background|border(?:-(?:top|right|bottom|left))?"
    r"(?:-color)?)\s*:\s*([^;}]+)",
    re.I,
)
COLOUR_KEYWORDS = {"inherit", "transparent", "currentcolor", "initial", "unset", "none", "important"}
BORDER_WORDS = {
    "solid",
    "dashed",
    "dotted",
    "double",
    "none",
    "hidden",
    "groove",
    "ridge",
    "inset",
    "outset",
    "px",
    "thin",
    "medium",
    "thick",
    "no",
    "repeat",
}
FONT_DECLARATION = re.compile(r"(?<![\w-])font-family\s*:\s*([^;}]+)", re.I)
GENERIC_FONTS = {"serif", "sans-serif", "monospace", "system-ui", "cursive", "inherit"}


def style_of(el) -> dict[str, str]:
    """An element's inline style as {property: value}."""
    out = {}
    for part in (el.get("style") or "").split(";"):
        name, sep, value = part.partition(":")
        if sep:
            out[name.strip().lower()] = value.replace("!important", "").strip()
    return out


def px(value: str | None) -> float | None:
    """A px length as a number (None for other units)."""
    match = re.fullmatch(r"\s*(-?[\d.]+)px\s*", value or "")
    return float(match.group(1)) if match else None


def own_text(el) -> str:
    """The text an element itself holds (not its children's)."""
    parts = [el.text or ""] + [child.tail or "" for child in el]
    return " ".join(" ".join(parts).split())


def hidden(el) -> bool:
    """True inside a display:none element (the preheader) or the head."""
    return (
        any(style_of(a).get("display") == "none" or a.tag == "head" for a in el.iterancestors())
        or style_of(el).get("display") == "none"
    )


def inherited(el, prop: str, overrides: dict | None = None) -> str | None:
    """The nearest value of `prop` on el or its ancestors; `overrides` (dark rules) win per element."""
    for node in [el, *el.iterancestors()]:
        if overrides and prop in overrides.get(node, {}):
            return overrides[node][prop]
        value = style_of(node).get(prop)
        if value:
            return value
    return None


def background(el, overrides: dict | None = None) -> str:
    """The colour painted behind an element (inline styles, bgcolor, dark overrides)."""
    for node in [el, *el.iterancestors()]:
        if overrides:
            for prop in ("background-color", "background"):
                if prop in overrides.get(node, {}):
                    return overrides[node][prop]
        style = style_of(node)
        value = style.get("background-color") or style.get("background") or node.get("bgcolor")
        if value and HEX.fullmatch(value.strip()):
            return value.strip()
    return "#ffffff"


def style_blocks(doc) -> list[str]:
    """Text of every <style> element, including those inside conditional comments."""
    texts = [s.text or "" for s in doc.iter("style")]
    for comment in doc.iter(etree.Comment):
        texts += re.findall(r"<style[^>]*>(.*?)</style>", comment.text or "", re.S)
    return texts


def dark_overrides(doc) -> dict:
    """{element: {property: value}} applied by the prefers-color-scheme: dark rules."""
    return media_overrides(doc, "prefers-color-scheme: dark")


def phone_overrides(doc) -> dict:
    """{element: {property: value}} applied by the phone layout (max-width media queries)."""
    return media_overrides(doc, "max-width")


def media_overrides(doc, media: str) -> dict:
    """{element: {property: value}} applied by the @media rules whose query contains `media`."""
    overrides: dict = {}
    parser = cssutils.CSSParser(validate=False, loglevel=100)
    for text in (s.text or "" for s in doc.iter("style")):
        for rule in parser.parseString(text):
            if rule.type != rule.MEDIA_RULE or media not in rule.media.mediaText:
                continue
            for inner in rule.cssRules:
                if inner.type != inner.STYLE_RULE:
                    continue  # a nested @-rule: reported by the CSS rules, not applied here
                for selector in inner.selectorText.split(","):
                    try:
                        matches = doc.cssselect(selector.strip())
                    except Exception:  # selectors cssselect cannot evaluate are not ours to judge
                        continue
                    for el in matches:
                        for prop in inner.style:  # cssutils shortens #ffdd00 to #fd0 when parsing
                            value = re.sub(r"^#(\w)(\w)(\w)$", r"#\1\1\2\2\3\3", prop.value.strip())
                            overrides.setdefault(el, {})[prop.name] = value
    return overrides


def _rule_selectors(css: str, media: str | None) -> dict[str, set[str]]:
    """{selector: properties} of the style rules inside @media `media` (None: outside any @media)."""
    found: dict[str, set[str]] = {}
    parser = cssutils.CSSParser(validate=False, loglevel=100)
    for rule in parser.parseString(css):
        if rule.type == rule.MEDIA_RULE and media and media in rule.media.mediaText:
            inner = [r for r in rule.cssRules if r.type == r.STYLE_RULE]
        elif rule.type == rule.STYLE_RULE and media is None:
            inner = [rule]
        else:
            continue
        for style_rule in inner:
            for selector in style_rule.selectorText.split(","):
                found.setdefault(" ".join(selector.split()), set()).update(p.name for p in style_rule.style)
    return found


def dark_selectors(css: str) -> dict[str, set[str]]:
    """{selector: properties} set by the prefers-color-scheme: dark rules."""
    return _rule_selectors(css, "prefers-color-scheme: dark")


def outlook_dark_selectors(css: str) -> set[str]:
    """Selectors of the Outlook.com dark-mode rules ([data-ogsc] ..., [data-ogsb] ...)."""
    return {s for s in _rule_selectors(css, None) if s.startswith(("[data-ogsc]", "[data-ogsb]"))}


def _document(doc, html: str) -> list[str]:
    problems = []
    if not html.lstrip().lower().startswith("<!doctype html>"):
        problems.append("document must start with <!DOCTYPE html>")
    root = doc.getroottree().getroot()
    if not root.get("lang"):
        problems.append("<html> needs a lang attribute")
    if root.get("dir") not in ("ltr", "rtl"):
        problems.append("<html> needs dir=ltr or dir=rtl")
    metas = {(m.get("name") or m.get("http-equiv") or "charset").lower(): m for m in doc.iter("meta")}
    if "charset" not in metas or (metas["charset"].get("charset") or "").lower() != "utf-8":
        problems.append("missing <meta charset=utf-8>")
    if "width=device-width" not in (metas.get("viewport", {}).get("content", "") if "viewport" in metas else ""):
        problems.append("missing viewport meta with width=device-width")
    for name in ("color-scheme", "supported-color-schemes"):
        if name not in metas or "dark" not in metas[name].get("content", ""):
            problems.append(f"missing <meta name={name} content='light dark'>")
    title = doc.find(".//title")
    if title is None or not (title.text or "").strip():
        problems.append("<title> is missing or empty")
    wrappers = doc.xpath('//*[@role="article" and @aria-roledescription="email" and normalize-space(@aria-label)]')
    if not wrappers:
        problems.append('no wrapper with role="article" aria-roledescription="email" aria-label')
    head = doc.find("head")
    mso = [c.text or "" for c in (head.iter(etree.Comment) if head is not None else ()) if "[if mso]" in (c.text or "")]
    if not any("<o:PixelsPerInch>96</o:PixelsPerInch>" in c and "<o:AllowPNG/>" in c for c in mso):
        problems.append("missing the Outlook 96-dpi OfficeDocumentSettings block (in an [if mso] comment in <head>)")
    if (
        root.get("xmlns:o") != "urn:schemas-microsoft-com:office:office"
        or root.get("xmlns:v") != "urn:schemas-microsoft-com:vml"
    ):
        problems.append("<html> needs the xmlns:v and xmlns:o namespaces, or Outlook ignores the 96-dpi block")
    return problems


def _layout(doc) -> list[str]:
    problems = []
    for table in doc.iter("table"):
        if table.get("role") != "presentation":
            problems.append(f'layout table without role="presentation" (line {table.sourceline})')
    body = doc.find("body")
    tops = [t for t in body.iter("table") if not any(a.tag == "table" for a in t.iterancestors())]
    if not tops:
        problems.append("no layout tables in the body")
    for table in tops:
        width = px(style_of(table).get("max-width"))
        if width is None or width > 600:
            problems.append(f"top-level table on line {table.sourceline} needs max-width of at most 600px")
        previous = table.getprevious()
        if not (
            previous is not None
            and previous.tag is etree.Comment
            and "[if mso]" in (previous.text or "")
            and 'width="600"' in (previous.text or "")
        ):
            problems.append(f"top-level table on line {table.sourceline} lacks the MSO 600px wrapper")
        after = table.getnext()
        # The comment after a card closes its wrapper; it may open the next card's wrapper as well.
        if not (
            after is not None
            and after.tag is etree.Comment
            and re.match(r"\[if mso\]></td></tr>.*?</table>", (after.text or "").strip(), re.S)
        ):
            problems.append(f"top-level table on line {table.sourceline}: the MSO wrapper is not closed after it")
        if len(table.findall(".//h2")) > 1:
            problems.append(f"table on line {table.sourceline} holds several sections (one table per section)")
    return problems


def _headings(doc) -> list[str]:
    problems = []
    levels = [(int(h.tag[1]), h) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    if [lvl for lvl, _ in levels].count(1) != 1:
        problems.append("the issue needs exactly one h1")
    previous = 0
    for level, heading in levels:
        if not heading.text_content().strip():
            problems.append(f"empty h{level} on line {heading.sourceline}")
        if level > previous + 1:
            problems.append(f"h{level} on line {heading.sourceline} skips a heading level")
        previous = level
    return problems


def _text(doc) -> list[str]:
    problems = []
    light: list[str] = []
    dark_rules, phone_rules = dark_overrides(doc), phone_overrides(doc)
    for el in doc.find("body").iter():
        if not isinstance(el.tag, str) or hidden(el):
            continue
        if el.tag == "img" and el.get("alt"):  # alt text shows with images blocked: it must read too
            where = f"alt text of image {el.get('src', '')[:40]} (line {el.sourceline})"
        elif own_text(el):
            where = f"<{el.tag}> '{own_text(el)[:30]}' (line {el.sourceline})"
        else:
            continue
        for layout, rules in (("", None), (" on phones", phone_rules)):
            size = px(inherited(el, "font-size", rules)) or 16.0
            if size < MIN_FONT_PX:
                problems.append(f"{where}: font-size {size:g}px{layout} is below {MIN_FONT_PX}px")
            if "sum" in (el.get("class") or "").split() and size < BODY_FONT_PX:
                problems.append(f"{where}: body text {size:g}px{layout} is below {BODY_FONT_PX}px")
        colour = inherited(el, "color")
        if el.tag == "a" and not style_of(el).get("color"):
            problems.append(f"{where}: link has no colour of its own")
        if colour and HEX.fullmatch(colour) and contrast(colour, background(el)) < MIN_CONTRAST:
            light.append(f"{where}: light-mode contrast {contrast(colour, background(el)):.2f} < 4.5")
        dark = inherited(el, "color", dark_rules)
        if dark and HEX.fullmatch(dark) and contrast(dark, background(el, dark_rules)) < MIN_CONTRAST:
            problems.append(f"{where}: dark-mode contrast {contrast(dark, background(el, dark_rules)):.2f} < 4.5")
    return problems + light


def _padding(style: dict[str, str]) -> tuple[float, float]:
    values = [px(v) or 0.0 for v in style.get("padding", "0").split()] or [0.0]
    top, bottom = values[0], values[2] if len(values) > 2 else values[0]
    return px(style.get("padding-top")) or top, px(style.get("padding-bottom")) or bottom


def _links(doc, web: bool = False) -> list[str]:
    problems = []
    for link in doc.iter("a"):
        href = link.get("href") or ""
        if web and href.startswith("../"):
            href = "https://archive.example/" + href[3:]  # the web version links within its archive
        name = " ".join(link.text_content().split()) or " ".join(i.get("alt", "") for i in link.iter("img")).strip()
        where = f"link '{name[:30]}' (line {link.sourceline})"
        if not (href.startswith(("https://", "mailto:")) or href == UNSUBSCRIBE_PLACEHOLDER):
            problems.append(f"{where}: href must be https:// or the unsubscribe placeholder, not {href[:40]!r}")
        image_only = not " ".join(link.text_content().split()) and link.find(".//img") is not None
        if image_only:
            # A linked picture: its image is the tap target. A decorative one (alt="") must repeat a
            # link that has text, and be hidden from screen readers and the tab order.
            decorative = not name
            if decorative and not (link.get("aria-hidden") == "true" and link.get("tabindex") == "-1"):
                problems.append(f"{where}: a link around a decorative image needs aria-hidden and tabindex=-1")
            if decorative and not any(
                a.get("href") == href and " ".join(a.text_content().split()) for a in doc.iter("a") if a is not link
            ):
                problems.append(f"{where}: a decorative image links where no titled link goes")
            continue
        if not name:
            problems.append(f"{where}: link has no text")
        elif name.lower().strip(" .…→") in BARE_LINK_TEXT:
            problems.append(f"{where}: link text must name its target, not {name!r}")
        if any("note" in (a.get("class") or "").split() for a in link.iterancestors()):
            continue  # links inside the editor's own prose are inline text links
        style = style_of(link)
        line = px(inherited(link, "line-height")) or (px(inherited(link, "font-size")) or 16) * 1.2
        top, bottom = _padding(style)
        if style.get("display") not in ("block", "inline-block") or line + top + bottom < MIN_TARGET_PX:
            problems.append(f"{where}: tap target is {line + top + bottom:g}px high (needs a block of 44px)")
    return problems


def _images(doc, html: str) -> list[str]:
    problems = []
    if re.search(r"""(src|href)\s*=\s*["']?\s*data:""", html, re.I):
        problems.append("data: URIs are not allowed")
    if doc.xpath("//svg | //*[@background]"):
        problems.append("no SVG or background attributes (they break with images off)")
    if re.search(r"<svg[\s>]", html, re.I):
        problems.append("inline SVG is not allowed (Gmail and Outlook drop it)")
    for img in doc.iter("img"):
        where = f"image {img.get('src', '')[:60]} (line {img.sourceline})"
        style = style_of(img)
        if not (img.get("src") or "").startswith("https://"):
            problems.append(f"{where}: src must be https")
        if re.search(r"\.svgz?$", (img.get("src") or "").split("?")[0].split("#")[0], re.I):
            problems.append(f"{where}: SVG images do not show in Gmail or Outlook")
        if "logo-img" in (img.get("class") or "").split() and not (img.get("alt") or "").strip():
            problems.append(f"{where}: the logo stands for the newsletter's name and needs it as alt text")
        if img.get("alt") is None:
            problems.append(f"{where}: needs an alt attribute (empty when decorative)")
        if not (img.get("width") or "").isdigit():
            problems.append(f"{where}: needs a numeric width attribute")
        if (img.get("height") or "auto") != "auto":
            problems.append(
                f"{where}: a numeric height attribute becomes a min-height in Yahoo and AOL "
                '(stretching the image): leave it out or write height="auto"'
            )
        floated = img.get("align") in ("left", "right")  # a float is a block box: display:block is implied
        if (style.get("display") != "block" and not floated) or style.get("height") != "auto":
            problems.append(f"{where}: needs display:block;height:auto")
        if floated and not _outlook_gap(img):
            problems.append(
                f"{where}: a floated image needs hspace (classic Outlook ignores CSS margins on images, "
                "and text would touch it)"
            )
    return problems


def _outlook_gap(img) -> bool:
    """True when classic Outlook keeps text off a floated image: hspace, or padding on its own cell."""
    if (img.get("hspace") or "").isdigit() and int(img.get("hspace")) >= 8:
        return True
    cell = next((a for a in img.iterancestors() if a.tag == "td"), None)
    return (
        cell is not None
        and len(cell.findall(".//img")) == 1
        and any((px(style_of(cell).get(side)) or 0) >= 8 for side in ("padding-left", "padding-right"))
    )


def _titles(doc) -> list[str]:
    """Article titles (the h3 links) are not underlined even where <style> blocks are dropped."""
    problems = []
    for link in doc.xpath("//h3//a"):
        if style_of(link).get("text-decoration") != "none":
            where = f"title link '{' '.join(link.text_content().split())[:30]}' (line {link.sourceline})"
            problems.append(f"{where}: needs text-decoration:none inline (clients that drop <style> underline it)")
    return problems


def _css(doc) -> list[str]:
    problems = []
    blocks = style_blocks(doc)
    size = sum(len(b.encode()) for b in blocks)
    if size > STYLE_BLOCKS_MAX:
        problems.append(f"<style> blocks total {size} bytes; Gmail drops them past {STYLE_BLOCKS_MAX}")
    sources = blocks + [el.get("style") for el in doc.iter() if isinstance(el.tag, str) and el.get("style")]
    sources += [f"color:{el.get(a)}" for a in ("bgcolor", "color") for el in doc.xpath(f"//*[@{a}]")]
    for text in sources:
        for pattern, why in BANNED_CSS:
            if pattern.search(text):
                problems.append(f"CSS uses {why}: {text.strip()[:60]!r}")
        for colour in HEX.findall(text):
            if len(colour) != 7:
                problems.append(f"colour {colour} is not 6-digit hex")
        for prop, value in COLOUR_DECLARATION.findall(text):
            for word in re.findall(r"(?<![#\w-])[a-z]+(?![\w-])", value.replace("!important", "").lower()):
                if word not in COLOUR_KEYWORDS and (prop.endswith("color") or word not in BORDER_WORDS):
                    problems.append(f"{prop}: {word!r} is a named colour (use 6-digit hex)")
        for stack in FONT_DECLARATION.findall(text):
            last = stack.replace("!important", "").split(",")[-1].strip().strip("'\"").lower()
            if last not in GENERIC_FONTS:
                problems.append(f"font-family {stack.strip()[:50]!r} must end in a generic family (sans-serif, serif)")
    for block in blocks:
        depth = 0
        for token in re.findall(r"[{}]|@[\w-]+", block):
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
            elif depth > 0:
                problems.append(f"nested {token} rule inside another block (premailer and Gmail break on it)")
        if depth != 0:
            problems.append("unbalanced braces in a <style> block")
    all_css = "\n".join(blocks)
    if not re.search(r"@media[^{]*prefers-color-scheme:\s*dark", all_css):
        problems.append("no prefers-color-scheme: dark rules")
    if "[data-ogsc]" not in all_css:
        problems.append("no Outlook.com [data-ogsc] dark-mode rules")
    outlook = outlook_dark_selectors(all_css)
    for selector, props in dark_selectors(all_css).items():
        for prop, marker in (("color", "[data-ogsc]"), ("background-color", "[data-ogsb]")):
            if prop in props and f"{marker} {selector}" not in outlook:
                problems.append(
                    f"dark mode sets {prop} on {selector!r} but Outlook.com has no {marker} {selector} rule"
                )
    for logo in doc.find_class("logo-img"):
        plate = logo.getparent()
        if (
            background(plate).lower() != "#ffffff"
            or dark_overrides(doc).get(plate, {}).get("background-color", "#ffffff").lower() != "#ffffff"
        ):
            problems.append("the logo needs a white plate in light and dark mode")
    return problems


def _issue(doc, html: str, issue: Issue, web: bool) -> list[str]:
    problems = []
    root = doc.getroottree().getroot()
    if root.get("dir") != issue.newsletter.direction:
        problems.append(f"<html dir> is {root.get('dir')}, the newsletter's direction is {issue.newsletter.direction}")
    if root.get("lang") != issue.newsletter.language:
        problems.append(f"<html lang> is {root.get('lang')}, the newsletter's language is {issue.newsletter.language}")
    h1 = doc.find(".//h1")
    if h1 is not None and " ".join(h1.text_content().split()) != " ".join(issue.title.split()):
        problems.append(f"the h1 is {h1.text_content().strip()[:40]!r}, not the issue's title {issue.title!r}")
    if (doc.findtext(".//title") or "").strip() != f"{issue.newsletter.name} · {issue.title}":
        problems.append("<title> is not the newsletter's name and the issue's title")
    titles: dict[str, list] = {}
    for h in doc.iter("h3"):
        titles.setdefault(" ".join(h.text_content().split()), []).append(h)
    featured = ([issue.lead] if issue.lead else []) + [e for s in issue.sections for e in s.entries]
    for entry in featured:
        article = entry.article
        heading = next((h for h in titles.get(article.title, []) if h.xpath(f'.//a[@href="{article.url}"]')), None)
        if heading is None:
            problems.append(f"article {article.title[:40]!r} has no h3 title linking to {article.url}")
            continue
        nearest = next((a.get("dir") for a in heading.iterancestors() if a.get("dir")), None)
        if nearest != article.direction:
            problems.append(f"article {article.title[:40]!r} renders {nearest}, not {article.direction}")
    if issue.lead and issue.lead.article.image and issue.lead.article.image.url.startswith("https://"):
        image = issue.lead.article.image
        shown = [i for i in doc.iter("img") if i.get("src") == image.url]
        if shown and shown[0].get("alt") != image.alt:
            problems.append(f"the lead image's alt text is {shown[0].get('alt')!r}, not the article's {image.alt!r}")
    hrefs = {a.get("href") for a in doc.iter("a")}
    for entry in [e for s in issue.sections for e in s.more] + list(issue.more):
        if entry.article.url not in hrefs:
            problems.append(f"listed article {entry.article.title[:40]!r} has no link")
            continue
        link = next(a for a in doc.iter("a") if a.get("href") == entry.article.url)
        nearest = next((a.get("dir") for a in [link, *link.iterancestors()] if a.get("dir")), None)
        if nearest != entry.article.direction:
            problems.append(
                f"listed article {entry.article.title[:40]!r} renders {nearest}, not {entry.article.direction}"
            )
    headings = {" ".join(h.text_content().split()) for h in doc.iter("h2")}
    problems += [f"section {s.name!r} has no h2" for s in issue.sections if s.name not in headings]
    if issue.newsletter.postal_address not in " ".join(doc.find("body").text_content().split()):
        problems.append("the postal address is missing from the footer")
    preheader = doc.find_class("preheader")
    if web:
        if preheader or UNSUBSCRIBE_PLACEHOLDER in html:
            problems.append("the web version must not carry a preheader or an unsubscribe link")
    else:
        if UNSUBSCRIBE_PLACEHOLDER not in hrefs:
            problems.append("the footer has no unsubscribe link (placeholder href)")
        if issue.preheader and (not preheader or not preheader[0].text_content().startswith(issue.preheader)):
            problems.append("the hidden preheader does not start with the issue's preheader")
        if preheader and not {"display": "none", "mso-hide": "all"}.items() <= style_of(preheader[0]).items():
            problems.append("the preheader must be hidden (display:none;mso-hide:all)")
        if len(issue.preheader) > PREHEADER_MAX:
            problems.append(f"the preheader is {len(issue.preheader)} characters; inboxes show about {PREHEADER_MAX}")
        link = web_link(issue)
        if link and not doc.xpath(f'//a[@href="{link}" and contains(., "View in browser")]'):
            problems.append("web_url is set but there is no 'View in browser' link")
    return problems


def check_email(html: str, issue: Issue | None = None, *, web: bool = False) -> list[str]:
    """Every rule the email breaks, as readable lines (empty when it passes)."""
    doc = lxml.html.document_fromstring(html)
    problems = (
        _document(doc, html)
        + _layout(doc)
        + _headings(doc)
        + _text(doc)
        + _links(doc, web)
        + _images(doc, html)
        + _titles(doc)
        + _css(doc)
    )
    size = encoded_size(html)
    if size >= SAFE_LIMIT:
        problems.append(
            f"encoded HTML is {size:,} bytes; Gmail clips at {CLIP_LIMIT:,} and each subscriber's "
            f"unsubscribe link adds to it (keep under {SAFE_LIMIT:,})"
        )
    if issue is not None:
        problems += _issue(doc, html, issue, web)
    return problems
