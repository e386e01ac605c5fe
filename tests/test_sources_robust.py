"""One bad item, a strange file or an endless source never costs an issue: isolation, ids, bounded reads, kinds."""

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.collect import collect
from digest.config import resolve
from digest.fetch import Fetcher
from digest.sources import FetchContext, SourceSpec, reader_for

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"
GOOD = {
    "url": "https://news.example.com/a",
    "title": "A good story",
    "published": "2026-11-18T10:00:00Z",
    "content_html": "<p>Something happened in the city today. People noticed it.</p>",
}


pytestmark = pytest.mark.usefixtures("in_tmp")  # in tmp_path, no DIGEST_* settings (conftest.py)


def read(kind, path):
    return reader_for(kind)(SourceSpec(str(path), str(path), kind), FetchContext(Fetcher().get))


def build(*args):
    return runner.invoke(app, ["build", "--week", "2026-W47", *args])


def manifest_titles(tmp_path):
    return sorted(a["title"] for a in json.loads((tmp_path / "issues" / "2026-W47.json").read_text())["articles"])


# -- one bad value skips its item alone ---------------------------------------------------------------

BAD_VALUES = [
    ("categories", 5),
    ("categories", True),
    ("tags", 3),
    ("tags", False),
    ("content_html", 7),
    ("published", 1e20),
    ("published", float("nan")),
    ("published", float("inf")),
    ("published", "9999-12-31T23:59:59-12:00"),
    ("published", "0001-01-01T00:00:00+14:00"),
    ("reading_minutes", float("nan")),
    ("reading_minutes", float("inf")),
    ("image", {"url": "https://news.example.com/i.png", "width": float("nan")}),
    ("image", {"url": "https://news.example.com/i.png", "width": float("inf")}),
    ("url", "http://[::1/a"),
    ("title", "Broken \ud800 title"),
]


@pytest.mark.parametrize("field, value", BAD_VALUES, ids=[f"{f}={v!r}"[:40] for f, v in BAD_VALUES])
def test_a_bad_value_skips_its_item_and_names_the_field(tmp_path, field, value):
    bad = {**GOOD, "url": "https://news.example.com/b", "title": "The bad one", field: value}
    path = tmp_path / "week.json"
    path.write_text(json.dumps([GOOD, bad]), encoding="utf-8")  # NaN/Infinity as Python's json writes them
    result = read("native", path)
    assert [a.title for a in result.articles] == ["A good story"]
    (skip,) = result.skipped
    assert skip.item.startswith("item 2") and skip.reason.startswith(f'field "{field}": ')


def test_a_bad_value_through_the_cli_is_one_warning_and_the_issue_is_built(tmp_path):
    bad = {**GOOD, "url": "https://news.example.com/b", "title": "Bad date", "published": 1e20}
    path = tmp_path / "week.json"
    path.write_text(json.dumps([GOOD, bad]), encoding="utf-8")
    result = build("--source", str(path))
    assert result.exit_code == 0, result.output
    assert f"warning: {path}: item 2 ('Bad date'): field \"published\": 1e+20 is out of range; skipped" in result.output
    assert "Traceback" not in result.output and manifest_titles(tmp_path) == ["A good story"]


def test_one_non_object_among_the_first_items_keeps_auto_detection(tmp_path):
    path = tmp_path / "week.json"
    path.write_text(json.dumps([GOOD, 5, {**GOOD, "url": "https://news.example.com/c", "title": "Third"}]))
    collected = collect([SourceSpec("Week", str(path))], Fetcher())
    assert collected.reports[0].kind == "native" and len(collected.articles) == 2
    assert [s.reason for s in collected.skipped] == ["item is not an object (got int 5)"]


