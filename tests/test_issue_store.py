"""The built issue's one typed home: the record, the store, atomic writes, XML-safe output, clean errors."""

from __future__ import annotations

import json
import os
import re
import stat
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

import digest
from desk_helpers import WEEK, cli_build, default_articles, native_article, write_source
from digest.cli import app
from digest.files import atomic_write, xml_safe
from digest.issue_record import IssueRecord, ManifestError, Placement
from digest.issue_store import IssueStore
from fixtures_issue import large_issue
from smtp_servers import Recorder, start, write_config, write_csv

DIGEST = Path(digest.__file__).parent
ENV = {"DIGEST_CONFIG": ""}


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def build(tmp_path, *extra, source=None, env=None):
    source = source or write_source(tmp_path / "news.json", default_articles(7))
    return CliRunner().invoke(
        app,
        ["build", "--source", str(source), "--out", str(tmp_path / "issues"), *extra],
        env={**ENV, "DIGEST_STATE_DIR": str(tmp_path / "state"), **(env or {})},
    )


# ---- the record ------------------------------------------------------------------------------


def test_the_record_reads_back_what_the_build_wrote_with_the_same_keys(tmp_path):
    assert cli_build(write_source(tmp_path / "news.json", default_articles(7)), tmp_path / "issues").exit_code == 0
    path = tmp_path / "issues" / f"{WEEK}.json"
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert list(doc) == [
        "version",
        "id",
        "week",
        "title",
        "subject",
        "preheader",
        "newsletter",
        "lead",
        "sections",
        "articles",
        "sources",
    ]
    assert doc["version"] == 1
    assert list(doc["articles"][0]) == [
        "id",
        "url",
        "title",
        "category",
        "section",
        "summary",
        "summary_origin",
        "author",
        "source",
        "published",
        "image",
        "language",
        "direction",
        "featured",
        "placement",
    ]
    record = IssueRecord.from_json(text, str(path))
    assert record.to_json() == text  # the record holds everything the manifest says
    assert record.articles[0].placement is Placement.LEAD and record.lead.id == record.articles[0].id
    assert record.articles[0].summary_origin == "extractive"
    assert record.week.id == WEEK and record.week.start.isoformat() == doc["week"]["start"]


def test_a_manifest_of_another_version_is_refused_with_one_line(tmp_path):
    assert cli_build(write_source(tmp_path / "news.json", default_articles(3)), tmp_path / "issues").exit_code == 0
    path = tmp_path / "issues" / f"{WEEK}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**doc, "version": 2}), encoding="utf-8")
    with pytest.raises(
        ManifestError,
        match=re.escape(
            f"{path}: issue manifest version 2, but this digest reads version 1; rebuild the issue with digest build"
        ),
    ):
        IssueStore(tmp_path / "issues").load(WEEK)
    result = CliRunner().invoke(app, ["send", str(path), "--dry-run"], env=ENV)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        (
            f"error: {path}: issue manifest version 2, but this digest reads version 1; "
            "rebuild the issue with digest build (or move the file aside)"
        )
    ]


def test_no_module_outside_the_store_reads_a_manifest():
    own = {"issue_record.py", "issue_store.py"}
    # Modules that parse JSON of their own (sources, caches, state, signup requests, settings tables from
    # the environment, provider webhooks): never a manifest.
    other_json = {
        "fetch.py",
        "llm.py",
        "state.py",
        "journal.py",
        "subscribers.py",
        "preview.py",
        "signup.py",
        "config_rules.py",
    }
    for path in sorted(DIGEST.rglob("*.py")):
        if path.name in own:
            continue
        code = path.read_text(encoding="utf-8")
        rel = path.relative_to(DIGEST)
        assert not re.search(r"manifest\s*(\[|\.get\()|\.manifest\b", code), f"{rel} reads a manifest dict"
        assert 'glob("*.json")' not in code, f"{rel} lists the issues folder itself"
        if not {"sources", "webhooks"} & set(rel.parts) and path.name not in other_json:
            assert not re.search(r"json\.loads?\(", code), f"{rel} parses JSON outside the store"


# ---- stray files and clean errors -------------------------------------------------------------


def test_a_stray_manifest_is_skipped_with_a_warning_by_build_and_archive(tmp_path):
    out = tmp_path / "issues"
    out.mkdir()
    stray = out / "bad1.json"
    stray.write_text('{"id": "bad1", "week": 5}', encoding="utf-8")
    built = build(tmp_path, "--week", WEEK)
    assert built.exit_code == 0, built.output
    assert f"warning: {stray}: not a readable issue manifest (it has no version); " in built.stderr
    stray.write_text('{"version": 1, "id": "bad1", "week": 5}', encoding="utf-8")
    archived = CliRunner().invoke(app, ["archive", "--out", str(out)], env=ENV)
    assert archived.exit_code == 0, archived.output
    assert archived.stdout.startswith(f"Wrote {out / 'index.html'} and feed.xml: 1 issue(s)")
    assert archived.stderr.splitlines() == [
        (
            f"warning: {stray}: not a readable issue manifest (week is not an object); "
            "rebuild the issue with digest build (or move the file aside); skipped"
        )
    ]
    status = CliRunner().invoke(app, ["status", "--out", str(out)], env=ENV)
    assert status.exit_code == 0 and status.stdout.startswith(f"Issue {WEEK}\n")
    assert f"warning: {stray}: not a readable issue manifest" in status.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("--week", "9999-W52"), "error: invalid week '9999-W52': out of range (use a week of the years 1900 to 9998)"),
        (
            ("--since", "0001-01-01"),
            ("error: invalid --since '0001-01-01': out of range (use a date of the years 1900 to 9998)"),
        ),
        (
            ("--since", "2026-11-16", "--until", "9999-12-31"),
            ("error: invalid --until '9999-12-31': out of range (use a date of the years 1900 to 9998)"),
        ),
    ],
)
def test_out_of_range_windows_end_with_one_line(tmp_path, args, message):
    result = build(tmp_path, *args, "--timezone", "Pacific/Kiritimati")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message]


