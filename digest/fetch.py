"""Reading a source's bytes from a local file or an http(s) URL.

One `Fetcher` per run shares a requests.Session (connection reuse across
sources and pages), retries transient failures with exponential backoff,
honours Retry-After, caps the body size and keeps an on-disk cache that is
revalidated with a conditional GET, so that a rerun costs a 304.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digest import __version__
from digest.errors import SourceError
from digest.files import atomic_write
from digest.lazy import lazy_module

if TYPE_CHECKING:
    import requests
    import urllib3

    from digest.config import Settings
else:  # imported when a URL is first fetched: a build over local files never needs them
    requests = lazy_module("requests")
    urllib3 = lazy_module("urllib3")

log = logging.getLogger(__name__)

USER_AGENT = f"digest/{__version__} (newsletter digest generator)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Response headers kept in the cache: validators plus what readers use (pagination).
KEPT_HEADERS = ("content-type", "etag", "last-modified", "x-wp-total", "x-wp-totalpages", "link")
CHUNK = 64 * 1024
DEADLINE_TIMEOUTS = 3  # without a [fetch] deadline, a source gets three read timeouts in all


@dataclass(frozen=True)
class Fetched:
    """A fetched document: its bytes, final URL and declared content type."""

    body: bytes
    url: str
    content_type: str = ""
    from_cache: bool = False
    headers: Mapping[str, str] = field(default_factory=dict, hash=False, compare=False)
    status: int = 200

    def header(self, name: str, default: str = "") -> str:
        """A response header by case-insensitive name."""
        low = name.lower()
        for key, value in self.headers.items():
            if key.lower() == low:
                return value
        return default


class HTTPStatusError(SourceError):
    """The server answered with an error status (kept so readers can react to it)."""

    def __init__(self, message: str, status: int, body: bytes = b""):
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Backoff:
    """Retry policy: attempts after the first, exponential base delay, and the cap on any wait."""

    retries: int = 3
    base: float = 0.5  # seconds before the first retry; doubles each time
    max_wait: float = 30.0  # cap for a backoff delay or a server's Retry-After


class Fetcher:
    """Reads files and URLs; one instance per run shares its HTTP session and cache."""

    def __init__(
        self,
        timeout: float | tuple[float, float] = (5.0, 20.0),
        session: requests.Session | None = None,
        backoff: Backoff = Backoff(),
        max_bytes: int = 10 * 1024 * 1024,
        cache_dir: Path | None = None,
        pool_size: int = 16,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
    ):
        self.timeout = timeout if isinstance(timeout, tuple) else (min(timeout, 10.0), timeout)
        # Seconds one source may take in all (requests, retries, pages); None: only the timeouts bound it.
        self.deadline = deadline
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.sleep = sleep
        self._given_session, self._pool_size = session, pool_size
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()  # sources read concurrently share the one session

    @property
    def session(self) -> requests.Session:
        """The HTTP session, set up on the first request (reading local files needs none)."""
        with self._session_lock:
            if self._session is None:
                from requests.adapters import HTTPAdapter

                session = self._given_session or requests.Session()
                # The default pool keeps 10 connections per host; concurrent sources on one host need more.
                adapter = HTTPAdapter(pool_connections=self._pool_size, pool_maxsize=self._pool_size)
                session.mount("http://", adapter)
                session.mount("https://", adapter)
                session.headers["User-Agent"] = USER_AGENT
                session.headers["Accept-Encoding"] = "gzip, deflate"
                self._session = session
            return self._session

    @classmethod
    def from_settings(cls, settings: Settings) -> Fetcher:
        """A fetcher configured from Settings (timeouts, retries, size cap, cache under state_dir)."""
        return cls(
            timeout=(settings.fetch.connect_timeout, settings.fetch.timeout),
            backoff=Backoff(retries=settings.fetch.retries, max_wait=settings.fetch.max_wait),
            max_bytes=settings.fetch.max_bytes,
            cache_dir=Path(settings.build.state_dir) / "http-cache",
            pool_size=max(16, settings.fetch.workers * 2),
            deadline=settings.fetch.deadline or DEADLINE_TIMEOUTS * settings.fetch.timeout,
        )

    def bounded(self) -> Callable[..., Fetched]:
        """A `get` for one source: every request it makes ends by the deadline counted from now."""
        if not self.deadline:
            return self.get
        return functools.partial(self.get, until=time.monotonic() + self.deadline)

    def get(
        self,
        location: str,
        params: dict | None = None,
        headers: Mapping[str, str] | None = None,
        until: float | None = None,
    ) -> Fetched:
        """Return the document at a path or URL, or raise SourceError; `until` is a time.monotonic() deadline."""
        if location.startswith(("http://", "https://")):
            return self._get_url(location, params, headers or {}, until)
        return self._get_file(location)

    # -- local files -------------------------------------------------------------

    def _get_file(self, location: str) -> Fetched:
        path = Path(location.removeprefix("file://")).expanduser()
        try:
            mode = path.stat().st_mode
            if not stat.S_ISREG(mode):
                # A device (/dev/zero) never ends and a FIFO may block forever: refuse them before opening.
                raise SourceError(
                    f"{location}: {_file_kind(mode)}, not a regular file; give the path of a saved feed or JSON file"
                )
            with path.open("rb") as handle:
                body = handle.read(self.max_bytes + 1)  # the size may change between stat and read
            if len(body) > self.max_bytes:
                raise SourceError(
                    f"{location}: file is over the {self.max_bytes:,}-byte limit (raise [fetch] max_bytes to read it)"
                )
            return Fetched(body, str(path), "")
        except FileNotFoundError:
            raise SourceError(f"{location}: no such file") from None
        except IsADirectoryError:
            raise SourceError(f"{location}: is a directory, not a file") from None
        except OSError as exc:
            raise SourceError(f"{location}: cannot read ({exc.strerror})") from None

    # -- HTTP --------------------------------------------------------------------

    def _remaining(self, until: float | None, shown: str) -> float | None:
        """Seconds left before the source's deadline, or raise SourceError when it has passed."""
        if until is None:
            return None
        left = until - time.monotonic()
        if left <= 0:
            raise SourceError(
                f"{shown}: not read within the {self.deadline or 0:g}-second deadline for one "
                "source (raise [fetch] deadline if the source is only slow)"
            )
        return left

    def _get_url(self, url: str, params: dict | None, extra: Mapping[str, str], until: float | None = None) -> Fetched:
        full = _with_params(url, params)
        shown = display_url(full)
        cached = self._cache_load(full)
        headers = dict(extra)
        if cached:
            if cached["headers"].get("etag"):
                headers["If-None-Match"] = cached["headers"]["etag"]
            if cached["headers"].get("last-modified"):
                headers["If-Modified-Since"] = cached["headers"]["last-modified"]
        attempt = 0
        while True:
            left = self._remaining(until, shown)
            timeout = self.timeout if left is None else (min(self.timeout[0], left), min(self.timeout[1], left))
            try:
                resp = self.session.get(full, headers=headers, timeout=timeout, stream=True)
            except requests.exceptions.ReadTimeout:
                self._remaining(until, shown)  # the deadline cut the wait short: say so
                # The server is up but slow: another attempt would multiply the wait, so give up.
                raise SourceError(
                    f"{shown}: timed out after {self.timeout[1]:g} s waiting for a response "
                    "(raise [fetch] timeout if the source is only slow)"
                ) from None
            except (requests.ConnectionError, requests.exceptions.ConnectTimeout) as exc:
                if _reason(exc) == "host not found":
                    raise SourceError(f"{shown}: cannot connect (host not found)") from None  # not transient
                if attempt >= self.backoff.retries:
                    raise SourceError(
                        f"{shown}: cannot connect ({_reason(exc)}) after {attempt + 1} attempts"
                    ) from None
                self._wait(attempt, None, shown, "connection failed", until)
                attempt += 1
                continue
            except requests.RequestException as exc:
                raise SourceError(f"{shown}: {_reason(exc)}") from None
            with resp:
                if resp.status_code in RETRY_STATUSES and attempt < self.backoff.retries:
                    self._wait(attempt, resp.headers.get("Retry-After"), shown, f"HTTP {resp.status_code}", until)
                    attempt += 1
                    continue
                if resp.status_code == 304 and cached:
                    log.debug("%s: not modified, using the cached copy", shown)
                    return Fetched(
                        cached["body"],
                        cached["url"],
                        cached["headers"].get("content-type", ""),
                        from_cache=True,
                        headers=cached["headers"],
                        status=304,
                    )
                body = self._read_capped(resp, shown, until)
                kept = {k: resp.headers[k] for k in KEPT_HEADERS if k in resp.headers}
                if resp.status_code >= 400:
                    raise HTTPStatusError(
                        f"{shown}: HTTP {resp.status_code} {resp.reason or ''}".rstrip(), resp.status_code, body
                    )
                fetched = Fetched(
                    body, resp.url, resp.headers.get("Content-Type", ""), headers=kept, status=resp.status_code
                )
                if "etag" in kept or "last-modified" in kept:
                    self._cache_store(full, fetched)
                return fetched

    def _read_capped(self, resp: requests.Response, url: str, until: float | None = None) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise SourceError(
                f"{url}: response of {int(declared):,} bytes is over the {self.max_bytes:,}-byte limit "
                f"(raise [fetch] max_bytes to read it)"
            )
        chunks, total = [], 0
        try:
            # read1 returns what has arrived (a slow drip cannot hold one read past the deadline) and
            # decompresses, so the cap also stops a small gzip that inflates hugely.
            while True:
                self._remaining(until, url)
                chunk = resp.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    break
                total += len(chunk)
                if total > self.max_bytes:
                    raise SourceError(
                        f"{url}: response is over the {self.max_bytes:,}-byte limit "
                        f"(raise [fetch] max_bytes to read it)"
                    )
                chunks.append(chunk)
        except (requests.exceptions.ConnectionError, urllib3.exceptions.ProtocolError) as exc:
            raise SourceError(f"{url}: connection lost while reading ({_reason(exc)})") from None
        except urllib3.exceptions.ReadTimeoutError:
            self._remaining(until, url)
            raise SourceError(
                f"{url}: timed out after {self.timeout[1]:g} s waiting for more of the response "
                "(raise [fetch] timeout if the source is only slow)"
            ) from None
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise SourceError(f"{url}: cannot read the response ({_reason(exc)})") from None
        return b"".join(chunks)

    def _wait(self, attempt: int, retry_after: str | None, url: str, why: str, until: float | None = None) -> None:
        delay = self.backoff.base * (2**attempt)
        server = _retry_after_seconds(retry_after)
        if server is not None:
            delay = server
        delay = max(0.0, min(delay, self.backoff.max_wait))
        left = self._remaining(until, url)
        if left is not None and delay >= left:
            raise SourceError(
                f"{url}: {why}, and a retry would pass the {self.deadline or 0:g}-second deadline "
                "for one source (raise [fetch] deadline, or fix the source)"
            )
        log.info("%s: %s, retrying in %.1f s", url, why, delay)
        self.sleep(delay)

    # -- cache -------------------------------------------------------------------

    def _cache_path(self, url: str) -> Path | None:
        if not self.cache_dir:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + ".entry")

    def _cache_load(self, url: str) -> dict | None:
        path = self._cache_path(url)
        if not path or not path.is_file():
            return None
        try:
            # One file per entry (a JSON line, then the body), so concurrent writers never mix two versions.
            head, _, body = path.read_bytes().partition(b"\n")
            meta = json.loads(head)
            if meta.get("request") != url:
                return None
            meta["body"] = body
            return meta
        except (OSError, ValueError):
            return None  # a damaged entry is just a miss

    def _cache_store(self, url: str, fetched: Fetched) -> None:
        path = self._cache_path(url)
        if not path:
            return
        meta = {"request": url, "url": fetched.url, "headers": dict(fetched.headers)}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(meta).encode("utf-8") + b"\n" + fetched.body)
        except OSError as exc:
            log.warning("HTTP cache not written for %s: %s", url, exc.strerror)


SECRET_PARAM = re.compile(r"key|token|secret|sig|pass|auth|session|credential", re.I)


def display_url(url: str) -> str:
    """A URL fit for messages and logs: values of secret-looking query parameters masked."""
    parts = urlsplit(url)
    if not parts.query or not any(SECRET_PARAM.search(k) for k, _ in parse_qsl(parts.query)):
        return url
    pairs = [(k, "***" if SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="/*:")))


def _with_params(url: str, params: dict | None) -> str:
    if not params:
        return url
    joiner = "&" if urlsplit(url).query else "?"
    return url + joiner + urlencode(params, doseq=True)


def _file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime  # only here: a build over local files never needs it

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _reason(exc: Exception) -> str:
    """A short reason for a requests exception, without the nested urllib3 noise."""
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "NameResolutionError" in text:
        return "host not found"
    if "timed out" in text:
        return "timed out"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error"
    return exc.__class__.__name__
