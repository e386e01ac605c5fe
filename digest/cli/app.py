"""The Typer application shared by every command module, and the error edge."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from digest.cli.output import error, set_quiet
from digest.errors import DigestError

log = logging.getLogger("digest")

# Typer's usage errors (an unknown option, a bad value) are click exceptions; found by name so that this
# holds whether Typer uses click itself or its own copy of it.
# Any: which class it is is known only at run time.
ClickException: Any = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


class DigestGroup(TyperGroup):
    """The command group whose usage errors read `error: ...` like every other error."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Run the command; usage errors become one `error:` line and exit status 2."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **kwargs)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **kwargs)
        except ClickException as exc:
            ctx = getattr(exc, "ctx", None)
            hint = f" (see: {ctx.command_path} --help)" if ctx is not None else ""
            error(f"{exc.format_message()}{hint}")
            sys.exit(exc.exit_code)
        except typer.Abort:
            error("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    name="digest",
    help="Build a weekly newsletter issue from your sources and send it to every subscriber.",
    epilog="Example: digest build && digest send 2026-W47 --dry-run",
    no_args_is_help=True,
    cls=DigestGroup,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def package_version() -> str:
    """digest's version, from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError, version  # only --version reads the metadata

    try:
        return version("digest")
    except PackageNotFoundError:  # run from a source tree that was never installed
        from digest import __version__

        return __version__


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"digest {package_version()}")
        raise typer.Exit()


@app.callback()
def main_options(
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print results and errors only: no warnings, no progress.")
    ] = False,
    show_version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print digest's version and exit.")
    ] = False,
) -> None:
    """Build a weekly newsletter issue from your sources and send it to every subscriber."""
    set_quiet(quiet)  # every invocation sets it, so one run's --quiet never leaks into the next


def command(example: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command whose help ends with `example` and whose DigestErrors become one line."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        return app.command(epilog=f"Example: {example}", **kwargs)(guarded(fn))

    return deco


def sub_app(name: str, help: str, example: str) -> typer.Typer:
    """A command group (e.g. `digest subscribers ...`) added to the main app."""
    group = typer.Typer(
        help=help,
        epilog=f"Example: {example}",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    app.add_typer(group, name=name)
    return group


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sub-app command so that DigestError becomes one line and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except DigestError as exc:
            error(str(exc))
            raise typer.Exit(exc.exit_code) from None

    return wrapper
