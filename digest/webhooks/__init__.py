"""Bounce and complaint webhooks of `digest serve`: one small module per provider behind one contract.

A provider module exposes `NAME` and `make(settings, fetch)`, which returns a `Provider` when its
credentials or settings are configured and None otherwise (the path then answers 404 like any
unknown path). A provider authenticates a request and turns it into `Notice`s, the same notices
`digest bounces` reads from delivery reports; `Webhooks.handle` records them the same way, with the
source `webhook:<provider>`. Nothing here logs or answers with a secret, a signature or an address.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from importlib import import_module
from typing import Any, Protocol

from digest.addresses import AddressError, normalize_address
from digest.bounces import Notice, record
from digest.config import Settings
from digest.subscribers import SubscriberStore

log = logging.getLogger(__name__)

PROVIDER_MODULES = ("ses", "postmark", "mailgun", "sendgrid")
PREFIX = "/hooks/"
Fetch = Callable[[str], bytes]
Answer = tuple[str, list[tuple[str, str]], bytes]


@dataclass(frozen=True)
class HookRequest:
    """One webhook request: its headers (lower-case names), its raw body and when it arrived."""

    headers: Mapping[str, str]
    body: bytes
    now: float


class Refused(Exception):
    """A request that is not authentic or not readable; `status` is the HTTP answer, `why` goes to the log."""

    def __init__(self, status: str, why: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(why)
        self.status = status
        self.why = why
        self.headers = headers or []


def unauthorized(why: str) -> Refused:
    """A request without valid credentials (401)."""
    return Refused("401 Unauthorized", why)


def forbidden(why: str) -> Refused:
    """A request whose signature or origin is wrong (403)."""
    return Refused("403 Forbidden", why)


def bad_request(why: str) -> Refused:
    """An authentic request that cannot be read (400)."""
    return Refused("400 Bad Request", why)


def json_body(body: bytes) -> Any:
    """The request body as JSON, or a 400."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad_request("the body is not JSON") from None


def table(value: Any) -> dict[str, Any]:
    """A JSON object as a dict; anything else as an empty one (providers' payloads are not trusted)."""
    return value if isinstance(value, dict) else {}


class Provider(Protocol):
    """An authenticated webhook: verify one request and say what it reports."""

    name: str

    def notices(self, request: HookRequest) -> list[Notice]:
        """Every bounce, complaint or delivery the request reports; raise Refused when it is not authentic."""
        ...


def default_fetch(url: str) -> bytes:
    """GET a small document (a signing certificate, a subscription confirmation): 10 s, 64 KiB at most."""
    import requests

    with requests.get(url, timeout=10, allow_redirects=False, stream=True) as response:
        response.raise_for_status()
        body = response.raw.read(64 * 1024 + 1, decode_content=True)
    if len(body) > 64 * 1024:
        raise ValueError("answer too large")
    return body


def configured(settings: Settings, fetch: Fetch = default_fetch) -> dict[str, Provider]:
    """The providers whose credentials or settings are present, by path name; raise ConfigError on bad ones."""
    providers: dict[str, Provider] = {}
    for module_name in PROVIDER_MODULES:
        module = import_module(f"digest.webhooks.{module_name}")
        provider = module.make(settings, fetch)
        if provider is not None:
            providers[module.NAME] = provider
    return providers


class Webhooks:
    """The /hooks/<provider> endpoints: authenticate, then record what each request reports."""

    def __init__(self, settings: Settings, store: SubscriberStore, fetch: Fetch = default_fetch):
        self.providers = configured(settings, fetch)
        self.store = store
        self.soft_limit = settings.bounces.soft_limit

    def handles(self, path: str) -> bool:
        """True for the path of a configured provider."""
        return path.startswith(PREFIX) and path[len(PREFIX) :] in self.providers

    def handle(self, path: str, request: HookRequest) -> Answer:
        """Verify and apply one request; the answer names no address and no secret."""
        provider = self.providers[path[len(PREFIX) :]]
        source = f"webhook:{provider.name}"
        try:
            notices = provider.notices(request)
        except Refused as refused:
            log.warning("%s: refused (%s)", source, refused.why)
            return _json(refused.status, {"status": "refused"}, refused.headers)
        suppressed = 0
        for notice in notices:
            try:
                notice = replace(notice, recipient=normalize_address(notice.recipient))
            except AddressError:
                continue
            if self.store.knows(notice.recipient):  # like `digest bounces`: an unknown address changes nothing
                suppressed += record(self.store, notice, self.soft_limit, source)
        if notices:
            log.info("%s: %d report(s), %d address(es) newly suppressed", source, len(notices), suppressed)
        return _json("200 OK", {"status": "ok", "reports": len(notices)})


def _json(status: str, payload: dict, headers: list[tuple[str, str]] | None = None) -> Answer:
    return (
        status,
        [("Content-Type", "application/json"), ("Cache-Control", "no-store"), *(headers or [])],
        json.dumps(payload).encode("utf-8"),
    )


def request_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers from a WSGI environ, by lower-case name."""
    headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers
