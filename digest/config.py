"""Settings, declared once: one frozen dataclass per TOML table, each field with its default and help.

Parsing, coercion, environment overrides, validation, the starter `digest.toml` and the settings
reference (digest/settings_doc.py) are all driven by these declarations. Settings are resolved
once: CLI > environment > file > defaults (digest/config_load.py).
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from digest.config_rules import check_field, control_character
from digest.errors import ConfigError
from digest.models import LABEL_PLACEHOLDERS, Labels
from digest.sources import SourceSpec

CONFIG_FILE = "digest.toml"
ENV_PREFIX = "DIGEST_"
# Common synonyms folded into one section unless [sections.aliases] says otherwise.
DEFAULT_ALIASES = {"AI": "Artificial Intelligence", "Machine Learning": "Artificial Intelligence"}


def setting(default: Any, help: str, **rules: Any) -> Any:
    """Declare one setting: its default, its help text and the rules it obeys.

    Rules: env (the variable's name, "" for none), file (False: not read from digest.toml),
    secret (environment only), choices, min, max, above (exclusive minimum), header (no control
    characters), url (http or https only), color, timezone, starter (write it uncommented in the
    starter file), example (a commented example value for the starter file).
    """
    metadata = {"help": help, **rules}
    shown = not rules.get("secret")  # a secret never appears in a repr or a log line
    if isinstance(default, (dict, list)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata, repr=shown)
    return field(default=default, metadata=metadata, repr=shown)


@dataclass(frozen=True)
class Table:
    """A TOML table of settings that checks every value when it is built."""

    TABLE: ClassVar[str] = ""
    ENV: ClassVar[str] = ""  # the environment variable prefix after DIGEST_, e.g. "FETCH_"
    HELP: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            problem = check_field(f, getattr(self, f.name))
            if problem:
                raise ConfigError(f"[{self.TABLE}] {f.name} {problem}")


def env_name(table: type[Table], f: dataclasses.Field) -> str:
    """The environment variable that overrides a setting ("" when none does)."""
    name = f.metadata.get("env")
    return name if name is not None else f"{ENV_PREFIX}{table.ENV}{f.name}".upper()


@dataclass(frozen=True)
class NewsletterSettings(Table):
    """[newsletter]: who sends the issue, and its identity."""

    TABLE: ClassVar[str] = "newsletter"
    HELP: ClassVar[str] = "The newsletter's identity."
    name: str = setting(
        "The Circuit Weekly", "the newsletter's name, in the header and the subject", header=True, starter=True
    )
    sender: str = setting("The Circuit Weekly <digest@example.com>", "the From address", header=True, starter=True)
    reply_to: str = setting("", "the Reply-To address", header=True, example="editors@example.com")
    postal_address: str = setting(
        "The Circuit Weekly, 1 Example Street, Springfield 00000",
        "shown in every footer, as anti-spam law in most countries requires",
        starter=True,
    )
    language: str = setting(
        "en", '`<html lang>`; right-to-left languages (ar, fa, he, ur ...) set `dir="rtl"`', starter=True
    )
    timezone: str = setting(
        "UTC", "the IANA timezone in which the issue's ISO week is counted", timezone=True, starter=True
    )
    web_url: str = setting(
        "",
        'public http(s) URL of the archive\'s `web/` folder; enables "View in browser", '
        "which links to `<web_url>/<issue id>.html`",
        url=True,
        example="https://news.example.com/issues/web",
    )
    logo_url: str = setting(
        "", "an http(s) logo shown in the header", url=True, example="https://news.example.com/logo.png"
    )
    tagline: str = setting("The week in technology, summarized.", "a line under the name", starter=True)


@dataclass(frozen=True)
class ThemeSettings(Table):
    """[theme]: the issue's colours and font."""

    TABLE: ClassVar[str] = "theme"
    HELP: ClassVar[str] = "The issue's colours and font."
    accent_color: str = setting("#0b5cad", "links and headings; a 6-digit hex colour", color=True, starter=True)
    text_color: str = setting("#1f2328", "body text; a 6-digit hex colour", color=True, starter=True)
    background_color: str = setting("#f4f5f7", "behind the issue; a 6-digit hex colour", color=True, starter=True)
    font_family: str = setting(
        "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
        "CSS font stack; `Arial, sans-serif` is added when it names no generic family",
    )


@dataclass(frozen=True)
class BuildSettings(Table):
    """[build]: which week, where it goes, how it is summarized."""

    TABLE: ClassVar[str] = "build"
    HELP: ClassVar[str] = "Which week is built, how, and where it is written."
    out: Path = setting(Path("issues"), "where `<YYYY>-W<WW>.html`/`.txt`/`.json` are written", starter=True)
    templates: Path | None = setting(
        None, "a template folder checked before the built-in templates", example="my-templates"
    )
    week: str = setting(
        "",
        "`current`, `previous`, `latest` or an ISO week such as `2026-W47` "
        "(default: current; latest for the bundled sample)",
        example="2026-W47",
    )
    since: str = setting("", "first day of a custom window (YYYY-MM-DD), instead of `week`", file=False)
    until: str = setting("", "last day of a custom window (YYYY-MM-DD, inclusive; default today)", file=False)
    strict: bool = setting(False, "make any source failure or unusable item fatal")
    allow_empty: bool = setting(False, "write an issue even when the week has no articles")
    summarizer: str = setting(
        "extractive", "`extractive` (offline), or `llm` (see [llm])", choices=("extractive", "llm")
    )
    summary_words: int = setting(60, "the summary budget in words (10 to 200)", min=10, max=200, starter=True)
    summary_sentences: int = setting(2, "the summary budget in sentences", min=1)
    max_per_section: int = setting(
        6, "articles shown in full per section; the rest are listed as links", min=1, starter=True
    )
    html_budget: int = setting(
        82_000,
        'HTML bytes before the lowest-ranked articles move to a "More this week" list (Gmail clips at 102 KB)',
        min=1,
    )
    state_dir: Path = setting(Path(".digest"), "the ledger, subscriber list, HTTP cache and sent-article record")
    carry_over_days: int = setting(
        7, "articles published this many days before the week that no issue carried still go out", min=0
    )


def _aliases(value: Mapping[str, str]) -> dict[str, str]:
    return {**DEFAULT_ALIASES, **{str(k): str(v) for k, v in dict(value).items()}}


def _keywords(value: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    return {
        str(k): tuple(str(w).lower() for w in (v.split(",") if isinstance(v, str) else v))
        for k, v in dict(value).items()
    }


@dataclass(frozen=True)
class SectionsSettings(Table):
    """[sections]: how articles are grouped."""

    TABLE: ClassVar[str] = "sections"
    HELP: ClassVar[str] = "How articles are grouped into sections."
    order: tuple[str, ...] = setting(
        (),
        "section names in the order they appear",
        env="DIGEST_SECTION_ORDER",
        starter=["News", "Artificial Intelligence", "Startups", "Security", "Gadgets", "Policy"],
    )
    aliases: Mapping[str, str] = setting(
        dict(DEFAULT_ALIASES),
        "a table mapping a source's category name to a section name (added to the defaults shown)",
        env="DIGEST_SECTION_ALIASES",
        coerce=_aliases,
        starter=True,
    )
    keywords: Mapping[str, tuple[str, ...]] = setting(
        {},
        "a table mapping a section to keywords, for articles without a category",
        env="DIGEST_SECTION_KEYWORDS",
        coerce=_keywords,
        example={"Security": ["breach", "ransomware"]},
    )
    default: str = setting(
        "",
        'the section for articles with no usable category (unset: the `default_section` label, "More news" in English)',
        env="DIGEST_DEFAULT_SECTION",
        example="More news",
    )
    min_size: int = setting(
        2,
        "a section with fewer articles is folded into a larger one (1 keeps every section)",
        env="DIGEST_SECTION_MIN_SIZE",
        min=1,
    )


@dataclass(frozen=True)
class FetchSettings(Table):
    """[fetch]: how sources are read over HTTP."""

    TABLE: ClassVar[str] = "fetch"
    ENV: ClassVar[str] = "FETCH_"
    HELP: ClassVar[str] = "How sources are read (HTTP and files)."
    timeout: float = setting(
        20.0, "seconds to wait for an answer (read timeout); a slow source is reported, not retried", above=0
    )
    connect_timeout: float = setting(5.0, "seconds to wait for a connection", above=0)
    retries: int = setting(
        3, "retries after a connection error, a 429 or a 5xx, with exponential backoff from 0.5 s", min=0
    )
    max_wait: float = setting(30.0, "cap in seconds on one backoff delay or on a server's `Retry-After`", above=0)
    max_bytes: int = setting(10 * 1024 * 1024, "the largest response (after decompression) or file accepted", min=1)
    workers: int = setting(20, "sources read at once", min=1)
    deadline: float = setting(
        0.0,
        "seconds one source may take in all (every request, retry and page); past it "
        "the source fails alone; 0 means three times `timeout`",
        min=0,
    )


@dataclass(frozen=True)
class LlmSettings(Table):
    """[llm]: the chat-completions endpoint for `summarizer = "llm"`."""

    TABLE: ClassVar[str] = "llm"
    ENV: ClassVar[str] = "LLM_"
    HELP: ClassVar[str] = 'The model endpoint for `summarizer = "llm"`.'
    base_url: str = setting(
        "",
        "the chat-completions endpoint's base URL, e.g. `https://llm.example.com/v1`",
        example="http://localhost:11434/v1",
    )
    model: str = setting("", "the model's name", example="llama3.2")
    api_key: str = setting("", "the endpoint's key; from the environment only, never printed", secret=True)
    workers: int = setting(4, "requests in flight at once", min=1)
    timeout: float = setting(30.0, "seconds to wait for one answer", above=0)
    retries: int = setting(2, "extra tries after a 429, a 5xx or a dropped connection", min=0)
    max_articles: int = setting(
        200, "articles summarized by the model per build; the rest get the extractive summary (0: none)", min=0
    )
    max_input_chars: int = setting(6000, "characters of the article's cleaned text sent with its title", min=200)


@dataclass(frozen=True)
class SendSettings(Table):
    """[send]: how an issue is delivered."""

    TABLE: ClassVar[str] = "send"
    HELP: ClassVar[str] = "How an issue is delivered (`digest send`, `digest run`)."
    subject: str = setting(
        "",
        "the subject; fields `{name}`, `{date}` (the issue's days in its language), "
        "`{week}` (the ISO week id), `{lead}` (lead title, or the issue title), `{title}`, `{id}`; "
        "unset, `{name}, {date}: {lead}` with the language's comma; the issue's own subject "
        "(curation file) wins",
        header=True,
        example="{name}, {date}: {lead}",
    )
    list_id: str = setting(
        "",
        "the `List-Id` header (default: `<name> <slug.sender-domain>`)",
        header=True,
        example="circuit.news.example.com",
    )
    unsubscribe_url: str = setting(
        "",
        "the public http(s) base of `digest serve`; links are "
        "`<unsubscribe_url>/u/TOKEN`. Required for SMTP and the APIs",
        url=True,
        example="https://news.example.com",
    )
    unsubscribe_mailto: str = setting(
        "", "an address for the `mailto:` half of `List-Unsubscribe`", header=True, example="unsubscribe@example.com"
    )
    smtp: str = setting(
        "",
        "`smtp://user@host:587` (STARTTLS; required before a login except on localhost) or "
        "`smtps://user@host:465` (implicit TLS). The password comes only from "
        "`DIGEST_SMTP_PASSWORD`; a password in the URL is refused. Default: write previews "
        "(`.eml` files, nothing delivered) to the outbox",
        example="smtp://user@smtp.example.com:587",
    )
    api: str = setting(
        "",
        "send through an email API instead of SMTP: `ses://REGION`, `postmark://` "
        "(`?stream=NAME`, default `broadcast`) or `mailgun://DOMAIN` (`?region=eu` for the EU "
        "service). Credentials come only from the environment: the AWS credential chain, "
        "`DIGEST_POSTMARK_TOKEN`, `DIGEST_MAILGUN_KEY` (see docs/sending.md)",
        example="postmark://",
    )
    api_endpoint: str = setting(
        "",
        "the API's base URL, for a regional or compatible service (default: the provider's)",
        url=True,
        example="https://api.eu.mailgun.net",
    )
    outbox: Path = setting(
        Path("outbox"),
        "folder for previews (`.eml` files, nothing delivered) when neither `smtp` nor `api` is set "
        "(`<outbox>/<issue>/<address>.eml`)",
    )
    subscribers: Path | None = setting(
        None, "a CSV file (columns `email`, `name`, any others) instead of the subscriber list"
    )
    rate: float = setting(0.0, "messages per second over all connections (0: no limit)", min=0)
    daily_cap: int = setting(
        0,
        "messages in any rolling 24 hours, all issues together (0: no cap); the rest are deferred to the next run",
        min=0,
    )
    connections: int = setting(
        1, "parallel SMTP connections, each reused for many messages (with `api`: concurrent API calls)", min=1
    )
    attempts: int = setting(5, "tries per recipient and run after a 4xx reply or a dropped connection", min=1)
    backoff: float = setting(2.0, "seconds before the first retry, doubled each time (at most 300)", min=0)


@dataclass(frozen=True)
class ServeSettings(Table):
    """[serve]: the limits of `digest serve`."""

    TABLE: ClassVar[str] = "serve"
    ENV: ClassVar[str] = "SERVE_"
    HELP: ClassVar[str] = "The limits of `digest serve` (see docs/deployment.md)."
    threads: int = setting(8, "worker threads of `digest serve` (idle connections never hold one)", min=1)
    timeout: int = setting(30, "seconds before an idle or stalled connection is closed", min=1)
    max_body: int = setting(1024 * 1024, "the largest request body accepted (413 above it)", min=1)
    backlog: int = setting(1024, "connections the operating system queues before they are accepted", min=1)
    connection_limit: int = setting(200, "connections open at once; more wait in the backlog", min=1)
    trusted_proxy: str = setting(
        "",
        "the reverse proxy's address, whose `X-Forwarded-For` / `-Proto` / `-Host` "
        "are believed (see docs/deployment.md)",
        example="127.0.0.1",
    )


@dataclass(frozen=True)
class SignupSettings(Table):
    """[signup]: the double opt-in form of `digest serve`."""

    TABLE: ClassVar[str] = "signup"
    ENV: ClassVar[str] = "SIGNUP_"
    HELP: ClassVar[str] = "The double opt-in signup form at /subscribe (see docs/subscribers.md)."
    enabled: bool = setting(False, "serve the double opt-in signup form at `/subscribe`")
    per_ip: int = setting(10, "signup requests allowed per hour from one client address", min=1)
    per_address: int = setting(3, "signup requests allowed per hour for one email address", min=1)
    expiry_hours: int = setting(48, "how long a confirmation link stays valid, in hours", min=1)


@dataclass(frozen=True)
class BouncesSettings(Table):
    """[bounces]: what `digest bounces` does with the reports it reads."""

    TABLE: ClassVar[str] = "bounces"
    ENV: ClassVar[str] = "BOUNCES_"
    HELP: ClassVar[str] = (
        "Bounce and complaint reports read by `digest bounces` or received as webhooks (see docs/subscribers.md)."
    )
    soft_limit: int = setting(3, "issues in a row that soft-bounced before an address is suppressed", min=1)
    imap: str = setting(
        "",
        "an IMAP folder `digest bounces` reads when given no file: `imaps://user@host/Folder` "
        "(implicit TLS, port 993) or `imap://user@host/Folder` (STARTTLS, port 143; without "
        "it only to localhost). The password comes only from `DIGEST_IMAP_PASSWORD`; a "
        "password in the URL is refused",
        header=True,
        example="imaps://bounces@imap.example.com/INBOX",
    )
    imap_move_to: str = setting(
        "",
        "a folder that processed reports are moved to (default: they are marked read and stay)",
        header=True,
        example="Processed",
    )
    imap_password: str = setting("", "the password of the `imap` user", secret=True, env="DIGEST_IMAP_PASSWORD")


@dataclass(frozen=True)
class HooksSettings(Table):
    """[hooks]: the bounce and complaint webhooks of `digest serve`; each is off until configured."""

    TABLE: ClassVar[str] = "hooks"
    ENV: ClassVar[str] = "HOOKS_"
    HELP: ClassVar[str] = "Bounce and complaint webhooks at /hooks/<provider> (see docs/subscribers.md)."
    ses_topics: tuple[str, ...] = setting(
        (),
        "the SNS topic ARNs whose Amazon SES notifications `/hooks/ses` accepts; empty: SES webhooks off",
        example=["arn:aws:sns:eu-west-1:123456789012:digest-bounces"],
    )
    sns_trusted_cert: Path | None = setting(
        None,
        "a PEM certificate trusted to sign SNS messages, used instead of fetching `SigningCertURL` (air-gapped setups)",
        example="/etc/digest/sns-signing.pem",
    )
    sns_hosts: tuple[str, ...] = setting(
        (),
        "hosts (`host:port`) accepted for `SigningCertURL` and `SubscribeURL` "
        "beside `sns.<region>.amazonaws.com`, over http too (a local SNS "
        "emulator)",
    )
    postmark_user: str = setting(
        "", "the user name Postmark sends with basic auth", secret=True, env="DIGEST_POSTMARK_WEBHOOK_USER"
    )
    postmark_password: str = setting(
        "", "the password Postmark sends with basic auth", secret=True, env="DIGEST_POSTMARK_WEBHOOK_PASSWORD"
    )
    postmark_auth: str = setting(
        "", "`user:password` in one, instead of the two above", secret=True, env="DIGEST_POSTMARK_WEBHOOK_AUTH"
    )
    mailgun_key: str = setting("", "Mailgun's HTTP webhook signing key", secret=True, env="DIGEST_MAILGUN_WEBHOOK_KEY")
    sendgrid_key: str = setting(
        "",
        "SendGrid's event webhook verification key (base64, as SendGrid shows it)",
        secret=True,
        env="DIGEST_SENDGRID_WEBHOOK_KEY",
    )


TABLES: tuple[type[Table], ...] = (
    NewsletterSettings,
    ThemeSettings,
    BuildSettings,
    SectionsSettings,
    FetchSettings,
    LlmSettings,
    SendSettings,
    ServeSettings,
    SignupSettings,
    BouncesSettings,
    HooksSettings,
)
# Help for each [labels] key (the defaults live on digest.models.Labels).
LABEL_HELP = {
    "week_title": "the issue's heading; `{week}` is the ISO week number, `{year}` its year",
    "top_story": "above the lead story",
    "also_in": "before a section's links past `max_per_section`; `{section}`",
    "more_this_week": 'the heading of the "more this week" list',
    "omitted": "when articles did not fit in the email; `{count}`",
    "read_all": "the button after `omitted`, with `web_url`",
    "view_in_browser": "the link to the web version, with `web_url`",
    "subscribed": "in the footer; `{name}` is the newsletter's name",
    "unsubscribe": "the unsubscribe link",
    "min_read": "an article's reading time; `{minutes}`",
    "no_articles": "the text of an empty issue",
    "default_section": "the section for articles without a usable category (unless `[sections] default` is set)",
    "preheader": "the inbox preview: the sections' top stories; `{stories}`",
    "preheader_sections": "the inbox preview when no story title fits; `{count}`, `{topics}`",
    "all_issues": "the archive index's title, and the web version's link to it",
    "feed": "the link to the Atom feed",
    "date": "the archive index's date column",
    "subject": "the archive index's subject column",
    "lead_story": "the archive index's lead story column",
    "no_issues": "the archive index before the first issue",
    "read_on_web": "a feed entry's link to the web version",
    "unsubscribe_question": "the unsubscribe page's heading; `{name}`",
    "unsubscribe_effect": "the unsubscribe pages' explanation; `{address}`",
    "unsubscribed": "the page after unsubscribing",
    "unsubscribe_help": "`digest serve`'s /unsubscribe page",
    "invalid_link": "the page for a bad or tampered link",
    "not_found": "the page for an unknown address",
    "not_allowed": "the page for a request method a page does not take (405)",
    "subscribe": "the signup form's button",
    "check_inbox": "the answer to a signup request",
    "invalid_address": "the answer to a signup with a malformed address; `{detail}` is the reason, in English (leave it out to omit it)",
    "too_many_requests": "the answer to a signup past the rate limit",
    "confirm_subject": "the confirmation mail's subject; `{name}`",
    "confirm_intro": "the confirmation mail's text; `{name}`, `{hours}`",
    "confirm_button": "the confirmation mail's button",
    "confirm_ignore": "the confirmation mail's closing line",
    "confirmed": "the page after confirming; `{name}`",
    "latest_issue": "the link to the latest issue on that page",
    "pause": "the pause offer on the unsubscribe page",
    "paused": "the page after pausing; `{date}`",
}
# Labels that become mail headers, and so must stay on one line.
HEADER_LABELS = {"confirm_subject"}


@dataclass(frozen=True)
class Settings:
    """Every setting digest reads, one table at a time."""

    newsletter: NewsletterSettings = field(default_factory=NewsletterSettings)
    theme: ThemeSettings = field(default_factory=ThemeSettings)
    build: BuildSettings = field(default_factory=BuildSettings)
    sections: SectionsSettings = field(default_factory=SectionsSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    llm: LlmSettings = field(default_factory=LlmSettings)
    send: SendSettings = field(default_factory=SendSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    signup: SignupSettings = field(default_factory=SignupSettings)
    bounces: BouncesSettings = field(default_factory=BouncesSettings)
    hooks: HooksSettings = field(default_factory=HooksSettings)
    labels: Labels = field(default_factory=Labels)  # [labels]: the fixed words, file only
    sources: tuple[SourceSpec, ...] = ()  # [[sources]]
    config_path: Path | None = None

    def __post_init__(self) -> None:
        check_labels(self.labels)

    @property
    def uses_sample(self) -> bool:
        """True when no sources are configured and the bundled sample week is used."""
        return not self.sources

    @property
    def week_choice(self) -> str:
        """Which week to build: the setting, else the sample's latest week, else the current one."""
        build = self.build
        dated = bool(build.since or build.until)
        return (build.week or ("latest" if self.uses_sample and not dated else "current")).strip().lower()


def check_labels(labels: Labels) -> None:
    """Refuse an empty label, or a placeholder the label cannot fill."""
    for label in (f.name for f in dataclasses.fields(Labels)):
        text, allowed = getattr(labels, label), LABEL_PLACEHOLDERS.get(label, set())
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError:  # an unmatched brace
            used = {"?"}
        if not text.strip():
            raise ConfigError(f"[labels] {label} is empty: give it some text, or leave it out for the default")
        if label in HEADER_LABELS and control_character(text) is not None:
            raise ConfigError(
                f"[labels] {label} contains the control character "
                f"U+{ord(control_character(text) or ' '):04X}: it would reach a mail header; "
                "write it on one line"
            )
        if used - allowed:
            names = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
            raise ConfigError(f"[labels] {label} = {text!r}: placeholders allowed here: {names}")


# Resolution lives in config_load; re-exported so callers import settings from one place.
from digest.config_load import parse_source, read_env, read_file, resolve, settings_from  # noqa: E402, F401
