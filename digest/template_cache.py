"""Compiled templates kept between runs, so that each build does not compile its templates again.

Jinja's bytecode cache, in the user's cache folder (`$XDG_CACHE_HOME/digest/templates`, else
`~/.cache/digest/templates`). A template is compiled again when its source changes (Jinja keeps a
checksum of the source with the code); another Python, Jinja or digest version, or other environment
options, use files of their own. A folder that cannot be made, or that is not the user's own and
closed to others, means no cache (the code in it is run); a cache file that cannot be read or written
is passed over. The folder can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path

import jinja2
from jinja2.bccache import Bucket

import digest


class _FileCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache, where a damaged or unwritable file only means compiling again."""

    def load_bytecode(self, bucket: Bucket) -> None:
        """Load the bucket's code, or leave it empty when the file cannot be read back."""
        try:
            super().load_bytecode(bucket)
        except Exception:  # a truncated or foreign file: marshal and pickle fail in several ways
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Store the bucket's code; a full or read-only disk costs the cache only."""
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def cache_folder(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The user's cache folder for compiled templates, or None when there is no home to put it in."""
    base = environ.get("XDG_CACHE_HOME", "").strip()
    if base and os.path.isabs(base):
        return Path(base) / "digest" / "templates"
    try:
        return Path.home() / ".cache" / "digest" / "templates"
    except RuntimeError:  # no home directory known
        return None


def _private_folder(folder: Path) -> bool:
    """Make `folder` (mode 0700) unless it exists; True when it is a directory of this user's that
    nobody else can write to."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    )


def template_cache(options: str) -> jinja2.BytecodeCache | None:
    """A bytecode cache for an environment made with `options` (a text naming them), or None."""
    folder = cache_folder()
    if folder is None or not hasattr(os, "getuid") or not _private_folder(folder):
        return None
    key = "\0".join((digest.__version__, jinja2.__version__, sys.version, options))
    return _FileCache(str(folder), f"{hashlib.sha256(key.encode()).hexdigest()[:16]}-%s.cache")
