"""Settings: one typed object, resolved once (CLI > environment > file > defaults)."""

from __future__ import annotations

import dataclasses
import os
import string
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.errors import ConfigError
from digest.models import LABEL_PLACEHOLDERS, Labels
from digest.sources import SourceSpec, canonical_kind

CONFIG_FILE = "digest.toml"
# Common synonyms folded into one section unless [sections.aliases] says otherwise.
DEFAULT_ALIASES = {"AI": "Artificial Intelligence", "Machine Learning": "Artificial Intelligence"}
ENV_PREFIX = "DIGEST_"


@dataclass(frozen=True)
class Settings:
    """Every setting digest reads, with its default."""

    # [newsletter]
    name: str = "The Circuit Weekly"
    sender: str = "The Circuit Weekly <digest@example.com>"
    reply_to: str = ""
    postal_address: str = "The Circuit Weekly, 1 Example Street, Springfield 00000"
    language: str = "en"
    timezone: str = "UTC"
    web_url: str = ""  # public base URL of the archive, for "view in browser"
    logo_url: str = ""
    tagline: str = "The week in technology, summarized."
    # [theme]
    accent_color: str = "#0b5cad"
    text_color: str = "#1f2328"
    background_color: str = "#f4f5f7"
    font_family: str = "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
    # [build]
    out: Path = Path("issues")
    templates: Path | None = None  # a folder checked before the built-in templates
    week: str = ""  # "" = current week ("latest" for the bundled sample); or "2026-W48"
    since: str = ""
    until: str = ""
    strict: bool = False
    allow_empty: bool = False
    summarizer: str = "extractive"
    summary_words: int = 60
    summary_sentences: int = 2
    max_per_section: int = 6
    html_budget: int = 82_000  # trim to a "more this week" list past this many bytes
    # [sections]
    section_order: tuple[str, ...] = ()
    section_aliases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ALIASES))
    section_keywords: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_section: str = "More news"
    # [[sources]]
    sources: tuple[SourceSpec, ...] = ()
    # [fetch]
    fetch_timeout: float = 20.0  # seconds to wait for a response (read timeout)
    fetch_connect_timeout: float = 5.0
    fetch_retries: int = 3  # on connection errors, 429 and 5xx
    fetch_max_wait: float = 30.0  # cap on a backoff delay or a server's Retry-After
    fetch_max_bytes: int = 10 * 1024 * 1024
    fetch_workers: int = 20  # sources read at once (a 20-source build takes about its slowest source)
    fetch_deadline: float = 0.0  # seconds one source may take in all; 0 = three times `timeout`
    carry_over_days: int = 7  # unsent articles this many days before the week still go out
    # [llm]
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""  # from DIGEST_LLM_API_KEY; never printed
    # [send]
    subject: str = "{name}, {week}: {lead}"
    list_id: str = ""
    unsubscribe_url: str = ""  # public base of `digest serve`, e.g. https://news.example.com
    unsubscribe_mailto: str = ""
    smtp: str = ""  # smtp://user@host:port or smtps://...
    outbox: Path = Path("outbox")
    subscribers: Path | None = None
    rate: float = 0.0  # messages per second, 0 = unlimited
    daily_cap: int = 0
    connections: int = 1
    attempts: int = 5  # tries per recipient and run (4xx, dropped connections)
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    state_dir: Path = Path(".digest")  # ledger, subscribers, HTTP cache, sent-article state
    # [serve]
    serve_threads: int = 8  # worker threads; idle connections never hold one
    serve_timeout: int = 30  # seconds before an idle or stalled connection is closed
    serve_max_body: int = 1024 * 1024  # bytes; a larger request body gets 413
    serve_backlog: int = 1024  # connections the OS queues before accepting
    serve_connection_limit: int = 200
    serve_trusted_proxy: str = ""  # address of a reverse proxy whose X-Forwarded-* headers are believed
    # [signup]
    signup_enabled: bool = False  # serve the double opt-in form at /subscribe
    signup_per_ip: int = 10  # signup requests per hour from one client address
    signup_per_address: int = 3  # signup requests per hour for one email address
    signup_expiry_hours: int = 48  # confirmation links expire after this many hours
    labels: Labels = field(default_factory=Labels)  # [labels]: the fixed words, file only
    config_path: Path | None = None

    @property
    def uses_sample(self) -> bool:
        """True when no sources are configured and the bundled sample week is used."""
        return not self.sources

    @property
    def week_choice(self) -> str:
        """Which week to build: the setting, else the sample's latest week, else the current one."""
        dated = bool(self.since or self.until)
        return (self.week or ("latest" if self.uses_sample and not dated else "current")).strip().lower()


