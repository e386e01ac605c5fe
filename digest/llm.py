"""Summaries from any endpoint speaking the common chat-completions API, with a disk cache.

Chosen by `summarizer = "llm"`. The endpoint is `<base_url>/chat/completions` (base_url as such
clients take it, e.g. https://llm.example.com/v1, or http://localhost:11434/v1 for a local server);
the key comes from the environment (DIGEST_LLM_API_KEY) and is sent only in the Authorization
header, never logged. Answers are cached on disk under a key made of the model, the prompt version,
the prompt and the hash of the article's content, so a rebuild asks again only for new or changed
articles. Requests run `workers` at a time; a 429, a 5xx or a dropped connection is retried
(honouring Retry-After, at most MAX_RETRY_WAIT seconds). On ANY failure (network, timeout, HTTP
error, unexpected or empty answer, answer over budget) the article gets the extractive summary
instead, with origin "fallback" and one warning. Past `max_articles` per build the rest get the
extractive summary without asking, so a huge week cannot run up a bill.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import requests

from digest import extractive
from digest.errors import ConfigError
from digest.files import atomic_write
from digest.models import Article, Summaries, Summary
from digest.normalize import clean_title, html_paragraphs
from digest.sentences import SENTENCE_END, split_sentences, word_count

log = logging.getLogger(__name__)

PROMPT_VERSION = 2  # bump when the prompt changes meaning, so cached answers are not reused
SYSTEM_PROMPT = (
    "You write the summaries of a weekly newsletter digest. Summarize the article you are given in at "
    "most {max_sentences} sentences and at most {max_words} words, in the article's own language. "
    "Answer with the summary only, as plain text: no heading, no preamble, no list, no markup. "
    "Say only what the article says."
)
MAX_RETRY_WAIT = 30.0  # seconds: a longer Retry-After is cut to this
FIRST_BACKOFF = 0.5  # seconds before the first retry without Retry-After, doubled each time
_LABEL = re.compile(r"^(?:summary|résumé|zusammenfassung|resumen)\s*:\s*", re.IGNORECASE)
_MARKUP = re.compile(r"[*_`#]+")
MAX_LISTED_FAILURES = 5  # failures named one by one in the build report
_RETRIED = (429, 500, 502, 503, 504)


class LLMFailure(Exception):
    """The endpoint gave no usable summary (the caller falls back to the extractive one)."""


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to ask for summaries; the key is excluded from repr()."""

    base_url: str
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = 30.0  # seconds, for connecting and for reading the answer
    cache_dir: Path | None = None
    max_words: int = 60
    max_sentences: int = 2
    max_input_chars: int = 6000  # longer articles are cut: the opening carries the news
    temperature: float = 0.2
    workers: int = 4
    retries: int = 2
    max_articles: int = 200

    @classmethod
    def from_settings(cls, settings: Any, cache_dir: Path | None = None) -> LLMConfig:
        """The config from resolved Settings; raises ConfigError when base URL or model is missing."""
        if not settings.llm.base_url or not settings.llm.model:
            raise ConfigError(
                'summarizer "llm" needs [llm] base_url and model (or DIGEST_LLM_BASE_URL '
                "and DIGEST_LLM_MODEL); the key comes from DIGEST_LLM_API_KEY"
            )
        return cls(
            base_url=settings.llm.base_url,
            model=settings.llm.model,
            api_key=settings.llm.api_key,
            cache_dir=cache_dir if cache_dir is not None else Path(settings.build.state_dir) / "llm-cache",
            max_words=settings.build.summary_words,
            max_sentences=settings.build.summary_sentences,
            timeout=settings.llm.timeout,
            max_input_chars=settings.llm.max_input_chars,
            workers=settings.llm.workers,
            retries=settings.llm.retries,
            max_articles=settings.llm.max_articles,
        )

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"


def article_paragraphs(article: Article) -> list[str]:
    """The article's plain-text paragraphs, or its excerpt when it has no body."""
    return html_paragraphs(article.content_html) or ([article.excerpt] if article.excerpt else [])


def capped_text(paragraphs: list[str], max_chars: int) -> str:
    """The article's text, cut at a word boundary before max_chars (CJK text has no spaces: cut anyway)."""
    text = " ".join(p.strip() for p in paragraphs if p.strip())
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars * 0.8 else cut


