"""Quoted-printable parts encoded once per issue come out byte for byte as encoding each message whole."""

from __future__ import annotations

import random
import re

from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.transfer import QuotedPrintableTemplate, quoted_printable

SPLIT = re.compile(f"({re.escape(UNSUBSCRIBE_PLACEHOLDER)}|{re.escape(RECIPIENT_NAME_PLACEHOLDER)})")
PIECES = ["word", " ", "\t", "=", "é", "中", "\n", "x" * 80, "y" * 74, " \n", "\xa0", UNSUBSCRIBE_PLACEHOLDER]
PIECES += [RECIPIENT_NAME_PLACEHOLDER]
VALUES = ["https://news.example.com/u/abc=", "Zoë", " ", "\t", "z" * 73, "&amp;", "名前"]


def _fill(text: str, values: dict[str, str]) -> str:
    return "".join(values.get(s, s) if i % 2 else s for i, s in enumerate(SPLIT.split(text)))


def test_encoded_template_equals_the_whole_encoding():
    rng = random.Random(17)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40)))
        template = QuotedPrintableTemplate(SPLIT.split(text))
        for _ in range(3):
            values = {
                UNSUBSCRIBE_PLACEHOLDER: "".join(rng.choice(VALUES) for _ in range(rng.randint(0, 4))),
                RECIPIENT_NAME_PLACEHOLDER: "".join(rng.choice(VALUES) for _ in range(rng.randint(0, 3))),
            }
            assert template.encode(lambda line, v=values: _fill(line, v)) == quoted_printable(_fill(text, values))


def test_line_breaks_in_values_or_carriage_returns_fall_back_to_the_whole_encoding():
    template = QuotedPrintableTemplate(SPLIT.split(f"Hi {RECIPIENT_NAME_PLACEHOLDER}\nbye"))
    assert template.encode(lambda line: line.replace(RECIPIENT_NAME_PLACEHOLDER, "a\nb")) is None
    carriage = QuotedPrintableTemplate(SPLIT.split(f"Hi\r{RECIPIENT_NAME_PLACEHOLDER}\nbye"))
    assert carriage.encode(lambda line: line) is None
