"""`digest serve`: RFC 8058 one-click unsubscribe, its confirmation page, and the issues archive.

Routes: POST /hooks/<provider> takes bounce and complaint webhooks (digest/webhooks/) when configured;
POST /u/TOKEN with body `List-Unsubscribe=One-Click` suppresses the address at once (200);
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
import os
import re
import time
import wsgiref.util
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import parse_qs

from digest.addresses import Subscriber
from digest.config import Settings
from digest.http_server import HttpServer, ServerLimits
from digest.issue_store import IssueStore
from digest.models import RECIPIENT_NAME_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER
from digest.signup import Signup, form_fields
from digest.subscribers import PAUSED, UNSUBSCRIBED, SubscriberStore
from digest.tokens import Secrets, verify_confirm_token, verify_token
from digest.transport import make_transport

log = logging.getLogger(__name__)

StartResponse = Callable[..., object]
_ISSUE_PAGE = re.compile(r"^/(?:web/)?([0-9A-Za-z][0-9A-Za-z_-]{0,63})(?:\.html)?$")
_MAX_BODY = 4096
_MAX_FORM = 8192
PAUSE_DAYS = 30
_TOKEN_PATH = re.compile(r"^(/(?:u|confirm|pause)/)[^/?]+")
_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
_ISSUE_CSP = (
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https:; frame-ancestors 'none'"
)
_BASE_HEADERS = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]


def read_inside(root: Path, name: str) -> bytes | None:
    """The bytes of regular file `name` under `root`, or None; a symlink leading out of root is refused."""
    try:
        base = root.resolve(strict=True)
        target = (root / name).resolve(strict=True)
        if not target.is_relative_to(base) or not target.is_file():
            return None
        return target.read_bytes()
    except (OSError, RuntimeError):
        return None


def _read_body(environ: dict, limit: int) -> bytes:
    try:
        length = min(int(environ.get("CONTENT_LENGTH") or 0), limit)
    except ValueError:
        length = 0
    return environ["wsgi.input"].read(length) if length > 0 else b""


def signup_form(action: str, button: str) -> str:
    """The signup form's markup; `action` is the /subscribe URL (absolute when embedded elsewhere)."""
    return (
        f'<form method="post" action="{html.escape(action, quote=True)}">'
        '<label>Email <input type="email" name="email" required autocomplete="email"></label> '
        '<label>Name <input type="text" name="name" autocomplete="name"></label>'
        # The honeypot: hidden from people (and from screen readers), filled in by bots.
        '<div style="position:absolute;left:-5000px" aria-hidden="true">'
        '<input type="text" name="website" tabindex="-1" autocomplete="off"></div> '
        f'<button type="submit">{html.escape(button)}</button></form>'
    )


def _page(title: str, body: str, lang: str = "en", direction: str = "ltr") -> bytes:
    return (
        f'<!doctype html><html lang="{html.escape(lang)}" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;"
        "margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}"
        f"</style></head><body>{body}</body></html>"
    ).encode()