# ---- files: atomic, the umask's mode ------------------------------------------------------------


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_every_file_a_build_writes_has_the_umask_mode(tmp_path, mask, mode):
    with umask(mask):
        assert build(tmp_path, "--week", WEEK).exit_code == 0
        (tmp_path / "state").mkdir(exist_ok=True)
        atomic_write(tmp_path / "state" / "cache.bin", b"x")
    files = [p for p in (tmp_path / "issues").rglob("*") if p.is_file()] + [tmp_path / "state" / "cache.bin"]
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    assert {
        f"issues/{WEEK}.html",
        f"issues/{WEEK}.txt",
        f"issues/{WEEK}.json",
        f"issues/{WEEK}.toml",
        f"issues/web/{WEEK}.html",
        "issues/index.html",
        "issues/feed.xml",
    } <= names
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {p.name: oct(mode) for p in files}
    assert not [p for p in tmp_path.rglob("*.tmp")]  # no temporary file left behind


def test_the_starter_config_and_the_sent_record_get_the_umask_mode(tmp_path):
    from digest.state import record_sent

    with umask(0o022):
        result = CliRunner().invoke(app, ["init", "--path", str(tmp_path / "digest.toml")])
        record_sent(tmp_path / "state", WEEK, ["a1"])
    assert result.exit_code == 0
    assert stat.S_IMODE((tmp_path / "digest.toml").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "state" / "sent-articles.json").stat().st_mode) == 0o644


# ---- XML-safe output -------------------------------------------------------------------------------


def test_xml_safe_strips_exactly_what_xml_forbids():
    assert xml_safe("a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\uffffi\ud800j\udfffk") == "abcdefghijk"
    assert xml_safe("tab\tnl\ncr\r é \u2028 \U0001f600") == "tab\tnl\ncr\r é \u2028 \U0001f600"


def test_atomic_write_takes_text_whole_or_in_pieces_and_replaces_a_lone_surrogate(tmp_path):
    text = "caf\u00e9 \ud800 end\n"
    atomic_write(tmp_path / "whole.txt", text)
    atomic_write(tmp_path / "pieces.txt", iter(["caf\u00e9 ", "\ud800", " end\n"]))
    assert (tmp_path / "whole.txt").read_bytes() == (tmp_path / "pieces.txt").read_bytes() == "café ? end\n".encode()


def test_the_manifest_in_pieces_is_the_manifest_text():
    record = IssueRecord.from_issue(large_issue(400))  # a manifest of many pieces
    pieces = list(record.json_pieces())
    text = record.to_json()
    assert len(pieces) > 2 and "".join(pieces) == text
    assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"


def test_forbidden_characters_in_titles_leave_every_page_and_the_feed_valid(tmp_path):
    articles = default_articles(5)
    articles[0] = native_article(1, "Security", title="Grid \uffff operator \x01 trials \x1f sensors")
    articles[1]["content_html"] = "<p>A body with \ufffe a \x07 bell and more words to make a summary.</p>" * 3
    source = write_source(tmp_path / "news.json", articles)
    assert build(tmp_path, "--week", WEEK, source=source).exit_code == 0
    out = tmp_path / "issues"
    for _ in range(2):  # and every later build, which reads the earlier manifests back
        etree.fromstring((out / "feed.xml").read_bytes())  # raises on invalid XML
        for page in (out / "index.html", out / f"{WEEK}.html", out / "web" / f"{WEEK}.html", out / f"{WEEK}.txt"):
            text = page.read_text(encoding="utf-8")
            assert xml_safe(text) == text, page
        assert "operator trials sensors" in (out / "feed.xml").read_text(encoding="utf-8")
        assert build(tmp_path, "--week", "2026-W48", "--allow-empty", source=source).exit_code == 0


# ---- digest run collects once ----------------------------------------------------------------------


def test_run_with_week_latest_collects_each_source_once(tmp_path):
    rec = Recorder()
    ctl = start(rec)
    articles = default_articles(5)
    body = json.dumps({"version": 1, "articles": articles})
    with HTTPServer(host="127.0.0.1") as server:
        server.expect_request("/news.json").respond_with_data(body, content_type="application/json")
        cfg = write_config(tmp_path, smtp=ctl.url, unsubscribe_url="http://127.0.0.1:8080")
        cfg.write_text(
            cfg.read_text().replace("[build]\n", '[build]\nweek = "latest"\n')
            + f'[[sources]]\nname = "News"\nurl = "{server.url_for("/news.json")}"\nkind = "native"\n'
        )
        subs = write_csv(tmp_path / "subs.csv", [("ann@example.com", "Ann")])
        try:
            result = CliRunner().invoke(
                app,
                ["run", "-c", str(cfg), "--subscribers", str(subs)],
                env={"DIGEST_SECRET": "run-test-secret-0123456789"},
            )
        finally:
            ctl.stop()
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{WEEK}: built now\n")
        assert len(server.log) == 1  # collected once, for the id and the build together
    assert rec.recipients() == {"ann@example.com": 1}
