"""`digest status`: built or not, curated or not, sent to how many, and what is left."""

from __future__ import annotations

import shlex

from typer.testing import CliRunner

from desk_helpers import WEEK, cli_build, default_articles, write_source
from digest.cli import app
from digest.ledger import FAILED, SENT, Ledger
from digest.subscribers import Subscriber, SubscriberStore


def status(tmp_path, *extra):
    env = {"DIGEST_CONFIG": "", "DIGEST_STATE_DIR": str(tmp_path / "state")}
    return CliRunner().invoke(app, ["status", "--week", WEEK, "--out", str(tmp_path / "issues"), *extra], env=env)


def test_a_week_not_built_yet(tmp_path):
    result = status(tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Issue {WEEK}",
        "  built:   no",
        "  curated: no (the first build writes the curation file)",
        "  sent:    no",
        "Left to do:",
        f"  - build it: digest build --week {WEEK} --out {tmp_path / 'issues'}",
    ]
    assert not (tmp_path / "state").exists()  # status only reads


def test_built_then_curated(tmp_path):
    source = write_source(tmp_path / "news.json", default_articles(5))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    path = tmp_path / "issues" / f"{WEEK}.toml"
    lines = status(tmp_path).stdout.splitlines()
    assert lines[1].startswith("  built:   yes, ") and lines[1].endswith(" UTC, 5 articles")
    assert lines[2:] == [
        "  summaries: 5 extractive",  # where each summary came from, so the editor knows what to check
        f"  curated: no; {path}",
        "  sent:    not yet (no subscribers or ledger entries)",
        "Left to do:",
        f"  - curate it: edit {path} (digest preview shows each change)",
        "  - add subscribers: digest subscribers add EMAIL",
    ]
    text = path.read_text(encoding="utf-8")
    first_id = text.split("[order]")[1].split('"')[3]
    path.write_text(
        text.replace('subject = ""', 'subject = "Hand picked"').replace("exclude = []", f'exclude = ["{first_id}"]'),
        encoding="utf-8",
    )
    assert status(tmp_path).stdout.splitlines()[3] == f"  curated: yes (subject, 1 excluded); {path}"
    path.write_text("subject = [", encoding="utf-8")
    lines = status(tmp_path).stdout.splitlines()
    assert lines[3].startswith(f"  curated: the curation file has an error: {path}: invalid TOML: ")
    assert lines[6].startswith(f"  - fix the curation file: {path}: invalid TOML")


def test_delivery_numbers_come_from_the_ledger(tmp_path):
    source = write_source(tmp_path / "news.json", default_articles(5))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    people = [Subscriber(f"reader{n}@example.com") for n in range(1, 6)]
    for person in people:
        store.add(person)
    store.suppress("reader5@example.com", "unsubscribed")
    ledger = Ledger.in_state_dir(tmp_path / "state")
    ledger.ensure(WEEK, [(p.key, p.email) for p in people[:3]])
    ledger.mark(WEEK, people[0].key, SENT, code=250)
    ledger.mark(WEEK, people[1].key, FAILED, code=550, reply="no such user")
    ledger.close()
    lines = status(tmp_path).stdout.splitlines()
    assert lines[4:] == [
        "  sent:    1 of 5 recipients; 2 left to send, 1 failed, 1 suppressed",
        "Left to do:",
        f"  - curate it: edit {tmp_path / 'issues' / (WEEK + '.toml')} (digest preview shows each change)",
        f"  - send to 2 recipient(s): digest send {tmp_path / 'issues' / (WEEK + '.json')}",
        f"  - 1 failed permanently: digest send {tmp_path / 'issues' / (WEEK + '.json')} --retry-failed to try again",
    ]


def test_the_sample_shows_its_latest_built_week(tmp_path):
    env = {"DIGEST_CONFIG": "", "DIGEST_STATE_DIR": str(tmp_path / "state")}
    source = write_source(tmp_path / "news.json", default_articles(3))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    result = CliRunner().invoke(app, ["status", "--out", str(tmp_path / "issues")], env=env)
    assert result.exit_code == 0 and result.stdout.startswith(f"Issue {WEEK}\n  built:   yes")


def run_suggested(line: str, env: dict):
    """Run a `digest ...` command that status suggested, through the real CLI."""
    argv = shlex.split(line[line.index("digest ") :].removesuffix(" to try again"))
    assert argv[0] == "digest"
    return CliRunner().invoke(app, argv[1:], env=env)