def build_messages(title: str, paragraphs: list[str], config: LLMConfig) -> list[dict[str, str]]:
    """The chat messages sent for one article: the instructions, then the title and the capped text."""
    system = SYSTEM_PROMPT.format(max_sentences=config.max_sentences, max_words=config.max_words)
    body = capped_text(paragraphs, config.max_input_chars)
    return [{"role": "system", "content": system}, {"role": "user", "content": f"Title: {title}\n\n{body}"}]


def cache_key(messages: list[dict[str, str]], config: LLMConfig) -> str:
    """Hash of the model, the prompt version and text, and the article content's own hash."""
    content_hash = hashlib.sha256(messages[-1]["content"].encode("utf-8")).hexdigest()
    material = json.dumps(
        {
            "v": PROMPT_VERSION,
            "model": config.model,
            "prompt": messages[0]["content"],
            "temperature": config.temperature,
            "content": content_hash,
        },
        sort_keys=True,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _cache_path(config: LLMConfig, key: str) -> Path | None:
    return config.cache_dir / key[:2] / f"{key}.json" if config.cache_dir else None


def _read_cache(path: Path | None) -> str | None:
    """A cached summary, or None when absent or unreadable (then the endpoint is asked again)."""
    if path is None or not path.is_file():
        return None
    try:
        text = json.loads(path.read_text(encoding="utf-8")).get("summary")
    except (OSError, ValueError, AttributeError):
        return None
    return text if isinstance(text, str) and text else None


def _write_cache(path: Path | None, summary: str) -> None:
    """Store a summary atomically (a reader never sees half a file); failures only cost a re-ask."""
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps({"summary": summary}, ensure_ascii=False))
    except OSError as exc:
        log.warning("cannot write the summary cache in %s (%s)", path.parent, exc.strerror)


def fit_answer(answer: str, max_words: int, max_sentences: int, cut_off: bool = False) -> str:
    """The answer sanitized like source text and fitted to the budget; raises LLMFailure if it can't be.

    `cut_off` says the endpoint stopped at its token limit: an unfinished last sentence is dropped.
    """
    text = _MARKUP.sub("", clean_title(answer))
    text = _LABEL.sub("", text).strip().strip("\"'“”").strip()
    sentences = split_sentences(text)
    if cut_off and sentences and not sentences[-1].endswith(SENTENCE_END):
        sentences.pop()
    if not sentences:
        raise LLMFailure("empty or unfinished answer")
    kept: list[str] = []
    used = 0
    for sentence in sentences[:max_sentences]:
        if used + word_count(sentence) > max_words:
            break
        kept.append(sentence)
        used += word_count(sentence)
    if not kept:
        raise LLMFailure(f"answer longer than {max_words} words")
    return " ".join(kept)


def retry_wait(response: requests.Response | None, attempt: int) -> float:
    """Seconds before the next try: the server's Retry-After when given, else a doubling backoff; capped."""
    header = response.headers.get("Retry-After", "").strip() if response is not None else ""
    wait = FIRST_BACKOFF * 2**attempt
    if header.isdigit():
        wait = float(header)
    elif header:
        try:
            wait = parsedate_to_datetime(header).timestamp() - time.time()
        except (TypeError, ValueError):
            pass
    return min(MAX_RETRY_WAIT, max(0.0, wait))


