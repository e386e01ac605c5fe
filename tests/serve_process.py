"""A real `python -m digest serve` (or `preview`) process for tests that talk to it over HTTP.

`running_digest` starts the command, waits for the line that names its address, yields a
`RunningDigest` and always stops the process, however the test ends. The process's stderr goes to a
temporary file rather than a pipe, so a chatty server never blocks on a full pipe, and a test reads
it after the fact with `stop()`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SERVE_READY = r"on (http://127\.0\.0\.1:\d+)/ "  # "Serving <out> on http://127.0.0.1:PORT/ ..."
PREVIEW_READY = r" at (http://127\.0\.0\.1:\d+)/"


def digest_env(**extra: str) -> dict[str, str]:
    """This process's environment without any DIGEST_ variable, with the checkout importable and `extra` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env.update({"PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


class RunningDigest:
    """A started digest process: its base URL (no trailing slash), the process and its stderr."""

    def __init__(self, base: str, proc: subprocess.Popen[str], stderr: IO[str]) -> None:
        self.base, self.proc, self._stderr = base, proc, stderr
        self._log: str | None = None

    @property
    def port(self) -> int:
        """The port the process listens on."""
        return urlsplit(self.base).port or 0

    def readline(self) -> str:
        """The next line the process printed on stdout."""
        assert self.proc.stdout is not None
        return self.proc.stdout.readline()

    def stop(self) -> str:
        """Terminate the process (once) and return everything it wrote to stderr."""
        if self._log is None:
            if self.proc.poll() is None:
                self.proc.terminate()
            self.proc.wait(timeout=10)
            self._stderr.seek(0)
            self._log = self._stderr.read()
            self._stderr.close()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
        return self._log


@contextmanager
def running_digest(
    *args: str, cwd: Path, env: Mapping[str, str] | None = None, ready: str = SERVE_READY
) -> Iterator[RunningDigest]:
    """Run `python -m digest ARGS` until the block ends; fail with its stderr when `ready` never shows."""
    stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # closed by RunningDigest.stop
    proc = subprocess.Popen(
        [sys.executable, "-m", "digest", *args],
        cwd=cwd,
        env=dict(env) if env is not None else digest_env(),
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    running = RunningDigest("", proc, stderr)
    try:
        line = running.readline()
        match = re.search(ready, line)
        if match is None:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            raise AssertionError(f"digest {' '.join(args)} did not start: {line!r}\n{running.stop()}")
        running.base = match.group(1)
        yield running
    finally:
        running.stop()
