"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Path to digest.toml (default: ./digest.toml if present, or $DIGEST_CONFIG)."),
]
SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        "-s",
        help="A source path or URL, optionally kind-prefixed (wordpress:https://...). "
        "Repeatable; replaces configured sources.",
    ),
]
WeekOpt = Annotated[
    str | None,
    typer.Option(help="ISO week, e.g. 2026-W47 (default: the current week; the latest week for the bundled sample)."),
]
BuiltWeekOpt = Annotated[
    str | None,
    typer.Option("--week", help="ISO week, e.g. 2026-W47 (default: the latest issue built, whatever its window)."),
]
SinceOpt = Annotated[str | None, typer.Option(help="First day of a custom window (YYYY-MM-DD), instead of --week.")]
UntilOpt = Annotated[
    str | None, typer.Option(help="Last day of a custom window (YYYY-MM-DD, inclusive; default today).")
]
OutOpt = Annotated[Path | None, typer.Option(help="The issues folder (default: issues).")]
TemplatesOpt = Annotated[Path | None, typer.Option(help="A template folder checked before the built-in templates.")]


def source_option(source: list[str] | None) -> dict[str, Any]:
    """The settings a --source list overrides: {} without one, else {"sources": (...)}."""
    if not source:
        return {}
    from digest.config import parse_source

    return {"sources": tuple(parse_source(s) for s in source)}


JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as one JSON document (schema in docs/cli.md).")]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print results and errors only: no warnings, no progress.")
]
