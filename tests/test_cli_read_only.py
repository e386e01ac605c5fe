"""Read-only commands change no file: neither the bytes nor the modification time of anything in the
state dir, the issues folder, the outbox or the configuration.

`digest preview` is left out on purpose: it rebuilds the issue and rewrites its files, as its help says.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from desk_helpers import WEEK, cli_build, default_articles, write_source
from digest.cli import app
from digest.subscribers import Subscriber, SubscriberStore

SECRET = {"DIGEST_SECRET": "test-secret-0123456789abcdef"}


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root (no file added or removed): its bytes and modification time.

    Folders' own mtimes are left out: opening the SQLite state creates and removes a journal beside it.
    """
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def site(tmp_path):
    """A built issue, a subscriber list with a suppression, a ledger row, and a config naming them."""
    source = write_source(tmp_path / "news.json", default_articles(5))
    out, state = tmp_path / "issues", tmp_path / "state"
    cfg = tmp_path / "digest.toml"
    cfg.write_text(
        f'[build]\nout = "{out}"\nstate_dir = "{state}"\n[send]\noutbox = "{tmp_path / "outbox"}"\n'
        'unsubscribe_url = "http://127.0.0.1:8080"\n'
        f'[[sources]]\nname = "Desk"\npath = "{source}"\nkind = "native"\n',
        encoding="utf-8",
    )
    assert cli_build(source, out).exit_code == 0
    store = SubscriberStore.in_state_dir(state)
    store.add(Subscriber("ann@example.com", "Ann"))
    store.add(Subscriber("bob@example.com", ""))
    store.suppress("bob@example.com", "unsubscribed")
    sent = CliRunner().invoke(app, ["send", WEEK, "-c", str(cfg), "--outbox", str(tmp_path / "outbox")], env=SECRET)
    assert sent.exit_code == 0, sent.output
    return tmp_path, cfg


READ_ONLY = {
    "status": ["status"],
    "status --json": ["status", "--json", "--week", WEEK],
    "sources": ["sources"],
    "sources --json": ["sources", "--json"],
    "send --dry-run": ["send", WEEK, "--dry-run"],
    "send --dry-run --json": ["send", WEEK, "--dry-run", "--json", "--retry-failed"],
    "subscribers list": ["subscribers", "list"],
    "subscribers list --json": ["subscribers", "list", "--json"],
    "subscribers list --suppressed": ["subscribers", "list", "--suppressed"],
}


@pytest.mark.parametrize("name", READ_ONLY)
def test_a_read_only_command_changes_no_file(site, name):
    root, cfg = site
    before = snapshot(root)
    result = CliRunner().invoke(app, [*READ_ONLY[name], "-c", str(cfg)], env=SECRET)
    assert result.exit_code == 0, result.output
    assert result.stdout
    assert snapshot(root) == before
