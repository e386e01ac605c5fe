"""Every command that reads sources gets one fetcher configured from every [fetch] setting."""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.runtime import Runtime

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


@pytest.fixture
def big_source(httpserver, tmp_path, monkeypatch):
    """A 5 KB source on a local HTTP server, and a config that caps responses at 2,000 bytes."""
    monkeypatch.chdir(tmp_path)
    published = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    items = [
        {
            "url": f"https://news.example.com/{i}",
            "title": f"Story number {i}",
            "published": published,
            "categories": ["News"],
            "content_html": "<p>" + "Something happened in the city today. " * 10 + "</p>",
        }
        for i in range(10)
    ]
    body = json.dumps({"articles": items})
    assert len(body) > 5000
    httpserver.expect_request("/week.json").respond_with_data(body, content_type="application/json")
    cfg = tmp_path / "digest.toml"
    cfg.write_text(
        f'[fetch]\nmax_bytes = 2000\nretries = 0\n[build]\nstate_dir = "{tmp_path / "state"}"\n'
        f'[[sources]]\nname = "Wire"\nurl = "{httpserver.url_for("/week.json")}"\nkind = "native"\n',
        encoding="utf-8",
    )
    return cfg


LIMIT = "over the 2,000-byte limit (raise [fetch] max_bytes to read it)"


def test_build_refuses_a_source_over_max_bytes(big_source):
    result = runner.invoke(app, ["build", "-c", str(big_source)])
    assert result.exit_code == 1, result.output
    assert LIMIT in result.output
    assert not (big_source.parent / "issues").exists()


def test_run_refuses_a_source_over_max_bytes(big_source):
    outbox = big_source.parent / "outbox"
    result = runner.invoke(
        app, ["run", "-c", str(big_source), "--outbox", str(outbox)], env={"DIGEST_SECRET": "s" * 32}
    )
    assert result.exit_code == 1, result.output
    assert LIMIT in result.output
    assert not (big_source.parent / "issues").exists()
    assert not outbox.exists()


def test_sources_refuses_a_source_over_max_bytes(big_source):
    result = runner.invoke(app, ["sources", "-c", str(big_source)])
    assert result.exit_code == 1
    assert LIMIT in result.output


def test_preview_refuses_a_source_over_max_bytes(big_source):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", "preview", "-c", str(big_source), "--port", "0"],
        cwd=big_source.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = proc.stdout.readline()  # printed after the first build, and after its error
    finally:
        proc.terminate()
        _, errors = proc.communicate(timeout=10)
    assert started.startswith("Previewing")
    assert LIMIT in errors.splitlines()[0]


def test_runtime_fetcher_carries_every_fetch_setting(tmp_path):
    cfg = tmp_path / "digest.toml"
    cfg.write_text(
        f"[fetch]\ntimeout = 7\nconnect_timeout = 2\nretries = 1\nmax_wait = 4\nmax_bytes = 999\n"
        f'workers = 3\n[build]\nstate_dir = "{tmp_path}"\n',
        encoding="utf-8",
    )
    rt = Runtime.resolve(config_path=cfg, environ={}, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    fetcher = rt.fetcher
    assert fetcher is rt.fetcher  # made once
    assert (fetcher.timeout, fetcher.max_bytes, fetcher.backoff.retries, fetcher.backoff.max_wait) == (
        (2, 7),
        999,
        1,
        4,
    )
    assert fetcher.cache_dir == tmp_path / "http-cache"
    assert rt.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert rt.reload().fetcher is fetcher  # unchanged [fetch]: the same pool and cache
    cfg.write_text(cfg.read_text().replace("max_bytes = 999", "max_bytes = 1000"))
    assert rt.reload().fetcher.max_bytes == 1000


def test_no_command_builds_its_own_fetcher():
    """Only the runtime makes a fetcher; a bare Fetcher() skips [fetch] and the HTTP cache."""
    offenders = []
    for path in (ROOT / "digest").rglob("*.py"):
        if path.name in ("runtime.py", "fetch.py"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bFetcher\(|Fetcher\.from_settings", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_status_takes_the_shared_window_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["status", "--since", "2026-11-16", "--until", "2026-11-18"], env={"DIGEST_WEEK": ""})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "Issue 2026-11-16--2026-11-18"


def test_shared_options_are_declared_once():
    """--config, --source, --week, --since, --until and --out come from digest/cli/options.py only."""
    for path in (ROOT / "digest" / "cli").glob("*.py"):
        if path.name != "options.py":
            text = path.read_text(encoding="utf-8")
            assert not re.search(r'typer\.Option\(\s*"--(config|source)"', text), path.name
            assert not re.search(r"^\s*(week|since|until|out): Annotated", text, re.MULTILINE), path.name
