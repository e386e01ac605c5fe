"""`digest preview`: serve the current issue on 127.0.0.1 and rebuild it when its inputs change.

The page polls /state about once a second; each poll compares the modification times of the
curation file, the configuration and the templates with those of the last build and rebuilds
when one changed, so the page reloads itself after the editor saves. A rebuild re-composes the
articles already collected; the sources are read again only when the settings changed.
"""

from __future__ import annotations

import html
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from digest.config import Settings
from digest.errors import DigestError
from digest.issue_store import IssueStore
from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.render import builtin_template_dir, environment
from digest.summarize import summary_counts_line

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
PAGE_TEMPLATE = "archive/preview.html"
PREVIEW_NAME = "Reader"  # stands in for the recipient's name
PREVIEW_UNSUBSCRIBE = "#unsubscribe-link"
MOBILE_WIDTH = 375  # px: a typical phone


@dataclass(frozen=True)
class Snapshot:
    """The last build the preview shows: its output, or the error that stopped the latest build."""

    version: int = 0
    issue_id: str = ""
    html: str = ""
    text: str = ""
    warnings: tuple[str, ...] = ()
    error: str = ""
    built_at: str = ""
    summaries: str = ""  # "Summaries: 9 from the model, 2 fallback (model failed)", what the editor checks


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def stamp(paths: list[Path]) -> tuple[tuple[str, int | None, int | None], ...]:
    """What the watched files look like now: (path, mtime_ns, size), Nones for a missing file."""
    out: list[tuple[str, int | None, int | None]] = []
    for path in paths:
        try:
            info = path.stat()
            out.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            out.append((str(path), None, None))
    return tuple(out)


class Preview:
    """Holds the latest build; re-composes when the curation file or templates change, re-collects on new settings."""

    def __init__(
        self,
        settings_factory: Callable[[], Settings],
        gather: Callable[[Settings], Any],
        build: Callable[[Settings, Any], Any],
    ):
        self._settings_factory = settings_factory
        self._gather = gather  # Settings -> Gathered (digest.pipeline.gather with its edges bound)
        self._build = build  # (Settings, Gathered) -> BuildResult (digest.pipeline.build_issue, bound)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._settings: Settings | None = None
        self._gathered: tuple[Settings, Any] | None = None  # what was collected, and under which settings
        self.snapshot = Snapshot()
        self.builds = 0
        self.collections = 0

    def watched(self) -> list[Path]:
        """The files whose change triggers a rebuild."""
        settings = self._settings
        paths: list[Path] = []
        if settings is not None:
            if settings.config_path:
                paths.append(Path(settings.config_path))
            if self.snapshot.issue_id:
                paths.append(IssueStore(settings.build.out).curation_path(self.snapshot.issue_id))
            if settings.build.templates:
                paths += _files_under(Path(settings.build.templates))
        paths += _files_under(builtin_template_dir())
        return paths

    def refresh(self) -> Snapshot:
        """Rebuild if a watched file changed since the last build (or nothing was built yet)."""
        with self._lock:
            if self._stamp is not None and stamp(self.watched()) == self._stamp:
                return self.snapshot
            self._rebuild()
            return self.snapshot

    def _rebuild(self) -> None:
        previous = self.snapshot
        version = previous.version + 1
        now = datetime.now(UTC).strftime("%H:%M:%S UTC")
        try:
            self._settings = settings = self._settings_factory()
            if self._gathered is None or self._gathered[0] != settings:
                # Only new settings (sources, window) need the sources again; a curation or template
                # change re-composes what was collected.
                self._gathered = None
                self._gathered = (settings, self._gather(settings))
                self.collections += 1
            result = self._build(settings, self._gathered[1])
        except DigestError as exc:
            # Keep showing the last good issue; the page shows the error above it.
            self.snapshot = Snapshot(version, previous.issue_id, previous.html, previous.text, (), str(exc), now)
            log.warning("preview: %s", exc)
        except Exception as exc:
            log.exception("preview: the build failed")
            message = f"the build failed unexpectedly ({type(exc).__name__}: {exc}); details are in the log"
            self.snapshot = Snapshot(version, previous.issue_id, previous.html, previous.text, (), message, now)
        else:
            self.snapshot = Snapshot(
                version,
                result.issue.id,
                result.rendered.html,
                result.rendered.text,
                tuple(result.warnings),
                "",
                now,
                summary_counts_line(result.issue),
            )
        self.builds += 1
        # Stamped after the build, so the files the build itself writes do not trigger another one.
        self._stamp = stamp(self.watched())

    def state(self) -> dict:
        """The JSON the page polls: version, issue, error and warnings."""
        snap = self.refresh()
        return {
            "version": snap.version,
            "issue": snap.issue_id,
            "error": snap.error,
            "warnings": list(snap.warnings),
            "built_at": snap.built_at,
            "summaries": snap.summaries,
        }

    def page(self, view: str = "desktop") -> str:
        """The preview page: the HTML in a 375 px or desktop-wide frame beside the plain text."""
        snap = self.refresh()
        template_dir = self._settings.build.templates if self._settings else None
        try:
            env = environment(template_dir)
        except DigestError:
            env = environment(None)  # a missing template folder is reported as the build's error
        return env.get_template(PAGE_TEMPLATE).render(
            snap=snap,
            text=_sample_values(snap.text),
            view="mobile" if view == "mobile" else "desktop",
            mobile_width=MOBILE_WIDTH,
        )

    def email_html(self) -> str:
        """The issue's HTML as a recipient sees it, with sample per-recipient values."""
        snap = self.refresh()
        return _sample_values(snap.html or f"<p>{html.escape(snap.error or 'Nothing built yet.')}</p>")

    def email_text(self) -> str:
        """The plain-text twin with sample per-recipient values."""
        return _sample_values(self.refresh().text)


def _sample_values(body: str) -> str:
    """Fill the per-recipient placeholders the way the sender would, with sample values."""
    return body.replace(UNSUBSCRIBE_PLACEHOLDER, PREVIEW_UNSUBSCRIBE).replace(RECIPIENT_NAME_PLACEHOLDER, PREVIEW_NAME)


class _Handler(BaseHTTPRequestHandler):
    preview: Preview  # set on the subclass made by make_server

    def do_GET(self) -> None:
        """Serve the page, the issue's HTML and text, and the polling state."""
        url = urlsplit(self.path)
        route, view = url.path, parse_qs(url.query).get("view", ["desktop"])[0]
        routes = {
            "/": ("text/html; charset=utf-8", lambda: self.preview.page(view)),
            "/issue.html": ("text/html; charset=utf-8", self.preview.email_html),
            "/issue.txt": ("text/plain; charset=utf-8", self.preview.email_text),
            "/state": ("application/json", lambda: json.dumps(self.preview.state())),
        }
        if route not in routes:
            self._send(404, "text/plain; charset=utf-8", "not found\n")
            return
        content_type, produce = routes[route]
        self._send(200, content_type, produce())

    def _send(self, status: int, content_type: str, body: str) -> None:
        data = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away (a reload or a closed tab)

    def log_message(self, format: str, *args: object) -> None:
        """Requests go to the debug log, not to the editor's terminal."""
        log.debug("preview: " + format, *args)


def make_server(preview: Preview, port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server for the preview on 127.0.0.1 (port 0 picks a free port)."""
    handler = type("PreviewHandler", (_Handler,), {"preview": preview})
    try:
        server = ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise DigestError(f"cannot listen on {HOST}:{port} ({exc.strerror or exc}); choose another --port") from None
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    """The preview's address, e.g. http://127.0.0.1:8000/."""
    host, port = server.server_address[:2]
    return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}/"
