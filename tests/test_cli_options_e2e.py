"""Options and settings that no other test ran through the CLI, each run end to end with its real output."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from desk_helpers import WEEK, cli_build, default_articles, native_article, write_source
from digest.cli import app
from digest.render import builtin_template_dir
from digest.week import week_containing
from serve_process import PREVIEW_READY, digest_env, running_digest
from smtp_servers import ISSUE_ID, write_config, write_csv, write_issue

SECRET = {"DIGEST_SECRET": "test-secret-0123456789abcdef"}


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, list(args), env={"DIGEST_CONFIG": "", **SECRET, **(env or {})})


def footer_templates(tmp_path: Path, marker: str) -> Path:
    """A template folder whose footer carries `marker`."""
    templates = tmp_path / "templates"
    (templates / "partials").mkdir(parents=True)
    footer = (builtin_template_dir() / "partials" / "footer.html").read_text(encoding="utf-8")
    (templates / "partials" / "footer.html").write_text(footer + f"<p>{marker}</p>", encoding="utf-8")
    return templates


# --- state-changing commands ---------------------------------------------------------------------------------


def test_init_refuses_to_overwrite_then_force_replaces_a_damaged_file(tmp_path):
    path = tmp_path / "digest.toml"
    path.write_text("[newsletter\nbroken", encoding="utf-8")
    refused = invoke("init", "--path", str(path))
    assert refused.exit_code == 1
    assert refused.stderr == f"error: {path} already exists; use --force to overwrite it\n"
    assert path.read_text(encoding="utf-8") == "[newsletter\nbroken"
    forced = invoke("init", "--path", str(path), "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout == f"Wrote {path}. Edit it, then run: digest build\n"
    again = invoke("init", "--path", str(path), "--force")  # a second run writes the same file
    assert again.exit_code == 0
    assert invoke("status", "-c", str(path), "--out", str(tmp_path / "issues")).exit_code == 0  # a valid config


def test_send_outbox_option_writes_previews_there_and_records_nothing(tmp_path):
    write_issue(tmp_path / "issues")
    cfg = write_config(tmp_path, unsubscribe_url="http://127.0.0.1:8080")
    subs = write_csv(tmp_path / "subs.csv", [("ann@example.com", "Ann"), ("bob@example.com", "")])
    elsewhere = tmp_path / "elsewhere"
    for _ in range(2):  # a second run writes the same previews again, never more
        result = invoke("send", ISSUE_ID, "-c", str(cfg), "--subscribers", str(subs), "--outbox", str(elsewhere))
        assert result.exit_code == 0, result.output
        assert result.stdout == (
            f"{ISSUE_ID}: wrote 2 preview(s), suppressed 0 (outbox {elsewhere}/{ISSUE_ID}); "
            "nothing was delivered or recorded as sent\n"
        )
    assert sorted(p.name for p in (elsewhere / ISSUE_ID).iterdir()) == ["ann@example.com.eml", "bob@example.com.eml"]
    assert not (tmp_path / "outbox").exists()  # the configured outbox is replaced, not added to
    assert not (tmp_path / "state" / "ledger.sqlite").exists()


def test_run_verbose_with_outbox_builds_once_and_previews_twice(tmp_path):
    published = datetime.now(UTC) - timedelta(seconds=5)
    source = tmp_path / "week.json"
    source.write_text(
        json.dumps(
            {
                "articles": [
                    {
                        "url": f"https://news.example.com/{i}",
                        "title": f"Story number {i}",
                        "published": published.isoformat(),
                        "categories": ["News"],
                        "content_html": "<p>Something happened in the city today. People noticed.</p>",
                    }
                    for i in range(3)
                ]
            }
        ),
        encoding="utf-8",
    )
    cfg = write_config(tmp_path, unsubscribe_url="http://127.0.0.1:8080")
    cfg.write_text(cfg.read_text() + f'[[sources]]\nname = "News"\npath = "{source}"\nkind = "native"\n')
    subs = write_csv(tmp_path / "subs.csv", [("ann@example.com", "Ann")])
    week = week_containing(published).id
    previews = tmp_path / "previews"
    first = invoke("run", "-c", str(cfg), "--subscribers", str(subs), "--outbox", str(previews), "--verbose")
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines()[0] == f"{week}: built now"
    assert (previews / week / "ann@example.com.eml").is_file()
    second = invoke("run", "-c", str(cfg), "--subscribers", str(subs), "--outbox", str(previews), "-v")
    assert second.exit_code == 0, second.output
    assert second.stdout.splitlines()[0] == f"{week}: already built"
    assert not (tmp_path / "state" / "ledger.sqlite").exists()


def test_serve_host_option_and_serve_settings_reach_the_server(tmp_path):
    write_issue(tmp_path / "issues")
    (tmp_path / "digest.toml").write_text(
        f'[build]\nout = "{tmp_path / "issues"}"\nstate_dir = "{tmp_path / "state"}"\n'
        '[serve]\ntimeout = 1\nbacklog = 16\nconnection_limit = 4\ntrusted_proxy = "127.0.0.1"\n',
        encoding="utf-8",
    )
    with running_digest(
        "serve", "--host", "127.0.0.1", "--port", "0", cwd=tmp_path, env=digest_env(**SECRET)
    ) as server:
        with urllib.request.urlopen(f"{server.base}/", timeout=5) as page:
            assert page.status == 200
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as idle:  # [serve] timeout = 1
            started = time.monotonic()
            assert idle.recv(1) == b""
            assert 0.5 < time.monotonic() - started < 8


def test_archive_reads_the_folder_from_config(tmp_path):
    out = tmp_path / "built"
    write_issue(out)
    cfg = tmp_path / "digest.toml"
    cfg.write_text(f'[build]\nout = "{out}"\n', encoding="utf-8")
    result = invoke("archive", "--config", str(cfg))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Wrote {out / 'index.html'} and feed.xml: 1 issue(s)\n"
    assert (out / "index.html").is_file() and (out / "feed.xml").is_file()


# --- build and preview options ---------------------------------------------------------------------------


def test_build_templates_option_and_setting_replace_a_builtin_template(tmp_path):
    source = write_source(tmp_path / "news.json", default_articles(4))
    templates = footer_templates(tmp_path, "OPTION-FOOTER")
    result = cli_build(source, tmp_path / "a", "--templates", str(templates))
    assert result.exit_code == 0, result.output
    assert "OPTION-FOOTER" in (tmp_path / "a" / f"{WEEK}.html").read_text(encoding="utf-8")
    cfg = tmp_path / "digest.toml"
    cfg.write_text(f'[build]\ntemplates = "{templates}"\n', encoding="utf-8")
    from_file = invoke("build", "-c", str(cfg), "--source", str(source), "--week", WEEK, "--out", str(tmp_path / "b"))
    assert from_file.exit_code == 0, from_file.output
    assert "OPTION-FOOTER" in (tmp_path / "b" / f"{WEEK}.html").read_text(encoding="utf-8")


def test_preview_since_until_and_templates_options(tmp_path):
    articles = [
        native_article(1, "Security", day=0, title="Monday story about locks"),
        native_article(2, "Security", day=1, title="Tuesday story about keys"),
        native_article(3, "Science", day=5, title="Saturday story about stars"),
    ]
    source = write_source(tmp_path / "news.json", articles)
    templates = footer_templates(tmp_path, "PREVIEW-FOOTER")
    preview = ("preview", "--source", str(source), "--since", "2026-11-16", "--until", "2026-11-17")
    options = ("--templates", str(templates), "--out", str(tmp_path / "issues"), "--port", "0")
    with running_digest(*preview, *options, cwd=tmp_path, ready=PREVIEW_READY) as server:
        with urllib.request.urlopen(f"{server.base}/issue.html", timeout=10) as page:
            html = page.read().decode("utf-8")
    assert "PREVIEW-FOOTER" in html
    assert "Monday story about locks" in html and "Tuesday story about keys" in html
    assert "Saturday story about stars" not in html  # outside --since/--until


# --- settings ---------------------------------------------------------------------------------------------


def build_with(tmp_path: Path, toml: str, articles: list[dict], *extra: str, env: dict | None = None):
    """`digest build` of `articles` with `toml` as digest.toml; returns (result, html, manifest)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = write_source(tmp_path / "news.json", articles)
    cfg = tmp_path / "digest.toml"
    cfg.write_text(toml, encoding="utf-8")
    out = tmp_path / "issues"
    result = invoke("build", "-c", str(cfg), "--source", str(source), "--out", str(out), *extra, env=env)
    pages = sorted(out.glob("20*.html"))
    html = pages[0].read_text(encoding="utf-8") if pages else ""
    manifest = next(iter(sorted(out.glob("20*.json"))), None)
    return result, html, json.loads(manifest.read_text(encoding="utf-8")) if manifest else None


