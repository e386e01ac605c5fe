"""digest's command line: thin wrappers over library functions.

Each command module registers its commands on the shared app (see app.py,
where DigestError is turned into one line on stderr and its exit code).
"""

from __future__ import annotations

import os
import sys

from digest.cli.app import app
from digest.cli.output import configure_logging

# Command modules register themselves on import, in the order `digest --help` lists them.
# isort: off
from digest.cli import build as _build  # noqa: F401
from digest.cli import sources as _sources  # noqa: F401
from digest.cli import send as _send  # noqa: F401
from digest.cli import desk as _desk  # noqa: F401
from digest.cli import bounces as _bounces  # noqa: F401
# isort: on


def main() -> None:
    """Console entry point."""
    # digest's matrices are a few dozen rows and never reach BLAS; left to itself, numpy's OpenBLAS starts
    # a thread per core when imported, which costs a build about 50 ms of CPU for nothing. A value the
    # user set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    configure_logging()
    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
