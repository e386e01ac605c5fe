"""The HTTP fetcher against a real server on 127.0.0.1: retries, cache, caps, timeouts."""

import gzip
import json
import time

import pytest
from werkzeug import Request, Response

from digest.errors import SourceError
from digest.fetch import USER_AGENT, Backoff, Fetcher, HTTPStatusError

FAST = Backoff(retries=2, base=0.01, max_wait=5.0)


def fetcher(tmp_path=None, sleeps=None, **kw):
    kw.setdefault("backoff", FAST)
    kw.setdefault("timeout", (2.0, 2.0))
    return Fetcher(
        cache_dir=tmp_path / "http-cache" if tmp_path else None,
        sleep=(sleeps.append if sleeps is not None else (lambda s: None)),
        **kw,
    )


def test_plain_get_sends_user_agent_and_returns_body(httpserver):
    seen = {}

    def handler(request: Request) -> Response:
        seen["ua"] = request.headers.get("User-Agent")
        seen["encoding"] = request.headers.get("Accept-Encoding")
        return Response('{"ok": true}', content_type="application/json")

    httpserver.expect_request("/doc").respond_with_handler(handler)
    got = fetcher().get(httpserver.url_for("/doc"), params={"a": "1"})
    assert got.body == b'{"ok": true}'
    assert got.content_type == "application/json"
    assert got.url == httpserver.url_for("/doc") + "?a=1"
    assert seen["ua"] == USER_AGENT and USER_AGENT.startswith("digest/")
    assert "gzip" in seen["encoding"]
    assert got.from_cache is False


def test_gzip_body_is_decompressed(httpserver):
    payload = json.dumps({"items": list(range(100))}).encode()
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(payload), headers={"Content-Encoding": "gzip"}, content_type="application/json"
    )
    assert fetcher().get(httpserver.url_for("/gz")).body == payload


def test_rerun_revalidates_with_etag_and_gets_304(httpserver, tmp_path):
    calls = []

    def handler(request: Request) -> Response:
        calls.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response("<rss/>", content_type="application/rss+xml", headers={"ETag": '"v1"'})

    httpserver.expect_request("/feed").respond_with_handler(handler)
    first = fetcher(tmp_path).get(httpserver.url_for("/feed"))
    second = fetcher(tmp_path).get(httpserver.url_for("/feed"))  # a new run, same cache folder
    assert calls == [None, '"v1"']
    assert first.from_cache is False and second.from_cache is True
    assert second.body == b"<rss/>" and second.status == 304
    assert second.content_type == "application/rss+xml"
    assert any((tmp_path / "http-cache").iterdir())


def test_last_modified_revalidation(httpserver, tmp_path):
    stamp = "Tue, 17 Nov 2026 10:00:00 GMT"
    calls = []

    def handler(request: Request) -> Response:
        calls.append(request.headers.get("If-Modified-Since"))
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response("[]", content_type="application/json", headers={"Last-Modified": stamp})

    httpserver.expect_request("/lm").respond_with_handler(handler)
    fetcher(tmp_path).get(httpserver.url_for("/lm"))
    again = fetcher(tmp_path).get(httpserver.url_for("/lm"))
    assert calls == [None, stamp] and again.from_cache and again.body == b"[]"


def test_no_validators_means_no_cache_entry(httpserver, tmp_path):
    httpserver.expect_request("/nocache").respond_with_data("x")
    fetcher(tmp_path).get(httpserver.url_for("/nocache"))
    assert not (tmp_path / "http-cache").exists()


def test_read_timeout_names_the_url(httpserver):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    with pytest.raises(SourceError) as err:
        fetcher(timeout=(1.0, 0.2)).get(httpserver.url_for("/slow"))
    assert str(err.value) == (
        f"{httpserver.url_for('/slow')}: timed out after 0.2 s waiting for a response "
        "(raise [fetch] timeout if the source is only slow)"
    )


def test_429_waits_for_retry_after_then_succeeds(httpserver):
    httpserver.expect_oneshot_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "2"})
    httpserver.expect_request("/busy").respond_with_data("fine")
    sleeps = []
    assert fetcher(sleeps=sleeps).get(httpserver.url_for("/busy")).body == b"fine"
    assert sleeps == [2.0]


