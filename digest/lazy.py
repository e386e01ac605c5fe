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
        if sys.modules.get(self.__name__) is self:  # read inside a `deferred` block: the real module is needed now
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def lazy_module(name: str) -> Any:
    """The module `name` if it is imported already, else a LazyModule that imports it on first use."""
    return sys.modules.get(name) or LazyModule(name)


@contextlib.contextmanager
def deferred(*names: str) -> Iterator[None]:
    """While the block runs, `import name` gives a LazyModule for each of `names` not imported yet.

    For a library's imports of modules it uses only on paths digest never takes: premailer imports
    requests, and cssutils urllib.request (with http.client, ssl and the email parser), encutils,
    importlib.metadata and email.message, all to fetch remote stylesheets, which digest never asks
    for. The stand-ins keep those imports from costing every build. Afterwards the real modules
    import as usual; a stand-in read inside the block imports its real module there and then.

    A dotted name's stand-in is also set as its package's attribute, since `import a.b` binds `a` and
    later reads `a.b` from it; it stays there (forwarding to the real module) until the real module
    is imported, which replaces it.
    """
    stand_ins = {name: LazyModule(name) for name in names if name not in sys.modules}
    for name, stand_in in stand_ins.items():
        sys.modules[name] = stand_in
        package, _, attribute = name.rpartition(".")
        if package:
            setattr(importlib.import_module(package), attribute, stand_in)
    try:
        yield
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