def ask(
    messages: list[dict[str, str]],
    config: LLMConfig,
    session: requests.Session,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[str, bool]:
    """The endpoint's answer text for one request and whether it hit the token limit.

    Retries a 429, a 5xx or a dropped connection up to config.retries times; raises LLMFailure on
    anything else unexpected, or when the tries run out.
    """
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    payload = {
        "model": config.model,
        "messages": messages,
        "temperature": config.temperature,
        "max_tokens": config.max_words * 4,
    }
    for attempt in range(config.retries + 1):
        last = attempt == config.retries
        try:
            resp = session.post(config.endpoint, json=payload, headers=headers, timeout=config.timeout)
        except requests.Timeout:
            raise LLMFailure(f"no answer within {config.timeout:g} s") from None
        except requests.RequestException as exc:
            if last:
                raise LLMFailure(f"cannot reach the endpoint ({exc.__class__.__name__})") from None
            sleep(retry_wait(None, attempt))
            continue
        if resp.status_code in _RETRIED and not last:
            sleep(retry_wait(resp, attempt))
            continue
        if resp.status_code != 200:
            raise LLMFailure(f"HTTP {resp.status_code}")
        try:
            choice = resp.json()["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMFailure("answer is not a chat completion") from None
        if not isinstance(content, str):
            raise LLMFailure("answer has no text")
        return content, choice.get("finish_reason") == "length"
    raise LLMFailure("no tries left")  # not reached: the last try returns or raises


def _summarize_one(
    title: str, paragraphs: list[str], config: LLMConfig, session: requests.Session
) -> tuple[Summary, str | None]:
    """The model's summary (fresh or cached), or the extractive fallback and a warning."""
    messages = build_messages(title, paragraphs, config)
    path = _cache_path(config, cache_key(messages, config))
    cached = _read_cache(path)
    if cached:
        return Summary(cached, "llm", cached=True), None
    try:
        if not config.base_url or not config.model:
            raise LLMFailure("no base URL or model configured")
        answer, cut_off = ask(messages, config, session)
        text = fit_answer(answer, config.max_words, config.max_sentences, cut_off)
    except LLMFailure as exc:
        fallback = extractive.summarize(title, paragraphs, config.max_words, config.max_sentences)
        return Summary(
            fallback, "fallback"
        ), f"LLM summary of {title[:80]!r} failed ({exc}); used the extractive summary"
    _write_cache(path, text)
    return Summary(text, "llm"), None


def summarize_llm(
    title: str, paragraphs: list[str], config: LLMConfig, session: requests.Session | None = None
) -> Summary:
    """An LLM summary (origin "llm"), or the extractive one (origin "fallback") on any failure."""
    summary, warning = _summarize_one(title, paragraphs, config, session or requests.Session())
    if warning:
        log.warning("%s", warning)
    return summary


def _summarize_batch(articles: Sequence[Article], config: LLMConfig) -> list[tuple[Summary, str | None]]:
    """(summary, warning) per article, in input order, at most config.workers requests in flight."""
    local = threading.local()

    def one(article: Article) -> tuple[Summary, str | None]:
        if not hasattr(local, "session"):
            local.session = requests.Session()  # sessions are not shared between threads
        return _summarize_one(article.title, article_paragraphs(article), config, local.session)

    with ThreadPoolExecutor(max_workers=max(1, config.workers), thread_name_prefix="digest-llm") as pool:
        return list(pool.map(one, articles))


def summarize_many(articles: Sequence[Article], config: LLMConfig, workers: int | None = None) -> list[Summary]:
    """Summaries of many articles, in input order (failures logged and replaced by the fallback)."""
    if workers is not None:
        config = LLMConfig(**{**config.__dict__, "workers": workers})
    results = _summarize_batch(articles, config)
    for _, warning in results:
        if warning:
            log.warning("%s", warning)
    return [summary for summary, _ in results]


@dataclass(frozen=True)
class LLMSummarizer:
    """The `llm` summarizer: the model for up to max_articles articles, the extractive one for the rest."""

    config: LLMConfig
    fallback: Callable[[Article], Summary]
    name: str = "llm"

    def summarize(self, articles: Sequence[Article]) -> Summaries:
        """Summaries keyed by article id; featured and higher-priority articles are asked first."""
        order = sorted(articles, key=lambda a: (not a.featured, -a.priority, -a.published.timestamp(), a.id))
        asked, rest = order[: self.config.max_articles], order[self.config.max_articles :]
        results = _summarize_batch(asked, self.config)
        by_id = {a.id: summary for a, (summary, _) in zip(asked, results, strict=True)}
        failures = [w for _, w in results if w]
        warnings = failures[:MAX_LISTED_FAILURES]
        if len(failures) > MAX_LISTED_FAILURES:
            warnings.append(
                f"... and {len(failures) - MAX_LISTED_FAILURES} more LLM summaries failed "
                "and used the extractive summary"
            )
        for article in rest:
            by_id[article.id] = self.fallback(article)
        if rest:
            warnings.append(
                f"{len(rest)} article(s) past [llm] max_articles = {self.config.max_articles} "
                "got the extractive summary"
            )
        return Summaries(by_id, tuple(warnings))
