"""`digest preview`: a real HTTP server on 127.0.0.1 that rebuilds when its inputs change."""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest

from browser_support import CHROMIUM, CHROMIUM_FLAGS
from desk_helpers import WEEK, default_articles, write_source
from digest.config import parse_source, resolve
from digest.fetch import Fetcher
from digest.pipeline import build_issue, gather
from digest.preview import Preview, make_server, server_url
from digest.render import builtin_template_dir

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path):
    """A running preview of a native source with a config file and a user template folder."""
    source = write_source(tmp_path / "news.json", default_articles(5))
    config = tmp_path / "digest.toml"
    config.write_text('[newsletter]\nname = "Desk Weekly"\n\n[sections]\nmin_size = 1\n', encoding="utf-8")
    templates = tmp_path / "templates"
    (templates / "partials").mkdir(parents=True)
    shutil.copy(builtin_template_dir() / "partials" / "footer.html", templates / "partials" / "footer.html")
    cli = {"week": WEEK, "out": tmp_path / "issues", "templates": templates, "sources": (parse_source(str(source)),)}
    fetcher = Fetcher()
    preview = Preview(
        lambda: resolve(cli, environ={}, config_path=config),
        lambda settings: gather(settings, fetcher, NOW),
        lambda settings, gathered: build_issue(settings, fetcher, NOW, gathered=gathered),
    )
    server = make_server(preview, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "url": server_url(server),
        "preview": preview,
        "out": tmp_path / "issues",
        "config": config,
        "templates": templates,
    }
    server.shutdown()
    server.server_close()
    thread.join()


def get(url: str) -> tuple[int, str, str]:
    """(status, content type, body) of a GET."""
    try:
        with urllib.request.urlopen(url) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode("utf-8")


def state(desk) -> dict:
    return json.loads(get(desk["url"] + "state")[2])


def touch(path, text):
    """Write a file and move its mtime forward, as an editor's save does."""
    path.write_text(text, encoding="utf-8")
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))


def test_page_shows_html_and_text_side_by_side_with_a_width_toggle(desk):
    status, kind, page = get(desk["url"])
    assert (status, kind) == (200, "text/html; charset=utf-8")
    assert f"<h1>Preview: {WEEK}</h1>" in page
    assert '<div class="frame desktop" id="frame"><iframe src="/issue.html?v=1"' in page
    assert '<pre id="text">DESK WEEKLY' in page
    assert '<a href="?view=mobile" id="view-mobile">375 px</a>' in page
    mobile = get(desk["url"] + "?view=mobile")[2]
    assert '<div class="frame mobile" id="frame">' in mobile and ".frame.mobile { width: 375px; }" in mobile
    status, kind, html = get(desk["url"] + "issue.html")
    assert status == 200 and "Desk Weekly" in html and "__DIGEST_" not in html and 'href="#unsubscribe-link"' in html
    status, kind, text = get(desk["url"] + "issue.txt")
    assert (status, kind) == (200, "text/plain; charset=utf-8") and text.startswith("DESK WEEKLY")
    assert get(desk["url"] + "nope")[0] == 404
    assert state(desk) == {
        "version": 1,
        "issue": WEEK,
        "error": "",
        "warnings": [],
        "built_at": state(desk)["built_at"],
        "summaries": "Summaries: 5 extractive",
    }
    assert '<p class="built" id="summaries">Summaries: 5 extractive</p>' in page
    assert desk["preview"].builds == 1  # polling without changes does not rebuild


def test_saving_the_curation_file_rebuilds(desk):
    path = desk["out"] / f"{WEEK}.toml"
    assert state(desk)["version"] == 1 and path.is_file()  # the first build wrote the curation file
    touch(path, path.read_text(encoding="utf-8").replace('note = """', 'note = """Edited **live**'))
    assert state(desk)["version"] == 2
    assert "Edited <strong>live</strong>" in get(desk["url"] + "issue.html")[2]
    assert "Edited live" in get(desk["url"] + "issue.txt")[2]
    assert state(desk)["version"] == 2