def test_status_without_a_week_shows_the_latest_issue_whatever_its_id_and_its_suggestions_run(tmp_path):
    source = write_source(tmp_path / "news.json", default_articles(7))
    config = tmp_path / "digest.toml"
    config.write_text(f'[[sources]]\nname = "Desk News"\npath = "{source}"\n', encoding="utf-8")
    out = tmp_path / "issues"
    env = {"DIGEST_CONFIG": str(config), "DIGEST_STATE_DIR": str(tmp_path / "state")}
    runner = CliRunner()
    built = runner.invoke(app, ["build", "--since", "2026-11-17", "--until", "2026-11-19", "--out", str(out)], env=env)
    assert built.exit_code == 0, built.output
    assert runner.invoke(app, ["build", "--week", WEEK, "--out", str(out)], env=env).exit_code == 0
    latest = runner.invoke(app, ["status", "--out", str(out)], env=env)
    assert latest.exit_code == 0, latest.output
    assert latest.stdout.startswith("Issue 2026-11-17--2026-11-19\n  built:   yes")
    ranged = runner.invoke(
        app, ["status", "--since", "2026-11-17", "--until", "2026-11-19", "--out", str(out)], env=env
    )
    assert ranged.exit_code == 0 and ranged.stdout == latest.stdout
    # Another issue's status points at the latest one with a command that works.
    week = runner.invoke(app, ["status", "--week", WEEK, "--out", str(out)], env=env)
    hint = week.stdout.splitlines()[-1]
    assert hint == (
        f"(latest built issue: 2026-11-17--2026-11-19; see it with: "
        f"digest status --since 2026-11-17 --until 2026-11-19 --out {out})"
    )
    assert run_suggested(hint.rstrip(")"), env).stdout == latest.stdout
    # An issue not built yet: the suggested build builds it.
    later = runner.invoke(app, ["status", "--since", "2026-11-20", "--until", "2026-11-22", "--out", str(out)], env=env)
    step = next(line for line in later.stdout.splitlines() if "build it:" in line)
    assert step == f"  - build it: digest build --since 2026-11-20 --until 2026-11-22 --out {out}"
    assert run_suggested(step, env).exit_code == 0
    assert (out / "2026-11-20--2026-11-22.json").is_file()


def test_suggested_send_commands_find_the_issue(tmp_path):
    source = write_source(tmp_path / "news.json", default_articles(3))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    SubscriberStore.in_state_dir(tmp_path / "state").add(Subscriber("reader@example.com"))
    env = {
        "DIGEST_CONFIG": "",
        "DIGEST_STATE_DIR": str(tmp_path / "state"),
        "DIGEST_SECRET": "s" * 32,
        "DIGEST_OUTBOX": str(tmp_path / "outbox"),
    }
    step = status(tmp_path).stdout.splitlines()[-1]
    assert step.startswith("  - send to 1 recipient(s): digest send ")
    sent = run_suggested(step + " --dry-run", env)
    assert sent.exit_code == 0, sent.output
    assert "Would send to 1 recipient(s)" in sent.stdout


def test_out_of_range_week_is_one_line(tmp_path):
    env = {"DIGEST_CONFIG": "", "DIGEST_STATE_DIR": str(tmp_path / "state")}
    result = CliRunner().invoke(app, ["status", "--week", "9999-W52", "--out", str(tmp_path)], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: invalid week '9999-W52': out of range (use a week of the years 1900 to 9998)"
    ]


def test_a_stray_manifest_is_skipped_with_a_warning(tmp_path):
    source = write_source(tmp_path / "news.json", default_articles(3))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    stray = tmp_path / "issues" / "bad1.json"
    stray.write_text('{"id": "bad1", "week": 5}', encoding="utf-8")
    env = {"DIGEST_CONFIG": "", "DIGEST_STATE_DIR": str(tmp_path / "state")}
    result = CliRunner().invoke(app, ["status", "--out", str(tmp_path / "issues")], env=env)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Issue {WEEK}\n  built:   yes")
    assert f"{stray}: not a readable issue manifest" in result.stderr


def test_an_issue_sent_to_a_subscribers_file_counts_its_ledger_rows(tmp_path):
    """With no list configured (the send named a CSV file), the recipients are the ledger's."""
    source = write_source(tmp_path / "news.json", default_articles(5))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    ledger = Ledger.in_state_dir(tmp_path / "state")
    ledger.ensure(WEEK, [("a@example.com", "a@example.com"), ("b@example.com", "b@example.com")])
    ledger.mark(WEEK, "a@example.com", SENT, code=250)
    ledger.close()
    assert "  sent:    1 of 2 recipients; 1 left to send, 0 failed, 0 suppressed" in status(tmp_path).stdout
