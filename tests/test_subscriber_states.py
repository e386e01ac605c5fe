"""Each address's status: the schema version and migration, who receives issues, `subscribers list --json`."""

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.errors import StateError
from digest.subscribers import (
    ACTIVE,
    PAUSED,
    SCHEMA_VERSION,
    SUPPRESSED,
    UNCONFIRMED,
    Subscriber,
    SubscriberStore,
    load_recipients,
)
from smtp_servers import write_config, write_csv

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

# The schema and rows exactly as the list looked before statuses existed (user_version 0).
OLD_SCHEMA = """
CREATE TABLE subscribers (
    key TEXT PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL DEFAULT '',
    attributes TEXT NOT NULL DEFAULT '{}', added_at TEXT NOT NULL);
CREATE TABLE suppressions (
    key TEXT PRIMARY KEY, email TEXT NOT NULL, reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '', at TEXT NOT NULL);
INSERT INTO subscribers VALUES ('ann@example.com', 'Ann@example.com', 'Ann', '{"plan": "pro"}', '2026-01-02T10:00:00+00:00');
INSERT INTO subscribers VALUES ('bob@example.com', 'bob@example.com', 'Bob', '{}', '2026-01-03T10:00:00+00:00');
INSERT INTO suppressions VALUES ('bob@example.com', 'bob@example.com', 'hard-bounce', '550 no such user', '2026-02-01T10:00:00+00:00');
INSERT INTO suppressions VALUES ('cy@example.com', 'cy@example.com', 'unsubscribed', 'one-click', '2026-02-02T10:00:00+00:00');
"""


def _old_store(path):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_SCHEMA)
    db.commit()
    db.close()


def test_a_list_made_before_statuses_is_migrated_in_place(tmp_path):
    path = tmp_path / "subscribers.sqlite"
    _old_store(path)
    store = SubscriberStore(path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    entries = {e.email: e for e in store.entries(NOW)}
    assert entries["Ann@example.com"].status == ACTIVE and entries["Ann@example.com"].source == "list"
    assert entries["Ann@example.com"].changed_at == "2026-01-02T10:00:00+00:00"
    assert (
        entries["bob@example.com"].status,
        entries["bob@example.com"].reason,
        entries["bob@example.com"].source,
    ) == (SUPPRESSED, "hard-bounce", "smtp")
    assert (entries["cy@example.com"].status, entries["cy@example.com"].source) == (SUPPRESSED, "one-click")
    assert store.all()[0].attributes == {"plan": "pro"}
    assert [s.email for s in store.receiving(NOW)] == ["Ann@example.com"]
    SubscriberStore(path)  # a second open finds the current version and changes nothing
    assert len(store.entries(NOW)) == 3


def test_a_newer_or_damaged_list_stops_with_one_line(tmp_path):
    path = tmp_path / "subscribers.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StateError, match="newer than this digest knows"):
        SubscriberStore(path)
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match=r"garbage.sqlite: the subscriber list is damaged"):
        SubscriberStore(garbage)


def test_only_active_and_unpaused_addresses_receive_issues(tmp_path):
    store = SubscriberStore(tmp_path / "s.sqlite")
    for name in ("ann", "bob", "cy", "dee", "eve"):
        store.add(Subscriber(f"{name}@example.com"))
    store.add_unconfirmed(Subscriber("fay@example.com"))
    assert store.add_unconfirmed(Subscriber("ann@example.com")) is False  # an active one stays active
    store.set_status("bob@example.com", PAUSED, "pause-link", paused_until=NOW + timedelta(days=30))
    store.set_status("cy@example.com", PAUSED, "pause-link", paused_until=NOW - timedelta(days=1))
    store.suppress("dee@example.com", "complaint", source="test")
    people, problems = load_recipients(None, store, NOW)
    assert [p.email for p in people] == ["ann@example.com", "cy@example.com", "eve@example.com"] and problems == []
    assert store.status("fay@example.com", NOW) == UNCONFIRMED and store.status("nobody@example.com") is None
    assert store.status("bob@example.com", NOW) == PAUSED
    assert store.status("bob@example.com", NOW + timedelta(days=31)) == ACTIVE
    csv = write_csv(tmp_path / "list.csv", [("bob@example.com", "Bob"), ("zed@example.com", "Zed")])
    people, _ = load_recipients(csv, store, NOW)
    assert [p.email for p in people] == ["zed@example.com"]  # a pause holds for a CSV list too
    store.add(Subscriber("fay@example.com"))  # the editor's add confirms
    assert store.status("fay@example.com") == ACTIVE


def _run(*args, cfg):
    return CliRunner().invoke(app, ["subscribers", *args, "-c", str(cfg)])


def test_list_shows_status_and_reason_and_json_gives_every_address(tmp_path):
    cfg = write_config(tmp_path)
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    store.add(Subscriber("ann@example.com", "Ann"))
    store.add_unconfirmed(Subscriber("fay@example.com"))
    store.add(Subscriber("bob@example.com", "Bob"))
    store.set_status("bob@example.com", PAUSED, "pause-link", paused_until=datetime(2099, 1, 1, tzinfo=UTC))
    store.suppress("gone@example.com", "hard-bounce", "550 5.1.1 unknown", source="bounces:mbox")
    listed = _run("list", cfg=cfg)
    assert listed.exit_code == 0, listed.output
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert lines[0] == ["email", "name", "status", "reason", "source", "changed_at"]
    assert [line[:5] for line in lines[1:]] == [
        ["ann@example.com", "Ann", "active", "", "cli"],
        ["fay@example.com", "", "unconfirmed", "", "signup"],
        ["bob@example.com", "Bob", "paused until 2099-01-01", "", "pause-link"],
        ["gone@example.com", "", "suppressed", "hard-bounce", "bounces:mbox"],
    ]
    assert listed.stderr == "3 subscriber(s), 1 suppressed (not counted)\n"
    data = json.loads(_run("list", "--json", cfg=cfg).stdout)
    assert data["version"] == 1 and data["count"] == 3
    by = {s["email"]: s for s in data["subscribers"]}
    assert set(by["ann@example.com"]) == {"email", "name", "status", "reason", "source", "changed_at", "paused_until"}
    assert by["gone@example.com"]["status"] == "suppressed" and by["gone@example.com"]["reason"] == "hard-bounce"
    assert by["gone@example.com"]["source"] == "bounces:mbox"
    assert by["bob@example.com"]["paused_until"] == "2099-01-01T00:00:00+00:00"
    assert by["ann@example.com"]["reason"] is None and by["ann@example.com"]["changed_at"]
    only = _run("list", "--suppressed", cfg=cfg)
    assert [line.split("\t")[0] for line in only.stdout.splitlines()] == ["email", "gone@example.com"]
