from datetime import timedelta

from digest.select import select, skip_kind
from tests.factories import WEEK, article


def test_keeps_the_window_and_names_what_is_left_out():
    inside = article(1, day=2)
    before = article(2, day=-8)
    after = article(3, day=7, hours=1)
    selection = select([after, inside, before], WEEK)
    assert [a.id for a in selection.articles] == ["a001"]
    assert sorted(skip_kind(s.reason) for s in selection.skipped) == [
        "after the issue's window",
        "before the issue's window",
    ]


def test_window_end_is_exclusive():
    at_end = article(4, day=7, hours=0)
    assert select([at_end], WEEK).articles == ()


def test_same_story_with_tracking_parameters_appears_once():
    a = article(1, url="https://news.example.com/story")
    b = article(2, url="https://news.example.com/story")
    selection = select([a, b], WEEK)
    assert len(selection.articles) == 1
    assert any("duplicate" in s.reason for s in selection.skipped)


def test_late_article_of_last_week_is_carried_over_once():
    late = article(5, day=-1)  # Sunday of the previous week
    sent_before = article(6, day=-2)
    first = select([late, sent_before], WEEK, sent_ids={"a006", "older"})
    assert [a.id for a in first.articles] == ["a005"]
    assert skip_kind(first.skipped[0].reason) == "already sent in an earlier issue"
    # With no record of earlier issues at all, the window is strict.
    assert select([late], WEEK).articles == ()
    # Too old for the carry-over window.
    assert select([article(7, day=-9)], WEEK, sent_ids={"x"}, grace=timedelta(days=7)).articles == ()