def test_theme_font_family_reaches_the_html(tmp_path):
    result, html, _ = build_with(
        tmp_path, '[theme]\nfont_family = "Georgia, serif"\n', default_articles(4), "--week", WEEK
    )
    assert result.exit_code == 0, result.output
    assert "font-family:Georgia, serif" in html.replace(": ", ":")


def test_build_until_from_the_environment_ends_the_window(tmp_path):
    articles = [
        native_article(1, "Security", day=0, title="Monday story about locks"),
        native_article(2, "Science", day=5, title="Saturday story about stars"),
    ]
    result, html, _ = build_with(tmp_path, "", articles, "--since", "2026-11-16", env={"DIGEST_UNTIL": "2026-11-18"})
    assert result.exit_code == 0, result.output
    assert "Monday story about locks" in html and "Saturday story about stars" not in html


def test_build_allow_empty_from_the_file_writes_an_empty_issue(tmp_path):
    result, html, manifest = build_with(tmp_path, "[build]\nallow_empty = true\n", [], "--week", WEEK)
    assert result.exit_code == 0, result.output
    assert manifest is not None and html
    refused, _, _ = build_with(tmp_path / "strict", "[build]\nallow_empty = false\n", [], "--week", WEEK)
    assert refused.exit_code == 3


def test_summary_sentences_and_html_budget(tmp_path):
    toml = "[build]\nsummary_sentences = 1\nhtml_budget = 12000\n[sections]\nmin_size = 1\n"
    result, html, manifest = build_with(tmp_path, toml, default_articles(24), "--week", WEEK)
    assert result.exit_code == 0, result.output
    summaries = [a["summary"] for a in manifest["articles"] if a["summary"]]
    assert summaries and all(s.count(". ") == 0 for s in summaries)  # one sentence each
    assert "More this week" in html  # the 12 KB budget moved some articles to the list


