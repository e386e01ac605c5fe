"""Previews: an issue's messages written to the outbox folder, one .eml per recipient, delivering nothing.

A preview touches no ledger and records nothing as sent: a later send over SMTP still reaches everyone,
and writing the previews again replaces the files (after a rebuild, they show the new issue).
"""

from __future__ import annotations

from collections.abc import Iterable

from digest.message import MessageFactory
from digest.subscribers import Subscriber
from digest.transport import OutboxTransport


def write_previews(
    recipients: Iterable[Subscriber], factory: MessageFactory, transport: OutboxTransport, suppressed: set[str]
) -> tuple[int, int]:
    """Write one message file per recipient who is not suppressed: (written, suppressed)."""
    written = blocked = 0
    conn = transport.connect()
    try:
        for sub in recipients:
            if sub.key in suppressed:
                blocked += 1
                continue
            conn.send(factory.build(sub))
            written += 1
    finally:
        conn.close()
    return written, blocked
