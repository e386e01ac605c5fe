"""Commands that read no sources start fast: they import no HTTP, feed, XML, CSS or numeric libraries."""

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("requests", "feedparser", "numpy", "premailer", "lxml", "nupunkt", "pydantic", "email.policy")
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


def test_a_build_of_local_files_loads_what_it_needs_and_no_http_or_feed_library(tmp_path):
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
    # The bundled sample's sources are local files: nothing is fetched, so requests is never imported
    # (premailer's own import of it is deferred) and no feed is parsed.
    assert json.loads(result.stdout.strip().splitlines()[-1]) == ["lxml", "numpy", "nupunkt", "premailer"]


def test_a_deferred_import_gives_the_real_module_on_first_use_and_afterwards():
    probe = """
import sys
from digest.lazy import deferred
with deferred("colorsys"):
    import colorsys as stand_in
assert "colorsys" not in sys.modules, "the stand-in is gone after the block"
assert stand_in.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
import colorsys
assert colorsys is sys.modules["colorsys"] and type(colorsys).__name__ == "module"
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
