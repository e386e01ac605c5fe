"""README.md and docs/ stay true: their settings, formats and commands match the code."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

from digest import settings_doc
from digest.config import TABLES
from digest.sources.native import FIELDS as NATIVE_FIELDS
from digest.starter import STARTER_CONFIG

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
REFERENCE = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
SOURCES = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [
        f"[{t.TABLE}] {f.name}"
        for t in TABLES
        for f in dataclasses.fields(t)
        if f"| `[{t.TABLE}] {f.name}` |" not in REFERENCE or not f.metadata.get("help")
    ]
    assert missing == []
    assert "docs/configuration.md" in README


def test_generated_settings_files_match_the_declarations():
    """The starter digest.toml and the settings reference are regenerated, never edited by hand."""
    assert STARTER_CONFIG == settings_doc.render_starter()
    assert REFERENCE == settings_doc.reference_document(REFERENCE)
    check = subprocess.run(
        [sys.executable, "-m", "digest.settings_doc", "--check"], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr


def test_drift_is_detected(tmp_path, monkeypatch):
    stale_doc = tmp_path / "configuration.md"
    stale_doc.write_text(REFERENCE.replace("| `[send] connections` | `1` |", "| `[send] connections` | `2` |"))
    stale_starter = tmp_path / "starter.py"
    stale_starter.write_text(settings_doc.starter_module().replace("summary_words = 60", "summary_words = 61"))
    monkeypatch.setattr(settings_doc, "REFERENCE", stale_doc)
    monkeypatch.setattr(settings_doc, "STARTER_MODULE", stale_starter)
    assert settings_doc.stale() == [stale_starter, stale_doc]
    assert settings_doc.main(["--write"]) == 0
    assert settings_doc.stale() == []
    assert "| `[send] connections` | `1` |" in stale_doc.read_text()


def test_native_fields_are_documented():
    for field in NATIVE_FIELDS:  # every field the native reader takes
        assert re.search(rf"^\| `{field}` \|", SOURCES, re.M), field


def test_readme_commands_are_the_ci_commands():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ".venv/bin/python -m pytest -q"
    assert test_command in README
    assert ci.rstrip().splitlines()[-1] == test_command
    assert "bash .ci/run" in README
    assert "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/digest build" in README


def test_readme_is_a_short_path_with_no_figures_of_its_own():
    """The README stays a tutorial; measured figures live in bench/README.md."""
    assert len(README.encode("utf-8")) < 10_000
    assert not re.search(r"\d+(\.\d+)?\s*(msg/s|ms\b|%|articles/s)", README)
    assert "bench/README.md" in README
    for link in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (ROOT / link).is_file(), link
