"""Real SMTP servers for the tests: aiosmtpd on 127.0.0.1 with an ephemeral port.

`Recorder` keeps every accepted message. It can answer chosen recipients with scripted replies
(421, 451, 550, ...), drop the connection at chosen RCPT commands, wait before answering DATA
(a slow server, so a test can kill a sender mid-run), and check AUTH logins.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    """One accepted message."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def parsed(self) -> email.message.EmailMessage:
        """The message parsed with the modern policy."""
        return email.message_from_bytes(self.data, policy=email.policy.default)


class Recorder:
    """An aiosmtpd handler that records messages and misbehaves on request."""

    def __init__(
        self,
        replies: dict[str, list[str]] | None = None,
        drop_on_rcpt: set[int] | None = None,
        delay: float = 0.0,
        logins: dict[str, str] | None = None,
        hold_at: int = 0,
        refuse_hello: str | None = None,
        refuse_after: int = 0,
    ):
        self.replies = defaultdict(deque, {k.lower(): deque(v) for k, v in (replies or {}).items()})
        self.drop_on_rcpt = set(drop_on_rcpt or ())
        self.delay = delay
        self.hold_at = hold_at  # store message number hold_at, then answer only after release()
        self.released = threading.Event()
        self.logins = logins or {}
        # Answer EHLO and HELO with this reply once `refuse_after` RCPTs were seen (a server that
        # starts refusing new sessions mid-run); set it to None to let sessions in again.
        self.refuse_hello = refuse_hello
        self.refuse_after = refuse_after
        self.ehlos = 0  # sessions that said EHLO (one per connection without STARTTLS)
        self.seen_logins: list[tuple[str, str]] = []
        self.messages: list[Received] = []
        self.rcpt_count = 0
        self.peers: set = set()  # distinct client connections seen at RCPT
        self.lock = threading.Lock()

    def _refusal(self, ehlo: bool = False) -> str | None:
        with self.lock:
            self.ehlos += ehlo
            return self.refuse_hello if self.refuse_hello and self.rcpt_count >= self.refuse_after else None

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """Greet as aiosmtpd does, or refuse the session."""
        refusal = self._refusal(ehlo=True)
        if refusal:
            return [refusal]
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        """Greet as aiosmtpd does, or refuse the session."""
        refusal = self._refusal()
        if refusal:
            return refusal
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Answer from the recipient's script, drop the connection, or accept."""
        with self.lock:
            self.rcpt_count += 1
            self.peers.add(session.peer)
            drop = self.rcpt_count in self.drop_on_rcpt
            script = self.replies.get(address.lower())
            reply = script.popleft() if script else None
        if drop:
            server.transport.abort()  # the connection vanishes without an answer
            return "250 OK"  # never reaches the client
        if reply:
            if reply.startswith("421"):
                asyncio.get_running_loop().call_soon(server.transport.close)
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Record the message (after the optional delay) and accept it."""
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            hold = len(self.messages) == self.hold_at
        if hold:  # until the test calls release() (or, in practice, kills the client)
            while not self.released.is_set():
                await asyncio.sleep(0.01)
        return "250 2.0.0 Ok: queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        """Accept exactly the configured user/password pairs."""
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            self.seen_logins.append((user, password))
            return AuthResult(success=self.logins.get(user) == password, handled=False)
        return AuthResult(success=False, handled=False)

    def release(self) -> None:
        """Let a held message get its answer."""
        self.released.set()

    def recipients(self) -> Counter:
        """How many messages each recipient received."""
        with self.lock:
            return Counter(r.lower() for m in self.messages for r in m.rcpt_tos)

    def wait_for(self, count: int, timeout: float = 20.0) -> bool:
        """Wait until at least `count` messages arrived."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.messages) >= count:
                    return True
            time.sleep(0.02)
        return False


class LocalController(Controller):
    """aiosmtpd's Controller on 127.0.0.1 with a port chosen by the kernel."""

    def __init__(self, handler: Recorder, **kwargs):
        if handler.logins:
            kwargs.setdefault("authenticator", handler.authenticate)
            kwargs.setdefault("auth_require_tls", False)
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self):
        # The base class connects to self.port to warm up; learn the real port first.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

    @property
    def url(self) -> str:
        """smtp://127.0.0.1:PORT for --smtp."""
        return f"smtp://127.0.0.1:{self.port}"


def start(handler: Recorder, **kwargs) -> LocalController:
    """Start a server in its own thread and return its controller (call .stop() when done)."""
    controller = LocalController(handler, **kwargs)
    controller.start()
    return controller


# --- A built issue on disk, as `digest build` writes it (for tests that only send). --------

ISSUE_ID = "2026-W47"


def write_issue(
    out, issue_id: str = ISSUE_ID, lead: str | None = "Grid operator trials sensors", subject: str | None = None
) -> None:
    """Write <out>/<id>.html/.txt/.json with both per-recipient placeholders in HTML and text."""
    import json

    from digest.models import RECIPIENT_NAME_PLACEHOLDER as NAME
    from digest.models import UNSUBSCRIBE_PLACEHOLDER as UNSUB

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    html = (
        "<!doctype html><html><body><p>Hello "
        + NAME
        + ", caf\u00e9 \u201cweekly\u201d</p>"
        + '<p style="color:#1f2328">Story</p>' * 40
        + f'<p><a href="{UNSUB}">Unsubscribe</a></p></body></html>\n'
    )
    text = f"Hello {NAME},\ncaf\u00e9 weekly\n\nUnsubscribe: {UNSUB}\n"
    manifest = {
        "version": 1,
        "id": issue_id,
        "week": {
            "id": issue_id,
            "start": "2026-11-16T00:00:00+00:00",
            "end": "2026-11-23T00:00:00+00:00",
            "timezone": "UTC",
        },
        "title": f"The Circuit Weekly \u00b7 {issue_id}",
        "subject": subject,
        "preheader": "The week in short",
        "newsletter": {"name": "The Circuit Weekly"},
        "lead": {"id": "a1", "title": lead} if lead else None,
        "articles": [],
        "sources": [],
    }
    (out / f"{issue_id}.html").write_text(html, encoding="utf-8")
    (out / f"{issue_id}.txt").write_text(text, encoding="utf-8")
    (out / f"{issue_id}.json").write_text(json.dumps(manifest), encoding="utf-8")


def write_config(tmp, **send) -> Path:
    """A digest.toml in tmp with out/state_dir/outbox inside tmp and the given [send] settings."""
    tmp = Path(tmp)
    lines = [
        "[newsletter]",
        'sender = "The Circuit Weekly <digest@example.com>"',
        'reply_to = "editor@example.com"',
        "[build]",
        f'out = "{tmp / "issues"}"',
        f'state_dir = "{tmp / "state"}"',
        "[send]",
        f'outbox = "{tmp / "outbox"}"',
    ]
    for key, value in send.items():
        lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    path = tmp / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_csv(path, rows) -> Path:
    """A subscribers CSV with email,name columns."""
    path = Path(path)
    path.write_text("email,name\n" + "".join(f"{e},{n}\n" for e, n in rows), encoding="utf-8")
    return path
