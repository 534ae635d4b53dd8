"""Small builders for newsletter tests."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from coachsite.dates import AMSTERDAM
from coachsite.newsletter.archive import IssueRecord
from coachsite.newsletter.select import Post


def post(slug: str, day: str, tags=("nieuwsbrief",), hour: int = 9, **extra) -> Post:
    date = dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=AMSTERDAM)
    return Post(
        slug=slug,
        title=extra.pop("title", f"Titel {slug}"),
        url=f"https://www.klantgerichtwerkt.nl/{slug}/",
        date=date,
        summary=extra.pop("summary", f"Samenvatting van {slug}."),
        tags=tuple(tags),
        **extra,
    )


def issue(day: str, slugs: list[str], folder: Path | None = None) -> IssueRecord:
    data = {"date": day, "posts": [{"slug": s} for s in slugs]}
    if folder is not None:
        (folder / day).mkdir(parents=True, exist_ok=True)
        (folder / day / "issue.json").write_text(json.dumps(data), encoding="utf-8")
    return IssueRecord(date=dt.date.fromisoformat(day), folder=(folder or Path("/nonexistent")) / day, data=data)
