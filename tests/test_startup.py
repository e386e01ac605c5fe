"""Commands that read no sources start fast: they import no HTTP, feed, XML, CSS or numeric libraries."""

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("requests", "feedparser", "numpy", "premailer", "lxml", "nupunkt")
PROBE = """
import json, sys
from digest.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


@pytest.mark.parametrize("args", [["--help"], ["subscribers", "list"], ["status"], ["build", "--help"]])
def test_light_commands_import_no_heavy_library(tmp_path, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_a_build_still_loads_what_it_needs(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), "build"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert {"requests", "premailer"} <= set(json.loads(result.stdout.strip().splitlines()[-1]))
