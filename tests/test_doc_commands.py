"""Every shell command of README.md and docs/ runs, in order, in a fresh folder; every TOML snippet parses.

The conventions are documented in docs/README.md ("How these pages are tested").
"""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
import sys
import threading
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from digest.config import resolve
from smtp_servers import Recorder, start

pytestmark = pytest.mark.process

ROOT = Path(__file__).parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"sh", "bash", "console"}
FEED_URL = "https://news.example.com/feed.xml"
FENCE = re.compile(r"^```(\S*)[ \t]*(.*)$")


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: Path
    line: int
    lang: str
    tags: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        """page:line, for messages."""
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, in order."""
    found, lines, i = [], page.read_text(encoding="utf-8").splitlines(), 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while i < len(lines) and lines[i] != "```":
            body.append(lines[i])
            i += 1
        found.append(Block(page, start, match[1], tuple(match[2].split()), "\n".join(body) + "\n"))
        i += 1
    return found


def runnable(block: Block) -> str:
    """The commands a shell block runs ($ lines only for console blocks)."""
    if block.lang == "console":
        return "".join(line[2:] + "\n" for line in block.text.splitlines() if line.startswith("$ "))
    return block.text


def shell_blocks(page: Path) -> list[Block]:
    """A page's sh, bash and console blocks."""
    return [b for b in blocks(page) if b.lang in SHELLS]


def free_port() -> int:
    """A port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def this_weeks_feed() -> bytes:
    """An RSS feed of three articles published this week, so that `digest build` finds them."""
    now = datetime.now(UTC)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    dates = [max(monday + timedelta(minutes=5), now - timedelta(minutes=m)) for m in (1, 2, 3)]
    items = "".join(
        f"<item><title>Story number {n} about open grids and chips</title>"
        f"<link>https://news.example.com/2026/story-{n}</link><guid>https://news.example.com/2026/story-{n}</guid>"
        f"<category>News</category><pubDate>{format_datetime(d)}</pubDate>"
        f"<description>The grid operator trialled sensor number {n} this week. Engineers said the results "
        f"were better than expected.</description></item>"
        for n, d in enumerate(dates, 1)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title>'
        f"<link>https://news.example.com/</link>{items}</channel></rss>"
    ).encode()


class FeedHandler(BaseHTTPRequestHandler):
    """Answers /feed.xml with this week's feed, anything else with 404."""

    def do_GET(self):
        """Serve the feed."""
        body, status = (this_weeks_feed(), 200) if self.path == "/feed.xml" else (b"not found", 404)
        self.send_response(status)
        self.send_header("Content-Type", "application/rss+xml" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        """Quiet."""


@pytest.fixture(scope="module")
def feed_server():
    """The stand-in for https://news.example.com/feed.xml."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()


@pytest.fixture(scope="module")
def smtp_server():
    """The stand-in for smtp://127.0.0.1:8025."""
    recorder = Recorder()
    controller = start(recorder)
    yield controller, recorder
    controller.stop()


PRELUDE = r"""
set -euo pipefail
__serving() {  # run a server until its page answers, then stop it
  local port=$1; shift
  "$@" >"$HOME/.serving.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$HOME/.serving.log" >&2; wait "$pid"; return 1; fi
    if python3 -c "import sys, urllib.request as u, urllib.error as e
try: u.urlopen('http://127.0.0.1:$port/', timeout=2)
except e.HTTPError: pass
except Exception: sys.exit(1)" 2>/dev/null; then kill "$pid"; wait "$pid" || true; return 0; fi
    sleep 0.2
  done
  kill "$pid"; echo "server on port $port never answered" >&2; return 1
}
"""
SERVER_LINE = re.compile(r"^(digest (?:serve|preview)\b.*)$", re.MULTILINE)


def script_for(page: Path, feed_url: str, smtp_port: int) -> str:
    """The page's shell blocks as one script, with the stand-ins and port substitutions."""
    parts = [PRELUDE]
    for block in shell_blocks(page):
        if "skip-test" in block.tags:
            continue
        text = runnable(block).replace(FEED_URL, feed_url).replace("127.0.0.1:8025", f"127.0.0.1:{smtp_port}")
        serve_port = free_port()
        text = text.replace("127.0.0.1:8080", f"127.0.0.1:{serve_port}")

        def serving(match: re.Match) -> str:
            command = match[1].split("#", 1)[0].rstrip()
            port = free_port()
            if re.search(r"--port \d+", command):
                command = re.sub(r"--port \d+", f"--port {port}", command)
            else:
                command += f" --port {port}"
            return f"__serving {port} {command}"

        text = SERVER_LINE.sub(serving, text)
        parts.append(f"echo {shlex.quote('>>> ' + block.where)} >&2\n{text}")
    return "\n".join(parts)


def test_every_page_has_commands_or_says_why_not():
    """Skipped blocks say what they need; the README has its tutorial's commands."""
    for page in PAGES:
        for block in shell_blocks(page):
            if "skip-test" in block.tags:
                first = block.text.splitlines()[0] if block.text.strip() else ""
                assert first.startswith("# needs: "), f"{block.where}: a skip-test block starts with '# needs: why'"
    readme = [b for b in shell_blocks(ROOT / "README.md") if "skip-test" not in b.tags]
    assert any("digest send 2026-W47 --to you@example.com" in b.text for b in readme)


@pytest.mark.parametrize(
    "page",
    [p for p in PAGES if any("skip-test" not in b.tags for b in shell_blocks(p))],
    ids=lambda p: p.name if p.parent == ROOT else f"docs/{p.name}",
)
def test_the_commands_of_a_page_run_in_a_fresh_folder(page, tmp_path, feed_server, smtp_server):
    controller, recorder = smtp_server
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        # No network: anything that is not a stand-in on 127.0.0.1 goes to a closed port.
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    script = script_for(page, feed_server, controller.port)
    before = len(recorder.messages)
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    last = [line for line in result.stderr.splitlines() if line.startswith(">>> ")]
    assert result.returncode == 0, (
        f"{last[-1][4:] if last else page.name}: exit {result.returncode}\n{result.stderr[-3000:]}"
    )
    if "127.0.0.1:8025" in page.read_text(encoding="utf-8"):
        assert len(recorder.messages) > before, "the SMTP stand-in received nothing"


def toml_blocks() -> list[Block]:
    """Every toml block of README.md and docs/."""
    return [b for page in PAGES for b in blocks(page) if b.lang == "toml"]


@pytest.mark.parametrize("block", toml_blocks(), ids=lambda b: b.where)
def test_toml_snippets_parse_and_complete_ones_load(block, tmp_path):
    data = tomllib.loads(block.text)
    first = next(line for line in block.text.splitlines() if line.strip() and not line.startswith("#"))
    if first.startswith("[") and "curation" not in block.page.name:
        (tmp_path / "digest.toml").write_text(block.text, encoding="utf-8")
        resolve(environ={}, cwd=tmp_path)
    assert data


def test_cron_lines_have_five_fields_and_a_command_bash_accepts():
    lines = [
        (b, line)
        for page in PAGES
        for b in blocks(page)
        if b.lang == "cron"
        for line in b.text.splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^[A-Z_]+=", line)
    ]
    assert lines
    for block, line in lines:
        fields = line.split(None, 5)
        assert len(fields) == 6, f"{block.where}: {line}"
        assert "%" not in fields[5].replace("\\%", ""), f"{block.where}: a bare % ends a cron command"
        check = subprocess.run(
            ["bash", "-n", "-c", fields[5].replace("\\%", "%")], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, f"{block.where}: {check.stderr}"
