"""Every speed target of digest in one run, each beside `python -c pass` measured in the same run.

CPU seconds (user + sys of the child process and its children, worker processes included; steadier
than wall time on a shared machine), median of --runs; builds also show their wall time:
  start-up   - `digest --help`, `digest subscribers list`, `digest status` in an empty folder;
  builds     - `digest build` over generated weeks (bench/scale.py's seeded generator) of each --sizes,
               with peak RSS and the growth of time per article;
  preview    - re-composing a 60-article issue after a curation edit, in one process, as
               `digest preview` does (sources already collected);
  send       - bench/send_bench.py with --recipients (the sender against a bare smtplib loop).

    .venv/bin/python bench/speed.py [--runs 5] [--sizes 300,1000,10000] [--recipients 1000] [--no-send]

PYTHONDONTWRITEBYTECODE is removed from the commands' environment: with it, an editable install
would recompile every changed module at each start.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from build_scale import write_input  # noqa: E402 (after the sys.path line above)

ENV = {**os.environ, "NO_COLOR": "1", "OPENBLAS_NUM_THREADS": "1"}
# PYTHONDONTWRITEBYTECODE would make an editable install recompile every changed module at each start;
# without it, the untimed first run of each command leaves the bytecode an editor's machine has.
for _name in ("DIGEST_CONFIG", "DIGEST_OUT", "DIGEST_WEEK", "DIGEST_TIMEZONE", "PYTHONDONTWRITEBYTECODE"):
    ENV.pop(_name, None)


def cpu(argv: list[str], cwd: Path) -> tuple[float, float]:
    """CPU seconds (user + sys) and peak RSS in MiB of one child process; raises if it fails."""
    return timed(argv, cwd)[:2]


def timed(argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """CPU seconds (the child and its worker processes), peak RSS in MiB and wall seconds of one child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=ENV, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, after.ru_maxrss / 1024, wall  # RSS: the largest child so far: run small before large


def median_cpu(argv: list[str], cwd: Path, runs: int) -> float:
    """Median CPU seconds of `runs` runs of one command, after one untimed run (bytecode, disk cache)."""
    cpu(argv, cwd)
    return statistics.median(cpu(argv, cwd)[0] for _ in range(runs))


def preview_seconds(work: Path, runs: int) -> float:
    """Median CPU seconds of re-composing a 60-article week after its curation file was edited."""
    from digest.config import parse_source, resolve
    from digest.fetch import Fetcher
    from digest.pipeline import build_issue, gather

    write_input(work / "week60.json", 60)
    settings = resolve(
        {
            "sources": (parse_source(f"native:{work / 'week60.json'}"),),
            "week": "2026-W47",
            "out": str(work / "preview"),
        },
        environ={},
        cwd=work,
    )
    now = datetime(2026, 11, 30, tzinfo=UTC)
    gathered = gather(settings, Fetcher(), now)
    build_issue(settings, None, now, gathered=gathered)  # the first build writes the curation file
    curation = work / "preview" / "2026-W47.toml"
    times = []
    for run in range(runs):
        text = curation.read_text(encoding="utf-8")
        curation.write_text(
            text.replace('subject = ""', f'subject = "Edited {run}"', 1).replace(
                f'subject = "Edited {run - 1}"', f'subject = "Edited {run}"'
            ),
            encoding="utf-8",
        )
        start = time.process_time()
        build_issue(settings, None, now, gathered=gathered)
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Measure every target and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median shown)")
    parser.add_argument("--sizes", default="300,1000,10000", help="comma-separated article counts to build")
    parser.add_argument("--recipients", type=int, default=1000, help="recipients for the send measurement")
    parser.add_argument("--no-send", action="store_true", help="skip the send measurement")
    args = parser.parse_args(argv)
    digest = str(Path(sys.executable).with_name("digest"))
    print(
        f"# digest speed, {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, CPU seconds "
        f"(user+sys), median of {args.runs}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        empty = work / "empty"
        empty.mkdir()
        base = median_cpu([sys.executable, "-c", "pass"], empty, args.runs)
        print(f"{'python -c pass (baseline)':40} {base:7.3f} s")
        for label, command, target in (
            ("digest --help", ["--help"], 0.3),
            ("digest subscribers list", ["subscribers", "list"], 0.4),
            ("digest status", ["status"], 0.4),
        ):
            seconds = median_cpu([digest, *command], empty, args.runs)
            print(f"{label:40} {seconds:7.3f} s   (target <= {target})")
        per_article = []
        for size in sorted(int(s) for s in args.sizes.split(",")):
            folder = work / f"w{size}"
            folder.mkdir()
            write_input(folder / "week.json", size)
            (folder / "digest.toml").write_text("[fetch]\nmax_bytes = 1000000000\n", encoding="utf-8")
            runs = args.runs if size <= 1000 else max(1, min(args.runs, 3))
            results = [
                timed(
                    [digest, "build", "--source", "native:week.json", "--week", "2026-W47", "--out", f"out{run}"],
                    folder,
                )
                for run in range(runs)
            ]
            seconds = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results)
            wall = statistics.median(r[2] for r in results)
            per_article.append((size, seconds / size))
            target = " (target <= 1.0)" if size == 300 else " (target <= 10)" if size == 10_000 else ""
            print(
                f"{f'build, {size:,} articles':40} {seconds:7.3f} s   {1e3 * seconds / size:6.2f} ms/article, "
                f"peak RSS {peak:.0f} MiB, wall {wall:.2f} s{target}"
            )
        large = [p for p in per_article if p[0] >= 1000]
        if len(large) > 1:
            print(
                f"time per article at {large[-1][0]:,} is {large[-1][1] / large[0][1]:.2f}x that at "
                f"{large[0][0]:,} (1.00x = linear)"
            )
        print(
            f"{'preview re-render after an edit, 60 art.':40} {preview_seconds(work, args.runs):7.3f} s   "
            f"(target <= 0.3; in one process, no start-up)"
        )
    if not args.no_send:
        print(
            f"# send: bench/send_bench.py --recipients {args.recipients} --runs 3 (target: sender, 1 connection "
            f">= 90% of the bare loop)",
            flush=True,
        )
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "send_bench.py"),
                "--recipients",
                str(args.recipients),
                "--runs",
                "3",
            ],
            check=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
