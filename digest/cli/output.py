"""How the command line speaks: results on stdout; `warning: ...` and `error: ...` on stderr; progress
on stderr only when it is a terminal. `--quiet` silences warnings and progress, never results or errors.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    from digest.progress import ProgressFn

_state = {"quiet": False}


def set_quiet(on: bool) -> None:
    """Silence (or not) warnings, progress and logging below errors for this invocation."""
    _state["quiet"] = on
    if on:
        logging.getLogger("digest").setLevel(logging.ERROR)


def quiet_command(on: bool) -> None:
    """A command's own --quiet: turns quiet on (the global --quiet may have already)."""
    if on:
        set_quiet(True)


def is_quiet() -> bool:
    """Whether --quiet was given (globally or to the command)."""
    return _state["quiet"]


def log_level(verbose: bool) -> None:
    """Set the digest logger's level for a command: INFO with --verbose, ERROR with --quiet, else WARNING."""
    level = logging.ERROR if is_quiet() else logging.INFO if verbose else logging.WARNING
    logging.getLogger("digest").setLevel(level)


def warn(message: str) -> None:
    """`warning: message` on stderr, unless --quiet."""
    if not is_quiet():
        typer.echo(f"warning: {message}", err=True)


def error(message: str) -> None:
    """`error: message` on stderr (never silenced)."""
    typer.echo(f"error: {message}", err=True)


def emit_json(doc: Any) -> None:
    """Print one JSON document on stdout: the whole result of a --json command."""
    typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))


class LevelFormatter(logging.Formatter):
    """Log lines in the command line's own style: `warning: ...`, `error: ...`, `info: ...`."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as `level: message`, the level in lower case."""
        return f"{record.levelname.lower()}: {record.getMessage()}"


def configure_logging() -> None:
    """Send log records to stderr in the `warning: ...` style (once, at the console entry point)."""
    handler = logging.StreamHandler()
    handler.setFormatter(LevelFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def _rate_column() -> ProgressColumn:  # rich is imported only when a terminal shows progress
    from rich.progress import ProgressColumn
    from rich.text import Text

    class RateColumn(ProgressColumn):
        """Messages per second over the run so far."""

        def render(self, task: Task) -> Text:
            """The task's speed as `N.N/s` (blank until known)."""
            return Text(f"{task.speed:.1f}/s" if task.speed else "")

    return RateColumn()


@contextmanager
def progress(what: str, rate: bool = False) -> Iterator[ProgressFn | None]:
    """A `(done, total)` callback drawing a bar on stderr when it is a terminal; None otherwise or with --quiet."""
    if is_quiet() or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns: list[Any] = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    if rate:
        columns += [_rate_column(), TextColumn("ETA"), TimeRemainingColumn()]
    bar = Progress(*columns, console=Console(stderr=True), transient=True)
    task = bar.add_task(what, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)
