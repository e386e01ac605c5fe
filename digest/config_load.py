"""Reading settings from digest.toml, the environment and options, driven by the declarations in config."""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from digest.config import CONFIG_FILE, TABLES, Labels, Settings, Table, env_name
from digest.config_rules import check_field, coerce
from digest.errors import ConfigError
from digest.sources import KIND_OPTIONS, SOURCE_KEYS, SourceSpec, canonical_kind

TABLE_CLASSES = {table.TABLE: table for table in TABLES}
Values = dict[str, dict[str, Any]]  # table -> key -> typed value


def _fields(table: type[Table]) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(table)}


def _typed(table: type[Table], key: str, value: Any, where: str) -> Any:
    """A raw value converted to the setting's type and checked against its rules, or ConfigError."""
    f = _fields(table)[key]
    try:
        typed = coerce(f, typing.get_type_hints(table)[key], value)
    except (TypeError, ValueError, AttributeError):
        raise ConfigError(f"{where}: invalid value {value!r} for [{table.TABLE}] {key}") from None
    problem = check_field(f, typed)
    if problem:
        raise ConfigError(f"{where}: [{table.TABLE}] {key} {problem}")
    return typed


def option_key(name: str) -> tuple[str, str]:
    """(table, key) of an option name: "build.out", or a key only one table has ("out")."""
    if "." in name:
        table, key = name.split(".", 1)
        if table in TABLE_CLASSES and key in _fields(TABLE_CLASSES[table]):
            return table, key
    matches = [(t.TABLE, name) for t in TABLES if name in _fields(t)]
    if len(matches) != 1:
        raise KeyError(name)
    return matches[0]


def settings_from(values: Mapping[str, Any] | None = None, **options: Any) -> Settings:
    """Settings from option-style values ({"out": ..., "fetch.max_bytes": ...}), the rest defaults."""
    tables: Values = {}
    extra: dict[str, Any] = {}
    for name, value in {**(values or {}), **options}.items():
        if name in ("sources", "config_path", "labels"):
            extra[name] = value
            continue
        table, key = option_key(name)
        tables.setdefault(table, {})[key] = _typed(
            TABLE_CLASSES[table], key, value, f"option --{key.replace('_', '-')}"
        )
    return _build(tables, **extra)


def _build(tables: Values, **extra: Any) -> Settings:
    built: dict[str, Any] = {name: TABLE_CLASSES[name](**keys) for name, keys in tables.items()}
    return Settings(**built, **extra)


def _check_options(spec: SourceSpec, where: str, number: int) -> None:
    known = ", ".join(sorted(KIND_OPTIONS))
    if spec.kind != "auto" and spec.kind not in KIND_OPTIONS:
        raise ConfigError(
            f"{where}: source {number} ({spec.name!r}): unknown kind {spec.kind!r}; use auto or one of: {known}"
        )
    allowed = set().union(*KIND_OPTIONS.values()) if spec.kind == "auto" else set(KIND_OPTIONS[spec.kind])
    unknown = sorted(set(spec.options) - allowed)
    if unknown:
        accepts = ", ".join(sorted(allowed)) or "no options"
        raise ConfigError(
            f"{where}: source {number} ({spec.name!r}): unknown option {unknown[0]!r} for kind "
            f"{spec.kind} (it accepts: {accepts})"
        )


def _sources(raw: Any, where: str) -> tuple[SourceSpec, ...]:
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: [[sources]] must be a list of tables")
    out = []
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: source {i} is not a table")
        location = item.get("url") or item.get("path")
        if not location:
            raise ConfigError(f'{where}: source {i} needs "url" or "path"')
        options = {k: v for k, v in item.items() if k not in SOURCE_KEYS}
        try:
            priority = int(item.get("priority", 0))
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: source {i}: priority must be a whole number") from None
        spec = parse_source(
            str(location),
            name=item.get("name"),
            kind=str(item.get("kind", "auto")),
            timezone=str(item.get("timezone", "UTC")),
            priority=priority,
            options=options,
        )
        _check_options(spec, where, i)
        out.append(spec)
    return tuple(out)


def parse_source(
    text: str,
    name: str | None = None,
    kind: str = "auto",
    timezone: str = "UTC",
    priority: int = 0,
    options: dict | None = None,
) -> SourceSpec:
    """A SourceSpec from `[kind:]location`, e.g. `wordpress:https://example.com`."""
    head, sep, rest = text.partition(":")
    if sep and head.isalpha() and head.lower() not in ("http", "https", "file") and len(head) > 1:
        kind, text = head.lower(), rest
    return SourceSpec(
        name=name or text,
        location=text,
        kind=canonical_kind(kind),
        timezone=timezone,
        priority=priority,
        options=options or {},
        named=bool(name),
    )


def _labels(content: Mapping[str, Any], where: str) -> Labels:
    known = {f.name for f in dataclasses.fields(Labels)}
    for key in content:
        if key not in known:
            raise ConfigError(f"{where}: unknown setting [labels] {key}")
    return replace(Labels(), **{k: str(v) for k, v in content.items()})


def read_file(path: Path) -> dict[str, Any]:
    """Read digest.toml into {table: {key: typed value}}, "labels" and "sources", or raise ConfigError."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (run `digest init` to write one)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    where = str(path)
    values: dict[str, Any] = {}
    for table_name, content in raw.items():
        if table_name == "sources":
            values["sources"] = _sources(content, where)
            continue
        if not isinstance(content, dict) or (table_name not in TABLE_CLASSES and table_name != "labels"):
            raise ConfigError(
                f"{where}: unknown setting {table_name!r} (tables: "
                f"{', '.join(f'[{t}]' for t in [*TABLE_CLASSES, 'labels'])}, [[sources]])"
            )
        if table_name == "labels":
            values["labels"] = _labels(content, where)
            continue
        table, fields = TABLE_CLASSES[table_name], _fields(TABLE_CLASSES[table_name])
        for key, value in content.items():
            f = fields.get(key)
            if f is not None and f.metadata.get("secret"):
                raise ConfigError(
                    f"{where}: [{table_name}] {key} is a secret: set {env_name(table, f)} in the environment instead"
                )
            if f is None or f.metadata.get("file") is False:
                raise ConfigError(f"{where}: unknown setting [{table_name}] {key}")
            values.setdefault(table_name, {})[key] = _typed(table, key, value, where)
    return values


def read_env(environ: Mapping[str, str]) -> Values:
    """Typed table values from DIGEST_<NAME> environment variables (secrets included)."""
    values: Values = {}
    for table in TABLES:
        for key, f in _fields(table).items():
            name = env_name(table, f)
            if name and environ.get(name, "") != "":
                values.setdefault(table.TABLE, {})[key] = _typed(
                    table, key, environ[name], f"environment variable {name}"
                )
    return values


def resolve(
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: Path | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Resolve settings once: CLI over environment over file over defaults."""
    environ = os.environ if environ is None else environ
    path = config_path or (Path(environ["DIGEST_CONFIG"]) if environ.get("DIGEST_CONFIG") else None)
    if path is None:
        candidate = (cwd or Path.cwd()) / CONFIG_FILE
        path = candidate if candidate.is_file() else None
    values = read_file(path) if path else {}
    extra = {name: values.pop(name) for name in ("sources", "labels") if name in values}
    layers = [read_env(environ)]
    cli_values: Values = {}
    for name, value in (cli or {}).items():
        if value is None:
            continue
        if name == "sources":
            extra["sources"] = value
            continue
        table, key = option_key(name)
        cli_values.setdefault(table, {})[key] = _typed(
            TABLE_CLASSES[table], key, value, f"option --{key.replace('_', '-')}"
        )
    layers.append(cli_values)
    for layer in layers:
        for table_name, keys in layer.items():
            values.setdefault(table_name, {}).update(keys)
    return _build(values, config_path=path, **extra)
