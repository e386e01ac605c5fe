from datetime import UTC, datetime

import pytest

from digest.errors import ConfigError
from digest.week import date_window, iso_week, previous_week, resolve_window, week_containing

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_iso_week_utc_bounds():
    week = iso_week("2026-W48")
    assert week.id == "2026-W48"
    assert week.start == datetime(2026, 11, 23, tzinfo=UTC)
    assert week.end == datetime(2026, 11, 30, tzinfo=UTC)


def test_iso_week_in_timezone_starts_at_local_midnight():
    week = iso_week("2026-W48", "Asia/Karachi")
    assert week.start == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)


def test_week_containing_uses_local_date():
    # Sunday 22:00 UTC is already Monday in Karachi: the next ISO week there.
    moment = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    assert week_containing(moment).id == "2026-W47"
    assert week_containing(moment, "Asia/Karachi").id == "2026-W48"


def test_year_boundary_week():
    assert week_containing(datetime(2027, 1, 1, tzinfo=UTC)).id == "2026-W53"
    assert previous_week(iso_week("2027-W01")).id == "2026-W53"


@pytest.mark.parametrize(
    "text, message",
    [
        ("2026-48", "invalid week '2026-48': use the ISO form 2026-W48"),
        ("2025-W53", "invalid week '2025-W53': 2025 has no week 53"),
    ],
)
def test_invalid_weeks(text, message):
    with pytest.raises(ConfigError) as err:
        iso_week(text)
    assert str(err.value) == message


def test_date_window_is_inclusive():
    week = date_window("2026-11-20", "2026-11-22", "UTC", NOW)
    assert week.id == "2026-11-20--2026-11-22"
    assert week.end == datetime(2026, 11, 23, tzinfo=UTC)


def test_resolve_window_choices():
    assert resolve_window("", "", "", "UTC", NOW).id == "2026-W48"
    assert resolve_window("previous", "", "", "UTC", NOW).id == "2026-W47"
    latest = datetime(2026, 11, 18, tzinfo=UTC)
    assert resolve_window("latest", "", "", "UTC", NOW, latest).id == "2026-W47"
    assert resolve_window("", "2026-11-01", "", "UTC", NOW).end == datetime(2026, 11, 26, tzinfo=UTC)
    with pytest.raises(ConfigError, match="either --week or --since"):
        resolve_window("2026-W47", "2026-11-01", "", "UTC", NOW)
    with pytest.raises(ConfigError, match="is before --since"):
        resolve_window("", "2026-11-10", "2026-11-01", "UTC", NOW)
