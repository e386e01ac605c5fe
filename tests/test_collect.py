"""The collect stage: every kind at once over HTTP, failure isolation, strict mode, bounded concurrency."""

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest.collect import collect, failure_line, read_all
from digest.errors import SourceError
from digest.fetch import Backoff, Fetched, Fetcher
from digest.sources import REGISTRY, Kind, SourceSpec

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


@pytest.fixture
def threaded_server():
    """A server that answers requests in parallel, so one slow source cannot hold up the others."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def fetcher():
    return Fetcher(timeout=(1.0, 0.3), backoff=Backoff(retries=1, base=0.001), sleep=lambda s: None)


def serve_file(httpserver, path, name, content_type):
    httpserver.expect_request(path).respond_with_data((FIXTURES / name).read_bytes(), content_type=content_type)
    return httpserver.url_for(path)


def test_every_kind_together_with_failures_isolated(threaded_server):
    httpserver = threaded_server

    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("[]", content_type="application/json")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    httpserver.expect_request("/html").respond_with_data("<html><body>Log in</body></html>", content_type="text/html")
    httpserver.expect_request("/bad.xml").respond_with_data(
        b"<?xml version='1.0'?><rss version='2.0'><channel><ti", content_type="application/rss+xml"
    )
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_data(
        (FIXTURES / "wp-posts-1.json").read_bytes(), content_type="application/json", headers={"X-WP-TotalPages": "1"}
    )
    specs = [
        SourceSpec("Native", serve_file(httpserver, "/native.json", "native.json", "application/json")),
        SourceSpec("Lab feed", serve_file(httpserver, "/feed.json", "jsonfeed-1.1.json", "application/feed+json")),
        SourceSpec("Blog", httpserver.url_for("/"), "wordpress"),
        SourceSpec("Signal", serve_file(httpserver, "/rss", "rss2.xml", "application/rss+xml")),
        SourceSpec("Atom", serve_file(httpserver, "/atom", "atom.xml", "application/atom+xml")),
        SourceSpec("Slow", httpserver.url_for("/slow"), "native"),
        SourceSpec("Broken", httpserver.url_for("/broken"), "jsonfeed"),
        SourceSpec("Portal", httpserver.url_for("/html"), "jsonfeed"),
        SourceSpec("Bad XML", httpserver.url_for("/bad.xml"), "feed"),
    ]
    collected = collect(specs, fetcher(), workers=4)
    reports = {r.name: r for r in collected.reports}
    assert [r.name for r in collected.reports] == [s.name for s in specs]
    assert {n: (r.ok, r.kind, r.items) for n, r in reports.items() if r.ok} == {
        "Native": (True, "native", 2),
        "Lab feed": (True, "jsonfeed", 2),
        "Blog": (True, "wordpress", 2),
        "Signal": (True, "feed", 2),
        "Atom": (True, "feed", 2),
    }
    assert reports["Lab feed"].newest == datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    assert reports["Slow"].error == (
        f"{httpserver.url_for('/slow')}: timed out after 0.3 s waiting for a response "
        "(raise [fetch] timeout if the source is only slow)"
    )
    assert reports["Broken"].error == f"{httpserver.url_for('/broken')}: HTTP 500 INTERNAL SERVER ERROR"
    assert reports["Portal"].error == (
        f"{httpserver.url_for('/html')}: expected JSON but got an HTML page (text/html)"
        "; point the source at the JSON document itself (the API or feed URL, not a web page)"
    )
    assert reports["Bad XML"].error.startswith(f"{httpserver.url_for('/bad.xml')}: invalid XML, not a readable feed")
    assert len(collected.articles) == 10
    # Unusable items are skipped and named; they never sink their source.
    assert sorted(s.source for s in collected.skipped) == ["Lab feed", "Signal"]


def test_strict_makes_any_failure_fatal(tmp_path):
    good = SourceSpec("Good", str(FIXTURES / "native.json"))
    bad = SourceSpec("Missing", str(tmp_path / "nope.json"))
    with pytest.raises(SourceError) as err:
        collect([good, bad], Fetcher(), strict=True)
    assert str(err.value) == (
        f"source failed: Missing: {tmp_path / 'nope.json'}: no such file (strict mode: fix it or drop --strict)"
    )
    assert [r.ok for r in collect([good, bad], Fetcher()).reports] == [True, False]


def test_every_source_failing_raises(tmp_path):
    specs = [SourceSpec("A", str(tmp_path / "a.json")), SourceSpec("B", "unknownkind:x", "unknownkind")]
    with pytest.raises(SourceError) as err:
        collect(specs, Fetcher())
    assert str(err.value).startswith(
        f"every source failed: A: {tmp_path / 'a.json'}: no such file; "
        "B: unknown source kind 'unknownkind'; use one of: "
    )
    assert [r.ok for r in read_all(specs, Fetcher()).reports] == [False, False]  # read_all never raises
    assert collect([], Fetcher()).reports == ()


def test_failure_message_names_a_path_source_once(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"articles": [')
    with pytest.raises(SourceError) as err:
        collect([SourceSpec(str(bad), str(bad))], Fetcher())
    assert str(err.value) == f"every source failed: {bad}: invalid JSON at line 1 column 15: Expecting value"


def test_a_crashing_reader_is_isolated():
    def boom(spec, ctx):
        raise KeyError("surprise")

    REGISTRY["boom"] = Kind("boom", boom)
    try:
        collected = collect(
            [SourceSpec("Crash", "x", "boom"), SourceSpec("Fine", str(FIXTURES / "native.json"))], Fetcher()
        )
    finally:
        del REGISTRY["boom"]
    crash, fine = collected.reports
    assert crash.error == "unexpected KeyError while reading ('surprise')" and fine.ok


def test_sources_are_read_concurrently_within_the_bound():
    """Four sources must be in flight together (a barrier that sequential reading would break), never five."""
    barrier = threading.Barrier(4, timeout=10)
    lock = threading.Lock()
    state = {"now": 0, "max": 0}
    body = json.dumps({"articles": [{"url": "https://c.example/1", "title": "t", "published": "2026-11-17"}]})

    def fetch(location, params=None):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        try:
            barrier.wait()
        finally:
            with lock:
                state["now"] -= 1
        return Fetched(body.encode(), location)

    specs = [SourceSpec(f"S{i}", f"s{i}.json", "native") for i in range(8)]
    collected = collect(specs, fetch, workers=4)
    assert all(r.ok for r in collected.reports) and state["max"] == 4


def test_auto_detection_reuses_the_first_fetch():
    calls = []
    body = (FIXTURES / "jsonfeed-1.1.json").read_bytes()

    def fetch(location, params=None):
        calls.append(location)
        return Fetched(body, "https://lab.example.org/feed.json", "application/feed+json")

    (report,) = collect([SourceSpec("Lab", "https://lab.example.org/feed.json")], fetch).reports
    assert report.kind == "jsonfeed" and report.items == 2 and calls == ["https://lab.example.org/feed.json"]


def test_report_reason_does_not_repeat_a_location_name(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"articles": [')
    (report,) = read_all([SourceSpec(str(bad), str(bad))], Fetcher()).reports
    # The build's warning line is "<name>: <reason>": the path must appear once, not twice.
    assert f"{report.name}: {report.error}" == f"{bad}: invalid JSON at line 1 column 15: Expecting value"
    assert failure_line(report) == f"{report.name}: {report.error}"
