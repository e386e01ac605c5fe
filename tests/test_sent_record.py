"""An issue that went out hands its articles on to no later issue; one only built does."""

import json

from typer.testing import CliRunner

from digest.cli import app
from digest.state import load_sent
from smtp_servers import Recorder, start

runner = CliRunner()


def native(path, items):
    path.write_text(json.dumps({"articles": items}), encoding="utf-8")
    return str(path)


def item(n, published):
    return {
        "url": f"https://news.example.com/{n}",
        "title": f"Story {n} about the city council budget",
        "published": published,
        "categories": ["News"],
        "content_html": f"<p>The council approved item {n} of the budget on a close vote. Members argued.</p>",
    }


def _build_w47(tmp_path, monkeypatch) -> None:
    """In tmp_path: one subscriber, and W47 built from a source holding story 1."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGEST_SECRET", "s" * 32)
    monkeypatch.setenv("DIGEST_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "subs.csv").write_text("email,name\nreader@example.com,Reader\n")
    source = native(tmp_path / "week.json", [item(1, "2026-11-18T10:00:00Z")])
    assert runner.invoke(app, ["build", "--source", source, "--week", "2026-W47"]).exit_code == 0


def test_late_story_carried_over_once_after_a_send(tmp_path, monkeypatch):
    _build_w47(tmp_path, monkeypatch)
    assert load_sent(tmp_path / "state") == set()  # built, not sent: nothing recorded
    preview = runner.invoke(app, ["send", "2026-W47", "--subscribers", "subs.csv"])
    assert preview.exit_code == 0, preview.output
    assert load_sent(tmp_path / "state") == set()  # an outbox preview is not a send: nothing recorded
    assert _send_w47().recipients() == {"reader@example.com": 1}
    first_ids = load_sent(tmp_path / "state")
    assert len(first_ids) == 1
    # A story published late on Sunday of W47, after that issue went out, is carried into W48 ...
    source = _late_stories(tmp_path)
    result = runner.invoke(app, ["build", "--source", source, "--week", "2026-W48"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "issues" / "2026-W48.json").read_text())
    urls = sorted(a["url"] for a in manifest["articles"])
    # ... while the story that went out in W47 appears in no second issue.
    assert urls == ["https://news.example.com/2", "https://news.example.com/3"]


def _send_w47() -> Recorder:
    """Send the built W47 issue over SMTP to the subscribers in subs.csv; what the server received."""
    rec = Recorder()
    ctl = start(rec)
    try:
        sent = runner.invoke(
            app,
            ["send", "2026-W47", "--subscribers", "subs.csv", "--smtp", ctl.url],
            env={"DIGEST_UNSUBSCRIBE_URL": "http://127.0.0.1:8080"},
        )
    finally:
        ctl.stop()
    assert sent.exit_code == 0, sent.output
    return rec


def _late_stories(tmp_path) -> str:
    """The source after W47 went out: story 1 (sent), a late W47 story (2) and a W48 story (3)."""
    return native(
        tmp_path / "week.json",
        [item(1, "2026-11-18T10:00:00Z"), item(2, "2026-11-22T23:00:00Z"), item(3, "2026-11-24T09:00:00Z")],
    )


def _send_first_issue(tmp_path, monkeypatch) -> None:
    """Build and send W47 (story 1) to one reader, then add a late W47 story (2) and a W48 story (3)."""
    _build_w47(tmp_path, monkeypatch)
    _send_w47()
    _late_stories(tmp_path)


def _w48_urls(tmp_path) -> list[str]:
    manifest = json.loads((tmp_path / "issues" / "2026-W48.json").read_text())
    return sorted(a["url"] for a in manifest["articles"])


def test_carry_over_days_from_the_config_file_limits_the_carry_over(tmp_path, monkeypatch):
    _send_first_issue(tmp_path, monkeypatch)
    # Story 2 was published one hour before W48 began: no carry-over leaves it out, with the reason ...
    (tmp_path / "digest.toml").write_text("[build]\ncarry_over_days = 0\n", encoding="utf-8")
    result = runner.invoke(app, ["build", "--source", "week.json", "--week", "2026-W48", "--json"])
    assert result.exit_code == 0, result.output
    assert _w48_urls(tmp_path) == ["https://news.example.com/3"]
    report = json.loads(result.stdout)
    assert report["articles"]["skipped_by_reason"] == {
        "before the issue's window": 1,
        "already sent in an earlier issue": 1,
    }
    # ... and one day of carry-over brings it back; story 1, sent in W47, never returns.
    (tmp_path / "digest.toml").write_text("[build]\ncarry_over_days = 1\n", encoding="utf-8")
    result = runner.invoke(app, ["build", "--source", "week.json", "--week", "2026-W48"])
    assert result.exit_code == 0, result.output
    assert _w48_urls(tmp_path) == ["https://news.example.com/2", "https://news.example.com/3"]


def test_carry_over_days_from_the_environment(tmp_path, monkeypatch):
    _send_first_issue(tmp_path, monkeypatch)
    result = runner.invoke(
        app, ["build", "--source", "week.json", "--week", "2026-W48"], env={"DIGEST_CARRY_OVER_DAYS": "0"}
    )
    assert result.exit_code == 0, result.output
    assert _w48_urls(tmp_path) == ["https://news.example.com/3"]
