"""Commands that read no sources start fast: they import no HTTP, feed, XML, CSS or numeric libraries."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import digest

HEAVY = ("requests", "feedparser", "numpy", "premailer", "lxml", "nupunkt", "pydantic", "email.policy")
# Modules a build of local files has no use for: HTTP and TLS (cssutils' stylesheet fetcher), the email
# package, numpy's masked arrays, the curation editor, free-form dates and the worker pool.
UNUSED_BY_A_LOCAL_BUILD = (
    "urllib.request",
    "http.client",
    "ssl",
    "socket",
    "email.utils",
    "email.message",
    "email.parser",
    "encutils",
    "importlib.metadata",
    "importlib.resources",  # the bundled sample's path, when no source is given
    "numpy.ma",
    "tomlkit",
    "dateutil.parser",
    "multiprocessing",
    "concurrent.futures.process",
)
PROBE = """
import json, sys
from digest.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


def loaded(folder: Path, modules: tuple[str, ...], *args: str) -> list[str]:
    """Which of `modules` a digest command run in `folder` (in a fresh interpreter) imported, sorted."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=modules), *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["subscribers", "list"], ["status"], ["build", "--help"]])
def test_light_commands_import_no_heavy_library(tmp_path, args):
    assert loaded(tmp_path, HEAVY, *args) == []


def test_a_build_of_local_files_loads_what_it_needs_and_no_http_or_feed_library(tmp_path):
    # The bundled sample's sources are local files: nothing is fetched, so requests is never imported
    # (premailer's own import of it is deferred) and no feed is parsed.
    assert loaded(tmp_path, HEAVY, "build") == ["lxml", "numpy", "nupunkt", "premailer"]


def test_a_build_of_local_files_imports_nothing_it_only_needs_on_rare_paths(tmp_path):
    shutil.copy(Path(digest.__file__).parent / "data" / "sample-week.json", tmp_path / "week.json")
    # Each is imported where it is first needed: a feed, a date that is not ISO 8601, an edited curation
    # file with new articles, a week large enough for worker processes, a remote stylesheet.
    args = ("build", "--source", "native:week.json", "--week", "2026-W47")
    assert loaded(tmp_path, UNUSED_BY_A_LOCAL_BUILD, *args) == []


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


def test_a_deferred_submodule_works_through_its_package_and_when_read_inside_the_block():
    probe = """
import sys
from digest.lazy import deferred
with deferred("xml.dom.minidom", "colorsys"):
    import xml.dom.minidom
    import colorsys
    assert type(sys.modules["xml.dom.minidom"]).__name__ == "LazyModule"
    assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)  # needed at once: imported at once
    assert type(sys.modules["colorsys"]).__name__ == "module"
assert "xml.dom.minidom" not in sys.modules
assert xml.dom.minidom.parseString("<a/>").documentElement.tagName == "a"
import xml.dom.minidom as real
assert type(real).__name__ == "module" and xml.dom.minidom is real
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


THREADS = """
import atexit, os, sys
atexit.register(lambda: print(len(os.listdir("/proc/self/task")), os.environ.get("OPENBLAS_NUM_THREADS")))
from digest.cli import main
sys.argv = ["digest", "build", "--out", sys.argv[1]]
main()
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads in /proc")
def test_a_build_starts_no_blas_threads_unless_the_user_asks(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "DIGEST_CONFIG", "DIGEST_OUT")}

    def build(out: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", THREADS, str(tmp_path / out)], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert build("out")[-2:] == ["1", "1"]  # numpy loaded (summaries) without OpenBLAS's thread per core
    env["OPENBLAS_NUM_THREADS"] = "3"
    assert build("again")[-1] == "3"  # the user's own setting stands
