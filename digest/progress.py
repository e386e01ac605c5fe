"""The progress callback long stages report through: `(done, total)`, drawn (or not) by the CLI."""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The callback used when nothing shows progress."""
