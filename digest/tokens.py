"""Signed unsubscribe tokens: the address plus an HMAC, verifiable without any database.

A token is `v1.<address, base64url>.<HMAC-SHA256 truncated to 128 bits, base64url>`. The
secret comes from the DIGEST_SECRET environment variable only; without it nothing is sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from digest.errors import ConfigError

SECRET_ENV = "DIGEST_SECRET"
MIN_SECRET_LENGTH = 16
_VERSION = "v1"
# The purpose is part of the signed data so a signature made for one use never verifies for another.
_PURPOSE = b"digest-unsubscribe\x00"
_MAC_BYTES = 16


def secret_from_env(environ: Mapping[str, str]) -> bytes:
    """The signing secret from DIGEST_SECRET, or a ConfigError saying how to set one."""
    value = environ.get(SECRET_ENV, "")
    if not value:
        raise ConfigError(
            f"{SECRET_ENV} is not set: unsubscribe links are signed with it; set it to a long random "
            f"string, e.g. export {SECRET_ENV}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{SECRET_ENV} is too short: use at least {MIN_SECRET_LENGTH} random characters")
    return value.encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, address: bytes) -> bytes:
    return hmac.new(secret, _PURPOSE + address, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(address: str, secret: bytes) -> str:
    """The unsubscribe token for an address (the address as stored, lowercase key)."""
    raw = address.strip().lower().encode("utf-8")
    return f"{_VERSION}.{_b64(raw)}.{_b64(_mac(secret, raw))}"


def verify_token(token: str, secret: bytes) -> str | None:
    """The address a token was made for, or None when it is malformed or tampered with."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != _VERSION or len(token) > 600:
        return None
    try:
        raw = _unb64(parts[1])
        mac = _unb64(parts[2])
        address = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not hmac.compare_digest(mac, _mac(secret, raw)) or "@" not in address:
        return None
    return address


def message_key(issue_id: str, address: str, secret: bytes) -> str:
    """A stable opaque key per (issue, address), so a repeated message reuses its Message-ID."""
    data = f"{issue_id}\x00{address.strip().lower()}".encode("utf-8")
    return hmac.new(secret, b"digest-message-id\x00" + data, hashlib.sha256).hexdigest()[:24]
