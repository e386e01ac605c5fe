"""Amazon SNS message authentication: the signing certificate's origin, and the signature itself.

SNS signs every message it posts with a certificate at `SigningCertURL`; the URL must be https on
an `sns.<region>.amazonaws.com` host (or a host named in `[hooks] sns_hosts`), and the certificate
is fetched once per URL and kept. SignatureVersion 1 signs with SHA1, 2 with SHA256 (RSA PKCS#1 v1.5).
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from digest.errors import ConfigError

SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
# The fields each message type signs, in the order they are signed.
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_CACHED = 32


class NotAuthentic(Exception):
    """The message's signature, certificate or certificate URL is not acceptable; the text says which."""


def on_sns_host(url: str, extra_hosts: tuple[str, ...]) -> bool:
    """True for an https URL on an SNS host (no user info, default port), or any URL on an extra host."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme in ("http", "https") and parts.netloc.lower() in {h.lower() for h in extra_hosts}:
        return True
    return (
        parts.scheme == "https"
        and "@" not in parts.netloc
        and port in (None, 443)
        and bool(SNS_HOST.match((parts.hostname or "").lower()))
    )


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    """The bytes SNS signs: each signed field present, as `name\\nvalue\\n`."""
    fields = SIGNED_FIELDS.get(str(message.get("Type")))
    if fields is None:
        raise NotAuthentic(f"unknown message type {str(message.get('Type'))[:40]!r}")
    return "".join(f"{name}\n{message[name]}\n" for name in fields if name in message).encode("utf-8")


def load_certificate(pem: bytes, where: str) -> x509.Certificate:
    """An RSA certificate from PEM bytes; NotAuthentic when it is not one."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError:
        raise NotAuthentic(f"{where} is not a PEM certificate") from None
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise NotAuthentic(f"{where} does not hold an RSA key")
    return cert


class Verifier:
    """Checks SNS signatures; certificates come from `trusted` or are fetched once per URL."""

    def __init__(self, fetch: Callable[[str], bytes], extra_hosts: tuple[str, ...] = (), trusted: Path | None = None):
        self.fetch = fetch
        self.extra_hosts = extra_hosts
        self.trusted: x509.Certificate | None = None
        if trusted is not None:
            try:
                self.trusted = load_certificate(trusted.read_bytes(), str(trusted))
            except OSError as exc:
                raise ConfigError(f"[hooks] sns_trusted_cert: cannot read {trusted} ({exc.strerror or exc})") from None
            except NotAuthentic as exc:
                raise ConfigError(f"[hooks] sns_trusted_cert: {exc}") from None
        self._cache: dict[str, x509.Certificate] = {}
        self._lock = threading.Lock()

    def certificate(self, url: str) -> x509.Certificate:
        """The certificate behind a SigningCertURL (refused off an SNS host; fetched once)."""
        if not on_sns_host(url, self.extra_hosts):
            raise NotAuthentic("SigningCertURL is not an https URL on an SNS host")
        if self.trusted is not None:
            return self.trusted
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None:
            return cached
        try:
            pem = self.fetch(url)
        except Exception as exc:
            raise ConnectionError(f"cannot fetch the signing certificate ({type(exc).__name__})") from None
        cert = load_certificate(pem, "the signing certificate")
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[url] = cert
        return cert

    def verify(self, message: Mapping[str, Any], now: datetime | None = None) -> None:
        """Raise NotAuthentic unless the message carries a valid SNS signature (ConnectionError: try later)."""
        version = str(message.get("SignatureVersion", ""))
        if version not in HASHES:
            raise NotAuthentic(f"unsupported SignatureVersion {version[:10]!r}")
        data = string_to_sign(message)
        cert = self.certificate(str(message.get("SigningCertURL", "")))
        when = now or datetime.now(UTC)
        if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc:
            raise NotAuthentic("the signing certificate is not valid now")
        try:
            signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
        except (binascii.Error, ValueError):
            raise NotAuthentic("the signature is not base64") from None
        key = cert.public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        try:
            key.verify(signature, data, padding.PKCS1v15(), HASHES[version]())
        except InvalidSignature:
            raise NotAuthentic("bad signature") from None
