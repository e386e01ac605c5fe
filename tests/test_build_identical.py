"""Whole builds come out byte for byte as recorded: the bundled sample and a generated 300-article week.

Every file a build writes (HTML, text, manifest, curation file, web version, index, feed) is compared by
SHA-256 with tests/golden/builds.json, so work on the build's speed cannot change what subscribers get.
After an intended change to rendered output, regenerate the record with
`DIGEST_REGEN_GOLDEN=1 .venv/bin/pytest tests/test_build_identical.py` and review the HTML diff of a build.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import digest
from digest.cli import app

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from build_scale import write_input  # the benchmarks' seeded article generator  # noqa: E402

RECORD = Path(__file__).parent / "golden" / "builds.json"
REGEN = os.environ.get("DIGEST_REGEN_GOLDEN") == "1"


pytestmark = pytest.mark.usefixtures("in_tmp")  # in tmp_path, no DIGEST_* settings (conftest.py)


def _digest(path: Path) -> str:
    # The bundled sample's location (in the manifest) is wherever digest is installed.
    data = path.read_bytes().replace(str(Path(digest.__file__).parent).encode(), b"<digest>")
    if path.name == "feed.xml":  # the feed's <updated> is when the files were written
        data = re.sub(rb"<updated>[^<]*</updated>", b"<updated/>", data)
    return hashlib.sha256(data).hexdigest()


def _hashes(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): _digest(p) for p in sorted(out.rglob("*")) if p.is_file()}


def _check(name: str, out: Path) -> None:
    actual = _hashes(out)
    record = json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.is_file() else {}
    if REGEN:
        record[name] = actual
        RECORD.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert name in record, f"{RECORD} has no {name!r}: see this module's docstring"
    changed = sorted(k for k in set(actual) | set(record[name]) if actual.get(k) != record[name].get(k))
    assert not changed, f"{name}: these files differ from the recorded build: {changed}"


def _build(*args: str) -> None:
    result = CliRunner().invoke(app, ["build", *args])
    assert result.exit_code == 0, result.output


def test_sample_build_is_unchanged(in_tmp):
    _build("--out", "out")
    _check("sample", in_tmp / "out")


def test_generated_300_article_week_is_unchanged(in_tmp):
    write_input(in_tmp / "week.json", 300)
    _build("--source", "native:week.json", "--week", "2026-W47", "--out", "out")
    _check("week300", in_tmp / "out")
