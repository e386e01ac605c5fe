"""API send throughput: the batch sender through the local Postmark stand-in (8 concurrent calls)
beside the SMTP sender (1 connection) to a local aiosmtpd sink, measured in the same run.

One issue (the bundled sample week, built here) goes to N generated recipients. The stand-in and
the sink each run in their own process; each measurement runs in a fresh process, so its peak RSS
is its own. The API path runs at two recipient counts to show memory does not grow with the list.

    .venv/bin/python bench/api_send_bench.py [--recipients 100000] [--smtp-recipients 5000] [--runs 1]

Needs the test extras (aiosmtpd for the sink): pip install -e '.[test]'.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]


def standin(port_file: str) -> None:
    """Run the Postmark stand-in, counting messages without keeping them."""
    from api_servers import PostmarkServer

    server = PostmarkServer(keep=False).start()
    Path(port_file).write_text(server.url)
    while True:
        time.sleep(3600)


def worker(mode: str, where: str, out: Path, n: int) -> dict:
    """One measurement in this process: messages per second and peak RSS."""
    from send_bench import _factory, _people

    from digest.ledger import Ledger
    from digest.send import SendOptions, send_issue
    from digest.subscribers import SubscriberStore

    issue, factory = _factory(out)
    people = _people(n)
    state = Path(tempfile.mkdtemp(prefix="api-bench-state-"))
    ledger, store = Ledger.in_state_dir(state), SubscriberStore.in_state_dir(state)
    if mode == "smtp":
        from digest.transport import SMTPTransport

        transport, options = SMTPTransport(where), SendOptions(connections=1)
    else:
        from digest.transports.postmark import PostmarkTransport

        transport = PostmarkTransport("postmark://", where, {"DIGEST_POSTMARK_TOKEN": "pm-token"})
        options = SendOptions(connections=8)
    start = time.perf_counter()
    summary = send_issue(issue, people, factory, transport, ledger, store, options, state)
    elapsed = time.perf_counter() - start
    assert summary.sent == n, summary.line()
    return {
        "rate": n / elapsed,
        "seconds": elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _missing_extras() -> list[str]:
    return [name for name in ("aiosmtpd", "requests") if importlib.util.find_spec(name) is None]


def _wait_for(path: Path, proc: subprocess.Popen, what: str) -> str:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if path.exists() and path.read_text():
            return path.read_text()
        if proc.poll() is not None:
            sys.exit(f"the {what} exited before it was ready")
        time.sleep(0.05)
    sys.exit(f"the {what} did not start within 30 s")


def main() -> None:
    """Start the stand-in and the sink, run each mode, print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--smtp-recipients", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--standin", help=argparse.SUPPRESS)
    parser.add_argument("--where", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("-n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    missing = _missing_extras()
    if missing:
        sys.exit(f"missing {', '.join(missing)}: install the test extras (pip install -e '.[test]')")
    if args.standin:
        return standin(args.standin)
    if args.worker:
        print(json.dumps(worker(args.worker, args.where, args.out, args.n)))
        return
    from send_bench import build_issue

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bench = str(ROOT / "bench")
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        out = Path(tmp) / "issues"
        which = build_issue(out, None)
        pm_file, smtp_file = Path(tmp) / "pm", Path(tmp) / "smtp"
        pm = subprocess.Popen([sys.executable, __file__, "--standin", str(pm_file)], env=env)
        sink = subprocess.Popen([sys.executable, f"{bench}/send_bench.py", "--sink", str(smtp_file)], env=env)
        try:
            pm_url = _wait_for(pm_file, pm, "Postmark stand-in")
            smtp_url = f"smtp://127.0.0.1:{_wait_for(smtp_file, sink, 'SMTP sink')}"
            plan = [
                ("smtp", smtp_url, args.smtp_recipients),
                ("api", pm_url, args.recipients // 10),
                ("api", pm_url, args.recipients),
            ]
            results: dict[tuple[str, int], list[dict]] = {}
            for _ in range(args.runs):
                for mode, where, n in plan:
                    done = subprocess.run(
                        [sys.executable, __file__, "--worker", mode, "--where", where, "--out", str(out), "-n", str(n)],
                        env=env,
                        capture_output=True,
                        text=True,
                        timeout=3600,
                        check=False,
                    )
                    if done.returncode:
                        sys.exit(f"{mode} with {n} recipients failed: {done.stderr.strip().splitlines()[-1:]}")
                    results.setdefault((mode, n), []).append(json.loads(done.stdout))
        finally:
            for proc in (pm, sink):
                proc.terminate()
                proc.wait()
    print(f"{which}: median of {args.runs} run(s), {os.cpu_count()} CPUs, local stand-ins (no network latency)")
    base = statistics.median(r["rate"] for r in results[("smtp", args.smtp_recipients)])
    for (mode, n), runs in results.items():
        rate = statistics.median(r["rate"] for r in runs)
        rss = statistics.median(r["peak_rss_mb"] for r in runs)
        label = (
            "SMTP sender, 1 connection, aiosmtpd sink"
            if mode == "smtp"
            else "API sender, Postmark stand-in, 8 concurrent calls"
        )
        print(f"  {label:<50} {n:>7} recipients {rate:8.0f} msg/s ({rate / base:5.1f}x)  peak RSS {rss:6.1f} MB")


if __name__ == "__main__":
    main()
