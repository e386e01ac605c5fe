"""The command line's conventions: --version, completion, one output style, --quiet, --json, progress on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from smtp_servers import ISSUE_ID, Recorder, start, write_config, write_csv, write_issue

FIXTURES = Path(__file__).parent / "fixtures"
RSS2 = FIXTURES / "sources" / "rss2.xml"
ATOM = FIXTURES / "sources" / "atom.xml"
UNDATED = FIXTURES / "feeds" / "undated.json"
SECRET = {"DIGEST_SECRET": "test-secret-0123456789abcdef"}
PEOPLE = [("ann@example.com", "Ann"), ("bob@example.com", "Bob"), ("cy@example.com", "")]


pytestmark = pytest.mark.usefixtures("in_tmp")  # in tmp_path, no DIGEST_* settings (conftest.py)


def invoke(*args, env=None):
    return CliRunner().invoke(app, list(args), env={**SECRET, **(env or {})})


def sources(*paths):
    """A `--source PATH` pair for each path, in order."""
    return [arg for path in paths for arg in ("--source", str(path))]


@pytest.fixture
def smtp():
    rec = Recorder()
    ctl = start(rec)
    yield rec, ctl
    ctl.stop()


def send_setup(tmp_path, smtp_url):
    write_issue(tmp_path / "issues")
    cfg = write_config(tmp_path, smtp=smtp_url, unsubscribe_url="http://127.0.0.1:8080", backoff=0.01)
    return str(cfg), str(write_csv(tmp_path / "subs.csv", PEOPLE))


# --- --version, completion, usage errors -----------------------------------------------------------


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"digest {version('digest')}\n"


def test_shell_completion_is_offered_and_shown():
    assert "--install-completion" in invoke("--help").stdout
    result = invoke("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert result.exit_code == 0
    assert "_DIGEST_COMPLETE" in result.stdout


def test_a_usage_error_reads_like_every_other_error():
    result = invoke("build", "--nope")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: No such option: --nope")
    assert "(see: digest build --help)" in result.stderr and "Error:" not in result.stderr


def test_log_lines_use_the_same_prefixes():
    import logging

    from digest.cli.output import LevelFormatter

    record = logging.LogRecord("digest.x", logging.WARNING, __file__, 1, "careful: %s", ("x",), None)
    assert LevelFormatter().format(record) == "warning: careful: x"


def test_logging_from_the_console_entry_reads_warning(tmp_path):
    # send.unsubscribe_url unset and no relay: the outbox warning is logged, through the entry point's format.
    write_issue(tmp_path / "issues")
    subs = write_csv(tmp_path / "subs.csv", PEOPLE)
    env = {**os.environ, **SECRET, "DIGEST_CONFIG": ""}
    done = subprocess.run(
        [sys.executable, "-m", "digest", "send", ISSUE_ID, "--subscribers", str(subs)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: send.unsubscribe_url is not set" in done.stderr and "WARNING" not in done.stderr
    assert "warning" not in done.stdout


# --- results on stdout, warnings on stderr, --quiet -------------------------------------------------


def test_source_failures_are_warnings_on_stderr_and_quiet_silences_them(tmp_path):
    args = ["build", *sources(RSS2, "missing.json"), "--week", "2026-W47"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "warning: missing.json" in result.stderr
    assert "warning" not in result.stdout and "missing.json" in result.stdout  # named in the summary, not warned
    for quiet in (["-q", *args], [*args, "--quiet"]):
        quiet_result = invoke(*quiet)
        assert quiet_result.exit_code == 0
        assert quiet_result.stderr == ""
        assert quiet_result.stdout == result.stdout


# --- the build summary ------------------------------------------------------------------------------


def test_build_summary_window_in_the_newsletter_timezone_sources_by_name_and_archive_files():
    result = invoke("build", "--timezone", "America/New_York")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "Week 2026-W47: 2026-11-16 00:00 to 2026-11-23 00:00 America/New_York" in lines
    assert "   36  The Circuit" in lines
    assert "Rewrote the archive: issues/web/2026-W47.html, issues/index.html, issues/feed.xml" in lines
    assert not any(line.startswith("Curation:") for line in lines)


def test_build_summary_says_when_curation_edits_were_applied(in_tmp):
    assert invoke("build").exit_code == 0
    path = in_tmp / "issues" / "2026-W47.toml"
    text = path.read_text(encoding="utf-8")
    assert 'note = """\n\n"""' in text
    path.write_text(text.replace('note = """\n\n"""', 'note = "Hello readers"'), encoding="utf-8")
    result = invoke("build")
    assert result.exit_code == 0, result.output
    curation = [line for line in result.stdout.splitlines() if line.startswith("Curation: applied ")]
    assert curation and curation[0].endswith(f"from {Path('issues') / '2026-W47.toml'}")


def test_rebuilding_a_sent_issue_warns(in_tmp, smtp):
    _rec, ctl = smtp
    assert invoke("build").exit_code == 0
    cfg = write_config(in_tmp, smtp=ctl.url, unsubscribe_url="http://127.0.0.1:8080", backoff=0.01)
    subs = write_csv(in_tmp / "subs.csv", PEOPLE)
    assert invoke("send", "2026-W47", "-c", str(cfg), "--subscribers", str(subs)).exit_code == 0
    result = invoke("build", "-c", str(cfg), "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    assert (
        "warning: 2026-W47 was already sent to 3 subscriber(s): the rebuilt files and the web archive now "
        "differ from what they received"
    ) in result.stderr


# --- an empty week explains itself (exit 3) ---------------------------------------------------------


def test_an_empty_week_names_the_newest_item_and_the_week_to_try():
    result = invoke("build", *sources(RSS2, ATOM), "--week", "2026-W49")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.startswith("error: no articles in 2026-W49: 2 sources, ")
    assert "all outside 2026-W49 (newest 2026-11-18" in result.stderr
    assert "; try --week 2026-W47; nothing written" in result.stderr


def test_an_empty_week_of_undated_items_says_what_to_set():
    result = invoke("build", *sources(UNDATED), "--week", "2026-W47")
    assert result.exit_code == 3
    assert result.stderr.startswith("error: no articles in 2026-W47: 1 source, 2 items, every one skipped: ")
    assert 'set undated = "now"' in result.stderr


def test_an_empty_week_of_the_sample_suggests_its_week():
    result = invoke("build", "--week", "2018-W02")
    assert result.exit_code == 3
    assert "1 source, 36 items, all outside 2018-W02 (newest 2026-11-22); try --week 2026-W47" in result.stderr


# --- --json: one document on stdout, nothing else ---------------------------------------------------


def parse(result):
    doc = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert doc["version"] == 1
    return doc


def test_build_json_schema():
    result = invoke("build", "--json", *sources(RSS2, "missing.json"), "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    doc = parse(result)
    assert set(doc) == {
        "version",
        "issue",
        "title",
        "window",
        "files",
        "sources",
        "articles",
        "sections",
        "folded",
        "summaries",
        "curation",
        "already_sent",
        "html_bytes",
        "encoded_bytes",
        "warnings",
    }
    assert doc["issue"] == "2026-W47" and isinstance(doc["title"], str)
    assert doc["window"] == {
        "start": "2026-11-16T00:00:00+00:00",
        "end": "2026-11-23T00:00:00+00:00",
        "timezone": "UTC",
    }
    assert doc["files"]["html"] == str(Path("issues") / "2026-W47.html")
    assert doc["files"]["archive"] == [str(Path("issues") / p) for p in ("web/2026-W47.html", "index.html", "feed.xml")]
    ok, failed = doc["sources"]
    assert ok["ok"] is True and ok["items"] > 0 and ok["error"] is None and ok["newest"].startswith("2026-11-")
    assert failed["ok"] is False and failed["name"] == "missing.json" and isinstance(failed["error"], str)
    assert isinstance(doc["articles"]["kept"], int) and isinstance(doc["articles"]["skipped_by_reason"], dict)
    assert all(set(s) == {"name", "articles", "links"} for s in doc["sections"]) and doc["sections"]
    assert doc["curation"]["edits"] == [] and doc["already_sent"] == 0
    assert isinstance(doc["html_bytes"], int) and doc["encoded_bytes"] >= doc["html_bytes"]
    assert any("missing.json" in w for w in doc["warnings"])
    assert "warning: missing.json" in result.stderr


def test_sources_json_schema():
    result = invoke("sources", "--json", *sources(RSS2, UNDATED, "missing.json"))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: 1 of 3 source(s) failed")
    doc = parse(result)
    assert set(doc) == {"version", "sources"}
    rss, undated, missing = doc["sources"]
    for entry in doc["sources"]:
        assert set(entry) == {"name", "kind", "location", "ok", "items", "newest", "error", "skipped", "dates"}
    assert rss["ok"] and rss["kind"] == "feed" and rss["items"] > 0 and rss["dates"]
    assert undated["items"] == 0 and sum(undated["skipped"].values()) == 2
    assert missing["ok"] is False and missing["error"] and missing["newest"] is None


def test_status_json_schema(in_tmp):
    assert invoke("build").exit_code == 0
    result = invoke("status", "--json")
    assert result.exit_code == 0, result.output
    doc = parse(result)
    assert set(doc) == {
        "version",
        "issue",
        "built",
        "built_at",
        "articles",
        "web_version",
        "curation",
        "delivery",
        "next_steps",
        "latest_built",
    }
    assert doc["issue"] == "2026-W47" and doc["built"] is True and doc["articles"] > 0 and doc["web_version"]
    assert set(doc["curation"]) == {"file", "exists", "edited", "edits", "error"}
    assert doc["delivery"] is None and doc["next_steps"][0].startswith("curate it:")
    assert parse(invoke("status", "--json", "--week", "2020-W01"))["built"] is False


def test_send_json_schema_and_dry_run_json(tmp_path, smtp):
    rec, ctl = smtp
    cfg, subs = send_setup(tmp_path, ctl.url)
    dry = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    plan = parse(dry)
    assert plan["dry_run"] is True and [r["email"] for r in plan["recipients"]] == [p[0] for p in PEOPLE]
    result = invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--json")
    assert result.exit_code == 0, result.output
    doc = parse(result)
    assert set(doc) == {
        "version",
        "issue",
        "transport",
        "preview",
        "sent",
        "skipped",
        "deferred",
        "failed",
        "suppressed",
        "resent_in_doubt",
        "undelivered",
        "notes",
    }
    assert (doc["issue"], doc["sent"], doc["skipped"], doc["preview"]) == (ISSUE_ID, 3, 0, False)
    assert doc["undelivered"] == [] and len(rec.messages) == 3
    assert parse(invoke("send", ISSUE_ID, "-c", cfg, "--subscribers", subs, "--json"))["skipped"] == 3


def test_subscribers_list_json_counts_without_the_suppressed():
    assert invoke("subscribers", "add", "ann@example.com").exit_code == 0
    assert invoke("subscribers", "add", "bob@example.com").exit_code == 0
    assert invoke("subscribers", "remove", "bob@example.com").exit_code == 0
    doc = parse(invoke("subscribers", "list", "--json"))
    assert doc["count"] == 1 and {s["email"] for s in doc["subscribers"]} == {"ann@example.com", "bob@example.com"}
    table = invoke("subscribers", "list")
    assert table.stdout.splitlines()[0] == "email\tname\tstatus\treason\tsource\tchanged_at"
    assert table.stderr == "1 subscriber(s), 1 suppressed (not counted)\n"


# --- progress: on a terminal only -------------------------------------------------------------------


def run_on_terminal(args, cwd, env=None):
    """Run digest with stderr on a pseudo-terminal; return (exit code, stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    full_env = {**os.environ, **SECRET, "TERM": "xterm", "COLUMNS": "120", "DIGEST_CONFIG": "", **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=full_env,
        cwd=cwd,
    )
    os.close(slave)
    shown = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        shown.append(data)
    os.close(master)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    return proc.wait(timeout=60), out, b"".join(shown).decode(errors="replace")


def test_progress_shows_on_a_terminal_and_never_in_a_pipe(tmp_path, smtp):
    code, out, shown = run_on_terminal(["build"], tmp_path)
    assert code == 0 and out.startswith("Wrote issues/2026-W47.html")
    assert "Reading sources" in shown and "1/1" in shown
    assert "Reading sources" not in out and "\x1b" not in out
    _rec, ctl = smtp
    cfg, subs = send_setup(tmp_path / "send", ctl.url)
    code, out, shown = run_on_terminal(["send", ISSUE_ID, "-c", cfg, "--subscribers", subs], tmp_path)
    assert code == 0, shown
    assert "Sending" in shown and "3/3" in shown and "ETA" in shown
    assert out.startswith(f"{ISSUE_ID}: sent 3")
    quiet_code, _, quiet_shown = run_on_terminal(["-q", "build"], tmp_path)
    assert quiet_code == 0 and "Reading sources" not in quiet_shown

    env = {**os.environ, "DIGEST_CONFIG": ""}
    piped = subprocess.run(
        [sys.executable, "-m", "digest", "build"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )
    assert piped.returncode == 0
    assert piped.stderr == "" and "\x1b" not in piped.stdout and "Reading sources" not in piped.stdout


def test_run_json_and_quiet_on_every_command(tmp_path, smtp):
    _rec, ctl = smtp
    cfg = write_config(
        tmp_path,
        smtp=ctl.url,
        unsubscribe_url="http://127.0.0.1:8080",
        backoff=0.01,
        subscribers=str(write_csv(tmp_path / "subs.csv", PEOPLE)),
    )
    result = invoke("run", "-c", str(cfg), "--json", "--quiet")
    assert result.exit_code == 0, result.output
    doc = parse(result)
    assert doc["built"] is True and doc["sent"] == 3 and result.stderr == ""
    for args in (
        ["status", "--quiet"],
        ["sources", "--quiet", *sources(RSS2)],
        ["send", doc["issue"], "-c", str(cfg), "--quiet"],
        ["run", "-c", str(cfg), "--quiet"],
    ):
        quiet = invoke(*args)
        assert quiet.exit_code == 0, (args, quiet.output)
        assert quiet.stderr == "" and quiet.stdout


def test_preview_quiet_is_accepted():
    result = invoke("preview", "--quiet", "--port", "-1")
    assert "No such option" not in result.output
