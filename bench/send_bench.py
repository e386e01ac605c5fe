"""Send throughput: the real sender (1 and 4 connections) beside a bare smtplib loop (the floor).

One issue (the bundled sample week, built here) goes to N generated recipients through a local
aiosmtpd sink that accepts and discards. Each measurement runs in a fresh process, so its peak
RSS is its own; the sink runs in its own process too, so it never shares the sender's GIL.
Prints the median of several runs for each mode.

    .venv/bin/python bench/send_bench.py [--recipients 10000] [--runs 3] [--latency MS]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from extras import require  # noqa: E402

SECRET = b"bench-secret-0123456789abcdef"


def sink(port_file: str, latency_ms: float) -> None:
    """Run an aiosmtpd server that accepts everything and keeps nothing (after an optional delay)."""
    import asyncio

    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            if latency_ms:
                await asyncio.sleep(latency_ms / 1000)  # a remote relay's round trip and queueing
            return "250 OK"

    class Local(Controller):
        def _trigger_server(self):
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    ctl = Local(Discard(), hostname="127.0.0.1", port=0)
    ctl.start()
    Path(port_file).write_text(str(ctl.port))
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


def wait_for_port(port_file: Path, server: subprocess.Popen, timeout: float = 30.0) -> str:
    """The sink's port once it has written it; exit with a message if the sink dies or never starts."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if port_file.exists() and port_file.read_text():
            return port_file.read_text()
        if server.poll() is not None:
            sys.exit(f"the SMTP sink exited (status {server.returncode}) before it was ready; see its error above")
        time.sleep(0.05)
    sys.exit(f"the SMTP sink did not start within {timeout:g} s")


def build_issue(out: Path, given: Path | None) -> str:
    """Copy a built issue into `out`, or build the bundled sample week (a real issue's size)."""
    import shutil

    if given is not None:
        out.mkdir(parents=True)
        for suffix in (".html", ".txt", ".json"):
            shutil.copy(given.with_suffix(suffix), out / given.with_suffix(suffix).name)
        return str(given.with_suffix(""))
    from digest.config import settings_from
    from digest.fetch import Fetcher
    from digest.pipeline import build_issue as build

    build(settings_from(out=out, state_dir=out / "state"), Fetcher(), datetime.now(UTC))
    return "the bundled sample week"


def _factory(out: Path):
    from digest.message import MessageFactory, load_issue

    issue_id = sorted(p.stem for p in out.glob("*.json"))[-1]
    issue = load_issue(issue_id, out)
    return issue, MessageFactory(
        issue,
        subject_template="{name}, {week}: {lead}",
        sender="The Circuit Weekly <digest@example.com>",
        reply_to="",
        list_id="",
        unsubscribe_url="https://news.example.com",
        unsubscribe_mailto="unsubscribe@example.com",
        secret=SECRET,
        now=datetime.now(UTC),
    )


def _people(n: int):
    from digest.subscribers import Subscriber

    return [Subscriber(f"reader{i:05d}@example.com", f"Reader {i}") for i in range(n)]


def worker(mode: str, port: int, out: Path, n: int) -> dict:
    """One measurement in this process: messages per second and peak RSS."""
    import smtplib

    issue, factory = _factory(out)
    people = _people(n)
    if mode == "floor":
        prepared = [factory.build(p) for p in people]  # built before the clock starts: the floor is the wire
        start = time.perf_counter()
        smtp = smtplib.SMTP("127.0.0.1", port, local_hostname="localhost")
        for env in prepared:
            smtp.sendmail(env.sender, [env.recipient], env.data)
        smtp.quit()
    else:
        from digest.ledger import Ledger
        from digest.send import SendOptions, send_issue
        from digest.subscribers import SubscriberStore
        from digest.transport import SMTPTransport

        state = Path(tempfile.mkdtemp(prefix="send-bench-state-"))
        ledger, store = Ledger.in_state_dir(state), SubscriberStore.in_state_dir(state)
        options = SendOptions(connections=int(mode.split("-")[1]))
        start = time.perf_counter()
        summary = send_issue(
            issue, people, factory, SMTPTransport(f"smtp://127.0.0.1:{port}"), ledger, store, options, state
        )
        assert summary.sent == n, summary.line()
    elapsed = time.perf_counter() - start
    size = len(factory.build(people[0]).data)
    return {
        "rate": n / elapsed,
        "seconds": elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "message_bytes": size,
    }


def main() -> None:
    """Start the sink, build the issue, run every mode several times and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--issue", type=Path, help="a built issue's .json (default: build the sample week)")
    parser.add_argument("--latency", type=float, default=0.0, help="ms the sink waits before each 250 (default 0)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--sink", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    require("bench/send_bench.py", "test", "aiosmtpd")
    if args.sink:
        return sink(args.sink, args.latency)
    if args.worker:
        print(json.dumps(worker(args.worker, args.port, args.out, args.recipients)))
        return
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="send-bench-") as tmp:
        out, port_file = Path(tmp) / "issues", Path(tmp) / "port"
        which = build_issue(out, args.issue)
        server = subprocess.Popen(
            [sys.executable, __file__, "--sink", str(port_file), "--latency", str(args.latency)], env=env
        )
        try:
            port = int(wait_for_port(port_file, server))
            results: dict[str, list[dict]] = {}
            for _run in range(args.runs):
                for mode in ("floor", "sender-1", "sender-4"):
                    done = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--worker",
                            mode,
                            "--port",
                            str(port),
                            "--out",
                            str(out),
                            "--recipients",
                            str(args.recipients),
                        ],
                        env=env,
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    results.setdefault(mode, []).append(json.loads(done.stdout))
        finally:
            server.terminate()
            server.wait()
    size = results["floor"][0]["message_bytes"]
    print(
        f"{which}: {args.recipients} recipients, {size / 1000:.1f} KB per message, median of {args.runs} runs "
        f"(local aiosmtpd sink, {args.latency:g} ms per message, {os.cpu_count()} CPUs)"
    )
    labels = {
        "floor": "bare smtplib loop, 1 connection (floor)",
        "sender-1": "digest sender, 1 connection",
        "sender-4": "digest sender, 4 connections",
    }
    for mode, runs in results.items():
        rate = statistics.median(r["rate"] for r in runs)
        rss = statistics.median(r["peak_rss_mb"] for r in runs)
        print(f"  {labels[mode]:<42} {rate:8.0f} msg/s   peak RSS {rss:6.1f} MB")
    # Each run's sender against the bare loop of the same run: steadier than a ratio of two medians on a
    # machine whose speed drifts between runs.
    ratios = sorted(s["rate"] / f["rate"] for f, s in zip(results["floor"], results["sender-1"], strict=True))
    print(
        f"  {'digest sender, 1 connection / bare loop':<42} {statistics.median(ratios):8.0%} median of the runs' "
        f"ratios (lowest {ratios[0]:.0%}, highest {ratios[-1]:.0%})"
    )


if __name__ == "__main__":
    main()
