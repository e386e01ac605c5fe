"""`digest status`: built or not, curated or not, sent to how many, and what is left."""

from __future__ import annotations

from desk_helpers import WEEK, cli_build, default_articles, write_source
from typer.testing import CliRunner

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
        f"  - build it: digest build --week {WEEK}",
    ]
    assert not (tmp_path / "state").exists()  # status only reads


def test_built_then_curated(tmp_path):
    source = write_source(tmp_path / "news.json", default_articles(5))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    path = tmp_path / "issues" / f"{WEEK}.toml"
    lines = status(tmp_path).stdout.splitlines()
    assert lines[1].startswith("  built:   yes, ") and lines[1].endswith(" UTC, 5 articles")
    assert lines[2:] == [
        f"  curated: no; {path}",
        "  sent:    not yet (no subscribers or ledger entries)",
        "Left to do:",
        f"  - curate it: edit {path} (digest preview shows each change)",
        "  - add subscribers: digest subscribers add EMAIL",
    ]
    text = path.read_text(encoding="utf-8")
    first_id = text.split("[order]")[1].split('"')[3]
    path.write_text(text.replace('subject = ""', 'subject = "Hand picked"')
                    .replace("exclude = []", f'exclude = ["{first_id}"]'), encoding="utf-8")
    assert status(tmp_path).stdout.splitlines()[2] == f"  curated: yes (subject, 1 excluded); {path}"
    path.write_text("subject = [", encoding="utf-8")
    lines = status(tmp_path).stdout.splitlines()
    assert lines[2].startswith(f"  curated: the curation file has an error: {path}: invalid TOML: ")
    assert lines[5].startswith(f"  - fix the curation file: {path}: invalid TOML")


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
    assert lines[3:] == [
        "  sent:    1 of 5 recipients; 2 left to send, 1 failed, 1 suppressed",
        "Left to do:",
        f"  - curate it: edit {tmp_path / 'issues' / (WEEK + '.toml')} (digest preview shows each change)",
        f"  - send to 2 recipient(s): digest send {WEEK}",
        f"  - 1 failed permanently: digest send {WEEK} --retry-failed to try again",
    ]


def test_the_sample_shows_its_latest_built_week(tmp_path):
    env = {"DIGEST_CONFIG": "", "DIGEST_STATE_DIR": str(tmp_path / "state")}
    source = write_source(tmp_path / "news.json", default_articles(3))
    assert cli_build(source, tmp_path / "issues").exit_code == 0
    result = CliRunner().invoke(app, ["status", "--out", str(tmp_path / "issues")], env=env)
    assert result.exit_code == 0 and result.stdout.startswith(f"Issue {WEEK}\n  built:   yes")
