"""The sent-articles record and the "new since the last issue" rule."""

from datetime import timedelta

import pytest

from digest.errors import ConfigError
from digest.state import STATE_FILE, load_sent, new_since_last, record_sent, sent_issues
from factories import WEEK, article


def test_record_and_load_round_trip(tmp_path):
    assert load_sent(tmp_path) == set()
    record_sent(tmp_path, "2026-W46", ["a1", "a2"])
    record_sent(tmp_path, "2026-W47", ["a3"])
    assert load_sent(tmp_path) == {"a1", "a2", "a3"}
    assert load_sent(tmp_path, exclude="2026-W47") == {"a1", "a2"}  # rebuilding W47 is not "earlier"
    record_sent(tmp_path, "2026-W47", ["a4"])  # a rebuild replaces the issue's record
    assert load_sent(tmp_path) == {"a1", "a2", "a4"}
    assert sent_issues(tmp_path) == ["2026-W46", "2026-W47"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sent-")]  # no temp files left


def test_damaged_record_is_named(tmp_path):
    (tmp_path / STATE_FILE).write_text("{not json")
    with pytest.raises(ConfigError, match=f"{STATE_FILE}: unreadable sent-articles record"):
        load_sent(tmp_path)
    (tmp_path / STATE_FILE).write_text("[]")
    with pytest.raises(ConfigError, match="not a sent-articles record"):
        load_sent(tmp_path)


def test_late_unsent_article_is_carried_over_and_sent_ones_never_repeat():
    in_week = article(1, day=2)
    late_last_week = article(2, day=-1, hours=22)  # Sunday night before W47, after W46 went out
    sent_last_week = article(3, day=-2)
    too_old = article(4, day=-9)
    kept, skipped = new_since_last(
        [in_week, late_last_week, sent_last_week, too_old], {"a003", "old"}, WEEK.start, timedelta(days=7)
    )
    assert [a.id for a in kept] == ["a001", "a002"]
    assert [(s.item, s.reason) for s in skipped] == [
        ("Article 3", "already sent in an earlier issue"),
        ("Article 4", "published 2026-11-07, before 2026-11-09 00:00 UTC"),
    ]


def test_first_issue_has_no_carry_over():
    kept, skipped = new_since_last([article(1, day=1), article(2, day=-1)], set(), WEEK.start)
    assert [a.id for a in kept] == ["a001"] and skipped[0].item == "Article 2"


def test_an_article_already_sent_is_dropped_even_inside_the_window():
    kept, skipped = new_since_last([article(1, day=1)], {"a001"}, WEEK.start)
    assert kept == [] and skipped[0].reason == "already sent in an earlier issue"
