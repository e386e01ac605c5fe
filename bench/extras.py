"""Each bench script names the optional packages it needs; a missing one stops it with the install line."""

from __future__ import annotations

import importlib.util
import sys

INSTALL = {"test": "pip install -e '.[test]'", "bench": "pip install -e '.[bench]'"}


def require(script: str, extra: str, *modules: str) -> None:
    """Exit with one line naming what `script` is missing and how to install it, before any work starts."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        sys.exit(f"{script} needs {', '.join(missing)} (the {extra} extra): .venv/bin/{INSTALL[extra]}")
