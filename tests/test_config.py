from pathlib import Path

import pytest

from digest.config import Settings, parse_source, resolve
from digest.errors import ConfigError
from digest.starter import STARTER_CONFIG


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "digest.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file(tmp_path):
    settings = resolve(environ={}, cwd=tmp_path)
    assert settings == Settings()
    assert settings.uses_sample


def test_precedence_cli_over_env_over_file(tmp_path):
    path = write(tmp_path, '[newsletter]\nname = "File"\ntimezone = "Europe/Berlin"\n[build]\nout = "from-file"\n')
    env = {"DIGEST_NAME": "Env", "DIGEST_OUT": "from-env"}
    settings = resolve({"out": Path("from-cli")}, environ=env, config_path=path)
    assert settings.newsletter.name == "Env"
    assert settings.build.out == Path("from-cli")
    assert settings.newsletter.timezone == "Europe/Berlin"
    assert settings.config_path == path


def test_config_found_in_working_directory_and_via_env(tmp_path):
    write(tmp_path, '[newsletter]\nname = "Here"\n')
    assert resolve(environ={}, cwd=tmp_path).newsletter.name == "Here"
    other = tmp_path / "other.toml"
    other.write_text('[newsletter]\nname = "There"\n')
    assert resolve(environ={"DIGEST_CONFIG": str(other)}, cwd=tmp_path).newsletter.name == "There"


def test_starter_config_is_valid(tmp_path):
    settings = resolve(environ={}, config_path=write(tmp_path, STARTER_CONFIG))
    assert settings.sections.aliases["AI"] == "Artificial Intelligence"
    assert settings.sections.order[0] == "News"
    assert settings.uses_sample


def test_sources_table(tmp_path):
    path = write(
        tmp_path,
        '[[sources]]\nname = "Blog"\nurl = "https://blog.example.com"\nkind = "wordpress"\n'
        'timezone = "Asia/Karachi"\npriority = 2\nper_page = 50\n',
    )
    (spec,) = resolve(environ={}, config_path=path).sources
    assert (spec.name, spec.kind, spec.location, spec.timezone, spec.priority) == (
        "Blog",
        "wordpress",
        "https://blog.example.com",
        "Asia/Karachi",
        2,
    )
    assert spec.options == {"per_page": 50}


@pytest.mark.parametrize(
    "text, kind, location",
    [
        ("wordpress:https://example.com", "wordpress", "https://example.com"),
        ("https://example.com/feed", "auto", "https://example.com/feed"),
        ("articles.json", "auto", "articles.json"),
        ("rss:feeds/a.xml", "feed", "feeds/a.xml"),
        ("atom:https://example.com/atom.xml", "feed", "https://example.com/atom.xml"),
        ("JSONFeed:feed.json", "jsonfeed", "feed.json"),
    ],
)
def test_parse_source_prefix(text, kind, location):
    spec = parse_source(text)
    assert (spec.kind, spec.location) == (kind, location)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[newsletter]\nname = \n", "invalid TOML"),
        ("[newsletter]\ncolour = 1\n", "unknown setting [newsletter] colour"),
        ('[newsletter]\ntimezone = "Mars/Base"\n', "timezone = 'Mars/Base': unknown timezone"),
        ('[theme]\naccent_color = "#abc"\n', "accent_color must be a 6-digit hex colour"),
        ('[build]\nsummary_words = "many"\n', "invalid value 'many' for [build] summary_words"),
        ('[[sources]]\nname = "x"\n', 'source 1 needs "url" or "path"'),
    ],
)
def test_bad_config_names_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        resolve(environ={}, config_path=write(tmp_path, text))
    assert message in str(err.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        resolve(environ={}, config_path=tmp_path / "nope.toml")


def test_secret_only_from_environment(tmp_path):
    path = write(tmp_path, '[llm]\napi_key = "leak"\n')
    with pytest.raises(ConfigError, match=r"\[llm\] api_key is a secret: set DIGEST_LLM_API_KEY"):
        resolve(environ={}, config_path=path)
    path.unlink()
    assert resolve(environ={"DIGEST_LLM_API_KEY": "k"}, cwd=tmp_path).llm.api_key == "k"
