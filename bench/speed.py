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
                                    [--against PATH]

--against PATH measures an older checkout of digest (its folder, e.g. a `git worktree`) in the same
run: each of its runs (PYTHONPATH=PATH) alternates with one of this code's, so both columns see the
same machine, which matters on a shared one whose speed drifts by tens of percent over minutes.

PYTHONDONTWRITEBYTECODE is removed from the commands' environment: with it, an editable install
would recompile every changed module at each start.
"""

from __future__ import annotations

import argparse
import os
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

ENV = {**os.environ, "NO_COLOR": "1"}
# PYTHONDONTWRITEBYTECODE would make an editable install recompile every changed module at each start;
# without it, the untimed first run of each command leaves the bytecode an editor's machine has.
# OPENBLAS_NUM_THREADS: the commands run as an editor's shell runs them (digest sets it itself).
for _name in (
    "DIGEST_CONFIG",
    "DIGEST_OUT",
    "DIGEST_WEEK",
    "DIGEST_TIMEZONE",
    "PYTHONDONTWRITEBYTECODE",
    "OPENBLAS_NUM_THREADS",
):
    ENV.pop(_name, None)


def timed(argv: list[str], cwd: Path, env: dict[str, str] = ENV) -> tuple[float, float, float]:
    """CPU seconds (the child and its worker processes), peak RSS in MiB and wall seconds of one child."""
    start = time.perf_counter()
    with subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as child:
        errors = child.stderr.read() if child.stderr else ""
        # wait4 gives this child's own usage (its reaped workers included), whatever ran before it.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed ({child.returncode}): {errors.strip()[-400:]}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, wall


def interleaved(
    argv: list[str], cwd: Path, envs: list[dict[str, str]], runs: int
) -> list[list[tuple[float, float, float]]]:
    """`runs` timed runs of one command in each environment, alternating (A B B A A B ...), after one untimed
    run in each (bytecode, disk cache); the results per environment, in order."""
    for env in envs:
        timed(argv, cwd, env)
    results: list[list[tuple[float, float, float]]] = [[] for _ in envs]
    for run in range(runs):
        order = range(len(envs)) if run % 2 == 0 else reversed(range(len(envs)))
        for index in order:
            results[index].append(timed([a.replace("{run}", str(run)) for a in argv], cwd, envs[index]))
    return results


def _columns(values: list[float]) -> str:
    """This code's figure, then the older checkout's (when measured), side by side."""
    return "  ".join(f"{value:7.3f} s" for value in values)


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
    parser.add_argument("--against", metavar="PATH", help="an older checkout, measured in turn with this code")
    parser.add_argument("--preview-only", action="store_true", help=argparse.SUPPRESS)  # one figure, for --against
    args = parser.parse_args(argv)
    if args.preview_only:
        with tempfile.TemporaryDirectory() as tmp:
            print(preview_seconds(Path(tmp), args.runs))
        return 0
    envs = [ENV] + ([{**ENV, "PYTHONPATH": str(Path(args.against).resolve())}] if args.against else [])
    digest = str(Path(sys.executable).with_name("digest"))
    print(
        f"# digest speed, {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, CPU seconds "
        f"(user+sys), median of {args.runs}"
        + (f"; columns: this code, then {args.against} (runs alternating)" if args.against else "")
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        empty = work / "empty"
        empty.mkdir()
        base = interleaved([sys.executable, "-c", "pass"], empty, envs, args.runs)
        print(f"{'python -c pass (baseline)':40} {_columns([statistics.median(r[0] for r in v) for v in base])}")
        for label, command, target in (
            ("digest --help", ["--help"], 0.3),
            ("digest subscribers list", ["subscribers", "list"], 0.4),
            ("digest status", ["status"], 0.4),
        ):
            found = interleaved([digest, *command], empty, envs, args.runs)
            print(f"{label:40} {_columns([statistics.median(r[0] for r in v) for v in found])}   (target <= {target})")
        per_article = []
        for size in sorted(int(s) for s in args.sizes.split(",")):
            folder = work / f"w{size}"
            folder.mkdir()
            write_input(folder / "week.json", size)
            (folder / "digest.toml").write_text("[fetch]\nmax_bytes = 1000000000\n", encoding="utf-8")
            runs = args.runs if size <= 1000 else max(1, min(args.runs, 5))  # a large build takes seconds
            build = [digest, "build", "--source", "native:week.json", "--week", "2026-W47", "--out", "out{run}"]
            found = interleaved(build, folder, envs, runs)
            seconds = [statistics.median(r[0] for r in v) for v in found]
            peak = [max(r[1] for r in v) for v in found]
            wall = [statistics.median(r[2] for r in v) for v in found]
            per_article.append((size, seconds[0] / size))
            goal = " (target <= 1.0)" if size == 300 else " (target <= 10)" if size == 10_000 else ""
            print(
                f"{f'build, {size:,} articles':40} {_columns(seconds)}   "
                f"{' / '.join(f'{1e3 * s / size:.2f}' for s in seconds)} ms/article, "
                f"peak RSS {' / '.join(f'{p:.0f}' for p in peak)} MiB, "
                f"wall {' / '.join(f'{w:.2f}' for w in wall)} s{goal}"
            )
        large = [p for p in per_article if p[0] >= 1000]
        if len(large) > 1:
            print(
                f"time per article at {large[-1][0]:,} is {large[-1][1] / large[0][1]:.2f}x that at "
                f"{large[0][0]:,} (1.00x = linear)"
            )
        previews = [preview_seconds(work, args.runs)]
        if args.against:
            older = subprocess.run(
                [sys.executable, __file__, "--preview-only", "--runs", str(args.runs)],
                capture_output=True,
                text=True,
                env=envs[1],
                check=True,
            )
            previews.append(float(older.stdout.strip().splitlines()[-1]))
        print(
            f"{'preview re-render after an edit, 60 art.':40} {_columns(previews)}   "
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
