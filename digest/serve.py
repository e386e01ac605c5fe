"""`digest serve`: RFC 8058 one-click unsubscribe, its confirmation page, and the issues archive.

Routes: POST /u/TOKEN with body `List-Unsubscribe=One-Click` suppresses the address at once (200);
GET /u/TOKEN shows a page whose button makes that same POST. The archive the build writes is
served as it is: GET / (index.html), /feed.xml and /web/<id>.html ("view in browser"; /<id>.html
too). A bad token gets the same short 400 whatever is wrong with it, so the answer reveals
nothing about addresses or the secret.
"""

from __future__ import annotations

import email.policy
import html
import json
import logging
import re
import socketserver
from collections.abc import Callable, Iterable
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from digest.config import Settings
from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.subscribers import UNSUBSCRIBED, SubscriberStore
from digest.tokens import verify_token

log = logging.getLogger(__name__)

StartResponse = Callable[..., object]
_ISSUE_PAGE = re.compile(r"^/(?:web/)?([0-9A-Za-z][0-9A-Za-z_-]{0,63})(?:\.html)?$")
_MAX_BODY = 4096
_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
_ISSUE_CSP = "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https:; frame-ancestors 'none'"
_BASE_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
INVALID_LINK = "This link is not valid."


def _page(title: str, body: str, lang: str = "en", direction: str = "ltr") -> bytes:
    return (f'<!doctype html><html lang="{html.escape(lang)}" dir="{direction}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="robots" content="noindex">'
            f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;"
            "margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}"
            f"</style></head><body>{body}</body></html>").encode("utf-8")


def is_one_click(content_type: str, body: bytes) -> bool:
    """True when a POST body carries List-Unsubscribe=One-Click, form-urlencoded or multipart (RFC 8058)."""
    if content_type.lower().startswith("multipart/form-data"):
        # RFC 8058 recommends multipart/form-data; the email parser reads it without a web framework.
        head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
        form = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        if not form.is_multipart():
            return False
        return any(part.get_param("name", header="content-disposition") == "List-Unsubscribe"
                   and part.get_payload(decode=True).strip() == b"One-Click" for part in form.iter_parts())
    return parse_qs(body.decode("utf-8", "replace")).get("List-Unsubscribe") == ["One-Click"]