# Where each file key lands: "table.key" -> field name.
FILE_KEYS = {
    **{f"newsletter.{k}": k for k in ("name", "sender", "reply_to", "postal_address", "language",
                                       "timezone", "web_url", "logo_url", "tagline")},
    **{f"theme.{k}": k for k in ("accent_color", "text_color", "background_color", "font_family")},
    **{f"build.{k}": k for k in ("out", "templates", "week", "strict", "allow_empty", "summarizer",
                                  "summary_words", "summary_sentences", "max_per_section", "html_budget",
                                  "state_dir")},
    **{f"fetch.{k}": f"fetch_{k}" for k in ("timeout", "connect_timeout", "retries", "max_wait", "max_bytes",
                                             "workers", "deadline")},
    "build.carry_over_days": "carry_over_days",
    **{f"signup.{k}": f"signup_{k}" for k in ("enabled", "per_ip", "per_address", "expiry_hours")},
    **{f"serve.{k}": f"serve_{k}" for k in ("threads", "timeout", "max_body", "backlog", "connection_limit",
                                             "trusted_proxy")},
    "sections.order": "section_order",
    "sections.aliases": "section_aliases",
    "sections.keywords": "section_keywords",
    "sections.default": "default_section",
    **{f"llm.{k}": f"llm_{k}" for k in ("base_url", "model")},
    **{f"labels.{f.name}": "labels" for f in dataclasses.fields(Labels)},
    **{f"send.{k}": k for k in ("subject", "list_id", "unsubscribe_url", "unsubscribe_mailto", "smtp",
                                 "outbox", "subscribers", "rate", "daily_cap", "connections", "attempts",
                                 "backoff")},
}
# Secrets are read from the environment only, never from the file or the command line.
SECRET_ENV = {"llm_api_key": "DIGEST_LLM_API_KEY"}
FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any, where: str) -> Any:
    """Convert a raw value to the field's type, or raise ConfigError naming it."""
    default = FIELDS[name].default
    try:
        if name in ("out", "outbox", "state_dir"):
            return Path(value)
        if name in ("templates", "subscribers"):
            return Path(value) if value else None
        if name == "section_order":
            return tuple(str(v) for v in (value.split(",") if isinstance(value, str) else value))
        if name == "section_aliases":
            return {**DEFAULT_ALIASES, **{str(k): str(v) for k, v in dict(value).items()}}
        if name == "section_keywords":
            return {str(k): tuple(str(w).lower() for w in v) for k, v in dict(value).items()}
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        return str(value)
    except (TypeError, ValueError, AttributeError):
        raise ConfigError(f"{where}: invalid value {value!r} for {name}") from None


