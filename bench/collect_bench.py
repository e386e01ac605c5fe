"""Collect 20 local HTTP sources with 200 ms of added latency each: one after another vs the collector.

Run: .venv/bin/python bench/collect_bench.py [--runs 5]
Prints the median wall time of each way, measured in the same run (the sequential
baseline is the same collector with one worker).
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from digest.collect import collect
from digest.config import Settings
from digest.fetch import Fetcher
from digest.sources import SourceSpec

SOURCES = 20
LATENCY = 0.2
ITEMS = 10


def feed(n: int) -> bytes:
    """A small JSON Feed for source n."""
    items = [
        {
            "id": f"{n}-{i}",
            "url": f"https://source{n}.example/{i}",
            "title": f"Story {i} from source {n}",
            "content_html": "<p>" + "word " * 200 + "</p>",
            "date_published": f"2026-11-{17 + i % 5}T10:00:00Z",
        }
        for i in range(ITEMS)
    ]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": f"S{n}", "items": items}).encode()


BODIES = {f"/source/{n}.json": feed(n) for n in range(SOURCES)}


class SlowHandler(BaseHTTPRequestHandler):
    """Answers every request after LATENCY seconds."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

    def do_GET(self) -> None:
        time.sleep(LATENCY)
        body = BODIES.get(self.path.split("?")[0], b"{}")
        self.send_response(200)
        self.send_header("Content-Type", "application/feed+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class BenchServer(ThreadingHTTPServer):
    """A threaded server whose listen backlog takes all sources at once (the default of 5 drops SYNs)."""

    request_queue_size = 64
    daemon_threads = True


def timed(specs, workers: int) -> float:
    """Wall time of one collect over fresh connections."""
    start = time.perf_counter()
    collected = collect(specs, Fetcher(), workers=workers)
    elapsed = time.perf_counter() - start
    assert len(collected.articles) == SOURCES * ITEMS and all(r.ok for r in collected.reports)
    return elapsed


def main() -> None:
    """Start the server, time each way `--runs` times, print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server = BenchServer(("127.0.0.1", 0), SlowHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    specs = [SourceSpec(f"Source {n}", f"{base}/source/{n}.json", "jsonfeed") for n in range(SOURCES)]
    default_workers = Settings().fetch.workers
    ways = {
        "sequential (1 worker)": 1,
        "collector, 8 workers": 8,
        f"collector, {default_workers} workers (default)": default_workers,
    }
    print(f"{SOURCES} sources, {LATENCY * 1000:.0f} ms latency each, {ITEMS} items each, {args.runs} runs")
    medians = {}
    for label, workers in ways.items():
        times = [timed(specs, workers) for _ in range(args.runs)]
        medians[label] = statistics.median(times)
        print(f"{label:<36} median {medians[label]:6.3f} s  (min {min(times):.3f}, max {max(times):.3f})")
    baseline = medians["sequential (1 worker)"]
    for label, value in medians.items():
        print(f"{label:<36} {baseline / value:5.1f}x faster than sequential")
    server.shutdown()


if __name__ == "__main__":
    main()
