"""Signed tokens (unsubscribe and pause links, signup confirmations), verifiable without a database.

A token is `v2.<key id>.<payload, base64url>.<HMAC-SHA256 truncated to 128 bits, base64url>`. The
key id names the secret that signed it (a short hash of the secret, never the secret), so secrets
can rotate: DIGEST_SECRET signs, and every secret in DIGEST_SECRET_PREVIOUS (comma-separated)
still verifies, so links already in inboxes keep working. Tokens of the earlier `v1.<address>.<mac>`
form, which carry no key id, verify against every configured secret. Secrets come from the
environment only; without DIGEST_SECRET nothing is sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence

from digest.errors import ConfigError

SECRET_ENV = "DIGEST_SECRET"
PREVIOUS_ENV = "DIGEST_SECRET_PREVIOUS"
MIN_SECRET_LENGTH = 16
_VERSION = "v2"
_LEGACY = "v1"
# The purpose is part of the signed data so a signature made for one use never verifies for another.
UNSUBSCRIBE = b"digest-unsubscribe"
CONFIRM = b"digest-confirm"
_MAC_BYTES = 16
_MAX_TOKEN = 600

Secrets = bytes | Sequence[bytes]


def _check(name: str, value: str) -> bytes:
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{name} is too short: use at least {MIN_SECRET_LENGTH} random characters")
    return value.encode("utf-8")


def secret_from_env(environ: Mapping[str, str]) -> bytes:
    """The signing secret from DIGEST_SECRET, or a ConfigError saying how to set one."""
    value = environ.get(SECRET_ENV, "")
    if not value:
        raise ConfigError(
            f"{SECRET_ENV} is not set: unsubscribe links are signed with it; set it to a long random "
            f"string, e.g. export {SECRET_ENV}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return _check(SECRET_ENV, value)


def secrets_from_env(environ: Mapping[str, str]) -> tuple[bytes, ...]:
    """Every secret that verifies: DIGEST_SECRET first, then each one of DIGEST_SECRET_PREVIOUS."""
    previous = [p.strip() for p in environ.get(PREVIOUS_ENV, "").split(",") if p.strip()]
    return (secret_from_env(environ), *(_check(PREVIOUS_ENV, p) for p in previous))


def key_id(secret: bytes) -> str:
    """A short public name for a secret (a hash prefix: it reveals nothing usable about the secret)."""
    return hashlib.sha256(b"digest-key-id\x00" + secret).hexdigest()[:8]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, purpose: bytes, kid: str, payload: bytes) -> bytes:
    return hmac.new(secret, purpose + b"\x00" + kid.encode("ascii") + b"\x00" + payload, hashlib.sha256).digest()[
        :_MAC_BYTES
    ]


def _legacy_mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, UNSUBSCRIBE + b"\x00" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _as_list(secrets: Secrets) -> list[bytes]:
    return [secrets] if isinstance(secrets, bytes) else list(secrets)


def sign(payload: str, secret: bytes, purpose: bytes = UNSUBSCRIBE) -> str:
    """A token carrying `payload`, signed for `purpose` with `secret`."""
    raw, kid = payload.encode("utf-8"), key_id(secret)
    return f"{_VERSION}.{kid}.{_b64(raw)}.{_b64(_mac(secret, purpose, kid, raw))}"


def unsign(token: str, secrets: Secrets, purpose: bytes = UNSUBSCRIBE) -> str | None:
    """The payload of a token signed for `purpose` by one of `secrets`, or None."""
    parts = token.split(".")
    if len(token) > _MAX_TOKEN or not parts:
        return None
    try:
        if parts[0] == _VERSION and len(parts) == 4:
            kid, raw, mac = parts[1], _unb64(parts[2]), _unb64(parts[3])
            valid = any(
                key_id(s) == kid and hmac.compare_digest(mac, _mac(s, purpose, kid, raw)) for s in _as_list(secrets)
            )
        elif parts[0] == _LEGACY and len(parts) == 3 and purpose == UNSUBSCRIBE:
            raw, mac = _unb64(parts[1]), _unb64(parts[2])
            valid = any(hmac.compare_digest(mac, _legacy_mac(s, raw)) for s in _as_list(secrets))
        else:
            return None
        return raw.decode("utf-8") if valid else None
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def make_token(address: str, secret: bytes) -> str:
    """The unsubscribe token for an address (the address as stored, lowercase key)."""
    return sign(address.strip().lower(), secret, UNSUBSCRIBE)


def verify_token(token: str, secrets: Secrets) -> str | None:
    """The address an unsubscribe token was made for, or None when it is malformed or tampered with."""
    address = unsign(token, secrets, UNSUBSCRIBE)
    return address if address and "@" in address else None


def make_confirm_token(address: str, expires: int, secret: bytes) -> str:
    """A signup confirmation token for an address, valid until the Unix time `expires`."""
    return sign(f"{address.strip().lower()}\n{int(expires)}", secret, CONFIRM)


def verify_confirm_token(token: str, secrets: Secrets, now: float) -> str | None:
    """The address of a confirmation token still valid at Unix time `now`, or None."""
    payload = unsign(token, secrets, CONFIRM)
    address, _, expires = (payload or "").partition("\n")
    if not expires.isdigit() or int(expires) < now or "@" not in address:
        return None
    return address


def message_key(issue_id: str, address: str, secret: bytes) -> str:
    """A stable opaque key per (issue, address), so a repeated message reuses its Message-ID."""
    data = f"{issue_id}\x00{address.strip().lower()}".encode()
    return hmac.new(secret, b"digest-message-id\x00" + data, hashlib.sha256).hexdigest()[:24]
