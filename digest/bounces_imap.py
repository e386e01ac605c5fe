"""Bounce reports read from an IMAP mailbox (`[bounces] imap`), with the stdlib's imaplib.

Unseen messages are fetched without marking them (BODY.PEEK), run through the same classification
and suppression as files, and only once their changes are committed to the list is each report
marked \\Seen (or moved to `[bounces] imap_move_to`). A crash in between leaves the report unseen:
the next run reads it again, and reading a report twice changes nothing more (a suppression is
recorded once, a soft bounce counts once per issue). Messages that are no report stay unseen and
in place, for a person to read.
"""

from __future__ import annotations

import email
import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from digest.bounces import BounceCounts, Tally
from digest.errors import ConfigError, DigestError
from digest.subscribers import SubscriberStore
from digest.transport import _is_loopback

log = logging.getLogger(__name__)

PASSWORD_ENV = "DIGEST_IMAP_PASSWORD"
CHUNK = 50  # messages fetched, recorded and marked together: few round trips, little re-read after a crash
TIMEOUT = 60.0


class MailboxError(DigestError):
    """The bounce mailbox cannot be reached, logged into or opened."""


@dataclass(frozen=True)
class MailboxURL:
    """Where the bounce reports are: `imaps://user@host:993/Folder` or `imap://user@host:143/Folder`."""

    implicit_tls: bool
    host: str
    port: int
    user: str
    folder: str

    def describe(self) -> str:
        """The mailbox as a URL, without any secret."""
        return f"{'imaps' if self.implicit_tls else 'imap'}://{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_mailbox(url: str) -> MailboxURL:
    """Check `[bounces] imap`; a password in it, another scheme or a missing user is a ConfigError."""
    parts = urlsplit(url.strip())
    shape = "[bounces] imap must look like imaps://user@imap.example.com/Bounces (or imap://… for STARTTLS)"
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ConfigError(shape)
    if parts.password is not None:
        raise ConfigError(f"[bounces] imap must not contain a password: put it in {PASSWORD_ENV}")
    if not parts.username:
        raise ConfigError(f"{shape}: the user is missing")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise ConfigError("[bounces] imap has an invalid port") from None
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return MailboxURL(parts.scheme == "imaps", parts.hostname, port, unquote(parts.username), folder)


def _quoted(name: str) -> str:
    # imaplib sends arguments as given: a folder name with spaces or quotes must be an IMAP quoted string.
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(data: Sequence[object]) -> str:
    text = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
    return " ".join(text.split())[:200]