def test_sections_keywords_and_default(tmp_path):
    plain = native_article(11, "Security", title="A ransomware gang hit the port")
    plain["categories"] = []
    other = native_article(12, "Security", title="Parliament met on a Tuesday")
    other["categories"] = []
    toml = '[sections]\nmin_size = 1\ndefault = "Odds and ends"\n[sections.keywords]\n"Cyber Desk" = ["ransomware"]\n'
    result, html, _ = build_with(tmp_path, toml, [plain, other, *default_articles(3)], "--week", WEEK)
    assert result.exit_code == 0, result.output
    assert "Cyber Desk" in html and "Odds and ends" in html


def test_fetch_max_wait_caps_a_long_retry_after(tmp_path, httpserver):
    httpserver.expect_request("/feed.json").respond_with_data("busy", status=503, headers={"Retry-After": "120"})
    cfg = tmp_path / "digest.toml"
    cfg.write_text("[fetch]\nmax_wait = 0.2\nretries = 1\nconnect_timeout = 2\n", encoding="utf-8")
    started = time.monotonic()
    result = invoke("sources", "-c", str(cfg), "--source", httpserver.url_for("/feed.json"))
    assert time.monotonic() - started < 20  # not the 120 s the server asked for
    assert result.exit_code == 1
    assert "503" in result.output
