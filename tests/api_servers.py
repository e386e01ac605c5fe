"""Local stand-ins for the email APIs, speaking each one's documented request and answer shape.

`PostmarkServer` answers POST /email/batch (a JSON array of messages; one result per message with
ErrorCode/Message/MessageID/To). `MailgunServer` answers POST /v3/DOMAIN/messages (multipart form,
repeated `to`, `recipient-variables` substituted into body and headers as Mailgun does) and POST
/v3/DOMAIN/messages.mime (one complete message in the `message` field, kept as `mime`). Both check
the credential, record one message per recipient, and misbehave on request: `statuses` is a queue of
HTTP statuses for the next calls (429 with Retry-After, 500, 503), `errors` maps an address to a
per-recipient error, `hold_at` makes call number N wait until release() (so a test can kill the client
mid-call). `keep=False` only counts (for the benchmark).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter, deque
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Base:
    """Shared recording, scripted failures and the HTTP server thread."""

    def __init__(self, statuses=(), errors=None, hold_at: int = 0, keep: bool = True):
        self.statuses = deque(statuses)
        self.errors = {k.lower(): v for k, v in (errors or {}).items()}
        self.hold_at = hold_at
        self.keep = keep
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.calls = 0
        self.count = 0
        self.batch_sizes: list[int] = []
        self.messages: list[dict] = []  # one per accepted recipient: to, headers, text, html, ...
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                status, payload, extra = owner.handle(self.path, self.headers, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:  # the client was killed mid-call
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT, for send.api_endpoint."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> _Base:
        """Serve in a thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        """Let a held call answer."""
        self.released.set()

    def _scripted(self) -> tuple[int, bool]:
        with self.lock:
            self.calls += 1
            status = self.statuses.popleft() if self.statuses else 200
            return status, self.calls == self.hold_at

    def _hold(self) -> None:
        while not self.released.is_set():
            time.sleep(0.01)

    def _record(self, items: list[dict]) -> None:
        with self.lock:
            self.count += len(items)
            self.batch_sizes.append(len(items))
            if self.keep:
                self.messages.extend(items)

    def recipients(self) -> Counter:
        """How many messages each recipient received."""
        with self.lock:
            return Counter(m["to"].lower() for m in self.messages)

    def wait_for(self, calls: int, timeout: float = 20.0) -> bool:
        """Wait until at least `calls` calls arrived."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if self.calls >= calls:
                    return True
            time.sleep(0.02)
        return False


def _address(value: str) -> str:
    match = re.search(r"<([^>]+)>\s*$", value)
    return (match.group(1) if match else value).strip()


class PostmarkServer(_Base):
    """POST /email/batch with X-Postmark-Server-Token."""

    def __init__(self, token: str = "pm-token", **kw):
        super().__init__(**kw)
        self.token = token

    def handle(self, path, headers, body):
        """One call: the documented batch answer, or a scripted failure."""
        if path != "/email/batch":
            return 404, {"ErrorCode": 404, "Message": "not found"}, {}
        if headers.get("X-Postmark-Server-Token") != self.token:
            return (
                401,
                {
                    "ErrorCode": 10,
                    "Message": "The Server Token you provided in the "
                    "X-Postmark-Server-Token request header was invalid.",
                },
                {},
            )
        status, hold = self._scripted()
        if status == 429:
            return 429, {"ErrorCode": 429, "Message": "Rate limit exceeded"}, {"Retry-After": "0"}
        if status >= 500:
            return status, {"ErrorCode": 0, "Message": "internal error"}, {}
        messages = json.loads(body)
        if not isinstance(messages, list) or len(messages) > 500:
            return 422, {"ErrorCode": 300, "Message": "Provide between 1 and 500 messages"}, {}
        results, kept = [], []
        for m in messages:
            to = _address(m["To"])
            err = self.errors.get(to.lower())
            if err:
                results.append({"ErrorCode": err[0], "Message": err[1], "To": m["To"]})
                continue
            kept.append(
                {
                    "to": to,
                    "to_header": m["To"],
                    "from": m["From"],
                    "subject": m["Subject"],
                    "text": m["TextBody"],
                    "html": m["HtmlBody"],
                    "reply_to": m.get("ReplyTo"),
                    "headers": {h["Name"]: h["Value"] for h in m.get("Headers", [])},
                    "track_opens": m.get("TrackOpens"),
                    "track_links": m.get("TrackLinks"),
                    "stream": m.get("MessageStream"),
                }
                if self.keep
                else {"to": to}
            )
            results.append(
                {
                    "ErrorCode": 0,
                    "Message": "OK",
                    "MessageID": f"pm-{self.calls}-{len(results)}",
                    "To": m["To"],
                    "SubmittedAt": "2026-11-23T08:00:00Z",
                }
            )
        self._record(kept)  # stored first: a held call is one the client cannot know the fate of
        if hold:
            self._hold()
        return 200, results, {}


class MailgunServer(_Base):
    """POST /v3/DOMAIN/messages with HTTP basic auth api:KEY."""

    def __init__(self, domain: str = "mg.example.com", key: str = "mg-key", **kw):
        super().__init__(**kw)
        self.domain, self.key = domain, key

    def handle(self, path, headers, body):
        """One call: substitute recipient variables per recipient, or a scripted failure."""
        import base64

        if path not in (f"/v3/{self.domain}/messages", f"/v3/{self.domain}/messages.mime"):
            return 404, {"message": "Domain not found"}, {}
        if headers.get("Authorization") != "Basic " + base64.b64encode(f"api:{self.key}".encode()).decode():
            return 401, {"message": "Invalid private key"}, {}
        status, hold = self._scripted()
        if status == 429:
            return 429, {"message": "Too many requests"}, {"Retry-After": "0"}
        if status >= 500:
            return status, {"message": "internal error"}, {}
        form = _multipart(headers.get("Content-Type", ""), body)
        if path.endswith(".mime"):  # one complete message, sent as written to `to`
            self._record(
                [
                    {
                        "to": _address(form["to"][0]),
                        "mime": form["message"][0],
                        "options": {k: v[0] for k, v in form.items() if k.startswith("o:")},
                    }
                ]
            )
            return 200, {"id": f"<mg-{self.calls}@{self.domain}>", "message": "Queued. Thank you."}, {}
        variables = json.loads(form["recipient-variables"][0])
        tos = form["to"]
        for to in tos:
            if to and _address(to).lower() in self.errors:
                return 400, {"message": f"'to' parameter is not a valid address: {_address(to)}"}, {}
        kept = []
        for to in tos:
            address = _address(to)
            vars_ = variables[address]

            def sub(text: str, vars_: dict = vars_) -> str:
                return re.sub(r"%recipient\.(\w+)%", lambda m: str(vars_.get(m.group(1), "")), text)

            kept.append(
                {
                    "to": address,
                    "to_header": to,
                    "from": form["from"][0],
                    "subject": form["subject"][0],
                    "text": sub(form["text"][0]),
                    "html": sub(form["html"][0]),
                    "headers": {k[2:]: sub(v[0]) for k, v in form.items() if k.startswith("h:")},
                    "options": {k: v[0] for k, v in form.items() if k.startswith("o:")},
                }
                if self.keep
                else {"to": address}
            )
        self._record(kept)  # stored first: a held call is one the client cannot know the fate of
        if hold:
            self._hold()
        return 200, {"id": f"<mg-{self.calls}@{self.domain}>", "message": "Queued. Thank you."}, {}


def _multipart(content_type: str, body: bytes) -> dict[str, list[str]]:
    msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    form: dict[str, list[str]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        form.setdefault(name, []).append(part.get_payload(decode=True).decode("utf-8"))
    return form
