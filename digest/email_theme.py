"""The email's colour palette, light and dark, derived from the configured theme.

Configured colours are adjusted only as far as needed to keep text contrast at
WCAG AA (4.5:1) on the backgrounds it is drawn on, in light and in dark mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from digest.errors import RenderError
from digest.models import Newsletter

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MIN_CONTRAST = 4.5

# Dark mode surfaces are fixed: a configured light background has no dark twin.
DARK_PAGE = "#0e1116"
DARK_CARD = "#171b21"
DARK_TEXT = "#e6e9ed"
DARK_MUTED = "#aab3bd"
DARK_RULE = "#2c333b"
LIGHT_CARD = "#ffffff"
LIGHT_RULE = "#e3e6ea"


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """Relative luminance of a #rrggbb colour, as WCAG 2 defines it."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: str, b: str, amount: float) -> str:
    """Blend `amount` (0..1) of colour b into colour a."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(a), _rgb(b)
    return _hex((r1 + (r2 - r1) * amount, g1 + (g2 - g1) * amount, b1 + (b2 - b1) * amount))


def readable(fg: str, *backgrounds: str, ratio: float = MIN_CONTRAST) -> str:
    """`fg`, darkened or lightened just enough to reach `ratio` on every background."""
    darkest = min(luminance(bg) for bg in backgrounds)
    toward = "#ffffff" if darkest < 0.18 else "#000000"
    for step in range(0, 21):
        candidate = mix(fg, toward, step / 20)
        if all(contrast(candidate, bg) >= ratio for bg in backgrounds):
            return candidate
    return toward


@dataclass(frozen=True)
class Palette:
    """Every colour the templates use, as 6-digit hex."""

    page: str
    card: str
    text: str
    muted: str
    accent: str
    rule: str
    dark_page: str
    dark_card: str
    dark_text: str
    dark_muted: str
    dark_accent: str
    dark_rule: str


def _checked(newsletter: Newsletter, name: str) -> str:
    value = getattr(newsletter, name)
    if not HEX_COLOUR.match(value or ""):
        raise RenderError(f"{name} must be a 6-digit hex colour such as #0b5cad, not {value!r}")
    return value.lower()


def palette(newsletter: Newsletter) -> Palette:
    """The light and dark palette for a newsletter's configured colours."""
    page = _checked(newsletter, "background_color")
    accent = _checked(newsletter, "accent_color")
    text = readable(_checked(newsletter, "text_color"), LIGHT_CARD, page)
    return Palette(
        page=page,
        card=LIGHT_CARD,
        text=text,
        muted=readable(mix(text, LIGHT_CARD, 0.3), LIGHT_CARD, page),
        accent=readable(accent, LIGHT_CARD, page),
        rule=LIGHT_RULE,
        dark_page=DARK_PAGE,
        dark_card=DARK_CARD,
        dark_text=DARK_TEXT,
        dark_muted=DARK_MUTED,
        dark_accent=readable(accent, DARK_CARD, DARK_PAGE, ratio=6.0),  # crisper links on dark
        dark_rule=DARK_RULE,
    )


GENERIC_FONTS = ("serif", "sans-serif", "monospace", "system-ui", "cursive")
FALLBACK_FONTS = "Arial, sans-serif"


def font_stack(value: str) -> str:
    """A CSS font stack from the configured one, ending in a generic family so text never falls back to Times."""
    stack = css_safe(value or "").strip(" ,")
    if not stack:
        return FALLBACK_FONTS
    if stack.split(",")[-1].strip().strip("'\"").lower() not in GENERIC_FONTS:
        stack = f"{stack}, {FALLBACK_FONTS}"
    return stack


def css_safe(value: str) -> str:
    """A config value made safe to place inside CSS (no braces, tags or statement ends)."""
    return re.sub(r"[<>{};\\]", "", value).strip()


@dataclass(frozen=True)
class ScriptStyle:
    """Type settings for a writing system: extra line height and the faces to try first."""

    line_ratio: float  # line heights are multiplied by this
    fonts: str  # tried before the configured stack ("" = none)
    spacing: str = "1px"  # letter spacing of the small capitals headings ("0" where it breaks joined letters)


LATIN = ScriptStyle(1.0, "")
# Nastaliq (the face Apple Mail and Android use for Urdu) has tall ascenders and deep descenders:
# at a Latin 25 px line for 16 px text its lines collide; 1.4x gives body text about 2.2 em and
# headings about 1.8 em. Naskh Arabic, Hebrew and the Indic scripts need less, but more than Latin.
# Letter spacing would pull the joined letters of Arabic script apart.
SCRIPT_STYLES = {
    **dict.fromkeys(
        ("ur", "pa-arab", "sd", "ks"),
        ScriptStyle(1.4, "'Noto Nastaliq Urdu', 'Jameel Noori Nastaleeq', 'Urdu Typesetting'", "0"),
    ),
    **dict.fromkeys(
        ("ar", "fa", "ps", "ug", "ckb", "ku"), ScriptStyle(1.2, "'Geeza Pro', 'Noto Naskh Arabic', Tahoma", "0")
    ),
    **dict.fromkeys(("he", "yi"), ScriptStyle(1.1, "'Arial Hebrew', 'Noto Sans Hebrew'")),
    **dict.fromkeys(
        ("hi", "mr", "ne", "bn", "ta", "te", "kn", "ml", "gu", "pa", "si", "th", "lo", "km", "my"),
        ScriptStyle(1.15, ""),
    ),
}


def script_style(language: str) -> ScriptStyle:
    """The type settings for a BCP 47 language tag (Latin settings when the script needs nothing more)."""
    tag = (language or "").strip().lower().replace("_", "-")
    return SCRIPT_STYLES.get(tag) or SCRIPT_STYLES.get(tag.split("-")[0]) or LATIN


def line_height(px: int, style: ScriptStyle) -> str:
    """A px line height scaled for the script, e.g. 25 -> "25px" (Latin) or "35px" (Nastaliq)."""
    return f"{round(px * style.line_ratio)}px"


def script_font_stack(configured: str, style: ScriptStyle) -> str:
    """The configured stack with the script's faces in front, ending in a generic family."""
    stack = font_stack(configured)
    return f"{style.fonts}, {stack}" if style.fonts else stack
