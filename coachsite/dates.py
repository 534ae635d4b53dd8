"""Dutch dates and "today" in Europe/Amsterdam.

Readers see dates like "25 november 2026". We format them with Babel's CLDR data instead of
``strftime`` + ``setlocale``: a fresh machine has no ``nl_NL`` locale, and ``setlocale`` would
change the whole process.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LOCALE = "nl_NL"


def nl_date(value: dt.date | dt.datetime, pattern: str = "d MMMM y") -> str:
    """Format a date the Dutch way: ``25 november 2026`` (CLDR pattern, Babel)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(AMSTERDAM)
        value = value.date()
    return _format(value, pattern)


@lru_cache(maxsize=4096)
def _format(value: dt.date, pattern: str) -> str:
    # Babel takes ~40 µs per date; a site shows the same few hundred dates on thousands of pages.
    return format_date(value, pattern, locale=LOCALE)


def nl_month(value: dt.date | dt.datetime) -> str:
    """``november 2026``: month and year, for archive headings and newsletter subjects."""
    return nl_date(value, "LLLL y")


def nl_moment(stamp: str | None) -> str:
    """An ISO time stamp (sent.json, the send lock) as the coach reads it: "25 november 2026 om 10:14"."""
    from coachsite.i18n import _

    try:
        moment = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp or "?")[:16]
    if moment.tzinfo is not None:
        moment = moment.astimezone(AMSTERDAM)
    return _("{date} at {time}").format(date=nl_date(moment), time=moment.strftime("%H:%M"))


def today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Amsterdam; pass ``now`` (aware) to make callers deterministic."""
    now = now or dt.datetime.now(tz=AMSTERDAM)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(AMSTERDAM).date()
