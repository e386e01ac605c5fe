"""Optional summaries from any endpoint speaking the common chat-completions API, with a disk cache.

Off by default (`summarizer = "llm"` turns it on). The endpoint is `<base_url>/chat/completions`
(base_url as such clients take it, e.g. https://llm.example.com/v1); the key comes from the
environment (DIGEST_LLM_API_KEY) and is sent only in the Authorization header, never logged.
Answers are cached on disk under a key made of the model, the prompt and the hash of the
article's content, so a rebuild asks again only for new or changed articles. On ANY failure
(network, timeout, HTTP error, unexpected or empty answer, answer over budget) the article gets
the extractive summary instead, with origin "extractive" and one warning line in the log.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import requests

from digest import extractive
from digest.errors import ConfigError
from digest.files import atomic_write
from digest.models import Article, Summary
from digest.normalize import clean_text, html_paragraphs
from digest.sentences import SENTENCE_END, split_sentences, word_count

log = logging.getLogger(__name__)

PROMPT_VERSION = 1  # bump when the prompt changes meaning, so cached answers are not reused
SYSTEM_PROMPT = (
    "You write the summaries of a weekly newsletter digest. Summarize the article you are given in at "
    "most {max_sentences} sentences and at most {max_words} words, in the article's own language. "
    "Answer with the summary only, as plain text: no heading, no preamble, no list, no markup. "
    "Say only what the article says."
)
_LABEL = re.compile(r"^(?:summary|résumé|zusammenfassung|resumen)\s*:\s*", re.I)
_MARKUP = re.compile(r"[*_`#]+")


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
    max_input_words: int = 1500  # longer articles are cut: the opening carries the news
    temperature: float = 0.2

    @classmethod
    def from_settings(cls, settings: Any, cache_dir: Path | None = None) -> "LLMConfig":
        """The config from resolved Settings; raises ConfigError when base URL or model is missing."""
        if not settings.llm.base_url or not settings.llm.model:
            raise ConfigError('summarizer "llm" needs [llm] base_url and model (or DIGEST_LLM_BASE_URL '
                              'and DIGEST_LLM_MODEL); the key comes from DIGEST_LLM_API_KEY')
        return cls(base_url=settings.llm.base_url, model=settings.llm.model, api_key=settings.llm.api_key,
                   cache_dir=cache_dir if cache_dir is not None else Path(settings.build.state_dir) / "llm-cache",
                   max_words=settings.build.summary_words, max_sentences=settings.build.summary_sentences)

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"


def article_paragraphs(article: Article) -> list[str]:
    """The article's plain-text paragraphs, or its excerpt when it has no body."""
    return html_paragraphs(article.content_html) or ([article.excerpt] if article.excerpt else [])


def build_messages(title: str, paragraphs: list[str], config: LLMConfig) -> list[dict[str, str]]:
    """The chat messages sent for one article."""
    body_words = " ".join(paragraphs).split()[: config.max_input_words]
    system = SYSTEM_PROMPT.format(max_sentences=config.max_sentences, max_words=config.max_words)
    return [{"role": "system", "content": system},
            {"role": "user", "content": f"Title: {title}\n\n{' '.join(body_words)}"}]


def cache_key(messages: list[dict[str, str]], config: LLMConfig) -> str:
    """Hash of the model, the prompt and the article content's own hash."""
    content_hash = hashlib.sha256(messages[-1]["content"].encode("utf-8")).hexdigest()
    material = json.dumps({"v": PROMPT_VERSION, "model": config.model, "prompt": messages[0]["content"],
                           "temperature": config.temperature, "content": content_hash}, sort_keys=True)
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
    """The answer as plain text within budget (whole sentences); raises LLMFailure if it can't be.

    `cut_off` says the endpoint stopped at its token limit: an unfinished last sentence is dropped.
    """
    text = _MARKUP.sub("", clean_text(answer))
    text = _LABEL.sub("", text).strip().strip("\"'“”").strip()
    sentences = split_sentences(text)
    if cut_off and sentences and not sentences[-1].endswith(SENTENCE_END):
        sentences.pop()
    if not sentences:
        raise LLMFailure("empty or unfinished answer")
    kept, used = [], 0
    for sentence in sentences[:max_sentences]:
        if used + word_count(sentence) > max_words:
            break
        kept.append(sentence)
        used += word_count(sentence)
    if not kept:
        raise LLMFailure(f"answer longer than {max_words} words")
    return " ".join(kept)


def ask(messages: list[dict[str, str]], config: LLMConfig, session: requests.Session) -> tuple[str, bool]:
    """The endpoint's answer text for one request and whether it hit the token limit.

    Raises LLMFailure on anything unexpected.
    """
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    payload = {"model": config.model, "messages": messages, "temperature": config.temperature,
               "max_tokens": config.max_words * 4}
    try:
        resp = session.post(config.endpoint, json=payload, headers=headers, timeout=config.timeout)
    except requests.Timeout:
        raise LLMFailure(f"no answer within {config.timeout:g} s") from None
    except requests.RequestException as exc:
        raise LLMFailure(exc.__class__.__name__) from None
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


def summarize_llm(title: str, paragraphs: list[str], config: LLMConfig,
                  session: requests.Session | None = None) -> Summary:
    """An LLM summary (origin "llm"), or the extractive one (origin "extractive") on any failure."""
    messages = build_messages(title, paragraphs, config)
    path = _cache_path(config, cache_key(messages, config))
    cached = _read_cache(path)
    if cached:
        return Summary(cached, "llm")
    try:
        if not config.base_url or not config.model:
            raise LLMFailure("no base URL or model configured")
        answer, cut_off = ask(messages, config, session or requests.Session())
        text = fit_answer(answer, config.max_words, config.max_sentences, cut_off)
    except LLMFailure as exc:
        log.warning("LLM summary of %r failed (%s); using the extractive summary", title[:80], exc)
        return Summary(extractive.summarize(title, paragraphs, config.max_words, config.max_sentences),
                       "extractive")
    _write_cache(path, text)
    return Summary(text, "llm")


def summarize_many(articles: Sequence[Article], config: LLMConfig, workers: int = 4) -> list[Summary]:
    """Summaries of many articles, in input order, at most `workers` requests in flight."""
    local = threading.local()

    def one(article: Article) -> Summary:
        if not hasattr(local, "session"):
            local.session = requests.Session()  # sessions are not shared between threads
        return summarize_llm(article.title, article_paragraphs(article), config, local.session)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="digest-llm") as pool:
        return list(pool.map(one, articles))
