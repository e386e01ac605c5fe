"""Imports from other tools: column mapping, the export's own status markers, counts, formula-safe exports."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.subscribers import SubscriberStore
from smtp_servers import write_config

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def _run(*args, cfg):
    return CliRunner().invoke(app, ["subscribers", *args, "-c", str(cfg)])


def _listed(cfg):
    return {e["email"]: e for e in json.loads(_run("list", "--json", cfg=cfg).stdout)["subscribers"]}


# file -> (added, updated, unchanged, suppressed, invalid, repeated)
EXPECTED = {
    "mailchimp_subscribed_members_export.csv": (3, 0, 0, 0, 1, 0),
    "mailchimp_unsubscribed_members_export.csv": (0, 0, 0, 2, 0, 0),
    "mailchimp_cleaned_members_export.csv": (0, 0, 0, 1, 0, 0),
    "substack_email_list.csv": (2, 0, 0, 1, 0, 0),
    "buttondown_subscribers.csv": (3, 0, 0, 2, 0, 0),
    "ghost_members.csv": (2, 0, 0, 1, 0, 0),
    "listmonk_subscribers.csv": (2, 0, 0, 1, 0, 1),
    "spreadsheet_de.csv": (2, 0, 0, 0, 0, 0),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_tools_export_imports_with_the_right_counts(tmp_path, name):
    cfg = write_config(tmp_path)
    path = FIXTURES / name
    added, updated, unchanged, suppressed, invalid, repeated = EXPECTED[name]
    result = _run("import", str(path), cfg=cfg)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Imported {path}: {added} added, {updated} updated, {unchanged} unchanged, "
        f"{suppressed} suppressed, {invalid} invalid" + (f", {repeated} repeated" if repeated else "") + "\n"
    )
    again = _run("import", str(path), cfg=cfg)  # a second run changes nothing
    assert again.stdout.startswith(
        f"Imported {path}: 0 added, 0 updated, {added + updated} unchanged, {suppressed} suppressed, {invalid} invalid"
    )


def test_marked_rows_are_suppressed_with_their_reason_and_the_import_as_source(tmp_path):
    cfg = write_config(tmp_path)
    for name in (
        "mailchimp_subscribed_members_export.csv",
        "mailchimp_unsubscribed_members_export.csv",
        "mailchimp_cleaned_members_export.csv",
        "buttondown_subscribers.csv",
        "substack_email_list.csv",
        "ghost_members.csv",
        "listmonk_subscribers.csv",
    ):
        assert _run("import", str(FIXTURES / name), cfg=cfg).exit_code == 0
    listed = _listed(cfg)
    expected = {
        "cy@example.com": "unsubscribed",
        "dee@example.com": "unsubscribed",
        "gone@example.com": "cleaned",
        "jo@example.com": "unsubscribed",
        "lee@example.com": "hard-bounce",
        "gus@example.com": "unsubscribed",
        "nia@example.com": "unsubscribed",
        "quin@example.com": "unsubscribed",
    }
    suppressed = {e: (v["reason"], v["source"]) for e, v in listed.items() if v["status"] == "suppressed"}
    assert suppressed == {e: (r, suppressed[e][1]) for e, r in expected.items()}
    assert suppressed["gone@example.com"][1] == "import:mailchimp_cleaned_members_export.csv"
    assert listed["kim@example.com"]["status"] == "unconfirmed"  # Buttondown's unactivated: never mailed
    assert listed["ann.lee@example.com"]["name"] == "Ann Lee"  # First Name + Last Name
    assert listed["pat@example.com"]["name"] == "Pat Doe"  # the first of a repeated address wins
    store = SubscriberStore.in_state_dir(tmp_path / "state")
    receiving = {s.email for s in store.receiving()}
    assert receiving.isdisjoint(expected) and "kim@example.com" not in receiving
    assert {"ann.lee@example.com", "fay@example.com", "max@example.com", "rae@example.com"} <= receiving
    attrs = {s.email: s.attributes for s in store.all()}
    assert attrs["pat@example.com"]["attributes"] == '{"city": "Bengaluru"}'


def test_a_changed_name_updates_and_a_confirmed_import_activates_an_unconfirmed_address(tmp_path):
    cfg = write_config(tmp_path)
    first = tmp_path / "a.csv"
    first.write_text("email,name,status\nann@example.com,Ann,pending\nbob@example.com,Bob,\n", encoding="utf-8")
    assert _run("import", str(first), cfg=cfg).stdout.endswith(
        ": 2 added, 0 updated, 0 unchanged, 0 suppressed, 0 invalid\n"
    )
    assert _listed(cfg)["ann@example.com"]["status"] == "unconfirmed"
    second = tmp_path / "b.csv"
    second.write_text("email,name\nann@example.com,Ann\nbob@example.com,Bob Lee\ncy@example.com,Cy\n", encoding="utf-8")
    assert _run("import", str(second), cfg=cfg).stdout.endswith(
        ": 1 added, 2 updated, 0 unchanged, 0 suppressed, 0 invalid\n"
    )
    listed = _listed(cfg)
    assert listed["ann@example.com"]["status"] == "active" and listed["bob@example.com"]["name"] == "Bob Lee"


def test_an_import_never_lifts_a_suppression(tmp_path):
    cfg = write_config(tmp_path)
    _run("remove", "bob@example.com", cfg=cfg)
    path = tmp_path / "p.csv"
    path.write_text("email\nbob@example.com\n", encoding="utf-8")
    result = _run("import", str(path), cfg=cfg)
    assert "1 imported address(es) were suppressed before and stay suppressed" in result.stderr
    assert _listed(cfg)["bob@example.com"]["status"] == "suppressed"


def test_explicit_columns_and_clear_errors_for_unknown_ones(tmp_path):
    cfg = write_config(tmp_path)
    path = FIXTURES / "spreadsheet_custom.csv"
    result = _run("import", str(path), "--email-column", "E-mail", "--name-column", "contact", cfg=cfg)
    assert result.stdout == f"Imported {path}: 2 added, 0 updated, 0 unchanged, 0 suppressed, 0 invalid\n"
    assert _listed(cfg)["zoe@example.com"]["name"] == "Zoe Q"
    missing = _run("import", str(path), "--name-column", "Vorname", cfg=cfg)
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"error: {path}: no column 'Vorname' for --name-column (columns: Subscriber, Contact, E-mail)\n"
    )
    nomail = tmp_path / "x.csv"
    nomail.write_text("who,what\nann,1\n", encoding="utf-8")
    failed = _run("import", str(nomail), cfg=cfg)
    assert failed.exit_code == 1
    assert failed.stderr == f"error: {nomail}: no email column (found who, what); name it with --email-column\n"
    assert _run("import", str(tmp_path), cfg=cfg).stderr == f"error: {tmp_path}: is a folder, not a CSV file\n"


def test_formula_names_are_stored_as_given_and_never_exported_as_formulas(tmp_path):
    cfg = write_config(tmp_path)
    _run("import", str(FIXTURES / "mailchimp_subscribed_members_export.csv"), cfg=cfg)
    _run("add", "plus@example.com", "--name", "+SUM(A1)", cfg=cfg)
    _run("add", "at@example.com", "--name", "@cmd", cfg=cfg)
    _run("add", "minus@example.com", "--name", "-2+3", cfg=cfg)
    listed = _listed(cfg)
    assert listed["=sum@example.net"]["name"] == '=HYPERLINK("http://bad.example") +1'  # stored as given
    lines = _run("list", cfg=cfg).stdout.splitlines()
    cells = [cell for line in lines for cell in line.split("\t")]
    assert "'=sum@example.net" in cells and '\'=HYPERLINK("http://bad.example") +1' in cells
    assert {"'+SUM(A1)", "'@cmd", "'-2+3"} <= set(cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


def test_thousands_of_rows_import_in_one_transaction_within_seconds(tmp_path):
    import time

    cfg = write_config(tmp_path)
    path = tmp_path / "big.csv"
    path.write_text(
        "Email Address,First Name\n" + "".join(f"r{i}@example.com,R{i}\n" for i in range(3000)), encoding="utf-8"
    )
    start = time.perf_counter()
    result = _run("import", str(path), cfg=cfg)
    elapsed = time.perf_counter() - start
    assert result.stdout == f"Imported {path}: 3000 added, 0 updated, 0 unchanged, 0 suppressed, 0 invalid\n"
    assert elapsed < 10, f"3,000 rows took {elapsed:.1f} s"  # row at a time took over a minute
    assert len(SubscriberStore.in_state_dir(tmp_path / "state").all()) == 3000