class ArchiveApp:
    """The WSGI application; one instance serves every request (it keeps no per-request state)."""

    def __init__(self, settings: Settings, secret: bytes, store: SubscriberStore | None = None):
        self.settings = settings
        self.secret = secret
        self.store = store or SubscriberStore.in_state_dir(settings.state_dir)
        self.name = settings.name
        self.labels = settings.labels

    def page(self, title: str, body: str) -> bytes:
        """A small page in the newsletter's language and direction."""
        from digest.normalize import text_direction

        language = self.settings.language
        return _page(title, body, language, text_direction(language))

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "/") or "/"
        status, headers, body = self.route(method, path, environ)
        headers = _BASE_HEADERS + headers + [("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [b"" if method == "HEAD" else body]

    def route(self, method: str, path: str, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """(status, headers, body) for one request."""
        read = method in ("GET", "HEAD")
        if path.startswith("/u/"):
            if method == "POST":
                return self.unsubscribe(path[3:], environ)
            return self.confirm(path[3:]) if read else self._not_allowed("GET, HEAD, POST")
        if not read:
            return self._not_allowed("GET, HEAD")
        if path in ("/", "/index.html"):
            return self.index()
        if path == "/feed.xml":
            return self.feed()
        if path == "/unsubscribe":
            words = self.labels
            return self._html("200 OK", self.page(words.unsubscribe, f"<h1>{html.escape(words.unsubscribe)}</h1>"
                                                  f"<p>{html.escape(words.unsubscribe_help)}</p>"))
        match = _ISSUE_PAGE.match(path)
        if match:
            return self.issue(match.group(1))
        return self._not_found()

    def _not_found(self) -> tuple[str, list[tuple[str, str]], bytes]:
        words = html.escape(self.labels.not_found)
        return self._html("404 Not Found", self.page(self.labels.not_found, f"<h1>{words}</h1>"))

    def _html(self, status: str, body: bytes, csp: str = _PAGE_CSP,
              extra: list[tuple[str, str]] | None = None) -> tuple[str, list[tuple[str, str]], bytes]:
        return status, [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", csp),
                        *(extra or [])], body

    def _not_allowed(self, allow: str) -> tuple[str, list[tuple[str, str]], bytes]:
        return self._html("405 Method Not Allowed", _page("Not allowed", "<h1>Method not allowed</h1>"),
                          extra=[("Allow", allow)])

    def _invalid(self) -> tuple[str, list[tuple[str, str]], bytes]:
        # One fixed answer for every bad token: no hint whether the address or the signature was wrong.
        words = html.escape(self.labels.invalid_link)
        return self._html("400 Bad Request", self.page(self.labels.invalid_link, f"<h1>{words}</h1>"),
                          extra=[("Cache-Control", "no-store")])

    def confirm(self, token: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """The confirmation page: one button that POSTs the one-click body to the same URL."""
        address = verify_token(token, self.secret)
        if address is None:
            return self._invalid()
        words = self.labels
        body = (f"<h1>{html.escape(words.unsubscribe_question.format(name=self.name))}</h1>"
                f"<p>{html.escape(words.unsubscribe_effect.format(address=address))}</p>"
                f'<form method="post" action="{html.escape(token, quote=True)}">'  # relative: fine behind a prefix
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                f'<button type="submit">{html.escape(words.unsubscribe)}</button></form>')
        return self._html("200 OK", self.page(words.unsubscribe, body), extra=[("Cache-Control", "no-store")])

    def unsubscribe(self, token: str, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """RFC 8058 one-click: suppress the address at once and answer 200."""
        address = verify_token(token, self.secret)
        try:
            length = min(int(environ.get("CONTENT_LENGTH") or 0), _MAX_BODY)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        if address is None or not is_one_click(environ.get("CONTENT_TYPE", ""), raw):
            return self._invalid()
        if self.store.suppress(address, UNSUBSCRIBED, "one-click"):
            log.info("unsubscribed one address")
        words = self.labels
        body = (f"<h1>{html.escape(words.unsubscribed)}</h1>"
                f"<p>{html.escape(words.unsubscribe_effect.format(address=address))}</p>")
        return self._html("200 OK", self.page(words.unsubscribed, body), extra=[("Cache-Control", "no-store")])

    def _manifests(self) -> list[dict]:
        out = []
        for path in sorted(Path(self.settings.out).glob("*.json"), reverse=True):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and path.with_suffix(".html").exists():
                out.append({"id": path.stem, "title": str(data.get("title") or path.stem),
                            "preheader": str(data.get("preheader") or "")})
        return out

    def feed(self) -> tuple[str, list[tuple[str, str]], bytes]:
        """The archive's Atom feed, as the build wrote it."""
        try:
            body = (Path(self.settings.out) / "feed.xml").read_bytes()
        except OSError:
            return self._not_found()
        return "200 OK", [("Content-Type", "application/atom+xml; charset=utf-8")], body

    def index(self) -> tuple[str, list[tuple[str, str]], bytes]:
        """The archive's index.html as built, or a plain list of the built issues, newest first."""
        try:
            return self._html("200 OK", (Path(self.settings.out) / "index.html").read_bytes(), csp=_ISSUE_CSP)
        except OSError:
            pass
        items = "".join(f'<li><a href="web/{html.escape(m["id"])}.html">{html.escape(m["title"])}</a>'
                        f'<br><small>{html.escape(m["preheader"])}</small></li>' for m in self._manifests())
        empty = f"<p>{html.escape(self.labels.no_issues)}</p>"
        body = f"<h1>{html.escape(self.name)}</h1>" + (f"<ul>{items}</ul>" if items else empty)
        return self._html("200 OK", self.page(self.name, body))

    def issue(self, issue_id: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """The issue's web version; failing that, the email with its per-recipient parts neutralized."""
        out = Path(self.settings.out)
        try:
            return self._html("200 OK", (out / "web" / f"{issue_id}.html").read_bytes(), csp=_ISSUE_CSP)
        except OSError:
            pass
        path = out / f"{issue_id}.html"
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return self._not_found()
        unsubscribe = self.settings.unsubscribe_url.rstrip("/") + "/unsubscribe"
        text = text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(RECIPIENT_NAME_PLACEHOLDER, "")
        return self._html("200 OK", text.encode("utf-8"), csp=_ISSUE_CSP)


class _QuietHandler(WSGIRequestHandler):
    """Request log through logging, with unsubscribe tokens cut out of the path."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        log.info("%s %s", self.address_string(), re.sub(r"/u/[^ ?]+", "/u/…", format % args))


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """wsgiref's server, one thread per request, so a slow client blocks nobody."""

    daemon_threads = True


def make_http_server(settings: Settings, secret: bytes, host: str, port: int) -> ThreadingWSGIServer:
    """A ready (bound) server; port 0 picks a free port (see server.server_port)."""
    return make_server(host, port, ArchiveApp(settings, secret), server_class=ThreadingWSGIServer,
                       handler_class=_QuietHandler)
