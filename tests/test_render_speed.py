"""The fit stage renders an issue a few times, not once per trial; templates compile once per process and
are kept compiled between runs."""

from __future__ import annotations

import os

import jinja2
import pytest

import digest.fit
from digest.fit import fit_to_budget, link_order, trim_order
from digest.render import encoded_size, environment, render_issue
from digest.template_cache import template_cache
from fixtures_issue import large_issue


def _counting(monkeypatch) -> list[int]:
    """The sizes of the fit's full renderings (each is inlined by premailer once), in characters."""
    calls: list[int] = []
    real = digest.fit.inline_css

    def counted(html):
        calls.append(len(html))
        return real(html)

    monkeypatch.setattr(digest.fit, "inline_css", counted)
    return calls


def _fewest_fitting_steps(issue, budget: int):
    """The answer by brute force: the issue at the first step whose rendering fits (sizes shrink step by step)."""
    moves, links = len(trim_order(issue)), len(link_order(issue))
    for count in range(moves + links + moves + 1):
        if count <= moves:
            candidate = digest.fit.trimmed(issue, count)
        else:
            candidate = digest.fit.without_links(digest.fit.trimmed(issue, moves), count - moves)
        if encoded_size(render_issue(candidate).html) <= budget:
            return candidate
    raise AssertionError("nothing fits")


def test_an_issue_within_budget_renders_once(monkeypatch):
    calls = _counting(monkeypatch)
    fit_to_budget(large_issue(30))
    assert len(calls) == 1


def test_an_issue_over_budget_renders_a_few_times_and_finds_the_fewest_moves(monkeypatch):
    issue, budget = large_issue(120), 60_000
    calls = _counting(monkeypatch)
    final, rendered = fit_to_budget(issue, budget=budget)
    assert len(calls) <= 4  # the plain bisection of 400-odd steps rendered nine times
    monkeypatch.undo()
    assert encoded_size(rendered.html) <= budget
    assert final == _fewest_fitting_steps(issue, budget)


def _steps_taken(issue, final) -> int:
    """How many steps (a story made a link, a link left out) lead from `issue` to the fit's `final`."""
    stories = sum(len(section.entries) for section in issue.sections)
    left = sum(len(section.entries) for section in final.sections)
    return stories - left + len(final.omitted)


def _at(issue, count: int):
    """The issue after `count` steps, as the fit defines them."""
    moves = len(trim_order(issue))
    if count <= moves:
        return digest.fit.trimmed(issue, count)
    return digest.fit.without_links(digest.fit.trimmed(issue, moves), count - moves)


@pytest.mark.parametrize(
    ("articles", "budget", "images"),
    [
        (20, 30_000, True),  # the template output fits, the whole rendering not: the answer is among the stories
        (40, 20_000, True),  # the answer is among the links
        (45, 22_000, True),  # the template output with every story a link would fit; the inlined one does not
        (60, 45_000, True),  # the answer is among the stories
        (100, 46_000, False),  # among the stories, three steps before the last story becomes a link
        (120, 30_000, True),  # answer among the links
        (300, 82_000, True),  # a large week at the default budget
    ],
)
def test_the_fit_takes_the_fewest_steps_that_fit(articles, budget, images, monkeypatch):
    issue = large_issue(articles, images=images)
    calls = _counting(monkeypatch)
    final, rendered = fit_to_budget(issue, budget=budget)
    monkeypatch.undo()
    count = _steps_taken(issue, final)
    assert final == _at(issue, count) and encoded_size(rendered.html) <= budget
    assert count > 0 and encoded_size(render_issue(_at(issue, count - 1)).html) > budget  # one step fewer is over
    assert len(calls) <= 6 and sum(calls) < 4 * len(rendered.html)  # two of them small ones, often


def test_a_large_week_inlines_little_more_than_the_answer_and_its_neighbour(monkeypatch):
    calls = _counting(monkeypatch)
    _final, rendered = fit_to_budget(large_issue(300))
    # Two full renderings (the answer, and one step fewer, which is over) and two small ones measuring a
    # link; the search once inlined the whole 300-article issue first (about three times the answer).
    assert len(calls) == 4
    assert sum(calls) < 2.6 * len(rendered.html)


def test_one_environment_per_template_folder_and_edits_still_show(tmp_path):
    assert environment() is environment()
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "note.html").write_text("one", encoding="utf-8")
    env = environment(folder)
    assert env is environment(folder) and env.get_template("note.html").render() == "one"
    (folder / "note.html").write_text("two", encoding="utf-8")
    stat = (folder / "note.html").stat()
    os.utime(folder / "note.html", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert environment(folder).get_template("note.html").render() == "two"
    (folder / "email.txt").write_text("override", encoding="utf-8")  # a new file in the folder is found
    stat = folder.stat()
    os.utime(folder, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert environment(folder).get_template("email.txt").render() == "override"


def _compiles(monkeypatch) -> list[str]:
    """Names of the templates Jinja compiles from source from now on."""
    compiled: list[str] = []
    real = jinja2.Environment._compile

    def counted(self, source, filename):
        compiled.append(filename)
        return real(self, source, filename)

    monkeypatch.setattr(jinja2.Environment, "_compile", counted)
    return compiled


def test_compiled_templates_are_kept_in_the_user_cache_and_an_edit_compiles_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "note.html").write_text("one {{ x }}", encoding="utf-8")
    compiled = _compiles(monkeypatch)
    first = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=template_cache("test"))
    assert first.get_template("note.html").render(x=1) == "one 1"
    assert len(compiled) == 1 and list((tmp_path / "cache" / "digest" / "templates").iterdir())
    # Another process (here: another environment) loads the compiled code instead of compiling.
    second = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=template_cache("test"))
    assert second.get_template("note.html").render(x=2) == "one 2" and len(compiled) == 1
    (folder / "note.html").write_text("two {{ x }}", encoding="utf-8")
    third = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=template_cache("test"))
    assert third.get_template("note.html").render(x=3) == "two 3" and len(compiled) == 2
    # Other environment options never share compiled code.
    other = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=template_cache("other"))
    assert other.get_template("note.html").render(x=4) == "two 4" and len(compiled) == 3


def test_a_damaged_cache_file_or_a_folder_open_to_others_means_compiling(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "note.html").write_text("one {{ x }}", encoding="utf-8")
    jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=template_cache("test")).get_template(
        "note.html"
    )
    cache = tmp_path / "cache" / "digest" / "templates"
    for file in cache.iterdir():
        file.write_bytes(file.read_bytes()[:40])  # cut short, as by a full disk
    compiled = _compiles(monkeypatch)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), bytecode_cache=template_cache("test"))
    assert env.get_template("note.html").render(x=1) == "one 1" and len(compiled) == 1
    cache.chmod(0o777)  # anyone could have put code there: it is not run
    assert template_cache("test") is None
