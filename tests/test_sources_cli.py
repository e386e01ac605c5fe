"""`digest sources`: the table of sources with status, item count and newest date; exit codes."""

from pathlib import Path

from typer.testing import CliRunner

from digest.cli import app

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def run(*args, cwd: Path):
    return CliRunner().invoke(app, ["sources", *args], env={"DIGEST_STATE_DIR": str(cwd / ".digest")})


def test_lists_each_source_with_status_items_and_newest(tmp_path, httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        (FIXTURES / "rss2.xml").read_bytes(), content_type="application/rss+xml", headers={"ETag": '"1"'}
    )
    config = tmp_path / "digest.toml"
    config.write_text(f'''
[[sources]]
name = "Lab"
path = "{FIXTURES / "jsonfeed-1.1.json"}"

[[sources]]
name = "Signal"
url = "{httpserver.url_for("/feed")}"
kind = "feed"
''')
    result = run("--config", str(config), cwd=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["SOURCE", "KIND", "STATUS", "ITEMS", "NEWEST"]
    assert lines[1].split() == ["Lab", "jsonfeed", "ok", "2", "2026-11-18", "10:00", "UTC"]
    assert lines[2].split() == ["Signal", "feed", "ok", "2", "2026-11-18", "09:00", "UTC"]
    assert any((tmp_path / ".digest" / "http-cache").iterdir())  # the cache lives under state_dir


def test_failed_source_is_named_and_exit_is_1(tmp_path):
    missing = tmp_path / "gone.json"
    result = run("--source", str(FIXTURES / "native.json"), "--source", f"jsonfeed:{missing}", cwd=tmp_path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[2].split()[:4] == [str(missing), "jsonfeed", "failed", "-"]
    assert f"{missing}: no such file" in lines
    assert lines[-1] == "error: 1 of 2 source(s) failed"


def test_no_sources_configured(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output.strip() == "error: no sources configured; add [[sources]] to digest.toml or pass --source"


def test_skipped_items_are_counted_with_their_commonest_reason(tmp_path, httpserver):
    undated = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
      xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>News</title><link>https://n.example/</link></channel>
      <item><title>One</title><link>https://n.example/1</link></item>
      <item><title>Two</title><link>https://n.example/2</link></item></rdf:RDF>"""
    httpserver.expect_request("/rdf").respond_with_data(undated, content_type="application/rdf+xml")
    url = httpserver.url_for("/rdf")
    result = run("--source", url, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split() == [url, "feed", "ok", "0", "-"]
    assert lines[2] == (
        f"{url}: 2 items skipped: no date (pubDate, dc:date, published or updated); "
        'set undated = "now" on this source to date such items when they are read'
    )
