"""Every setting is checked when settings are read: a bad one stops each command with one line, exit 1."""

import os

import pytest
from typer.testing import CliRunner

from digest.cli import app
from digest.config import Settings, resolve, settings_from
from digest.errors import ConfigError
from digest.sources import KIND_OPTIONS, REGISTRY, load_readers

runner = CliRunner()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("DIGEST_")]:
        monkeypatch.delenv(name)
    return tmp_path


def one_line_error(result, *needles):
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


BAD_FILES = [
    ('[build]\nsummarizer = "banana"\n', "[build] summarizer = 'banana': use one of extractive, llm"),
    ("[send]\nconnections = 0\n", "[send] connections must be at least 1, not 0"),
    ("[send]\nattempts = 0\n", "[send] attempts must be at least 1, not 0"),
    ("[send]\nrate = -1\n", "[send] rate must be at least 0, not -1"),
    ("[send]\nbackoff = -0.5\n", "[send] backoff must be at least 0, not -0.5"),
    ("[send]\ndaily_cap = -3\n", "[send] daily_cap must be at least 0"),
    ("[fetch]\nmax_bytes = 0\n", "[fetch] max_bytes must be at least 1, not 0"),
    ("[fetch]\nworkers = 0\n", "[fetch] workers must be at least 1"),
    ("[fetch]\ntimeout = 0\n", "[fetch] timeout must be more than 0"),
    ("[fetch]\nretries = -1\n", "[fetch] retries must be at least 0"),
    ('[build]\nstrict = "maybe"\n', "invalid value 'maybe' for [build] strict"),
    (
        '[[sources]]\nname = "Wire"\nurl = "https://example.com/feed.xml"\nkind = "rss"\nundatd = "now"\n',
        (
            "source 1 ('Wire'): unknown option 'undatd' for kind feed (it accepts: category_map, dayfirst, section, "
            "undated)"
        ),
    ),
    (
        '[[sources]]\nname = "Blog"\nurl = "https://example.com"\nkind = "native"\nper_page = 5\n',
        "unknown option 'per_page' for kind native (it accepts: category_map, dayfirst, section, undated)",
    ),
    ('[[sources]]\nname = "Any"\nurl = "https://example.com"\nbogus = 1\n', "unknown option 'bogus' for kind auto"),
    ('[[sources]]\nurl = "https://example.com"\nkind = "gopher"\n', "unknown kind 'gopher'"),
    (
        '[newsletter]\nname = "Circuit\\r\\nBcc: all@example.com"\n',
        "[newsletter] name contains the control character U+000D",
    ),
    ('[newsletter]\nname = "Circuit\u2028Weekly"\n', "[newsletter] name contains the control character U+2028"),
    ('[newsletter]\nsender = "A <a@example.com>\\u2029"\n', "[newsletter] sender contains the control"),
    ('[newsletter]\nreply_to = "x@example.com\\n"\n', "[newsletter] reply_to contains"),
    ('[send]\nsubject = "{name}\\u0085{week}"\n', "[send] subject contains the control character U+0085"),
    ('[send]\nlist_id = "list\\tid"\n', "[send] list_id contains"),
    ('[send]\nunsubscribe_mailto = "u@example.com\\r"\n', "[send] unsubscribe_mailto contains"),
    ('[newsletter]\nweb_url = "javascript:alert(1)"\n', "[newsletter] web_url must be an http(s) URL"),
    ('[newsletter]\nlogo_url = "data:image/png;base64,AAAA"\n', "[newsletter] logo_url must be an http(s) URL"),
    ('[send]\nunsubscribe_url = "ftp://news.example.com"\n', "[send] unsubscribe_url must be an http(s) URL"),
    ('[llm]\napi_key = "k"\n', "[llm] api_key is a secret: set DIGEST_LLM_API_KEY"),
    ('[build]\nsince = "2026-11-01"\n', "unknown setting [build] since"),
    (
        '[labels]\nconfirm_subject = "Confirm\\r\\nBcc: x@example.com"\n',
        "[labels] confirm_subject contains the control character U+000D",
    ),
    ("[serve]\nthreads = 0\n", "[serve] threads must be at least 1, not 0"),
    ("[signup]\nexpiry_hours = 0\n", "[signup] expiry_hours must be at least 1, not 0"),
]


@pytest.mark.parametrize(
    "command", [["build"], ["send", "2026-W47"], ["run"], ["status"], ["sources"], ["subscribers", "list"], ["archive"]]
)
@pytest.mark.parametrize("text, message", BAD_FILES[:2] + BAD_FILES[11:12] + BAD_FILES[15:16])
def test_every_command_refuses_bad_settings(in_tmp, command, text, message):
    (in_tmp / "digest.toml").write_text(text, encoding="utf-8")
    one_line_error(runner.invoke(app, command), "digest.toml: ", message)