def test_a_bad_bracketed_host_in_an_rss_link_skips_that_item(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
      <item><title>Good</title><link>https://n.example/a</link><pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate></item>
      <item><title>Bad</title><link>http://[::1/a</link><pubDate>Wed, 18 Nov 2026 10:00:00 GMT</pubDate></item>
      </channel></rss>""")
    result = read("feed", path)
    assert [a.title for a in result.articles] == ["Good"]
    assert result.skipped[0].reason.startswith("field \"url\": unusable value 'http://[::1/a'")


# -- ids unique inside the pipeline -----------------------------------------------------------------


def test_stories_sharing_a_source_id_are_both_kept_and_a_true_repeat_is_reported(tmp_path):
    first = {**GOOD, "id": "1"}
    second = {
        **GOOD,
        "id": "1",
        "url": "https://news.example.com/other",
        "title": "Another story entirely",
        "content_html": "<p>A different event took place in the harbour. Boats were there.</p>",
    }
    path = tmp_path / "week.json"
    path.write_text(json.dumps([first, second, first]), encoding="utf-8")
    other = tmp_path / "other.json"
    other.write_text(
        json.dumps(
            [{**GOOD, "id": "1", "url": "https://elsewhere.example.org/x", "title": "A third story from elsewhere"}]
        ),
        encoding="utf-8",
    )
    result = build("--source", str(path), "--source", str(other), "--verbose")
    assert result.exit_code == 0, result.output
    assert manifest_titles(tmp_path) == ["A good story", "A third story from elsewhere", "Another story entirely"]
    manifest = json.loads((tmp_path / "issues" / "2026-W47.json").read_text())
    assert len({a["id"] for a in manifest["articles"]}) == 3
    assert f"{path}: item 3 ('A good story'): duplicate (same id '1' and URL) of item 1; skipped" in result.output


# -- bounded local reads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, what",
    [
        (lambda tmp: "/dev/zero", "a device"),
        (lambda tmp: (os.mkfifo(tmp / "pipe"), str(tmp / "pipe"))[1], "a named pipe (FIFO)"),
        (lambda tmp: ((tmp / "folder").mkdir(), str(tmp / "folder"))[1], "a directory"),
    ],
)
def test_non_regular_files_are_refused_at_once(tmp_path, make, what):
    good = tmp_path / "week.json"
    good.write_text(json.dumps([GOOD]), encoding="utf-8")
    location = make(tmp_path)
    started = time.monotonic()
    result = build("--source", f"native:{location}", "--source", str(good))
    assert time.monotonic() - started < 10
    assert result.exit_code == 0, result.output
    assert f"{location}: {what}, not a regular file; give the path of a saved feed or JSON file" in result.output
    assert manifest_titles(tmp_path) == ["A good story"]


def test_local_files_obey_max_bytes(tmp_path):
    big = tmp_path / "big.json"
    big.write_text(json.dumps([GOOD]) + " " * 5000, encoding="utf-8")
    (tmp_path / "digest.toml").write_text(f'[fetch]\nmax_bytes = 2000\n[[sources]]\npath = "{big}"\n')
    result = build()
    assert result.exit_code == 1
    assert f"{big}: file is over the 2,000-byte limit (raise [fetch] max_bytes to read it)" in result.output


# -- a per-source deadline --------------------------------------------------------------------------


class Drip(BaseHTTPRequestHandler):
    """Answers with headers at once, then one byte of the body every 2 s."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(30):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(2)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def drip_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.json"
    server.shutdown()
    server.server_close()


def test_a_dripping_source_fails_alone_after_the_deadline(tmp_path, drip_server):
    good = tmp_path / "week.json"
    good.write_text(json.dumps([GOOD]), encoding="utf-8")
    (tmp_path / "digest.toml").write_text(
        f"[fetch]\ntimeout = 3\ndeadline = 5\nretries = 0\n"
        f'[[sources]]\nname = "Drip"\nurl = "{drip_server}"\n[[sources]]\nname = "Good"\npath = "{good}"\n'
    )
    started = time.monotonic()
    result = build()
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert 4.5 < elapsed < 12, elapsed
    assert (
        f"Drip: {drip_server}: not read within the 5-second deadline for one source "
        "(raise [fetch] deadline if the source is only slow)"
    ) in result.output
    assert manifest_titles(tmp_path) == ["A good story"]


def test_the_default_deadline_is_three_timeouts(tmp_path):
    (tmp_path / "digest.toml").write_text("[fetch]\ntimeout = 3\n")
    assert Fetcher.from_settings(resolve(cwd=tmp_path, environ={})).deadline == 9
    (tmp_path / "digest.toml").write_text("[fetch]\ndeadline = -1\n")
    result = build()
    assert result.exit_code == 1 and "[fetch] deadline must be at least 0, not -1.0" in result.output
