"""Email service provider APIs as batch transports, one module per provider, found by URL scheme."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from digest.errors import ConfigError
from digest.transports.base import BatchTransport

SCHEMES = ("ses", "postmark", "mailgun")


def make_api_transport(url: str, endpoint: str, environ: Mapping[str, str], connections: int = 1) -> BatchTransport:
    """The transport for `send.api` (ses://REGION, postmark://, mailgun://DOMAIN)."""
    scheme = urlsplit(url.strip()).scheme.lower()
    if endpoint and not endpoint.startswith(("https://", "http://")):
        raise ConfigError(f"send.api_endpoint must be an http(s) URL, not {endpoint!r}")
    if scheme == "postmark":
        from digest.transports.postmark import PostmarkTransport

        return PostmarkTransport(url, endpoint, environ)
    if scheme == "mailgun":
        from digest.transports.mailgun import MailgunTransport

        return MailgunTransport(url, endpoint, environ)
    if scheme == "ses":
        from digest.transports.ses import SESTransport

        return SESTransport(url, endpoint, environ, connections)
    raise ConfigError(f"send.api: {url!r} is not one of ses://REGION, postmark://, mailgun://DOMAIN")
