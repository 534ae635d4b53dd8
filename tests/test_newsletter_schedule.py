"""Issue dates: the last Wednesday of every month, checked against brute force for 2000-2100."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest

from coachsite.newsletter.schedule import (
    is_issue_date,
    issue_dates,
    last_wednesday,
    next_issue_date,
    previous_issue_date,
)


def brute_force_last_wednesday(year: int, month: int) -> dt.date:
    days = [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]
    return [d for d in days if d.strftime("%A") == "Wednesday"][-1]


def test_every_month_2000_to_2100_matches_brute_force():
    for year in range(2000, 2101):
        for month in range(1, 13):
            assert last_wednesday(year, month) == brute_force_last_wednesday(year, month), (year, month)


def test_issue_dates_2026():
    assert [d.isoformat() for d in issue_dates(2026)] == [
        "2026-01-28", "2026-02-25", "2026-03-25", "2026-04-29", "2026-05-27", "2026-06-24",
        "2026-07-29", "2026-08-26", "2026-09-30", "2026-10-28", "2026-11-25", "2026-12-30",
    ]


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2026-11-25", "2026-11-25"),  # an issue day is its own next issue
        ("2026-11-26", "2026-12-30"),
        ("2026-12-31", "2027-01-27"),  # across the year
        ("2026-02-01", "2026-02-25"),
    ],
)
def test_next_issue_date(day, expected):
    assert next_issue_date(dt.date.fromisoformat(day)).isoformat() == expected


@pytest.mark.parametrize(
    "day, expected",
    [("2026-11-25", "2026-10-28"), ("2026-11-26", "2026-11-25"), ("2026-01-10", "2025-12-31")],
)
def test_previous_issue_date(day, expected):
    assert previous_issue_date(dt.date.fromisoformat(day)).isoformat() == expected


def test_is_issue_date():
    assert is_issue_date(dt.date(2026, 11, 25))
    assert not is_issue_date(dt.date(2026, 11, 18))  # a Wednesday, but not the last