@pytest.mark.parametrize("text, message", BAD_FILES)
def test_bad_setting_is_one_line_through_the_cli(in_tmp, text, message):
    (in_tmp / "digest.toml").write_text(text, encoding="utf-8")
    one_line_error(runner.invoke(app, ["build"]), message)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DIGEST_NAME": "Circuit\nWeekly"}, "environment variable DIGEST_NAME: [newsletter] name contains"),
        ({"DIGEST_CONNECTIONS": "0"}, "environment variable DIGEST_CONNECTIONS: [send] connections must be at least 1"),
        ({"DIGEST_SUMMARIZER": "banana"}, "use one of extractive, llm"),
        ({"DIGEST_WEB_URL": "javascript:alert(1)"}, "web_url must be an http(s) URL"),
    ],
)
def test_bad_environment_is_one_line(env, message):
    one_line_error(runner.invoke(app, ["build"], env=env), message)


def test_bad_option_is_one_line(in_tmp):
    one_line_error(
        runner.invoke(app, ["send", "2026-W47", "--connections", "0"]),
        "option --connections: [send] connections must be at least 1, not 0",
    )
    one_line_error(runner.invoke(app, ["send", "2026-W47", "--rate", "-1"]), "[send] rate must be at least 0")


def test_header_name_no_longer_builds_then_crashes_send(in_tmp):
    """A line break in the name used to build fine, then crash `digest send` with a ValueError."""
    assert runner.invoke(app, ["build"]).exit_code == 0
    (in_tmp / "digest.toml").write_text('[newsletter]\nname = "Circuit\\nWeekly"\n', encoding="utf-8")
    for command in (["build"], ["send", "2026-W47"], ["send", "2026-W47", "--dry-run"]):
        one_line_error(runner.invoke(app, command, env={"DIGEST_SECRET": "s" * 32}), "[newsletter] name contains")


def test_good_urls_and_headers_pass(in_tmp):
    (in_tmp / "digest.toml").write_text(
        '[newsletter]\nname = "سرکٹ ہفتہ‌وار"\nweb_url = "https://news.example.com/issues"\n'
        'logo_url = "http://news.example.com/logo.png"\n[send]\nunsubscribe_url = "https://news.example.com"\n',
        encoding="utf-8",
    )
    settings = resolve(environ={})
    assert settings.newsletter.name == "سرکٹ ہفتہ\u200cوار"  # a zero-width non-joiner is not a control character
    assert settings.send.unsubscribe_url == "https://news.example.com"


def test_every_documented_environment_variable_still_works(in_tmp):
    env = {
        "DIGEST_NAME": "Env",
        "DIGEST_OUT": "o",
        "DIGEST_TIMEZONE": "Europe/Berlin",
        "DIGEST_WEEK": "2026-W40",
        "DIGEST_FETCH_MAX_BYTES": "2000",
        "DIGEST_FETCH_WORKERS": "3",
        "DIGEST_SECTION_ORDER": "A,B",
        "DIGEST_DEFAULT_SECTION": "Other",
        "DIGEST_SECTION_ALIASES": '{"ML": "AI"}',
        "DIGEST_LLM_MODEL": "m",
        "DIGEST_LLM_BASE_URL": "http://localhost:1/v1",
        "DIGEST_LLM_API_KEY": "secret-key",
        "DIGEST_CONNECTIONS": "4",
        "DIGEST_STRICT": "yes",
        "DIGEST_SMTP": "smtp://u@h:587",
        "DIGEST_STATE_DIR": "st",
        "DIGEST_CARRY_OVER_DAYS": "2",
        "DIGEST_ACCENT_COLOR": "#112233",
        "DIGEST_SERVE_THREADS": "3",
        "DIGEST_SIGNUP_ENABLED": "true",
    }
    s = resolve(environ=env)
    assert (s.newsletter.name, str(s.build.out), s.newsletter.timezone, s.build.week) == (
        "Env",
        "o",
        "Europe/Berlin",
        "2026-W40",
    )
    assert (s.fetch.max_bytes, s.fetch.workers, s.sections.order, s.sections.default) == (2000, 3, ("A", "B"), "Other")
    assert s.sections.aliases["ML"] == "AI" and s.sections.aliases["AI"] == "Artificial Intelligence"
    assert (s.llm.model, s.llm.base_url, s.llm.api_key) == ("m", "http://localhost:1/v1", "secret-key")
    assert (s.send.connections, s.build.strict, s.send.smtp, str(s.build.state_dir), s.build.carry_over_days) == (
        4,
        True,
        "smtp://u@h:587",
        "st",
        2,
    )
    assert s.theme.accent_color == "#112233"
    assert (s.serve.threads, s.signup.enabled) == (3, True)
    assert "secret-key" not in repr(s)


def test_tables_check_themselves_when_built_directly():
    with pytest.raises(ConfigError, match=r"\[send\] connections must be at least 1"):
        settings_from(connections=0)
    with pytest.raises(ConfigError, match="use one of extractive, llm"):
        settings_from({"build.summarizer": "banana"})
    assert Settings().build.summarizer == "extractive"


def test_kind_options_name_every_registered_kind():
    load_readers()
    assert set(KIND_OPTIONS) == set(REGISTRY)
    assert all(REGISTRY[name].options == KIND_OPTIONS[name] for name in REGISTRY)  # each kind's own options
