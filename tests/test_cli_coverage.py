"""Every command, option and setting is exercised end to end through the CLI by some test.

conftest.py records every run of the CLI made during the session (tests/cli_record.py): through
typer's CliRunner or as a `python -m digest` process, with the command click resolved, the options on
its command line and the settings a digest.toml or a DIGEST_* variable gave it. After every other test
has run, the check below compares that record with the command tree of the Typer app and the settings
declaration. It needs the whole suite (`pytest -q`): on a partial run it is skipped and says so.

To see the record: DIGEST_CLI_RECORD=/tmp/cli.jsonl .venv/bin/python -m pytest -q
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli_record
from digest.config import TABLES
from digest.models import Labels

TESTS = Path(__file__).parent

# Justified exceptions, each with its reason. Keep this list short: a new entry needs a reason why an
# end-to-end test through the CLI is impossible or worthless here.
ALLOWED_OPTIONS: dict[str, str] = {
    # Typer's own: writes completion into the user's shell start-up files; `--show-completion` is tested.
    "digest install_completion": "edits the running user's shell profile",
}
ALLOWED_SETTINGS: dict[str, str] = {}


def commands() -> dict[tuple[str, ...], list[str]]:
    """Every command path of the app (groups included) with the names of its options."""
    found: dict[tuple[str, ...], list[str]] = {}

    def walk(cmd, path: tuple[str, ...]) -> None:  # typer's copy of click: options found by class name
        found[path] = [p.name for p in cmd.params if type(p).__name__.endswith("Option") and p.name]
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, (*path, name))

    walk(cli_record.command_tree(), ("digest",))
    return found


def settings() -> list[str]:
    """Every setting of the declaration, as "table.key" ([labels] included)."""
    keys = [f"{t.TABLE}.{f.name}" for t in TABLES for f in dataclasses.fields(t)]
    return keys + [f"labels.{f.name}" for f in dataclasses.fields(Labels)]


def whole_suite_ran() -> str:
    """ "" when this session ran every test file with nothing deselected, else why not."""
    expected = {p.name for p in TESTS.glob("test_*.py")}
    missing = expected - cli_record.SESSION["files"]
    if missing:
        return f"{len(missing)} test file(s) not collected in this run (e.g. {min(missing)})"
    if cli_record.SESSION["deselected"]:
        return f"{cli_record.SESSION['deselected']} test(s) deselected (-k / -m)"
    return ""


def test_the_recorder_reads_command_lines_as_click_does(tmp_path):
    """The record names the command reached, every option given (aliases and --x=v too) and the config."""
    path, options, config = cli_record.parse_argv(
        ["-q", "send", "2026-W47", "--dry-run", "-c", "d.toml", "--rate=2", "-y"]
    )
    assert path == ("digest", "send")
    assert options == {
        (("digest",), "quiet"),
        (("digest", "send"), "issue"),
        (("digest", "send"), "dry"),
        (("digest", "send"), "config"),
        (("digest", "send"), "rate"),
        (("digest", "send"), "yes"),
    }
    assert config == Path("d.toml")
    path, options, _ = cli_record.parse_argv(["subscribers", "list", "--suppressed"])
    assert path == ("digest", "subscribers", "list")
    assert options == {(("digest", "subscribers", "list"), "suppressed")}
    assert cli_record.parse_argv(["build", "--no-strict"])[1] == {(("digest", "build"), "strict")}


def test_a_cli_run_is_recorded_with_its_settings(tmp_path):
    """A CliRunner run is recorded with the settings its digest.toml and environment give."""
    from digest.cli import app

    cfg = tmp_path / "digest.toml"
    cfg.write_text('[newsletter]\nname = "Recorded"\n[labels]\ntop_story = "Lead"\n', encoding="utf-8")
    before = len(cli_record.CALLS)
    result = CliRunner().invoke(
        app, ["status", "-c", str(cfg), "--out", str(tmp_path / "issues")], env={"DIGEST_FETCH_TIMEOUT": "3"}
    )
    assert result.exit_code == 0, result.output
    call = cli_record.CALLS[before]
    assert call.command == ("digest", "status")
    assert {"newsletter.name", "labels.top_story", "fetch.timeout"} <= call.settings
    assert (("digest", "status"), "out") in call.options


def test_every_command_option_and_setting_is_run_through_the_cli():
    """After the whole suite: each command, option and setting was reached by at least one CLI run."""
    why = whole_suite_ran()
    if why:
        pytest.skip(f"needs the whole suite: {why}")
    calls = [c for c in cli_record.CALLS if "test_cli_coverage.py" not in c.test]
    reached = {c.command for c in calls}
    given = set().union(*(c.options for c in calls))
    set_ = set().union(*(c.settings for c in calls))
    tree = commands()
    missing = [
        " ".join(path)
        for path in tree
        if path not in reached and path != ("digest",) and not any(r[: len(path)] == path for r in reached)
    ]
    missing += [
        f"{' '.join(path)} --{name.replace('_', '-')}"
        for path, names in tree.items()
        for name in names
        if (path, name) not in given and f"{' '.join(path)} {name}" not in ALLOWED_OPTIONS
    ]
    missing += [f"setting {key}" for key in settings() if key not in set_ and key not in ALLOWED_SETTINGS]
    assert not missing, "not exercised through the CLI by any test:\n  " + "\n  ".join(missing)


def test_the_allow_lists_name_real_options_and_settings():
    """An exception for an option or setting that no longer exists is removed, not kept."""
    tree = commands()
    options = {f"{' '.join(path)} {name}" for path, names in tree.items() for name in names}
    assert set(ALLOWED_OPTIONS) <= options
    assert set(ALLOWED_SETTINGS) <= set(settings())
