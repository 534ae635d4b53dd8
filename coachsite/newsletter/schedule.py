"""When issues go out: the last Wednesday of every month (dates in Europe/Amsterdam).

The coach promises subscribers tips "elke laatste woensdag van de maand"; every other part of
the newsletter asks this module which dates those are.
"""

from __future__ import annotations

import calendar
import datetime as dt

WEDNESDAY = 2  # date.weekday()


def last_wednesday(year: int, month: int) -> dt.date:
    """The last Wednesday of ``month``: count back from the month's last day."""
    last_day = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last_day - dt.timedelta(days=(last_day.weekday() - WEDNESDAY) % 7)


def issue_dates(year: int) -> list[dt.date]:
    """The twelve issue dates of ``year``."""
    return [last_wednesday(year, month) for month in range(1, 13)]


def is_issue_date(day: dt.date) -> bool:
    return day == last_wednesday(day.year, day.month)


def next_issue_date(on_or_after: dt.date) -> dt.date:
    """The first issue date on or after ``on_or_after`` (so on an issue day: that day)."""
    candidate = last_wednesday(on_or_after.year, on_or_after.month)
    if candidate >= on_or_after:
        return candidate
    year, month = (on_or_after.year + 1, 1) if on_or_after.month == 12 else (on_or_after.year, on_or_after.month + 1)
    return last_wednesday(year, month)


def previous_issue_date(before: dt.date) -> dt.date:
    """The last issue date strictly before ``before``."""
    candidate = last_wednesday(before.year, before.month)
    if candidate < before:
        return candidate
    year, month = (before.year - 1, 12) if before.month == 1 else (before.year, before.month - 1)
    return last_wednesday(year, month)
