"""`summarizer = "llm"` through `digest build`, against a local server speaking the chat-completions shape."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from digest.cli import app

PATH = "/v1/chat/completions"
KEY = "sk-local-0123456789abcdef"
SAMPLE_ARTICLES = 31  # the bundled sample week's issue


def completion(text: str) -> dict:
    """A chat-completions answer carrying `text`."""
    return {
        "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
    }


def title_of(request: Request) -> str:
    """The article title a request carries ("Title: ..." opens the user message)."""
    return json.loads(request.get_data())["messages"][1]["content"].split("\n")[0][len("Title: ") :]


def answer_with_title(request: Request) -> Response:
    """A summary naming the article, so the test can tell summaries apart."""
    return Response(json.dumps(completion(f"Model summary of {title_of(request)}.")), content_type="application/json")


def write_config(tmp_path: Path, server: HTTPServer, **llm: object) -> Path:
    """A digest.toml using the bundled sample week and the llm summarizer."""
    settings = {"base_url": server.url_for("/v1"), "model": "local-model", **llm}
    lines = [
        "[build]",
        'summarizer = "llm"',
        f'out = "{tmp_path / "issues"}"',
        f'state_dir = "{tmp_path / "state"}"',
        "",
        "[llm]",
    ] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    path = tmp_path / "digest.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def build(config: Path, env: dict | None = None):
    """Run `digest build -c config` and return the result."""
    return CliRunner().invoke(app, ["build", "-c", str(config)], env=env or {}, catch_exceptions=False)


def manifest(tmp_path: Path) -> dict:
    """The built issue's manifest."""
    return json.loads(next((tmp_path / "issues").glob("*.json")).read_text(encoding="utf-8"))


def test_every_summary_comes_from_the_model_and_a_rebuild_asks_nothing(httpserver, tmp_path):
    httpserver.expect_request(PATH, method="POST").respond_with_handler(answer_with_title)
    config = write_config(tmp_path, httpserver)
    result = build(config)
    assert result.exit_code == 0, result.output
    assert len(httpserver.log) == SAMPLE_ARTICLES
    assert f"Summaries: {SAMPLE_ARTICLES} from the model" in result.output
    records = manifest(tmp_path)["articles"]
    assert {r["summary_origin"] for r in records} == {"llm"}
    assert all(r["summary"] == f"Model summary of {r['title']}." for r in records)
    text = next((tmp_path / "issues").glob("*.txt")).read_text(encoding="utf-8")
    assert f"Model summary of {records[0]['title']}" in " ".join(text.split())

    again = build(config)
    assert again.exit_code == 0
    assert len(httpserver.log) == SAMPLE_ARTICLES  # nothing asked twice
    assert f"Summaries: {SAMPLE_ARTICLES} from the cache" in again.output

    status = CliRunner().invoke(app, ["status", "-c", str(config)], catch_exceptions=False)
    assert f"summaries: {SAMPLE_ARTICLES} from the model" in status.output


def test_a_changed_article_is_asked_again(httpserver, tmp_path):
    httpserver.expect_request(PATH, method="POST").respond_with_handler(answer_with_title)
    config = write_config(tmp_path, httpserver)
    build(config)
    # A new model name is a new cache key for every article: all are asked again.
    write_config(tmp_path, httpserver, model="other-model")
    result = build(config)
    assert len(httpserver.log) == 2 * SAMPLE_ARTICLES
    assert f"Summaries: {SAMPLE_ARTICLES} from the model" in result.output


@pytest.mark.parametrize("status", [500, 401])
def test_a_failing_endpoint_falls_back_with_a_warning_and_exit_0(httpserver, tmp_path, status):
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        "broken", status=status, headers={"Retry-After": "0"}
    )
    result = build(write_config(tmp_path, httpserver, retries=0))
    assert result.exit_code == 0, result.output
    assert f"Summaries: {SAMPLE_ARTICLES} fallback (model failed)" in result.output
    assert f"failed (HTTP {status}); used the extractive summary" in result.output
    records = manifest(tmp_path)["articles"]
    assert {r["summary_origin"] for r in records} == {"fallback"}
    assert all(r["summary"] for r in records)
    assert not list((tmp_path / "state").rglob("llm-cache/*/*.json"))  # failures are not cached


def test_an_unreachable_endpoint_falls_back(tmp_path):
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.stop()  # nothing listens there any more
    result = build(write_config(tmp_path, server, retries=0, timeout=2))
    assert result.exit_code == 0, result.output
    assert f"{SAMPLE_ARTICLES} fallback" in result.output
    assert "cannot reach the endpoint" in result.output


