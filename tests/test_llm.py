"""LLM summaries against a local server speaking the chat-completions shape; fallbacks on every failure."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from digest import extractive
from digest.config import Settings, settings_from
from digest.errors import ConfigError
from digest.llm import LLMConfig, LLMFailure, build_messages, cache_key, fit_answer, summarize_llm, summarize_many
from digest.models import Article

KEY = "sk-test-0123456789abcdef"
TITLE = "City council approves new tram line"
PARAGRAPHS = [
    "The city council approved a new tram line to the harbour on Tuesday, ending two years of debate.",
    "The line will run for 9 kilometres and is expected to open in 2029.",
]
PATH = "/v1/chat/completions"


def completion(text: str) -> dict:
    """A chat-completions answer carrying `text`."""
    return {
        "id": "cmpl-1",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
    }


@pytest.fixture
def config(httpserver: HTTPServer, tmp_path) -> LLMConfig:
    return LLMConfig(
        base_url=httpserver.url_for("/v1"), model="test-model", api_key=KEY, timeout=2.0, cache_dir=tmp_path / "cache"
    )


def extractive_summary(config: LLMConfig) -> str:
    return extractive.summarize(TITLE, PARAGRAPHS, config.max_words, config.max_sentences)


def test_summary_comes_from_the_endpoint_with_key_model_and_prompt(httpserver, config):
    httpserver.expect_oneshot_request(
        PATH, method="POST", headers={"Authorization": f"Bearer {KEY}"}
    ).respond_with_json(completion("A new harbour tram line was approved after two years of debate."))
    summary = summarize_llm(TITLE, PARAGRAPHS, config)
    assert (summary.text, summary.origin) == ("A new harbour tram line was approved after two years of debate.", "llm")
    request = httpserver.log[0][0]
    body = json.loads(request.get_data())
    assert body["model"] == "test-model"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "at most 2 sentences and at most 60 words" in body["messages"][0]["content"]
    assert body["messages"][1]["content"].startswith(f"Title: {TITLE}\n\nThe city council approved")


def test_cached_answer_is_reused_and_changed_content_asks_again(httpserver, config):
    httpserver.expect_request(PATH, method="POST").respond_with_json(completion("Tram line approved after debate."))
    first = summarize_llm(TITLE, PARAGRAPHS, config)
    second = summarize_llm(TITLE, PARAGRAPHS, config)
    assert first == second
    assert len(httpserver.log) == 1
    summarize_llm(TITLE, PARAGRAPHS + ["Construction starts next spring."], config)
    assert len(httpserver.log) == 2
    assert len(list((config.cache_dir).rglob("*.json"))) == 2


def test_cache_key_depends_on_content_prompt_and_model(config):
    messages = build_messages(TITLE, PARAGRAPHS, config)
    key = cache_key(messages, config)
    assert key == cache_key(build_messages(TITLE, PARAGRAPHS, config), config)
    assert key != cache_key(build_messages(TITLE, PARAGRAPHS[:1], config), config)
    assert key != cache_key(messages, LLMConfig(config.base_url, "other-model"))
    shorter = LLMConfig(config.base_url, config.model, max_words=30)
    assert key != cache_key(build_messages(TITLE, PARAGRAPHS, shorter), shorter)


@pytest.mark.parametrize(
    "respond",
    [
        lambda r: r.respond_with_data("upstream broke", status=500),
        lambda r: r.respond_with_json({"error": {"message": "invalid key"}}, status=401),
        lambda r: r.respond_with_data("<html>not json</html>", content_type="text/html"),
        lambda r: r.respond_with_json({"object": "chat.completion", "choices": []}),
        lambda r: r.respond_with_json({"choices": [{"message": {"content": None}}]}),
        lambda r: r.respond_with_json(completion("   ")),
        lambda r: r.respond_with_json(completion("This single sentence goes on " + "and on " * 40 + "forever.")),
    ],
    ids=["http-500", "http-401", "not-json", "no-choices", "null-content", "blank", "over-budget"],
)
def test_any_bad_answer_falls_back_to_the_extractive_summary(httpserver, config, respond, caplog):
    respond(httpserver.expect_request(PATH, method="POST"))
    summary = summarize_llm(TITLE, PARAGRAPHS, config)
    assert (summary.text, summary.origin) == (extractive_summary(config), "fallback")
    assert "used the extractive summary" in caplog.text
    assert not list(config.cache_dir.rglob("*.json"))  # failures are not cached


def test_timeout_falls_back(httpserver, config):
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response(json.dumps(completion("Too late.")), content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(slow)
    quick = LLMConfig(config.base_url, config.model, api_key=KEY, timeout=0.2, cache_dir=config.cache_dir)
    summary = summarize_llm(TITLE, PARAGRAPHS, quick)
    assert summary.origin == "fallback"


def test_unreachable_endpoint_falls_back(tmp_path):
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    url = server.url_for("/v1")
    server.stop()  # nothing listens there any more
    summary = summarize_llm(TITLE, PARAGRAPHS, LLMConfig(url, "m", timeout=1.0, cache_dir=tmp_path))
    assert summary.origin == "fallback"


def test_the_key_is_never_logged_or_shown(httpserver, config, caplog):
    caplog.set_level(logging.DEBUG)
    httpserver.expect_request(PATH, method="POST").respond_with_data("nope", status=503)
    summarize_llm(TITLE, PARAGRAPHS, config)
    assert KEY not in caplog.text
    assert KEY not in repr(config)


def test_answers_are_cleaned_and_fitted_to_the_budget():
    assert fit_answer('**Summary:** "The tram line was approved."', 60, 2) == "The tram line was approved."
    assert fit_answer("One. Two. Three.", 60, 2) == "One. Two."
    assert fit_answer("A short one. " + "word " * 20 + "end.", 10, 2) == "A short one."
    with pytest.raises(LLMFailure):
        fit_answer("word " * 30 + "end.", 10, 2)


def test_an_answer_stopped_at_the_token_limit_loses_its_unfinished_sentence(httpserver, config):
    answer = completion("The tram line was approved. Work on the harbour section starts in")
    answer["choices"][0]["finish_reason"] = "length"
    httpserver.expect_request(PATH, method="POST").respond_with_json(answer)
    assert summarize_llm(TITLE, PARAGRAPHS, config).text == "The tram line was approved."
    with pytest.raises(LLMFailure):
        fit_answer("Work on the harbour section starts in", 60, 2, cut_off=True)


def article(n: int) -> Article:
    return Article(
        id=f"a{n}",
        url=f"https://example.com/{n}",
        title=f"Story {n}",
        published=datetime(2026, 11, 24, tzinfo=UTC),
        source="test",
        content_html=f"<p>Story number {n} happened on Tuesday in the harbour district.</p>",
    )


def test_many_articles_keep_their_order_with_bounded_concurrency(tmp_path):
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def handler(request: Request) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        title = json.loads(request.get_data())["messages"][1]["content"].split("\n")[0]
        with lock:
            state["now"] -= 1
        return Response(json.dumps(completion(f"Summary of {title[7:]}.")), content_type="application/json")

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(PATH, method="POST").respond_with_handler(handler)
    server.start()
    try:
        config = LLMConfig(server.url_for("/v1"), "m", cache_dir=tmp_path)
        summaries = summarize_many([article(n) for n in range(10)], config, workers=3)
    finally:
        server.stop()
    assert [s.text for s in summaries] == [f"Summary of Story {n}." for n in range(10)]
    assert {s.origin for s in summaries} == {"llm"}
    assert 1 <= state["max"] <= 3


def test_config_from_settings(tmp_path):
    with pytest.raises(ConfigError, match="base_url and model"):
        LLMConfig.from_settings(Settings())
    settings = settings_from(
        {
            "llm.base_url": "https://llm.example.com/v1/",
            "llm.model": "m",
            "llm.api_key": KEY,
            "summary_words": 40,
            "state_dir": tmp_path,
        }
    )
    config = LLMConfig.from_settings(settings)
    assert config.endpoint == "https://llm.example.com/v1/chat/completions"
    assert (config.api_key, config.max_words, config.cache_dir) == (KEY, 40, tmp_path / "llm-cache")