def _sources(raw: Any, where: str) -> tuple[SourceSpec, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: [[sources]] must be a list of tables")
    out = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: source {i} is not a table")
        location = item.get("url") or item.get("path")
        if not location:
            raise ConfigError(f'{where}: source {i} needs "url" or "path"')
        options = {k: v for k, v in item.items() if k not in ("name", "url", "path", "kind", "timezone", "priority")}
        out.append(parse_source(str(location), name=item.get("name"), kind=item.get("kind", "auto"),
                                timezone=item.get("timezone", "UTC"), priority=int(item.get("priority", 0)),
                                options=options))
    return tuple(out)


def parse_source(text: str, name: str | None = None, kind: str = "auto", timezone: str = "UTC",
                 priority: int = 0, options: dict | None = None) -> SourceSpec:
    """A SourceSpec from `[kind:]location`, e.g. `wordpress:https://example.com`."""
    head, sep, rest = text.partition(":")
    if sep and head.isalpha() and head.lower() not in ("http", "https", "file") and len(head) > 1:
        kind, text = head.lower(), rest
    return SourceSpec(name=name or text, location=text, kind=canonical_kind(kind), timezone=timezone,
                      priority=priority, options=options or {}, named=bool(name))


def read_file(path: Path) -> dict[str, Any]:
    """Read digest.toml into {field: value}, or raise ConfigError naming the line."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (run `digest init` to write one)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    values: dict[str, Any] = {}
    for table, content in raw.items():
        if table == "sources":
            values["sources"] = _sources(content, str(path))
            continue
        if not isinstance(content, dict):
            raise ConfigError(f"{path}: unknown setting {table!r}")
        for key, value in content.items():
            field_name = FILE_KEYS.get(f"{table}.{key}")
            if field_name is None and f"{table}_{key}" in SECRET_ENV:
                raise ConfigError(f"{path}: [{table}] {key} is a secret: set {SECRET_ENV[f'{table}_{key}']} "
                                  "in the environment instead")
            if field_name is None:
                raise ConfigError(f"{path}: unknown setting [{table}] {key}")
            if field_name == "labels":  # one table of words, collected into one Labels
                values["labels"] = replace(values.get("labels", Labels()), **{key: str(value)})
                continue
            values[field_name] = _coerce(field_name, value, str(path))
    return values


def read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings from DIGEST_<FIELD> environment variables (secrets included)."""
    values: dict[str, Any] = {}
    for name in FIELDS:
        if name in ("sources", "config_path", "labels"):
            continue
        key = SECRET_ENV.get(name, ENV_PREFIX + name.upper())
        if key in environ and environ[key] != "":
            values[name] = _coerce(name, environ[key], f"environment variable {key}")
    return values


def resolve(cli: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None,
            config_path: Path | None = None, cwd: Path | None = None) -> Settings:
    """Resolve settings once: CLI over environment over file over defaults."""
    environ = os.environ if environ is None else environ
    cli = {k: v for k, v in (cli or {}).items() if v is not None}
    path = config_path or (Path(environ["DIGEST_CONFIG"]) if environ.get("DIGEST_CONFIG") else None)
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_FILE
        path = candidate if candidate.is_file() else None
    values: dict[str, Any] = read_file(path) if path else {}
    values.update(read_env(environ))
    for name, value in cli.items():
        values[name] = value if name == "sources" else _coerce(name, value, f"option --{name.replace('_', '-')}")
    values["config_path"] = path
    settings = Settings(**values)
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Reject settings that would fail later, with a message naming the setting."""
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"unknown timezone {settings.timezone!r} (use an IANA name such as Europe/Berlin)") from None
    for name in ("accent_color", "text_color", "background_color"):
        value = getattr(settings, name)
        if not (len(value) == 7 and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:])):
            raise ConfigError(f"{name} must be a 6-digit hex colour such as #0b5cad, not {value!r}")
    if settings.fetch_workers < 1 or settings.fetch_retries < 0 or settings.fetch_max_bytes < 1:
        raise ConfigError("[fetch] workers and max_bytes must be at least 1, retries at least 0")
    if min(settings.fetch_timeout, settings.fetch_connect_timeout, settings.fetch_max_wait) <= 0:
        raise ConfigError("[fetch] timeout, connect_timeout and max_wait must be positive seconds")
    if settings.fetch_deadline < 0:
        raise ConfigError("[fetch] deadline must be positive seconds (or 0 for three times timeout)")
    for label in (f.name for f in dataclasses.fields(Labels)):
        text, allowed = getattr(settings.labels, label), LABEL_PLACEHOLDERS.get(label, set())
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:  # an unmatched brace
            used = {"?"}
        if not text.strip():
            raise ConfigError(f"[labels] {label} is empty: give it some text, or leave it out for the default")
        if used - allowed:
            names = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
            raise ConfigError(f"[labels] {label} = {text!r}: placeholders allowed here: {names}")
    if min(settings.serve_threads, settings.serve_timeout, settings.serve_max_body, settings.serve_backlog,
           settings.serve_connection_limit) < 1:
        raise ConfigError("[serve] threads, timeout, max_body, backlog and connection_limit must be at least 1")
    if min(settings.signup_per_ip, settings.signup_per_address, settings.signup_expiry_hours) < 1:
        raise ConfigError("[signup] per_ip, per_address and expiry_hours must be at least 1")
    if not 10 <= settings.summary_words <= 200:
        raise ConfigError("summary_words must be between 10 and 200")
