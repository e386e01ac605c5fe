"""The markers of the fast inner loop are applied by what a test touches (tests/conftest.py)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ["tests/test_browser.py", "tests/test_send_kill.py", "tests/test_send.py", "tests/test_config.py",
         "tests/test_preview.py"]


def collected(marker: str) -> set[str]:
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "--co", "-p", "no:cacheprovider",
                             "--strict-markers", "-m", marker, *FILES], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode in (0, 5), result.stdout + result.stderr
    return {line.split("::")[0].split("/")[-1] + "::" + line.split("::")[1].split("[")[0]
            for line in result.stdout.splitlines() if "::" in line}


def test_markers_follow_what_a_test_touches():
    browser, process, smtp = collected("browser"), collected("process"), collected("smtp")
    assert {n.split("::")[0] for n in browser} == {"test_browser.py", "test_preview.py"}
    assert "test_preview.py::test_in_a_browser_the_toggle_sets_375_px_and_the_page_reloads_after_a_save" in browser
    assert {n.split("::")[0] for n in process} == {"test_send_kill.py"}
    assert "test_send.py" in {n.split("::")[0] for n in smtp}
    fast = collected("not browser and not process")
    assert not {n for n in fast if n.startswith(("test_browser.py", "test_send_kill.py"))}
    assert any(n.startswith("test_config.py") for n in fast)
