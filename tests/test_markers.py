"""The markers of the fast inner loop are applied by what a test touches (tests/conftest.py)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    "tests/test_browser.py",
    "tests/test_send_kill.py",
    "tests/test_send.py",
    "tests/test_config.py",
    "tests/test_preview.py",
]


# One collection reports every test's markers (collecting costs seconds: once, not once per marker).
MARKERS = """
import json, sys, pytest
class Report:
    def pytest_collection_finish(self, session):
        print("MARKERS " + json.dumps({i.nodeid: sorted({m.name for m in i.iter_markers()}) for i in session.items}))
sys.exit(pytest.main(["--co", "-q", "-p", "no:cacheprovider", "--strict-markers", *sys.argv[1:]], plugins=[Report()]))
"""


def _short(nodeid: str) -> str:
    return nodeid.split("::")[0].split("/")[-1] + "::" + nodeid.split("::")[1].split("[")[0]


def markers_by_test() -> dict[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", MARKERS, *FILES], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("MARKERS "))
    out: dict[str, set[str]] = {}
    for nodeid, names in json.loads(line.removeprefix("MARKERS ")).items():
        out.setdefault(_short(nodeid), set()).update(names)
    return out


def collected(marker: str) -> set[str]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--co",
            "-p",
            "no:cacheprovider",
            "--strict-markers",
            "-m",
            marker,
            *FILES,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 5), result.stdout + result.stderr
    return {_short(line) for line in result.stdout.splitlines() if "::" in line}


def test_markers_follow_what_a_test_touches():
    marks = markers_by_test()
    browser, process, smtp = ({n for n, m in marks.items() if name in m} for name in ("browser", "process", "smtp"))
    assert {n.split("::")[0] for n in browser} == {"test_browser.py", "test_preview.py"}
    assert "test_preview.py::test_in_a_browser_the_toggle_sets_375_px_and_the_page_reloads_after_a_save" in browser
    assert {n.split("::")[0] for n in process} == {"test_send_kill.py"}
    assert "test_send.py" in {n.split("::")[0] for n in smtp}
    fast = collected("not browser and not process")
    assert not {n for n in fast if n.startswith(("test_browser.py", "test_send_kill.py"))}
    assert any(n.startswith("test_config.py") for n in fast)
