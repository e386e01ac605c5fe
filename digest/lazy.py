"""Modules imported when first used, so that a command pays only for the libraries it runs.

requests (with urllib3, charset detection and ssl) costs about 60 ms to import, and feedparser about
15 ms; a build over local files uses neither. `LazyModule` stands for such a module in the module
that needs it and imports it on the first attribute read.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any


class LazyModule(types.ModuleType):
    """A stand-in for a module that imports the real one when one of its attributes is first read."""

    def __getattr__(self, name: str) -> Any:
        """The real module's attribute (importing the module on first use)."""
        return getattr(importlib.import_module(self.__name__), name)


def lazy_module(name: str) -> Any:
    """The module `name` if it is imported already, else a LazyModule that imports it on first use."""
    return sys.modules.get(name) or LazyModule(name)


@contextlib.contextmanager
def deferred(name: str) -> Iterator[None]:
    """While the block runs, `import name` gives a LazyModule (for a library's import of `name`).

    premailer imports requests for stylesheets at a URL, which digest never asks it to fetch: the
    stand-in keeps that import from costing every build. Afterwards the real module imports as usual.
    """
    if name in sys.modules:
        yield
        return
    stand_in = LazyModule(name)
    sys.modules[name] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
