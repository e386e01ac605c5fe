"""The README stays true: its settings, formats and commands match the code."""

import re
from pathlib import Path

from digest.config import FILE_KEYS

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = []
    for key in FILE_KEYS:
        table, name = key.split(".")
        if f"`[{table}]`" not in README or f"`{name}`" not in README:
            missing.append(key)
    assert missing == []


def test_native_fields_are_documented():
    for field in ("url", "title", "published", "author", "categories", "tags", "content_html", "content_text",
                  "excerpt", "image", "reading_minutes", "language", "id", "source"):
        assert re.search(rf"^\| `{field}` \|", README, re.M), field


def test_readme_commands_are_the_ci_commands():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ".venv/bin/python -m pytest -q"
    assert test_command in README
    assert ci.rstrip().splitlines()[-1] == test_command
    assert "bash .ci/run" in README
    assert "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/digest build" in README
