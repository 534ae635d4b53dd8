"""Small builders for newsletter tests."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from coachsite.dates import AMSTERDAM
from coachsite.newsletter.archive import IssueRecord
from coachsite.newsletter.issue import newsletter_posts
from coachsite.newsletter.select import Post

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def posts(settings):
    """The project's own posts as the newsletter reads them (one read per test module)."""
    return newsletter_posts(settings)


@pytest.fixture
def root(tmp_path):
    """An empty issues folder with the project's email templates."""
    shutil.copytree(ROOT / "newsletters" / "templates", tmp_path / "templates")
    return tmp_path


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
