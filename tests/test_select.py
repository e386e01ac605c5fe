from datetime import timedelta

from digest.select import select
from tests.factories import WEEK, article


def test_keeps_the_window_and_names_what_is_left_out():
    inside = article(1, day=2)
    before = article(2, day=-8)
    after = article(3, day=7, hours=1)
    selection = select([after, inside, before], WEEK)
    assert [a.id for a in selection.articles] == ["a001"]
    assert sorted(s.reason.split(":")[0] for s in selection.skipped) == ["outside 2026-W47", "outside 2026-W47"]


def test_window_end_is_exclusive():
    at_end = article(4, day=7, hours=0)
    assert select([at_end], WEEK).articles == ()


def test_same_story_with_tracking_parameters_appears_once():
    a = article(1, url="https://news.example.com/story")
    b = article(2, url="https://news.example.com/story")
    selection = select([a, b], WEEK)
    assert len(selection.articles) == 1
    assert any("duplicate" in s.reason for s in selection.skipped)
