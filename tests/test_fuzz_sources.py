"""Generated bad field values through every reader: never a traceback, a hang or a lost good item."""

import importlib.util
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from digest.cli import app
from digest.collect import collect
from digest.fetch import Fetcher

BENCH = Path(__file__).resolve().parents[1] / "bench" / "fuzz_sources.py"
spec = importlib.util.spec_from_file_location("fuzz_sources", BENCH)
fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(fuzz.BAD_VALUES[:30]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["url", "name", "rendered", "width", "src"]), inner, max_size=3)
    ),
    max_leaves=6,
)
CASES = {"n": 0}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slot=st.integers(min_value=0, max_value=20), value=values)
def test_a_bad_value_in_any_field_of_any_reader_costs_only_its_item(tmp_path, slot, value):
    """Each example is six source cases (one per reader): 60 examples are 360 generated bad inputs."""
    CASES["n"] += 1
    tag = f"h{CASES['n']}"
    bad = {kind: (fields[slot % len(fields)], value) for kind, fields in fuzz.FIELDS.items()}
    specs, good_titles = fuzz.case_sources(tmp_path, bad, tag)
    collected = collect(specs, Fetcher(), strict=False)
    titles = {a.title for a in collected.articles}
    for report in collected.reports:
        assert report.ok, (report.name, report.error, bad)
        assert good_titles[report.name] in titles, (report.name, bad)


def test_generated_cases_through_the_real_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DIGEST_STATE_DIR", str(tmp_path / "state"))
    runner = CliRunner()
    for n, case in enumerate(fuzz.cases(fuzz.BAD_VALUES)[::97]):
        specs, good_titles = fuzz.case_sources(tmp_path, case, f"cli{n}")
        out = tmp_path / f"out{n}"
        args = ["build", "--week", fuzz.WEEK, "--out", str(out)]
        for source in specs:
            if not source.options:
                args += ["--source", f"{source.kind}:{source.location}"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (case, result.output)
        assert result.exception is None
        titles = {a["title"] for a in json.loads((out / f"{fuzz.WEEK}.json").read_text())["articles"]}
        assert {t for name, t in good_titles.items() if not name.startswith("jsonapi")} <= titles, case
