"""Which posts go into an issue.

Rules (the coach's promise: every tagged post reaches subscribers exactly once):

- only published posts (Pelican's readers decide; drafts never) carrying ``NEWSLETTER_TAG``;
- dated on or before the issue date (Amsterdam time) and after the start of the newsletter's
  history: the issue date before the first issue ever built (for the first issue: the previous
  issue date). Posts from before that were never promised to anyone;
- not carried by any other built issue;
- at most ``NEWSLETTER_MAX_POSTS``. Posts that already missed an issue (dated on or before the
  previous issue date) go first, so roll-over can never starve; then the newest. The rest roll
  over to the next issue. Inside the email the chosen posts are shown newest first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from coachsite.dates import AMSTERDAM

from .archive import IssueRecord
from .schedule import previous_issue_date


@dataclass(frozen=True)
class Post:
    """What the newsletter needs of an article; ``url`` is absolute on the public site.

    ``image_source`` is the post's image file; building an issue turns it into the issue's own
    picture and sets ``image_url`` (see ``images.py``). Without it, ``image_url`` is used as it is.
    """

    slug: str
    title: str
    url: str
    date: dt.datetime
    summary: str
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    image_alt: str = ""
    image_source: str | None = None

    @property
    def local_date(self) -> dt.date:
        return self.date.astimezone(AMSTERDAM).date() if self.date.tzinfo else self.date.date()


@dataclass(frozen=True)
class Selection:
    issue_date: dt.date
    window_start: dt.date  # exclusive
    posts: list[Post]  # chosen, newest first
    rolled_over: list[Post]  # eligible but over the maximum: they wait for the next issue


def post_from_article(article) -> Post:
    """Adapt a Pelican article (after our article_extras plugin ran) to a Post."""
    return Post(
        slug=article.slug,
        title=article.title,
        url=article.public_url,
        date=article.date,
        summary=article.summary_text,
        tags=tuple(t.name for t in getattr(article, "tags", [])),
        image_alt=getattr(article, "image_alt", ""),
        image_source=image_file(article),
    )


def image_file(article) -> str | None:
    """The article's ``Image:`` as a file in the content folder (``image_path``: article_extras)."""
    path = getattr(article, "image_path", None)
    return str(Path(article.settings["PATH"]) / path) if path else None


def history_start(issue_date: dt.date, issues: list[IssueRecord]) -> dt.date:
    first = min([issue_date] + [i.date for i in issues])
    return previous_issue_date(first)


def select_posts(
    posts: list[Post], issue_date: dt.date, issues: list[IssueRecord], tag: str, max_posts: int
) -> Selection:
    start = history_start(issue_date, issues)
    previous = previous_issue_date(issue_date)
    taken = {slug for issue in issues if issue.date != issue_date for slug in issue.slugs}
    eligible = [
        p for p in posts if tag in p.tags and start < p.local_date <= issue_date and p.slug not in taken
    ]
    # Waiting posts first (oldest waiting first), then the newest new ones.
    eligible.sort(key=lambda p: (p.local_date > previous, -p.date.timestamp() if p.local_date > previous else p.date.timestamp()))
    chosen, rest = eligible[:max_posts], eligible[max_posts:]
    chosen.sort(key=lambda p: p.date, reverse=True)
    rest.sort(key=lambda p: p.date, reverse=True)
    return Selection(issue_date=issue_date, window_start=start, posts=chosen, rolled_over=rest)
