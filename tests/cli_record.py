"""Record every run of the command line during a test session, for tests/test_cli_coverage.py.

Installed by conftest.py. Each run of the CLI, through typer's CliRunner or as a separate
`python -m digest` / `digest` process, is recorded with the command it reached, the options given on
its command line and the settings in effect from a digest.toml or a DIGEST_* variable. Parsing goes
through click itself (resilient parsing: nothing is run), so aliases, `--opt=value` and negative flags
count exactly as the CLI reads them.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_OPTS = ("--config", "-c")


@dataclass
class Call:
    """One run of the CLI: the command path, the options given and the settings it could read."""

    test: str
    argv: list[str]
    command: tuple[str, ...] = ()
    options: set[tuple[tuple[str, ...], str]] = field(default_factory=set)
    settings: set[str] = field(default_factory=set)  # "table.key", from the file or the environment


CALLS: list[Call] = []
SESSION: dict[str, Any] = {"test": "", "files": set(), "deselected": 0}


def command_tree():
    """The click command behind digest's Typer app."""
    import typer.main

    from digest.cli import app

    return typer.main.get_command(app)


def parse_argv(argv: Sequence[str]) -> tuple[tuple[str, ...], set[tuple[tuple[str, ...], str]], Path | None]:
    """(command path, {(command path, option name)} given on the line, --config value) as click parses them."""
    cmd, path, args = command_tree(), ("digest",), list(argv)
    used: set[tuple[tuple[str, ...], str]] = set()
    config: Path | None = None
    while True:
        ctx = cmd.make_context(path[-1], args, resilient_parsing=True)
        for param in cmd.params:
            if param.name and getattr(ctx.get_parameter_source(param.name), "name", "") == "COMMANDLINE":
                used.add((path, param.name))
                if param.name == "config" and ctx.params.get("config"):
                    config = Path(ctx.params["config"])
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not hasattr(cmd, "resolve_command") or not rest:
            return path, used, config
        name, sub, args = cmd.resolve_command(ctx, rest)
        if sub is None or name is None:
            return path, used, config
        cmd, path = sub, (*path, name)


def file_settings(path: Path | None) -> set[str]:
    """The "table.key" settings a digest.toml sets ([labels] included; [[sources]] keys are per source)."""
    if path is None or not path.is_file():
        return set()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set()
    return {f"{table}.{key}" for table, content in raw.items() if isinstance(content, dict) for key in content}


def env_settings(environ: Mapping[str, str]) -> set[str]:
    """The "table.key" settings the DIGEST_* variables in `environ` set."""
    import dataclasses

    from digest.config import TABLES, env_name

    names = {env_name(t, f): f"{t.TABLE}.{f.name}" for t in TABLES for f in dataclasses.fields(t)}
    return {names[k] for k, v in environ.items() if k in names and v}


def record(argv: Sequence[Any], env: Mapping[str, str | None] | None, cwd: Path | None) -> None:
    """Record one run of the CLI; never fails the test that made it."""
    argv = [str(a) for a in argv]
    environ = {**os.environ, **{k: v for k, v in (env or {}).items() if v is not None}}
    for k, v in (env or {}).items():
        if v is None:
            environ.pop(k, None)
    call = Call(SESSION["test"], argv)
    try:
        call.command, call.options, config = parse_argv(argv)
    except Exception:
        call.command, config = ("digest",), None
    if config is None and environ.get("DIGEST_CONFIG"):
        config = Path(environ["DIGEST_CONFIG"])
    if config is None:
        config = (cwd or Path.cwd()) / "digest.toml"
    elif not config.is_absolute() and cwd is not None:
        config = cwd / config
    call.settings = file_settings(config) | env_settings(environ)
    CALLS.append(call)


def _digest_argv(args: Any) -> list[str] | None:
    """The CLI's own arguments when a subprocess runs digest, else None."""
    if isinstance(args, (str, bytes, os.PathLike)):
        return None
    parts = [os.fspath(a) if isinstance(a, os.PathLike) else a for a in args]
    parts = [a.decode() if isinstance(a, bytes) else str(a) for a in parts]
    for i in range(len(parts) - 1):
        if parts[i] == "-m" and parts[i + 1] == "digest":
            return parts[i + 2 :]
    if parts and Path(parts[0]).name == "digest":
        return parts[1:]
    return None


def install() -> None:
    """Wrap CliRunner.invoke and subprocess.Popen so that every run of the CLI is recorded."""
    from typer.testing import CliRunner

    if getattr(CliRunner.invoke, "recorded", False):
        return
    invoke = CliRunner.invoke

    def recording_invoke(self, app, args=None, input=None, env=None, **kwargs):
        if args is not None and not isinstance(args, str):
            record(list(args), env, None)
        elif isinstance(args, str):
            import shlex

            record(shlex.split(args), env, None)
        else:
            record([], env, None)
        return invoke(self, app, args, input, env, **kwargs)

    recording_invoke.recorded = True  # type: ignore[attr-defined]
    CliRunner.invoke = recording_invoke  # type: ignore[method-assign]

    popen_init = subprocess.Popen.__init__

    def recording_init(self, args, *a, **kw):
        argv = _digest_argv(args)
        if argv is not None:
            cwd = kw.get("cwd")
            record(argv, kw.get("env") if kw.get("env") is not None else None, Path(cwd) if cwd else None)
            if kw.get("env") is not None:  # a process gets exactly the env it is given, not ours on top
                CALLS[-1].settings = file_settings(_config_of(CALLS[-1], kw["env"], cwd)) | env_settings(kw["env"])
        popen_init(self, args, *a, **kw)

    subprocess.Popen.__init__ = recording_init  # type: ignore[method-assign]


def _config_of(call: Call, env: Mapping[str, str], cwd: Any) -> Path:
    """The digest.toml a process started with exactly `env` reads."""
    argv = call.argv
    for i, arg in enumerate(argv):
        if arg in CONFIG_OPTS and i + 1 < len(argv):
            path = Path(argv[i + 1])
            break
        if arg.startswith("--config="):
            path = Path(arg.split("=", 1)[1])
            break
    else:
        path = Path(env["DIGEST_CONFIG"]) if env.get("DIGEST_CONFIG") else Path("digest.toml")
    return path if path.is_absolute() or not cwd else Path(cwd) / path


def dump(target: Path) -> None:
    """Write every recorded run as JSON lines: test, argv, command, options, settings."""
    import json

    with target.open("w", encoding="utf-8") as out:
        for call in CALLS:
            out.write(
                json.dumps(
                    {
                        "test": call.test,
                        "argv": call.argv,
                        "command": " ".join(call.command),
                        "options": sorted(" ".join(path) + " " + name for path, name in call.options),
                        "settings": sorted(call.settings),
                    }
                )
                + "\n"
            )
