"""Subscriber import speed: `digest subscribers import` of N rows beside two baselines from the same run.

Baselines: reading the CSV alone (the floor: no database), and the row-at-a-time path (one
`SubscriberStore.add` and one suppression lookup per row, each its own transaction, as imports
worked before) on a sample of the rows, scaled to N. Each timed pass starts from an empty list in a
fresh temporary folder; the figure is the median of several passes. The whole-import figure runs
the CLI command in-process (typer's CliRunner), so it includes everything the user waits for.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--runs 3] [--sample 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def write_export(path: Path, rows: int) -> None:
    """A Mailchimp-shaped export: every 20th row unsubscribed, every 50th invalid."""
    lines = ['"Email Address","First Name","Last Name",MEMBER_RATING,UNSUB_TIME,TAGS']
    for i in range(rows):
        address = f"reader{i}@example{i % 97}.com" if i % 50 else f"broken{i}"
        unsub = "2025-06-01 12:00:00" if i % 20 == 0 else ""
        lines.append(f'{address},Reader,"Number {i}",{i % 5},{unsub},"weekly"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(fn, runs: int) -> float:
    """Median seconds of `runs` calls of fn() (each gets a fresh temporary folder)."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            fn(Path(tmp))
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print the three figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sample", type=int, default=300, help="rows timed on the row-at-a-time path")
    args = parser.parse_args()

    from typer.testing import CliRunner

    import digest.cli  # noqa: F401  (registers every command)
    from digest.cli.app import app
    from digest.imports import read_export
    from digest.subscribers import SubscriberStore
    from smtp_servers import write_config

    with tempfile.TemporaryDirectory() as data:
        export = Path(data) / "export.csv"
        write_export(export, args.rows)
        sample = Path(data) / "sample.csv"
        write_export(sample, args.sample)

        parse = timed(lambda _: read_export(export), args.runs)

        def whole(tmp: Path) -> None:
            result = CliRunner().invoke(app, ["subscribers", "import", str(export), "-c", str(write_config(tmp))])
            assert result.exit_code == 0, result.output

        batch = timed(whole, args.runs)

        def row_at_a_time(tmp: Path) -> None:
            store = SubscriberStore(tmp / "subscribers.sqlite")
            for row in read_export(sample).rows:
                store.add(row.subscriber)
                store.suppression(row.subscriber.email)

        slow = timed(row_at_a_time, args.runs) * args.rows / args.sample

    print(f"Importing {args.rows:,} rows (median of {args.runs}):")
    print(f"  reading the CSV alone (floor)        {parse:8.2f} s")
    print(f"  digest subscribers import (one tx)   {batch:8.2f} s")
    print(f"  row at a time ({args.sample} rows, scaled)    {slow:8.2f} s   ({slow / batch:.0f}x slower)")


if __name__ == "__main__":
    main()
