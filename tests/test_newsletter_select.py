"""Which posts go into an issue: windows, drafts, earlier issues, roll-over."""

from __future__ import annotations

import datetime as dt

from coachsite.newsletter.select import select_posts

from newsletter_helpers import issue, post

NOV = dt.date(2026, 11, 25)


def slugs(posts):
    return [p.slug for p in posts]


def test_post_on_the_issue_date_is_in_it():
    chosen = select_posts([post("a", "2026-11-25", hour=23)], NOV, [], "nieuwsbrief", 5).posts
    assert slugs(chosen) == ["a"]


def test_post_on_the_previous_issue_date_belongs_to_the_previous_issue():
    posts = [post("old", "2026-10-28", hour=8), post("new", "2026-10-29", hour=0)]
    selection = select_posts(posts, NOV, [], "nieuwsbrief", 5)
    assert slugs(selection.posts) == ["new"]
    assert selection.window_start == dt.date(2026, 10, 28)


def test_local_amsterdam_date_decides_not_utc():
    # 2026-11-25 23:30 in Amsterdam is 22:30 UTC the same day; 2026-11-26 00:30 is the next issue's.
    late = post("late", "2026-11-25", hour=23)
    after_midnight = post("after", "2026-11-26", hour=0)
    assert slugs(select_posts([late, after_midnight], NOV, [], "nieuwsbrief", 5).posts) == ["late"]


def test_untagged_and_future_posts_never():
    posts = [post("untagged", "2026-11-10", tags=("klachten",)), post("future", "2026-12-02")]
    assert select_posts(posts, NOV, [], "nieuwsbrief", 5).posts == []


def test_post_in_an_earlier_issue_is_not_repeated():
    earlier = issue("2026-10-28", ["a"])
    posts = [post("a", "2026-10-20"), post("b", "2026-11-10")]
    assert slugs(select_posts(posts, NOV, [earlier], "nieuwsbrief", 5).posts) == ["b"]


def test_rebuilding_an_issue_keeps_its_own_posts():
    same = issue("2026-11-25", ["b"])
    assert slugs(select_posts([post("b", "2026-11-10")], NOV, [same], "nieuwsbrief", 5).posts) == ["b"]


def test_roll_over_beyond_the_maximum_newest_first_then_next_issue():
    posts = [post(f"p{i}", f"2026-11-{i + 1:02d}") for i in range(7)]
    november = select_posts(posts, NOV, [], "nieuwsbrief", 5)
    assert slugs(november.posts) == ["p6", "p5", "p4", "p3", "p2"]
    assert slugs(november.rolled_over) == ["p1", "p0"]
    built = issue("2026-11-25", slugs(november.posts))
    december = select_posts(posts + [post("dec", "2026-12-09")], dt.date(2026, 12, 30), [built], "nieuwsbrief", 5)
    assert sorted(slugs(december.posts)) == ["dec", "p0", "p1"]


def test_waiting_posts_go_first_so_roll_over_never_starves():
    waiting = [post(f"w{i}", f"2026-11-0{i + 1}") for i in range(3)]
    new = [post(f"n{i}", f"2026-12-{i + 1:02d}") for i in range(6)]
    built = issue("2026-11-25", [])
    december = select_posts(waiting + new, dt.date(2026, 12, 30), [built], "nieuwsbrief", 5)
    assert set(slugs(waiting)) <= set(slugs(december.posts))
    assert len(december.posts) == 5 and len(december.rolled_over) == 4
    assert [p.date for p in december.posts] == sorted((p.date for p in december.posts), reverse=True)


def test_late_backdated_post_is_picked_up_once_history_exists():
    built = issue("2026-10-28", ["a"])
    backdated = post("late", "2026-10-15")  # written after the October issue, dated before it
    assert slugs(select_posts([backdated], NOV, [built], "nieuwsbrief", 5).posts) == ["late"]


def test_first_issue_does_not_reach_back_before_its_window():
    assert select_posts([post("jan", "2026-01-14")], NOV, [], "nieuwsbrief", 5).posts == []