def test_retry_after_is_capped(httpserver):
    httpserver.expect_oneshot_request("/capped").respond_with_data("", status=503, headers={"Retry-After": "3600"})
    httpserver.expect_request("/capped").respond_with_data("ok")
    sleeps = []
    fetcher(sleeps=sleeps).get(httpserver.url_for("/capped"))
    assert sleeps == [5.0]


def test_500_then_success_backs_off_exponentially(httpserver):
    httpserver.expect_oneshot_request("/flaky").respond_with_data("oops", status=500)
    httpserver.expect_oneshot_request("/flaky").respond_with_data("oops", status=502)
    httpserver.expect_request("/flaky").respond_with_data("recovered")
    sleeps = []
    got = fetcher(sleeps=sleeps).get(httpserver.url_for("/flaky"))
    assert got.body == b"recovered"
    assert sleeps == [0.01, 0.02]


def test_persistent_500_gives_up_with_status(httpserver):
    httpserver.expect_request("/down").respond_with_data("oops", status=500)
    sleeps = []
    with pytest.raises(HTTPStatusError) as err:
        fetcher(sleeps=sleeps).get(httpserver.url_for("/down"))
    assert err.value.status == 500
    assert str(err.value) == f"{httpserver.url_for('/down')}: HTTP 500 INTERNAL SERVER ERROR"
    assert len(sleeps) == 2


def test_404_is_not_retried(httpserver):
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    sleeps = []
    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        fetcher(sleeps=sleeps).get(httpserver.url_for("/gone"))
    assert sleeps == []


def test_connection_refused_retries_then_fails(httpserver):
    url = httpserver.url_for("/x")
    httpserver.stop()
    sleeps = []
    try:
        with pytest.raises(SourceError) as err:
            fetcher(sleeps=sleeps).get(url)
    finally:
        httpserver.start()
    assert str(err.value) == f"{url}: cannot connect (connection refused) after 3 attempts"
    assert sleeps == [0.01, 0.02]


def test_oversized_body_with_content_length(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(SourceError, match="response of 5,000 bytes is over the 1,000-byte limit"):
        fetcher(max_bytes=1000).get(httpserver.url_for("/big"))


def test_oversized_streamed_body_and_gzip_bomb(httpserver):
    httpserver.expect_request("/stream").respond_with_response(Response(b"y" * 500 for _ in range(10)))
    with pytest.raises(
        SourceError, match=r"response is over the 1,000-byte limit \(raise \[fetch\] max_bytes to read it\)"
    ):
        fetcher(max_bytes=1000).get(httpserver.url_for("/stream"))
    httpserver.expect_request("/bomb").respond_with_data(
        gzip.compress(b"\0" * 200_000), headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(SourceError, match="over the 50,000-byte limit"):
        fetcher(max_bytes=50_000).get(httpserver.url_for("/bomb"))


def test_redirect_is_followed_and_final_url_reported(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new/feed"})
    httpserver.expect_request("/new/feed").respond_with_data("moved here")
    got = fetcher().get(httpserver.url_for("/old"))
    assert got.body == b"moved here" and got.url == httpserver.url_for("/new/feed")


def test_pagination_headers_are_kept(httpserver, tmp_path):
    httpserver.expect_request("/wp").respond_with_data("[]", headers={"X-WP-TotalPages": "3", "ETag": '"p"'})
    got = fetcher(tmp_path).get(httpserver.url_for("/wp"))
    assert got.header("x-wp-totalpages") == "3"


def test_local_files(tmp_path):
    doc = tmp_path / "a.json"
    doc.write_text("[]")
    assert Fetcher().get(str(doc)).body == b"[]"
    with pytest.raises(SourceError, match="no such file"):
        Fetcher().get(str(tmp_path / "missing.json"))
    with pytest.raises(SourceError, match="over the 1-byte limit"):
        Fetcher(max_bytes=1).get(str(doc))


def test_unknown_host_is_not_retried():
    sleeps = []
    with pytest.raises(SourceError) as err:
        fetcher(sleeps=sleeps).get("http://no-such-host.invalid/feed")
    assert str(err.value) == "http://no-such-host.invalid/feed: cannot connect (host not found)"
    assert sleeps == []
