"""Where messages go: an SMTP relay (STARTTLS or implicit TLS, AUTH) or an outbox folder of .eml files.

Each transport opens connections; a connection sends one Envelope at a time and either returns
the server's acceptance or raises TemporaryFailure (4xx, retry later), PermanentFailure (5xx for
this recipient) or ConnectionLost (reconnect and retry). Problems no retry can fix (bad login,
rejected sender, TLS failure) raise SendError and stop the run.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from digest.errors import ConfigError, SendError
from digest.files import atomic_write
from digest.message import Envelope

log = logging.getLogger(__name__)

PASSWORD_ENV = "DIGEST_SMTP_PASSWORD"
HARD_BOUNCE_CODES = (550, 551, 553)


@dataclass(frozen=True)
class Reply:
    """The server's answer to a message it accepted."""

    code: int
    text: str


class DeliveryError(Exception):
    """A message was not accepted; the subclass says whether retrying can help."""

    def __init__(self, code: int, text: str):
        super().__init__(f"{code} {text}".strip())
        self.code = code
        self.text = text


class TemporaryFailure(DeliveryError):
    """A 4xx reply: try again later; the message was not delivered."""


class PermanentFailure(DeliveryError):
    """A 5xx reply for this recipient: retrying will not help."""

    @property
    def hard_bounce(self) -> bool:
        """True for 'no such user' replies (550/551/553 outside the 5.7.x policy class)."""
        return self.code in HARD_BOUNCE_CODES and not self.text.lstrip().startswith("5.7.")


class ConnectionLost(DeliveryError):
    """The connection dropped or timed out; the message's fate is unknown, so it is sent again."""

    def __init__(self, text: str):
        super().__init__(0, text)

    def __str__(self) -> str:
        return self.text


class Connection(Protocol):
    """One open channel to the transport."""

    def send(self, envelope: Envelope) -> Reply:
        """Transmit one message; return the acceptance or raise a DeliveryError."""

    def close(self) -> None:
        """Close the channel (never raises)."""


class Transport(Protocol):
    """A factory of connections with a human-readable description."""

    def connect(self) -> Connection:
        """Open a connection, or raise ConnectionLost / SendError."""

    def describe(self) -> str:
        """Where messages go, without credentials."""


def _decode(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)).replace("\n", " ")


