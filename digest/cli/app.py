"""The Typer application shared by every command module, and the error edge."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import typer

from digest.errors import DigestError

log = logging.getLogger("digest")

app = typer.Typer(
    name="digest",
    help="Build a weekly newsletter issue from your sources and send it to every subscriber.",
    epilog="Example: digest build && digest send 2026-W48 --dry-run",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def command(example: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command whose help ends with `example` and whose DigestErrors become one line."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        return app.command(epilog=f"Example: {example}", **kwargs)(guarded(fn))

    return deco


def sub_app(name: str, help: str, example: str) -> typer.Typer:
    """A command group (e.g. `digest subscribers ...`) added to the main app."""
    group = typer.Typer(help=help, epilog=f"Example: {example}", no_args_is_help=True,
                        pretty_exceptions_enable=False, rich_markup_mode=None)
    app.add_typer(group, name=name)
    return group


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sub-app command so that DigestError becomes one line and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except DigestError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper
