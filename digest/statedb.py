"""digest's SQLite state files (the delivery ledger, the subscriber list): schema versions and damage.

Each file carries its schema version in `PRAGMA user_version`. A file written by a newer digest, or
one that is not digest's at all, is refused rather than altered. Every SQLite or OS error met while
using one of these files becomes one StateError line naming the file and what to do, never a
traceback: see `guard_state_errors`.
"""

from __future__ import annotations

import errno
import functools
import inspect
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from digest.errors import StateError

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
T = TypeVar("T")


def state_failure(path: Path, what: str, exc: BaseException, remedy: str) -> StateError:
    """One line for an SQLite or OS error on a state file: what happened and what to do."""
    path = Path(path)
    name = getattr(exc, "sqlite_errorname", "") or ""
    code = getattr(exc, "errno", None)
    detail = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
    if path.is_dir():
        return StateError(
            f"{path}: is a directory, not the {what}; move it aside (or point [build] state_dir elsewhere) and rerun"
        )
    if name == "SQLITE_FULL" or code in _FULL_ERRNOS:
        return StateError(
            f"{path}: no space left to write the {what} ({detail}); free some space and rerun "
            "(the next run continues where this one stopped)"
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")) or code in _READONLY_ERRNOS:
        return StateError(
            f"{path}: cannot write the {what} ({detail}); make {path.parent} and the file "
            "writable for this user and rerun"
        )
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or (isinstance(exc, sqlite3.DatabaseError) and not name):
        return StateError(f"{path}: the {what} is damaged ({detail}); {remedy}")
    return StateError(f"{path}: cannot use the {what} ({detail}); {remedy}")


def guard_state_errors(what: str, remedy: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: SQLite and OS errors in public methods become StateError naming `self.path`."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def gen(self: Any, *args: Any, **kw: Any) -> Any:
                try:
                    yield from fn(self, *args, **kw)
                except (sqlite3.Error, OSError) as exc:
                    raise state_failure(self.path, what, exc, remedy) from None

            return gen

        @functools.wraps(fn)
        def call(self: Any, *args: Any, **kw: Any) -> Any:
            try:
                return fn(self, *args, **kw)
            except (sqlite3.Error, OSError) as exc:
                raise state_failure(self.path, what, exc, remedy) from None

        return call

    def decorate(cls: type[T]) -> type[T]:
        for name, member in list(vars(cls).items()):
            if inspect.isfunction(member) and (name == "__init__" or not name.startswith("_")):
                setattr(cls, name, wrap(member))
        return cls

    return decorate


def open_schema(
    db: sqlite3.Connection,
    path: Path,
    what: str,
    *,
    version: int,
    tables: tuple[str, ...],
    create_sql: str,
    migrations: Mapping[int, str] | None = None,
    create: bool = True,
) -> bool:
    """Check (and create or migrate) a state file's schema; False when the file is empty and `create` is off.

    `migrations[n]` is the SQL that takes schema n to n+1; `create_sql` (CREATE ... IF NOT EXISTS) runs
    on every writable open. A file with digest's tables and no version is from before versions were
    recorded: it is version 1.
    """
    found = db.execute("PRAGMA user_version").fetchone()[0]
    names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if found > version:
        raise StateError(
            f"{path}: the {what} has schema version {found}, newer than this digest knows "
            f"({version}); upgrade digest, or restore the file this version wrote"
        )
    if not names:
        if not create:
            return False
        db.executescript(f"BEGIN IMMEDIATE; {create_sql}; PRAGMA user_version={version}; COMMIT;")
        return True
    missing = [t for t in tables if t not in names]
    if missing:
        raise StateError(
            f"{path}: not a digest {what} (no {', '.join(missing)} table; it holds "
            f"{', '.join(sorted(names))}); point [build] state_dir elsewhere or move the file aside"
        )
    stored, found = found, found or 1
    steps = migrations or {}
    if found < version and not all(n in steps for n in range(found, version)):
        raise StateError(
            f"{path}: the {what} has schema version {found}, which this digest cannot upgrade; "
            "restore a backup or move the file aside"
        )
    if create and (stored < version):
        script = "".join(f"{steps[n]};" for n in range(found, version))
        db.executescript(f"BEGIN IMMEDIATE; {script} {create_sql}; PRAGMA user_version={version}; COMMIT;")
    elif create:
        db.executescript(create_sql)  # CREATE ... IF NOT EXISTS: adds what a newer digest declares, writes nothing else
    return True