class BounceMailbox:
    """A logged-in IMAP session on the bounce folder."""

    def __init__(
        self,
        where: MailboxURL,
        password: str,
        move_to: str = "",
        tls_context: ssl.SSLContext | None = None,
        timeout: float = TIMEOUT,
    ):
        self.where, self.move_to, self.timeout = where, move_to, timeout
        self._password = password
        self.tls_context = tls_context or ssl.create_default_context()
        self.imap: imaplib.IMAP4 | None = None

    def failure(self, what: str, todo: str) -> MailboxError:
        return MailboxError(f"{self.where.describe()}: {what}; {todo}")

    def open(self) -> None:
        """Connect, secure the channel, log in and select the folder; one-line MailboxError otherwise."""
        w = self.where
        try:
            if w.implicit_tls:
                self.imap = imaplib.IMAP4_SSL(w.host, w.port, ssl_context=self.tls_context, timeout=self.timeout)
            else:
                self.imap = imaplib.IMAP4(w.host, w.port, timeout=self.timeout)
                if "STARTTLS" in self.imap.capabilities:
                    self.imap.starttls(ssl_context=self.tls_context)
                elif not _is_loopback(w.host):
                    raise self.failure(
                        "the server does not offer STARTTLS",
                        "refusing to send the password unencrypted (use imaps:// for implicit TLS)",
                    )
            self._login()
            self._select()
        except MailboxError:
            self.close()
            raise
        except ssl.SSLError as exc:
            self.close()
            raise self.failure(
                f"TLS failed ({getattr(exc, 'reason', None) or exc.__class__.__name__})",
                "check the host and port (imaps:// is implicit TLS, usually 993; imap:// is "
                "STARTTLS, usually 143) and the server's certificate",
            ) from None
        except (OSError, imaplib.IMAP4.error) as exc:
            self.close()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc.__class__.__name__
            if isinstance(exc, socket.timeout):
                reason = "timed out"
            raise self.failure(
                f"cannot reach the server ({reason})",
                "check the host and port in [bounces] imap and that the server is up",
            ) from None

    def _login(self) -> None:
        assert self.imap is not None
        try:
            self.imap.login(self.where.user, self._password)
        except imaplib.IMAP4.error:
            # The server's words are left out: some echo the command, and so the password.
            raise self.failure(
                f"the server rejected the login for {self.where.user}",
                f"check the user in [bounces] imap and {PASSWORD_ENV}",
            ) from None
        # Servers announce more after a login (MOVE, UIDPLUS); imaplib keeps the greeting's list.
        status, data = self.imap.capability()
        if status == "OK" and data and isinstance(data[0], bytes):
            self.imap.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())

    def _select(self) -> None:
        assert self.imap is not None
        status, data = self.imap.select(_quoted(self.where.folder))
        if status != "OK":
            raise self.failure(
                f"cannot open the folder {self.where.folder!r} ({_said(data)})",
                "create it or fix the folder in [bounces] imap",
            )
        if self.move_to:
            status, data = self.imap.status(_quoted(self.move_to), "(MESSAGES)")
            if status != "OK":
                raise self.failure(
                    f"no folder {self.move_to!r} to move reports to ({_said(data)})",
                    "create it or fix [bounces] imap_move_to",
                )

    def unseen(self) -> list[bytes]:
        """The UIDs of the folder's unseen messages, oldest first."""
        status, data = self._imap().uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise self.failure(f"the server refused to search ({_said(data)})", "try again later")
        return [uid for d in data if isinstance(d, bytes) for uid in d.split()]

    def fetch(self, uids: Sequence[bytes]) -> Iterator[tuple[bytes, email.message.Message | None]]:
        """(uid, message) for each UID, read without marking it seen."""
        status, data = self._imap().uid("FETCH", b",".join(uids).decode(), "(UID BODY.PEEK[])")
        if status != "OK":
            raise self.failure(f"the server refused to fetch messages ({_said(data)})", "try again later")
        found: dict[bytes, bytes] = {}
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                named = re.search(rb"UID (\d+)", item[0])
                if named:
                    found[named.group(1)] = item[1]
        for uid in uids:
            raw = found.get(uid)
            yield uid, (email.message_from_bytes(raw) if raw is not None else None)

    def done(self, uids: Sequence[bytes]) -> None:
        """Mark reports whose changes are committed as seen, or move them to `move_to`."""
        if not uids:
            return
        imap, where = self._imap(), b",".join(uids).decode()
        if self.move_to and "MOVE" in imap.capabilities:
            status, data = imap.uid("MOVE", where, _quoted(self.move_to))
        elif self.move_to:
            status, data = imap.uid("COPY", where, _quoted(self.move_to))
            if status == "OK":
                status, data = imap.uid("STORE", where, "+FLAGS.SILENT", r"(\Seen \Deleted)")
            if status == "OK" and "UIDPLUS" in imap.capabilities:
                status, data = imap.uid("EXPUNGE", where)
        else:
            status, data = imap.uid("STORE", where, "+FLAGS.SILENT", r"(\Seen)")
        if status != "OK":
            raise self.failure(
                f"could not mark {len(uids)} report(s) as read ({_said(data)})",
                "they are read again next time, which changes nothing twice",
            )

    def _imap(self) -> imaplib.IMAP4:
        if self.imap is None:
            raise self.failure("not connected", "open the mailbox first")
        return self.imap

    def close(self) -> None:
        """Log out (never raises)."""
        if self.imap is None:
            return
        try:
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
        self.imap = None


def apply_mailbox(store: SubscriberStore, box: BounceMailbox, soft_limit: int) -> BounceCounts:
    """Read the mailbox's unseen reports and suppress (or count, or reset) the addresses they name."""
    tally = Tally(store, soft_limit, f"bounces:imap:{box.where.host}/{box.where.folder}")
    box.open()
    try:
        uids = box.unseen()
        for start in range(0, len(uids), CHUNK):
            reports = [
                uid
                for uid, message in box.fetch(uids[start : start + CHUNK])
                if tally.take(f"{box.where.describe()};UID={uid.decode()}", message)
            ]
            box.done(reports)  # only now: every change these reports made is committed
    except (OSError, imaplib.IMAP4.error) as exc:
        raise box.failure(
            f"the connection failed ({exc.__class__.__name__})", "run again: reports not yet marked are read again"
        ) from None
    finally:
        box.close()
    return tally.result()
