"""Shared test set-up: the `browser`, `process` and `smtp` markers, applied automatically.

A test is marked by what it (or any fixture or module-level helper it uses) touches: headless
Chromium (`browser`), a separate process such as `python -m digest` (`process`), or a real SMTP
server started by `smtp_servers` (`smtp`). The fast inner loop skips the slow two:

    .venv/bin/python -m pytest -q -m "not browser and not process"
"""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import cli_record

MARKERS = {
    "browser": "renders in headless Chromium (slow; needs /usr/bin/chromium)",
    "process": "starts a separate process (python -m digest, openssl, a killed sender)",
    "smtp": "talks to a real SMTP server on 127.0.0.1",
}
BROWSER_NAMES = {"CHROMIUM", "sync_playwright", "playwright"}
PROCESS_NAMES = {"subprocess", "Popen", "running_digest"}  # the last in tests/serve_process.py
SMTP_OBJECTS = {"start", "LocalController", "Recorder"}  # in tests/smtp_servers.py
TEST_CACHE = tempfile.mkdtemp(prefix="digest-test-cache-")


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers, so that -m and --strict-markers know them."""
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    cli_record.install()  # every run of the CLI is recorded for tests/test_cli_coverage.py
    # Builds keep compiled templates in the user's cache folder: a test run keeps its own, not the user's.
    os.environ["XDG_CACHE_HOME"] = TEST_CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the test run's cache folder."""
    shutil.rmtree(TEST_CACHE, ignore_errors=True)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path, with none of the running user's DIGEST_* settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("DIGEST_")]:
        monkeypatch.delenv(name)
    return tmp_path


def pytest_runtest_logstart(nodeid: str) -> None:
    """Name the test that the CLI runs recorded from now on belong to."""
    cli_record.SESSION["test"] = nodeid


def pytest_sessionfinish(session: pytest.Session) -> None:
    """With DIGEST_CLI_RECORD=<file>, write every recorded CLI run there (JSON lines) for inspection."""
    target = os.environ.get("DIGEST_CLI_RECORD")
    if target:
        cli_record.dump(Path(target))


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Count deselected tests: the CLI coverage check needs a run of the whole suite."""
    cli_record.SESSION["deselected"] += len(items)


def _code_names(func: Callable | None) -> set[str]:
    """Every global or attribute name a function's code (nested functions included) refers to."""
    code = getattr(inspect.unwrap(func), "__code__", None) if func else None
    names: set[str] = set()
    stack = [code] if code else []
    while stack:
        current = stack.pop()
        names |= set(current.co_names)
        stack += [c for c in current.co_consts if isinstance(c, types.CodeType)]
    return names


def _functions(item: pytest.Item) -> Iterator[Callable]:
    yield getattr(item, "function", None)
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        for fixture in defs:
            yield fixture.func


def _names_used(item: pytest.Item) -> tuple[set[str], dict]:
    """Names used by the test, its fixtures and, transitively, the module's helper functions they call."""
    module = getattr(item, "module", None)
    scope = vars(module) if module else {}
    names: set[str] = set()
    todo = list(_functions(item))
    seen: set[int] = set()
    while todo:
        func = todo.pop()
        if func is None or id(func) in seen:
            continue
        seen.add(id(func))
        found = _code_names(func)
        names |= found
        todo += [
            scope[n]
            for n in found
            if isinstance(scope.get(n), types.FunctionType) and scope[n].__module__ == scope.get("__name__")
        ]
    return names, scope


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by what it touches."""
    for item in items:
        names, scope = _names_used(item)
        module = scope.get("__name__", "")
        if module == "test_browser" or names & BROWSER_NAMES:
            item.add_marker(pytest.mark.browser)
        if module == "test_send_kill" or names & PROCESS_NAMES:
            item.add_marker(pytest.mark.process)
        if any(getattr(scope.get(n), "__module__", "") == "smtp_servers" for n in names & SMTP_OBJECTS):
            item.add_marker(pytest.mark.smtp)
    # The CLI coverage check reads what every other test ran, so it runs last.
    last = [item for item in items if item.path.name == "test_cli_coverage.py"]
    items[:] = [item for item in items if item not in last] + last
    cli_record.SESSION["files"] = {item.path.name for item in items}