def test_config_and_template_changes_rebuild(desk):
    assert state(desk)["version"] == 1
    touch(desk["config"], '[newsletter]\nname = "Renamed Weekly"\n')
    assert state(desk)["version"] == 2
    assert "Renamed Weekly" in get(desk["url"] + "issue.html")[2]
    footer = desk["templates"] / "partials" / "footer.html"
    touch(
        footer,
        footer.read_text(encoding="utf-8").replace(
            "<p>{{ newsletter.postal_address }}</p>", "<p>{{ newsletter.postal_address }} (custom footer)</p>"
        ),
    )
    assert state(desk)["version"] == 3
    assert "(custom footer)" in get(desk["url"] + "issue.html")[2]


def test_a_broken_curation_file_shows_the_error_and_keeps_the_last_issue(desk):
    path = desk["out"] / f"{WEEK}.toml"
    get(desk["url"])
    touch(path, 'lead = "unterminated\n')
    now = state(desk)
    assert now["version"] == 2 and now["error"].startswith(f"{path}: invalid TOML: ")
    page = get(desk["url"])[2]
    assert '<p class="error" role="alert">error: ' in page and "invalid TOML" in page
    assert "Desk Weekly" in get(desk["url"] + "issue.html")[2]
    touch(path, 'subject = "Fixed"\n')
    fixed = state(desk)
    assert fixed["version"] == 3 and fixed["error"] == ""


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_in_a_browser_the_toggle_sets_375_px_and_the_page_reloads_after_a_save(desk, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(desk["url"])
            assert page.eval_on_selector("#frame iframe", "e => e.getBoundingClientRect().width") > 375
            page.click("#view-mobile")
            page.wait_for_url("**/?view=mobile")
            assert page.eval_on_selector("#frame iframe", "e => e.getBoundingClientRect().width") == 375
            path = desk["out"] / f"{WEEK}.toml"
            touch(path, path.read_text(encoding="utf-8").replace('note = """', 'note = """Seen in the browser'))
            page.wait_for_function("document.body.dataset.version === '2'")  # the polling script reloaded
            assert page.url.endswith("?view=mobile")  # the chosen width survives the reload
            frame = page.frame_locator("#frame iframe")
            assert "Seen in the browser" in frame.locator("body").inner_text()
        finally:
            browser.close()


def test_a_busy_port_is_one_clear_line(tmp_path):
    import socket

    from typer.testing import CliRunner

    from digest.cli import app

    source = write_source(tmp_path / "news.json", default_articles(3))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            app,
            [
                "preview",
                "--source",
                str(source),
                "--week",
                WEEK,
                "--out",
                str(tmp_path / "issues"),
                "--port",
                str(port),
            ],
            env={"DIGEST_CONFIG": ""},
        )
    assert result.exit_code == 1
    assert (
        result.stderr == f"error: cannot listen on 127.0.0.1:{port} (Address already in use); choose another --port\n"
    )
    assert not (tmp_path / "issues").exists()


def test_curation_and_template_changes_recompose_without_collecting_again(desk):
    preview = desk["preview"]
    assert state(desk)["version"] == 1 and preview.collections == 1
    path = desk["out"] / f"{WEEK}.toml"
    touch(path, path.read_text(encoding="utf-8").replace('note = """', 'note = """Recomposed'))
    footer = desk["templates"] / "partials" / "footer.html"
    assert state(desk)["version"] == 2
    touch(footer, footer.read_text(encoding="utf-8") + "<p>(footer edit)</p>")
    assert state(desk)["version"] == 3
    assert "Recomposed" in get(desk["url"] + "issue.html")[2]
    assert preview.collections == 1  # the sources were read once
    touch(desk["config"], '[newsletter]\nname = "Renamed Weekly"\n')
    assert state(desk)["version"] == 4 and preview.collections == 2  # new settings: collected again
