"""Build one issue end to end: check the date, select posts, render, write the folder.

The Click commands in ``scripts/newsletter.py`` call these functions; tests call them directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from coachsite.content import read_articles
from coachsite.dates import nl_date

from . import archive
from .render import render_issue, issue_data
from .schedule import is_issue_date, last_wednesday
from .select import Selection, post_from_article, select_posts


class IssueError(Exception):
    """Something the coach must fix before an issue can be built; the message says what."""


@dataclass
class BuiltIssue:
    folder: Path
    selection: Selection
    data: dict
    files: dict[str, str]


def check_issue_date(date: dt.date, force: bool) -> None:
    if not is_issue_date(date) and not force:
        expected = last_wednesday(date.year, date.month)
        raise IssueError(
            f"{date.isoformat()} is a {date.strftime('%A')}, not the last Wednesday of the month; "
            f"the issue for that month is dated {expected.isoformat()}. Use --force to build it anyway."
        )


def refuse_while_sending(folder: Path) -> None:
    """Content is frozen once sending starts: a rebuild would send other content to the rest."""
    from coachsite.i18n import _

    from .sendlog import LOG_FILE

    if (folder / LOG_FILE).exists():
        raise IssueError(_(
            "{folder}: sending this issue has started ({log} exists), so it cannot be rebuilt: the rest "
            "of the list must get what the first subscribers got. Finish it with 'send', or build the next issue."
        ).format(folder=folder, log=LOG_FILE))


def newsletter_posts(settings: dict) -> list:
    """Every published article as a Post. Future-dated posts are read too: the issue date decides."""
    generator = read_articles({**settings, "WITH_FUTURE_DATES": True})
    return [post_from_article(a) for a in generator.articles]


def build_issue(
    date: dt.date,
    settings: dict,
    root: Path,
    templates: Path,
    *,
    force: bool = False,
    subject: str | None = None,
    preheader: str | None = None,
    posts: list | None = None,
    now: dt.datetime | None = None,
) -> BuiltIssue:
    check_issue_date(date, force)
    folder = archive.issue_folder(root, date)
    if archive.is_sent(root, date):
        raise IssueError(
            f"{folder}: this issue was already sent ({archive.SENT_FILE} exists); it is never rebuilt. "
            "Build the next issue instead."
        )
    refuse_while_sending(folder)
    issues = archive.list_issues(root)
    tag = settings["NEWSLETTER_TAG"]
    selection = select_posts(
        newsletter_posts(settings) if posts is None else posts,
        date,
        issues,
        tag,
        settings["NEWSLETTER_MAX_POSTS"],
    )
    if not selection.posts:
        raise IssueError(
            f"No posts for the issue of {nl_date(date)}: searched published posts tagged '{tag}' dated after "
            f"{selection.window_start.isoformat()} up to and including {date.isoformat()} that no other issue "
            "carries. Tag a post with it, or check its Date and Status."
        )
    data = issue_data(selection, settings, archive.read_intro(folder), subject, preheader, now)
    files = render_issue(data, settings, templates)
    archive.write_issue(folder, files)
    return BuiltIssue(folder=folder, selection=selection, data=data, files=files)
