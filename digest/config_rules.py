"""The rules a declared setting can carry, and the conversion of raw values to its type."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HEX = set("0123456789abcdefABCDEF")


def control_character(text: str) -> str | None:
    """The first character that must never reach a mail header (CR, LF, U+2028, other controls), or None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return char
    return None


def is_web_url(text: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def check_field(f: dataclasses.Field, value: Any) -> str | None:
    """What is wrong with a setting's value under its declared rules (a phrase), or None."""
    rules = f.metadata
    if "choices" in rules and value not in rules["choices"]:
        return f"= {value!r}: use one of {', '.join(rules['choices'])}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "min" in rules and value < rules["min"]:
            top = f" and at most {rules['max']}" if "max" in rules else ""
            return f"must be at least {rules['min']}{top}, not {value}"
        if "max" in rules and value > rules["max"]:
            return f"must be between {rules['min']} and {rules['max']}, not {value}"
        if "above" in rules and value <= rules["above"]:
            return f"must be more than {rules['above']}, not {value}"
    if not isinstance(value, str):
        return None
    if rules.get("header") and control_character(value) is not None:
        char = control_character(value)
        return (
            f"contains the control character U+{ord(char or ' '):04X}: it would reach a mail header; "
            "write it on one line"
        )
    if rules.get("url") and value and not is_web_url(value):
        return f"must be an http(s) URL such as https://news.example.com, not {value!r}"
    if rules.get("color") and not (len(value) == 7 and value.startswith("#") and set(value[1:]) <= HEX):
        return f"must be a 6-digit hex colour such as #0b5cad, not {value!r}"
    if rules.get("timezone"):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return f"= {value!r}: unknown timezone (use an IANA name such as Europe/Berlin)"
    return None


def coerce(f: dataclasses.Field, kind: Any, value: Any) -> Any:
    """Convert a raw value (TOML, environment text or option) to the declared type; raise ValueError."""
    if "coerce" in f.metadata:
        if isinstance(value, str):  # a table from the environment, written as JSON
            value = json.loads(value)
        return f.metadata["coerce"](value)
    text = str(kind)
    if text in ("Path", "pathlib.Path", str(Path)) or kind is Path:
        return Path(value)
    if "Path" in text:  # Path | None: empty means unset
        return Path(value) if value else None
    if text.startswith(("tuple", "typing.Tuple")):
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise TypeError("not a list")
        return tuple(str(v).strip() for v in items)
    if kind is bool:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(value)
            return lowered in ("1", "true", "yes", "on")
        if not isinstance(value, bool):
            raise TypeError("not a boolean")
        return value
    if kind is int:
        if isinstance(value, (bool, float)):
            raise TypeError("not a whole number")
        return int(value)
    if kind is float:
        if isinstance(value, bool):
            raise TypeError("not a number")
        return float(value)
    if isinstance(value, (dict, list)):
        raise TypeError("not text")
    return str(value)
