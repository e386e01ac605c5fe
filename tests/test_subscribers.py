"""Subscribers: CSV reading, validation, dedupe, the SQLite list, suppression, and the CLI group."""

import pytest
from typer.testing import CliRunner

import digest.cli  # noqa: F401  (registers every command)
from digest.cli.app import app
from digest.errors import ConfigError
from digest.subscriber_csv import read_csv
from digest.subscribers import AddressError, Subscriber, SubscriberStore, normalize_address
from smtp_servers import write_config


def test_normalize_checks_syntax_without_dns():
    assert normalize_address("  Ann@EXAMPLE.com ") == "Ann@example.com"
    for bad, reason in (
        ("", "empty address"),
        ("ann@", "There must be something after the @-sign."),
        ("ann@localhost", "should have a period"),
    ):
        with pytest.raises(AddressError, match=reason):
            normalize_address(bad)


def test_csv_dedupes_case_insensitively_keeps_attributes_and_reports_bad_rows(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "\ufeffEmail,Name,Plan\nann@example.com,Ann Lee,pro\nANN@Example.com,Dup,\n"
        'broken,Nobody,\nbob@example.com,"Bob\nBobson",free\n',
        encoding="utf-8",
    )
    people, problems = read_csv(path)
    assert people == [Subscriber("ann@example.com", "Ann Lee"), Subscriber("bob@example.com", "Bob Bobson")]
    assert people[0].attributes == {"plan": "pro"}
    assert problems == [
        f"{path}:3: skipped ANN@example.com: already on line 2",
        f"{path}:4: skipped 'broken': An email address must have an @-sign.",
    ]


def test_csv_without_email_column_or_file_is_a_config_error(tmp_path):
    (tmp_path / "x.csv").write_text("mail,name\na@example.com,A\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x.csv: no `email` column"):
        read_csv(tmp_path / "x.csv")
    with pytest.raises(ConfigError, match=r"nope.csv: no such subscribers file"):
        read_csv(tmp_path / "nope.csv")


def test_store_add_update_remove_and_suppress(tmp_path):
    store = SubscriberStore(tmp_path / "s.sqlite")
    assert store.add(Subscriber("ann@example.com", "Ann")) is True
    assert store.add(Subscriber("ann@example.com", "Ann Lee")) is False
    assert store.all() == [Subscriber("ann@example.com", "Ann Lee")]
    assert store.suppress("Ann@Example.com", "unsubscribed") is True
    assert store.suppress("ann@example.com", "hard-bounce") is False  # the first reason stays
    assert store.suppression("ANN@example.com") == "unsubscribed"
    assert store.suppressed_keys() == {"ann@example.com"}
    assert store.unsuppress("ann@example.com") and store.suppression("ann@example.com") is None
    assert store.remove("ann@example.com") and store.all() == []


def _run(*args, cfg):
    return CliRunner().invoke(app, ["subscribers", *args, "-c", str(cfg)])


def test_cli_add_import_list_remove(tmp_path):
    cfg = write_config(tmp_path)
    assert _run("add", "Ann@Example.com", "--name", "Ann Lee", cfg=cfg).stdout == "Added Ann@example.com\n"
    assert _run("add", "ann@example.com", "--name", "Ann", cfg=cfg).stdout == "Updated ann@example.com\n"
    bad = _run("add", "not an address", cfg=cfg)
    assert bad.exit_code == 1 and bad.stderr.startswith("error: 'not an address' is not a valid address:")
    csv = tmp_path / "people.csv"
    csv.write_text("email,name\nbob@example.com,Bob\nann@example.com,Ann\nbad@,X\n", encoding="utf-8")
    imported = _run("import", str(csv), cfg=cfg)
    assert imported.exit_code == 0
    assert imported.stdout == f"Imported {csv}: 1 added, 0 updated, 1 unchanged, 0 suppressed, 1 invalid\n"
    assert f"{csv}:4: skipped 'bad@'" in imported.stderr
    listed = _run("list", cfg=cfg)
    rows = [line.split("\t")[:5] for line in listed.stdout.splitlines()]
    assert rows == [
        ["email", "name", "status", "reason", "source"],
        ["Ann@example.com", "Ann", "active", "", "cli"],
        ["bob@example.com", "Bob", "active", "", rows[2][4]],
    ]
    assert listed.stderr == "2 subscriber(s)\n"
    removed = _run("remove", "BOB@example.com", cfg=cfg)
    assert removed.stdout == "Removed BOB@example.com (suppressed)\n"  # the local part keeps its case
    assert (
        _run("list", "--suppressed", cfg=cfg)
        .stdout.splitlines()[1]
        .startswith("BOB@example.com\t\tsuppressed\tremoved\tcli\t")
    )
    # Re-adding a suppressed address warns and keeps it suppressed unless the person asked.
    again = _run("add", "bob@example.com", cfg=cfg)
    assert "bob@example.com is suppressed (removed) and will not be mailed" in again.stderr
    again_listed = _run("list", cfg=cfg)
    assert again_listed.stdout.splitlines()[2].startswith("bob@example.com\t\tsuppressed\tremoved\tcli\t")
    assert again_listed.stderr == "1 subscriber(s), 1 suppressed (not counted)\n"
    lifted = _run("add", "bob@example.com", "--resubscribe", cfg=cfg)
    assert lifted.stdout == "Updated bob@example.com\nLifted the suppression of bob@example.com (removed)\n"


def test_csv_problems_name_the_physical_line_and_duplicates_are_reported(tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        'email,name\nann@example.com,"Ann\nLee"\nANN@Example.com,Again\n\nnot-an-address,X\nbob@example.com,Bob\n',
        encoding="utf-8",
    )
    people, problems = read_csv(path)
    assert [(p.email, p.name) for p in people] == [("ann@example.com", "Ann Lee"), ("bob@example.com", "Bob")]
    assert problems == [
        f"{path}:4: skipped ANN@example.com: already on line 2",
        f"{path}:6: skipped 'not-an-address': An email address must have an @-sign.",
    ]


def test_csv_with_semicolons_or_tabs_as_spreadsheets_export_them(tmp_path):
    for delimiter in (";", "\t"):
        path = tmp_path / "people.csv"
        path.write_text(
            f"Email{delimiter}Name{delimiter}City\nann@example.com{delimiter}Ann, Lee{delimiter}Köln\n",
            encoding="utf-8",
        )
        people, problems = read_csv(path)
        assert problems == []
        assert [(p.email, p.name, p.attributes) for p in people] == [("ann@example.com", "Ann, Lee", {"city": "Köln"})]
