"""Build one issue end to end: check the date, select posts, make their pictures, render, write the folder.

The Click commands in ``scripts/newsletter.py`` call these functions; tests call them directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.content import read_articles
from coachsite.dates import nl_date
from coachsite.i18n import _

from . import archive
from .images import ImageError, issue_images, prune_images, write_images
from .render import render_issue, issue_data
from .schedule import is_issue_date, last_wednesday, next_issue_date
from .select import Selection, post_from_article, select_posts


class IssueError(Exception):
    """Something the coach must fix before an issue can be built; the message says what."""


@dataclass
class BuiltIssue:
    folder: Path
    selection: Selection
    data: dict
    files: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def check_issue_date(date: dt.date, force: bool) -> None:
    if not is_issue_date(date) and not force:
        expected = last_wednesday(date.year, date.month)
        raise IssueError(
            _(
                "{date} is a {weekday}, not the last Wednesday of the month; "
                "the issue for that month is dated {expected}. Use --force to build it anyway."
            ).format(date=date.isoformat(), weekday=nl_date(date, "EEEE"), expected=expected.isoformat())
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


def default_issue_date(root: Path, today: dt.date) -> dt.date:
    """The next issue date on or after ``today`` that was not sent yet.

    On the issue day itself, once that issue is sent, the coach's next ``make newsletter``
    is for the following month.
    """
    date = next_issue_date(today)
    while archive.is_sent(root, date):
        date = next_issue_date(date + dt.timedelta(days=1))
    return date


def intro_lineup(folder: Path, intro: str, slugs: list[str]) -> tuple[dict | None, list[str]]:
    """The line-up the intro was written against, and a warning if the posts under it changed.

    The intro ("the first article is about …") is written for the posts of a build. As long as
    intro.md stays the same, the line-up stored with it stays too; when a rebuild selects other
    posts under an unchanged intro, the coach is told to reread it. Editing intro.md accepts
    the new line-up.
    """
    if not intro.strip():
        return None, []
    digest = hashlib.sha256(intro.strip().encode("utf-8")).hexdigest()
    previous = None
    if (folder / archive.ISSUE_FILE).exists():
        previous = archive.load_issue(folder).data.get("intro_lineup")
    if not previous or previous.get("intro_sha256") != digest:
        return {"intro_sha256": digest, "posts": slugs}, []
    if previous.get("posts") == slugs:
        return previous, []
    warning = _(
        "{path} was written for the posts {before}; the issue now has {after}. "
        "Reread the intro (does 'the first article' still fit?) and save it to accept the new line-up."
    ).format(path=folder / archive.INTRO_FILE, before=", ".join(previous.get("posts", [])), after=", ".join(slugs))
    return previous, [warning]


def checked_posts(settings: dict) -> list:
    """The posts, but only when content/ passes the checks: a misdated or half-written post
    must not reach subscribers just because the coach built the issue before the site."""
    from coachsite.checks import check_content

    problems = check_content(Path(settings["PATH"]), settings)
    if problems:
        shown = "\n".join(str(p) for p in problems[:10])
        raise IssueError(
            _("content/ has problems, so no issue was built (make check lists them all):\n{problems}").format(problems=shown)
        )
    return newsletter_posts(settings)


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
            _(
                "{folder}: this issue was already sent ({marker} exists); it is never rebuilt. "
                "Build the next issue instead (without --date)."
            ).format(folder=folder, marker=archive.SENT_FILE)
        )
    refuse_while_sending(folder)
    issues = archive.list_issues(root)
    tag = settings["NEWSLETTER_TAG"]
    selection = select_posts(
        checked_posts(settings) if posts is None else posts,
        date,
        issues,
        tag,
        settings["NEWSLETTER_MAX_POSTS"],
    )
    if not selection.posts:
        raise IssueError(
            _(
                "No posts for the issue of {date_nl}: searched published posts tagged '{tag}' dated after "
                "{start} up to and including {date} that no other issue carries. "
                "Tag a post with it, or check its Date and Status."
            ).format(date_nl=nl_date(date), tag=tag, start=selection.window_start.isoformat(), date=date.isoformat())
        )
    intro = archive.read_intro(folder)
    try:
        chosen, pictures = issue_images(selection.posts, settings, date.isoformat())
    except (ImageError, OSError) as error:
        raise IssueError(str(error)) from error
    selection = dataclasses.replace(selection, posts=chosen)
    data = issue_data(selection, settings, intro, subject, preheader, now)
    lineup, warnings = intro_lineup(folder, intro, [p.slug for p in selection.posts])
    if lineup:
        data["intro_lineup"] = lineup
    files = render_issue(data, settings, templates)
    write_images(folder, pictures)  # before issue.json names them; a failed render above left them alone
    archive.write_issue(folder, files)
    prune_images(folder, keep=pictures)
    return BuiltIssue(folder=folder, selection=selection, data=data, files=files, warnings=warnings)