def _body(part: Message) -> bytes:
    """A form field's decoded value; empty for a part without one (a nested multipart)."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def is_one_click(content_type: str, body: bytes) -> bool:
    """True when a POST body carries List-Unsubscribe=One-Click, form-urlencoded or multipart (RFC 8058)."""
    if content_type.lower().startswith("multipart/form-data"):
        # RFC 8058 recommends multipart/form-data; the email parser reads it without a web framework.
        head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
        form = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        if not form.is_multipart():
            return False
        return any(
            part.get_param("name", header="content-disposition") == "List-Unsubscribe"
            and _body(part).strip() == b"One-Click"
            for part in form.iter_parts()
        )
    return parse_qs(body.decode("utf-8", "replace")).get("List-Unsubscribe") == ["One-Click"]


class ArchiveApp:
    """The WSGI application; one instance serves every request (it keeps no per-request state)."""

    def __init__(
        self,
        settings: Settings,
        secret: Secrets,
        store: SubscriberStore | None = None,
        environ: Mapping[str, str] | None = None,
    ):
        self.settings = settings
        # Signing uses the first secret; every one of them verifies (rotation, see digest.tokens).
        self.secrets = [secret] if isinstance(secret, bytes) else list(secret)
        self.secret = self.secrets[0]
        self.store = store or SubscriberStore.in_state_dir(settings.build.state_dir)
        self.name = settings.newsletter.name
        self.labels = settings.labels
        self.signup: Signup | None = None
        # Imported here: the webhook modules load `cryptography`, which only a serving process needs.
        from digest.webhooks import Webhooks

        self.webhooks = Webhooks(settings, self.store)
        if settings.signup.enabled:
            env = dict(os.environ if environ is None else environ)
            send = settings.send
            self.signup = Signup(
                settings,
                self.secrets,
                self.store,
                lambda: make_transport(
                    send.smtp, Path(send.outbox) / "confirmations", env, api=send.api, api_endpoint=send.api_endpoint
                ),
            )

    def page(self, title: str, body: str) -> bytes:
        """A small page in the newsletter's language and direction."""
        from digest.normalize import text_direction

        language = self.settings.newsletter.language
        return _page(title, body, language, text_direction(language))

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "/") or "/"
        status, headers, body = self.route(method, path, environ)
        # Tokens are cut out of the logged path: they are as good as the address they carry.
        log.info(
            "%s %s %s %s",
            environ.get("REMOTE_ADDR", "-"),
            method,
            _TOKEN_PATH.sub(r"\1…", path),
            status.split(" ", 1)[0],
        )
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
        if path.startswith("/pause/"):
            return self.pause(path[7:], environ) if method == "POST" else self._not_allowed("POST")
        if self.webhooks.handles(path):
            return self.webhook(method, path, environ)
        if path == "/subscribe" and self.signup is not None:
            if method == "POST":
                return self.subscribe(environ)
            return self.subscribe_form() if read else self._not_allowed("GET, HEAD, POST")
        if path.startswith("/confirm/") and self.signup is not None:
            if method == "POST":
                return self.confirmed(path[9:])
            return self.confirm_page(path[9:]) if read else self._not_allowed("GET, HEAD, POST")
        if not read:
            return self._not_allowed("GET, HEAD")
        if path in ("/", "/index.html"):
            return self.index()
        if path == "/feed.xml":
            return self.feed()
        if path == "/unsubscribe":
            words = self.labels
            return self._html(
                "200 OK",
                self.page(
                    words.unsubscribe,
                    f"<h1>{html.escape(words.unsubscribe)}</h1><p>{html.escape(words.unsubscribe_help)}</p>",
                ),
            )
        match = _ISSUE_PAGE.match(path)
        if match:
            return self.issue(match.group(1))
        return self._not_found()

    def _not_found(self) -> tuple[str, list[tuple[str, str]], bytes]:
        words = html.escape(self.labels.not_found)
        return self._html("404 Not Found", self.page(self.labels.not_found, f"<h1>{words}</h1>"))

    def _html(
        self, status: str, body: bytes, csp: str = _PAGE_CSP, extra: list[tuple[str, str]] | None = None
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        return (
            status,
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Security-Policy", csp), *(extra or [])],
            body,
        )

    def _not_allowed(self, allow: str) -> tuple[str, list[tuple[str, str]], bytes]:
        words = self.labels.not_allowed
        return self._html(
            "405 Method Not Allowed", self.page(words, f"<h1>{html.escape(words)}</h1>"), extra=[("Allow", allow)]
        )

    def _invalid(self) -> tuple[str, list[tuple[str, str]], bytes]:
        # One fixed answer for every bad token: no hint whether the address or the signature was wrong.
        words = html.escape(self.labels.invalid_link)
        return self._html(
            "400 Bad Request",
            self.page(self.labels.invalid_link, f"<h1>{words}</h1>"),
            extra=[("Cache-Control", "no-store")],
        )

    def confirm(self, token: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """The confirmation page: one button that POSTs the one-click body to the same URL."""
        address = verify_token(token, self.secrets)
        if address is None:
            return self._invalid()
        words = self.labels
        body = (
            f"<h1>{html.escape(words.unsubscribe_question.format(name=self.name))}</h1>"
            f"<p>{html.escape(words.unsubscribe_effect.format(address=address))}</p>"
            f'<form method="post" action="{html.escape(token, quote=True)}">'  # relative: fine behind a prefix
            '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
            f'<button type="submit">{html.escape(words.unsubscribe)}</button></form>'
            # Pausing instead: one click too (relative to /u/TOKEN, so fine behind a prefix).
            f'<form method="post" action="../pause/{html.escape(token, quote=True)}">'
            f'<button type="submit">{html.escape(words.pause)}</button></form>'
        )
        return self._html("200 OK", self.page(words.unsubscribe, body), extra=[("Cache-Control", "no-store")])

    def pause(self, token: str, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """POST /pause/TOKEN (the unsubscribe token): no issues for PAUSE_DAYS days, then mail resumes."""
        address = verify_token(token, self.secrets)
        _read_body(environ, _MAX_BODY)
        if address is None:
            return self._invalid()
        until = datetime.now(UTC) + timedelta(days=PAUSE_DAYS)
        if not self.store.set_status(address, PAUSED, "pause-link", paused_until=until):
            # Not on the stored list (a CSV list): record the pause so it holds there too.
            self.store.add(Subscriber(address), status=PAUSED, source="pause-link")
            self.store.set_status(address, PAUSED, "pause-link", paused_until=until)
        text = self.settings.labels.paused.format(date=until.date().isoformat())
        return self._html(
            "200 OK",
            self.page(self.settings.labels.pause, f"<h1>{html.escape(text)}</h1>"),
            extra=[("Cache-Control", "no-store")],
        )

    def subscribe_form(self, note: str = "") -> tuple[str, list[tuple[str, str]], bytes]:
        """The signup form (the same markup as the embeddable snippet in docs/subscribers.md)."""
        return self._html(
            "200 OK",
            self.page(
                self.settings.labels.subscribe,
                f"<h1>{html.escape(self.name)}</h1>" + note + signup_form("subscribe", self.settings.labels.subscribe),
            ),
        )

    def subscribe(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """A signup request, as a form post (an HTML answer) or a JSON object (a JSON answer)."""
        assert self.signup is not None
        raw = _read_body(environ, _MAX_FORM)
        wants_json = environ.get("CONTENT_TYPE", "").lower().startswith("application/json")
        email_, name, honeypot = form_fields(raw, wants_json)
        result = self.signup.request(email_, name, honeypot, environ.get("REMOTE_ADDR", ""), self._base(environ))
        status = {"accepted": "202 Accepted", "invalid": "400 Bad Request", "limited": "429 Too Many Requests"}
        text = {
            "accepted": self.settings.labels.check_inbox,
            "invalid": self.settings.labels.invalid_address.format(detail=result.detail),
            "limited": self.settings.labels.too_many_requests,
        }[result.outcome]
        extra = [("Cache-Control", "no-store")] + ([("Retry-After", "3600")] if result.outcome == "limited" else [])
        if wants_json:
            body = json.dumps({"status": result.outcome, "message": text}).encode("utf-8")
            return status[result.outcome], [("Content-Type", "application/json"), *extra], body
        note = f'<p role="status">{html.escape(text)}</p>'
        page = self.page(self.settings.labels.subscribe, f"<h1>{html.escape(self.name)}</h1>{note}")
        return self._html(status[result.outcome], page, extra=extra)

    def _base(self, environ: dict) -> str:
        if self.settings.send.unsubscribe_url:
            return self.settings.send.unsubscribe_url
        return wsgiref.util.application_uri(environ)

    def confirm_page(self, token: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """GET /confirm/TOKEN: a button that POSTs (a link scanner's GET confirms nothing)."""
        assert self.signup is not None
        if verify_confirm_token(token, self.secrets, time.time()) is None:
            return self._invalid()
        labels = self.settings.labels
        body = (
            f"<h1>{html.escape(labels.confirm_subject.format(name=self.name))}</h1>"
            f'<form method="post" action="{html.escape(token, quote=True)}">'
            f'<button type="submit">{html.escape(labels.confirm_button)}</button></form>'
        )
        return self._html("200 OK", self.page(labels.confirm_button, body), extra=[("Cache-Control", "no-store")])

    def confirmed(self, token: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """POST /confirm/TOKEN: the address becomes active; a link to the latest issue follows."""
        assert self.signup is not None
        if self.signup.confirm(token) is None:
            return self._invalid()
        labels = self.settings.labels
        latest = self._listed()[:1]
        link = ""
        if latest:
            web = self.settings.newsletter.web_url.rstrip("/")
            href = (
                f"{web}/{latest[0][0]}.html"
                if web.startswith(("https://", "http://"))
                else f"../web/{latest[0][0]}.html"
            )
            link = f'<p><a href="{html.escape(href, quote=True)}">{html.escape(labels.latest_issue)}</a></p>'
        body = f"<h1>{html.escape(labels.confirmed.format(name=self.name))}</h1>{link}"
        return self._html(
            "200 OK", self.page(labels.confirmed.format(name=self.name), body), extra=[("Cache-Control", "no-store")]
        )

    def unsubscribe(self, token: str, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """RFC 8058 one-click: suppress the address at once and answer 200."""
        address = verify_token(token, self.secrets)
        raw = _read_body(environ, _MAX_BODY)
        if address is None or not is_one_click(environ.get("CONTENT_TYPE", ""), raw):
            return self._invalid()
        if self.store.suppress(address, UNSUBSCRIBED, "one-click"):
            log.info("unsubscribed one address")
        words = self.labels
        body = (
            f"<h1>{html.escape(words.unsubscribed)}</h1>"
            f"<p>{html.escape(words.unsubscribe_effect.format(address=address))}</p>"
        )
        return self._html("200 OK", self.page(words.unsubscribed, body), extra=[("Cache-Control", "no-store")])

    def webhook(self, method: str, path: str, environ: dict) -> tuple[str, list[tuple[str, str]], bytes]:
        """POST /hooks/<provider>: a bounce or complaint report, authenticated by the provider's module."""
        from digest.webhooks import HookRequest, request_headers

        if method != "POST":
            return self._not_allowed("POST")
        body = _read_body(environ, self.settings.serve.max_body)
        return self.webhooks.handle(path, HookRequest(request_headers(environ), body, time.time()))

    def _listed(self) -> list[tuple[str, str, str]]:
        """(id, title, preheader) of every built issue, newest first (unreadable files are left out)."""
        found, _ = IssueStore(Path(self.settings.build.out)).records()
        return [
            (s.record.id, s.record.title or s.record.id, s.record.preheader)
            for s in found
            if s.path.with_suffix(".html").exists()
        ]

    def feed(self) -> tuple[str, list[tuple[str, str]], bytes]:
        """The archive's Atom feed, as the build wrote it."""
        body = read_inside(Path(self.settings.build.out), "feed.xml")
        if body is None:
            return self._not_found()
        return "200 OK", [("Content-Type", "application/atom+xml; charset=utf-8")], body

    def index(self) -> tuple[str, list[tuple[str, str]], bytes]:
        """The archive's index.html as built, or a plain list of the built issues, newest first."""
        built = read_inside(Path(self.settings.build.out), "index.html")
        if built is not None:
            return self._html("200 OK", built, csp=_ISSUE_CSP)
        items = "".join(
            f'<li><a href="web/{html.escape(issue_id)}.html">{html.escape(title)}</a>'
            f"<br><small>{html.escape(preheader)}</small></li>"
            for issue_id, title, preheader in self._listed()
        )
        empty = f"<p>{html.escape(self.labels.no_issues)}</p>"
        body = f"<h1>{html.escape(self.name)}</h1>" + (f"<ul>{items}</ul>" if items else empty)
        return self._html("200 OK", self.page(self.name, body))

    def issue(self, issue_id: str) -> tuple[str, list[tuple[str, str]], bytes]:
        """The issue's web version; failing that, the email with its per-recipient parts neutralized."""
        out = Path(self.settings.build.out)
        web = read_inside(out / "web", f"{issue_id}.html")
        if web is not None:
            return self._html("200 OK", web, csp=_ISSUE_CSP)
        try:
            text = (read_inside(out, f"{issue_id}.html") or b"").decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        if not text:
            return self._not_found()
        unsubscribe = self.settings.send.unsubscribe_url.rstrip("/") + "/unsubscribe"
        text = text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(RECIPIENT_NAME_PLACEHOLDER, "")
        return self._html("200 OK", text.encode("utf-8"), csp=_ISSUE_CSP)


def limits_from(settings: Settings) -> ServerLimits:
    """The server's limits from the [serve] settings."""
    return ServerLimits(
        threads=settings.serve.threads,
        timeout=settings.serve.timeout,
        max_body=settings.serve.max_body,
        backlog=settings.serve.backlog,
        connection_limit=settings.serve.connection_limit,
        trusted_proxy=settings.serve.trusted_proxy,
    )


def make_http_server(
    settings: Settings, secret: Secrets, host: str, port: int, environ: Mapping[str, str] | None = None
) -> HttpServer:
    """A ready (bound) server; port 0 picks a free port (see server.server_port)."""
    return HttpServer(ArchiveApp(settings, secret, environ=environ), host, port, limits_from(settings))
