"""One subscriber's address and name: validation, normalization and deduplication."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


class AddressError(ValueError):
    """An address that is not a deliverable email address (the message says why)."""


@dataclass(frozen=True)
class Subscriber:
    """One recipient: normalized address, display name and optional attributes."""

    email: str
    name: str = ""
    attributes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def key(self) -> str:
        """The case-insensitive identity used for deduplication, the ledger and suppression."""
        return self.email.lower()


def normalize_address(raw: str) -> str:
    """The normalized address (syntax only, no DNS), or AddressError with the reason."""
    text = (raw or "").strip()
    if not text:
        raise AddressError("empty address")
    # Imported here: compiling its address grammar costs a build (which sends nothing) about 25 ms.
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise AddressError(str(exc)) from None
    # The ASCII form (punycode domain) goes into SMTP envelopes and headers unchanged.
    return result.ascii_email or result.normalized


def clean_name(value: str | None) -> str:
    """A name fit for a header: control characters (CR/LF included) become spaces, runs collapse."""
    return " ".join("".join(c if c.isprintable() else " " for c in (value or "")).split())


def dedupe(subscribers: Iterable[Subscriber]) -> list[Subscriber]:
    """Keep the first occurrence of each address, compared case-insensitively."""
    seen: set[str] = set()
    out = []
    for sub in subscribers:
        if sub.key not in seen:
            seen.add(sub.key)
            out.append(sub)
    return out