def _classify(code: int, text: bytes | str) -> DeliveryError:
    message = _decode(text)
    if 400 <= code < 500:
        return TemporaryFailure(code, message)
    if code >= 500:
        return PermanentFailure(code, message)
    return ConnectionLost(f"unexpected reply {code} {message}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SMTPConnection:
    """A logged-in smtplib session reused for many messages."""

    def __init__(self, smtp: smtplib.SMTP, where: str):
        self.smtp = smtp
        self.where = where

    def send(self, envelope: Envelope) -> Reply:
        """Transmit one message with one RCPT, mapping every smtplib failure to a DeliveryError."""
        try:
            refused = self.smtp.sendmail(envelope.sender, [envelope.recipient], envelope.data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = exc.recipients.get(envelope.recipient, (554, b"recipient refused"))
            raise _classify(code, text) from None
        except smtplib.SMTPSenderRefused as exc:
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(exc.smtp_code, _decode(exc.smtp_error)) from None
            raise SendError(
                f"{self.where} refused the sender {envelope.sender} "
                f"({exc.smtp_code} {_decode(exc.smtp_error)}); check newsletter.sender"
            ) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise ConnectionLost(f"connection closed ({exc})") from None
        except smtplib.SMTPResponseException as exc:  # SMTPDataError and others carry a code
            raise _classify(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionLost(f"{exc.__class__.__name__}: {exc}") from None
        if refused:  # cannot happen with a single recipient, but never mark a refusal as sent
            code, text = refused[envelope.recipient]
            raise _classify(code, text)
        return Reply(250, "accepted")

    def close(self) -> None:
        """Say QUIT if the server still listens, then close the socket."""
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()


class SMTPTransport:
    """An SMTP relay from `smtp://user@host:port` (STARTTLS) or `smtps://user@host:port` (TLS)."""

    def __init__(
        self, url: str, password: str | None = None, timeout: float = 30.0, tls_context: ssl.SSLContext | None = None
    ):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigError("send.smtp must look like smtp://user@host:587 (STARTTLS) or smtps://user@host:465")
        if parts.password is not None:
            raise ConfigError(
                f"send.smtp must not contain a password: put it in the {PASSWORD_ENV} environment variable"
            )
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        try:
            self.port = parts.port or (465 if self.implicit_tls else 587)
        except ValueError:
            raise ConfigError("send.smtp has an invalid port") from None
        self.user = unquote(parts.username) if parts.username else None
        if self.user and not password:
            raise ConfigError(
                f"{PASSWORD_ENV} is not set: it holds the password for {self.user} at {self.host}:{self.port}"
            )
        self._password = password
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context()
        self.local_hostname = socket.gethostname() or "localhost"  # no DNS lookup, unlike getfqdn()

    def __repr__(self) -> str:
        return f"SMTPTransport({self.describe()!r})"

    def describe(self) -> str:
        """`smtp://user@host:port` without any secret."""
        user = f"{self.user}@" if self.user else ""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{user}{self.host}:{self.port}"

    def connect(self) -> SMTPConnection:
        """Connect, secure the channel and log in; ConnectionLost when the server cannot be reached."""
        opened: list[smtplib.SMTP] = []
        try:
            return self._open(opened)
        except BaseException:
            for smtp in opened:  # a refused session must not leave its socket behind (one per retry)
                smtp.close()
            raise

    def _open(self, opened: list[smtplib.SMTP]) -> SMTPConnection:
        where = f"{self.host}:{self.port}"
        try:
            if self.implicit_tls:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host,
                    self.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                    context=self.tls_context,
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
            opened.append(smtp)
            _greet(smtp)
            if not self.implicit_tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.tls_context)
                    _greet(smtp)
                elif self.user and not _is_loopback(self.host):
                    raise SendError(
                        f"{where} does not offer STARTTLS; refusing to send the password "
                        "unencrypted (use smtps:// if the server expects implicit TLS)"
                    )
            if self.user:
                smtp.login(self.user, self._password or "")
        except ssl.SSLError as exc:
            raise SendError(
                f"TLS with {where} failed ({exc.__class__.__name__}: {getattr(exc, 'reason', '')})"
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise SendError(
                f"{where} rejected the login for {self.user} ({exc.smtp_code}); check the user "
                f"in send.smtp and {PASSWORD_ENV}"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise SendError(f"{where} does not offer AUTH; remove the user from send.smtp") from None
        except smtplib.SMTPResponseException as exc:
            # A refusal before any recipient was named (greeting, EHLO, STARTTLS) is about this client,
            # never about a subscriber: a 5xx stops the run instead of failing (or suppressing) everyone.
            text = _decode(exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                raise TemporaryFailure(exc.smtp_code, text) from None
            raise SendError(f"{where} refused the connection ({exc.smtp_code} {text})") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise ConnectionLost(f"cannot reach {where} ({exc.__class__.__name__}: {exc})") from None
        return SMTPConnection(smtp, where)


def _greet(smtp: smtplib.SMTP) -> None:
    # smtplib's ehlo() returns a refusal instead of raising it; HELO is the fallback RFC 5321 allows.
    code, text = smtp.ehlo()
    if not 200 <= code < 300:
        code, text = smtp.helo()
    if not 200 <= code < 300:
        raise smtplib.SMTPHeloError(code, text)


class OutboxConnection:
    """Writes each message to `<folder>/<address>.eml` (atomically, so a rerun overwrites, never doubles)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, envelope: Envelope) -> Reply:
        """Write the message file and report where."""
        safe = re.sub(r"[^0-9A-Za-z@._+-]", "_", envelope.recipient.lower())
        path = self.folder / f"{safe}.eml"
        try:
            atomic_write(path, envelope.data)
        except OSError as exc:
            raise SendError(f"{self.folder}: cannot write the outbox ({exc.strerror})") from None
        return Reply(250, f"written to {path}")

    def close(self) -> None:
        """Nothing to close."""


class OutboxTransport:
    """The default transport: one .eml file per recipient in a folder, a preview that delivers nothing."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def describe(self) -> str:
        """The outbox folder."""
        return f"outbox {self.folder}"

    def connect(self) -> OutboxConnection:
        """Create the folder if needed."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SendError(f"{self.folder}: cannot create the outbox ({exc.strerror})") from None
        return OutboxConnection(self.folder)


def make_transport(
    smtp_url: str,
    outbox: Path,
    environ: Mapping[str, str],
    *,
    api: str = "",
    api_endpoint: str = "",
    connections: int = 1,
) -> Any:
    """An email API when send.api is set, SMTP when send.smtp is (password from DIGEST_SMTP_PASSWORD),
    else the outbox folder."""
    if api and smtp_url:
        raise ConfigError("send.api and send.smtp are both set: choose one way to send")
    if api:
        from digest.transports import make_api_transport

        return make_api_transport(api, api_endpoint, environ, connections)
    if smtp_url:
        return SMTPTransport(smtp_url, environ.get(PASSWORD_ENV) or None)
    return OutboxTransport(outbox)
