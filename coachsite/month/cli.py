"""Click commands of the unattended month, added to ``scripts/newsletter.py``'s group.

``auto`` (run daily by a timer), ``status`` (where this month stands), ``hold`` / ``release``
(the coach stops or frees an issue). Thin: each parses its options and calls ``auto``/``state``.
"""

from __future__ import annotations

import datetime as dt

import click

from coachsite.clitools import DATE, CoachError, Context
from coachsite.dates import AMSTERDAM, nl_date, nl_moment, today as amsterdam_today
from coachsite.i18n import _, ngettext
from coachsite.newsletter import archive
from coachsite.newsletter.schedule import is_issue_date, next_issue_date

from .auto import Busy, current_state, decide, run_auto, set_held, target_issue
from .settings import month_settings
from .steps import Run

TODAY_HELP = _("Pretend today is this date (Europe/Amsterdam); default: today.")


def _run(obj: Context, today: dt.date | None) -> tuple[Run, dt.date]:
    now = dt.datetime.now(tz=AMSTERDAM)
    return Run(settings=obj.settings, root=obj.root, month=month_settings(obj.settings), now=now), today or amsterdam_today(now)


@click.command(help=_("Do today's step of the month: reminder, test copy, or publish + send on the last Wednesday."))
@click.option("--today", "today_", type=DATE, help=TODAY_HELP)
@click.pass_obj
def auto(obj: Context, today_):
    run, today = _run(obj, today_)
    try:
        outcome = run_auto(today, run)
    except Busy as busy:
        click.echo(str(busy))
        return
    decision = outcome.decision
    click.echo(
        _("{today}: issue of {date}: {why}").format(
            today=today.isoformat(), date=decision.issue_date.isoformat(), why=_(decision.why)
        )
    )
    for line in outcome.done:
        click.echo(f"  {line}")
    if outcome.error:
        raise CoachError(outcome.error)


@click.command(help=_("Show where this month's issue stands: date, posts, test copy, held, deployed, sent."))
@click.option("--today", "today_", type=DATE, help=TODAY_HELP)
@click.pass_obj
def status(obj: Context, today_):
    run, today = _run(obj, today_)
    date = target_issue(today, obj.root)
    state = current_state(obj.root, date)
    decision = decide(today, date, state, run.month)
    folder = archive.issue_folder(obj.root, date)
    click.echo(_days_until(date, today))
    if (folder / archive.ISSUE_FILE).exists():
        issue = archive.load_issue(folder)
        click.echo(_("  subject: {subject}").format(subject=issue.data.get("subject", "")))
        for post in issue.data.get("posts", []):
            click.echo(f"    - {post.get('title', post['slug'])}")
    else:
        click.echo(_("  not built yet"))
    unknown = _("no")
    for label, value in (
        (_("reminder"), nl_moment(state.reminder_sent) if state.reminder_sent
         else (_("not needed") if state.reminder_checked else None)),
        (_("test copy sent"), state.test_sent and nl_moment(state.test_sent)),
        (_("held"), nl_moment(state.held_at) if state.held else None),
        (_("deployed"), state.deployed and nl_moment(state.deployed)),
        (_("web copy checked"), state.live_checked and nl_moment(state.live_checked)),
        (_("sent"), state.sent and nl_moment(state.sent)),
    ):
        click.echo(f"  {label}: {value or unknown}")
    if state.failure:
        click.echo(_("  last problem ({day}, {step}): {message}").format(**state.failure))
    click.echo(_("  next run: {why}").format(why=_(decision.why)))


def _days_until(date: dt.date, today: dt.date) -> str:
    """The heading of ``status``: "over 1 dag" / "over 5 dagen", "vandaag", or days ago once past."""
    days, when = (date - today).days, nl_date(date)
    if days == 0:
        return _("Issue of {date} (today)").format(date=when)
    if days < 0:
        return ngettext("Issue of {date} ({days} day ago, counted from {today})",
                        "Issue of {date} ({days} days ago, counted from {today})", -days).format(
            date=when, days=-days, today=nl_date(today))
    return ngettext("Issue of {date} (in {days} day, counted from {today})",
                    "Issue of {date} (in {days} days, counted from {today})", days).format(
        date=when, days=days, today=nl_date(today))


def _issue_date(value: dt.date | None) -> dt.date:
    date = value or next_issue_date(amsterdam_today())
    if not is_issue_date(date):
        raise CoachError(_("{date} is not the last Wednesday of its month").format(date=date.isoformat()))
    return date


@click.command(help=_("Stop auto from sending this issue (and its test copy) until you release it."))
@click.option("--date", "date", type=DATE, help=_("Issue date to hold (default: the next issue)."))
@click.pass_obj
def hold(obj: Context, date):
    date = _issue_date(date)
    set_held(obj.root, date, True, dt.datetime.now(tz=AMSTERDAM))
    click.echo(_("The issue of {date} is held: auto sends nothing until: newsletter.py release --date {date}").format(date=date.isoformat()))


@click.command(help=_("Let auto send a held issue again (on its issue date, or the next run if that is today)."))
@click.option("--date", "date", type=DATE, help=_("Issue date to release (default: the next issue)."))
@click.pass_obj
def release(obj: Context, date):
    date = _issue_date(date)
    if set_held(obj.root, date, False, dt.datetime.now(tz=AMSTERDAM)):
        click.echo(_("The issue of {date} is released.").format(date=date.isoformat()))
    else:
        click.echo(_("The issue of {date} was not held.").format(date=date.isoformat()))


COMMANDS = (auto, status, hold, release)
