"""bench/ scripts stop with one line when an extra is missing, and never wait on a sink that died."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from extras import require  # noqa: E402  (bench/ is on the path only from here)
from send_bench import wait_for_port  # noqa: E402


def test_a_missing_extra_stops_with_the_install_line():
    with pytest.raises(SystemExit) as stop:
        require("bench/send_bench.py", "test", "json", "no_such_module_here")
    assert str(stop.value) == (
        "bench/send_bench.py needs no_such_module_here (the test extra): .venv/bin/pip install -e '.[test]'"
    )
    require("bench/send_bench.py", "test", "json")  # present: nothing happens


def test_a_sink_that_dies_stops_the_bench_at_once(tmp_path):
    sink = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    started = time.monotonic()
    with pytest.raises(SystemExit) as stop:
        wait_for_port(tmp_path / "port", sink, timeout=20)
    assert time.monotonic() - started < 10
    assert "the SMTP sink exited (status 3) before it was ready" in str(stop.value)


def test_a_sink_that_never_starts_times_out(tmp_path):
    sink = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(SystemExit, match=r"did not start within 0.3 s"):
            wait_for_port(tmp_path / "port", sink, timeout=0.3)
    finally:
        sink.kill()
        sink.wait()


@pytest.mark.process
def test_speed_runs_every_measurement_and_an_older_checkout_beside_it(tmp_path):
    # The same checkout stands in for the older one: what matters is that each row gets both columns.
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "speed.py"),
            "--runs",
            "1",
            "--sizes",
            "20",
            "--no-send",
            "--against",
            str(BENCH.parent),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = {line[:40].strip(): line[40:].split() for line in done.stdout.splitlines() if not line.startswith("#")}
    assert set(rows) == {
        "python -c pass (baseline)",
        "digest --help",
        "digest subscribers list",
        "digest status",
        "build, 20 articles",
        "preview re-render after an edit, 60 art.",
    }
    for figures in rows.values():
        assert figures[1] == "s" and figures[3] == "s"  # this code's CPU seconds, then the older checkout's
        assert 0 < float(figures[0]) < 60 and 0 < float(figures[2]) < 60
    assert "peak RSS" in " ".join(rows["build, 20 articles"])


@pytest.mark.process
def test_send_bench_prints_each_mode_and_the_runs_ratio():
    done = subprocess.run(
        [sys.executable, str(BENCH / "send_bench.py"), "--recipients", "20", "--runs", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("the bundled sample week: 20 recipients,") and "median of 2 runs" in lines[0]
    labels = [line[2:44].strip() for line in lines[1:]]
    assert labels == [
        "bare smtplib loop, 1 connection (floor)",
        "digest sender, 1 connection",
        "digest sender, 4 connections",
        "digest sender, 1 connection / bare loop",
    ]
    assert re.search(r"\d+% median of the runs' ratios \(lowest \d+%, highest \d+%\)$", lines[-1])
