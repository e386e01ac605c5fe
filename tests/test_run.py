"""`digest run`, the cron entry, end to end: build if needed, send if needed, harmless when repeated."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.ledger import FileLock
from digest.week import week_containing
from smtp_servers import Recorder, start, write_config, write_csv

SECRET = {"DIGEST_SECRET": "run-test-secret-0123456789"}


@pytest.fixture
def server():
    rec = Recorder()
    ctl = start(rec)
    yield rec, ctl
    ctl.stop()


def setup(tmp_path, url, articles=True):
    published = datetime.now(UTC) - timedelta(seconds=5)
    items = (
        [
            {
                "url": f"https://news.example.com/{i}",
                "title": f"Story number {i}",
                "published": published.isoformat(),
                "categories": ["News"],
                "content_html": "<p>Something happened in the city today. People noticed it.</p>",
            }
            for i in range(3)
        ]
        if articles
        else []
    )
    source = tmp_path / "week.json"
    source.write_text(json.dumps({"articles": items}), encoding="utf-8")
    cfg = write_config(tmp_path, smtp=url, unsubscribe_url="http://127.0.0.1:8080")
    cfg.write_text(cfg.read_text() + f'[[sources]]\nname = "News"\npath = "{source}"\nkind = "native"\n')
    subs = write_csv(tmp_path / "subs.csv", [("ann@example.com", "Ann"), ("bob@example.com", "Bob")])
    return str(cfg), str(subs), week_containing(published).id


def invoke(*args, env=None):
    return CliRunner().invoke(app, list(args), env={**SECRET, **(env or {})})


def test_run_builds_then_sends_and_a_second_run_does_nothing(tmp_path, server):
    rec, ctl = server
    cfg, subs, week = setup(tmp_path, ctl.url)
    first = invoke("run", "-c", cfg, "--subscribers", subs)
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        f"{week}: built now\n{week}: sent 2, skipped 0, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
    )
    assert all((tmp_path / "issues" / f"{week}.{ext}").is_file() for ext in ("html", "txt", "json"))
    built = (tmp_path / "issues" / f"{week}.html").stat().st_mtime_ns
    second = invoke("run", "-c", cfg, "--subscribers", subs)
    assert second.exit_code == 0, second.output
    assert second.stdout == (
        f"{week}: already built\n{week}: sent 0, skipped 2, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
    )
    assert (tmp_path / "issues" / f"{week}.html").stat().st_mtime_ns == built
    assert rec.recipients() == {"ann@example.com": 1, "bob@example.com": 1}
    subject = rec.messages[0].parsed()["Subject"]
    assert subject.startswith("The Circuit Weekly, ") and ": Story number" in subject and "-W" not in subject


def test_overlapping_run_exits_5_and_does_nothing(tmp_path, server):
    rec, ctl = server
    cfg, subs, _week = setup(tmp_path, ctl.url)
    with FileLock(tmp_path / "state" / "locks" / "run.lock", "digest run"):
        result = invoke("run", "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 5
    assert result.stderr.startswith("error: digest run is already in progress (process ")
    assert rec.messages == [] and not (tmp_path / "issues").exists()


def test_empty_week_exits_3_and_sends_nothing(tmp_path, server):
    rec, ctl = server
    cfg, subs, week = setup(tmp_path, ctl.url, articles=False)
    result = invoke("run", "-c", cfg, "--subscribers", subs)
    assert result.exit_code == 3
    assert result.stderr.startswith(f"error: no articles in {week}: 1 source, ")
    assert "; nothing written" in result.stderr
    assert rec.messages == []


def test_run_without_secret_fails_before_building(tmp_path, server):
    rec, ctl = server
    cfg, subs, _week = setup(tmp_path, ctl.url)
    result = invoke("run", "-c", cfg, "--subscribers", subs, env={"DIGEST_SECRET": ""})
    assert result.exit_code == 1 and result.stderr.startswith("error: DIGEST_SECRET is not set")
    assert not (tmp_path / "issues").exists() and rec.messages == []


def test_week_latest_is_built_once_and_never_rewritten_by_a_later_run(tmp_path, server):
    # 'latest' is the newest article's week, here the previous one: only the articles tell the id,
    # and a rerun must find that issue built instead of rewriting it under the recipients' feet.
    _rec, ctl = server
    cfg, subs, _ = setup(tmp_path, ctl.url)
    source = tmp_path / "week.json"
    items = json.loads(source.read_text())["articles"]
    published = datetime.now(UTC) - timedelta(days=7)
    for item in items:
        item["published"] = published.isoformat()
    source.write_text(json.dumps({"articles": items}), encoding="utf-8")
    week = week_containing(published).id
    env = {"DIGEST_WEEK": "latest"}
    first = invoke("run", "-c", cfg, "--subscribers", subs, env=env)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"{week}: built now\n{week}: sent 2, skipped 0")
    built = (tmp_path / "issues" / f"{week}.html").stat().st_mtime_ns
    items.append({**items[0], "url": "https://news.example.com/late", "title": "A late story"})
    source.write_text(json.dumps({"articles": items}), encoding="utf-8")  # the source changed since
    second = invoke("run", "-c", cfg, "--subscribers", subs, env=env)
    assert second.exit_code == 0, second.output
    assert second.stdout == (
        f"{week}: already built\n{week}: sent 0, skipped 2, deferred 0, failed 0, suppressed 0 ({ctl.url})\n"
    )
    assert (tmp_path / "issues" / f"{week}.html").stat().st_mtime_ns == built
    assert "A late story" not in (tmp_path / "issues" / f"{week}.txt").read_text(encoding="utf-8")
