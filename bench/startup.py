"""Start-up cost of commands that read no sources, beside `python -c "import json"` in the same run.

Usage: .venv/bin/python bench/startup.py [--runs N] [--tree PATH]

Each command runs N times (default 15) in a fresh interpreter from an empty folder; the median
wall-clock time is printed, and, from one `-X importtime` run, the summed self time of every import
and the heavy libraries that were loaded. --tree runs another checkout's `digest` package (e.g. an
older commit exported with `git archive`) for a before/after comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("requests", "feedparser", "numpy", "premailer", "lxml", "nupunkt")
INVOKE = (
    "import sys\nfrom digest.cli import app\ntry:\n    app(sys.argv[1:], standalone_mode=False)\n"
    "except SystemExit:\n    pass\n"
)
CASES = [
    ("python -c 'import json' (baseline)", ["-c", "import json"]),
    ("digest --help", ["-c", INVOKE, "--help"]),
    ("digest subscribers list", ["-c", INVOKE, "subscribers", "list"]),
    ("digest status", ["-c", INVOKE, "status"]),
]


def _run(args: list[str], cwd: str, env: dict[str, str], importtime: bool = False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def _imports(stderr: str) -> tuple[float, list[str]]:
    """Summed self time (ms) of every import, and the heavy top-level packages that were imported."""
    total, heavy = 0.0, set()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line[len("import time:") :].split("|"))
        total += int(self_us) / 1000
        if name.split(".")[0] in HEAVY:
            heavy.add(name.split(".")[0])
    return total, sorted(heavy)


def main() -> None:
    """Print one row per command: median wall time, import time and heavy libraries loaded."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--tree", type=Path, default=ROOT)
    opts = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    env["PYTHONPATH"] = str(opts.tree.resolve())
    print(f"digest from {opts.tree.resolve()}; Python {sys.version.split()[0]}; median of {opts.runs} runs")
    print(f"{'command':<38} {'wall ms':>8} {'imports ms':>11}  heavy libraries loaded")
    with tempfile.TemporaryDirectory() as cwd:
        for label, args in CASES:
            times = []
            for _ in range(opts.runs):
                start = time.perf_counter()
                _run(args, cwd, env)
                times.append((time.perf_counter() - start) * 1000)
            imports_ms, heavy = _imports(_run(args, cwd, env, importtime=True).stderr)
            print(f"{label:<38} {statistics.median(times):>8.0f} {imports_ms:>11.0f}  {', '.join(heavy) or '-'}")


if __name__ == "__main__":
    main()