def test_retries_honour_retry_after_then_succeed(httpserver, tmp_path):
    calls: dict[str, int] = {}
    lock = threading.Lock()
    stamps: list[float] = []

    def flaky(request: Request) -> Response:
        title = title_of(request)
        with lock:
            calls[title] = calls.get(title, 0) + 1
            first = calls[title] == 1
            stamps.append(time.monotonic())
        if first:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return answer_with_title(request)

    httpserver.expect_request(PATH, method="POST").respond_with_handler(flaky)
    start = time.monotonic()
    result = build(write_config(tmp_path, httpserver, retries=1, max_articles=2, workers=2))
    assert result.exit_code == 0, result.output
    assert sorted(calls.values()) == [2, 2]  # each asked twice: the 429, then the answer
    assert time.monotonic() - start >= 1.0  # Retry-After: 1 was waited for
    assert "Summaries: 2 from the model" in result.output


def test_retries_run_out_into_the_fallback(httpserver, tmp_path):
    httpserver.expect_request(PATH, method="POST").respond_with_data("busy", status=503, headers={"Retry-After": "0"})
    result = build(write_config(tmp_path, httpserver, retries=2, max_articles=3))
    assert len(httpserver.log) == 3 * 3
    assert "Summaries: 3 fallback (model failed)" in result.output


def test_max_articles_caps_the_requests_and_the_rest_are_extractive(httpserver, tmp_path):
    httpserver.expect_request(PATH, method="POST").respond_with_handler(answer_with_title)
    result = build(write_config(tmp_path, httpserver, max_articles=3))
    assert result.exit_code == 0
    assert len(httpserver.log) == 3
    assert "Summaries: 3 from the model" in result.output
    assert "past [llm] max_articles = 3 got the extractive summary" in result.output
    origins = [r["summary_origin"] for r in manifest(tmp_path)["articles"]]
    assert origins.count("llm") == 3 and "fallback" not in origins


def test_max_input_chars_caps_the_text_sent(httpserver, tmp_path):
    httpserver.expect_request(PATH, method="POST").respond_with_handler(answer_with_title)
    build(write_config(tmp_path, httpserver, max_input_chars=300, max_articles=5))
    for request, _ in httpserver.log:
        content = json.loads(request.get_data())["messages"][1]["content"]
        body = content.split("\n\n", 1)[1]
        assert 0 < len(body) <= 300
    prompt = json.loads(httpserver.log[0][0].get_data())["messages"][0]["content"]
    assert "in the article's own language" in prompt


def test_timeout_falls_back(httpserver, tmp_path):
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return answer_with_title(request)

    httpserver.expect_request(PATH, method="POST").respond_with_handler(slow)
    result = build(write_config(tmp_path, httpserver, timeout=0.3, max_articles=2))
    assert result.exit_code == 0
    assert "no answer within 0.3 s" in result.output
    assert "Summaries: 2 fallback (model failed)" in result.output


def test_workers_bound_the_requests_in_flight(tmp_path):
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def handler(request: Request) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return answer_with_title(request)

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(PATH, method="POST").respond_with_handler(handler)
    server.start()
    try:
        result = build(write_config(tmp_path, server, workers=3, max_articles=12))
    finally:
        server.stop()
    assert result.exit_code == 0
    assert state["max"] == 3


def test_the_key_comes_from_the_environment_and_is_never_shown(httpserver, tmp_path):
    httpserver.expect_request(PATH, method="POST", headers={"Authorization": f"Bearer {KEY}"}).respond_with_handler(
        answer_with_title
    )
    httpserver.expect_request(PATH, method="POST").respond_with_data("no key", status=401)
    result = build(write_config(tmp_path, httpserver, max_articles=2), env={"DIGEST_LLM_API_KEY": KEY})
    assert "Summaries: 2 from the model" in result.output
    assert KEY not in result.output


def test_the_model_answer_is_sanitized(httpserver, tmp_path):
    answer = "<script>alert(1)</script>**Summary:** The <b>tram</b> line was approved."
    httpserver.expect_request(PATH, method="POST").respond_with_json(completion(answer))
    build(write_config(tmp_path, httpserver, max_articles=1))
    record = next(r for r in manifest(tmp_path)["articles"] if r["summary_origin"] == "llm")
    assert record["summary"] == "The tram line was approved."


def test_llm_without_base_url_is_a_configuration_error(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text('[build]\nsummarizer = "llm"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "-c", str(config)])
    assert result.exit_code == 1
    assert "needs [llm] base_url and model" in result.output


def test_an_unknown_summarizer_is_refused_in_one_line(tmp_path):
    config = tmp_path / "digest.toml"
    config.write_text('[build]\nsummarizer = "banana"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["build", "-c", str(config)])
    assert result.exit_code == 1
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    assert "'banana'" in message and "use one of extractive, llm" in message
    assert "Traceback" not in message
