"""``newsletter.py auto``: the daily decision, and the run that carries it out.

Why split this way: :func:`decide` is a pure function of (today, issue date, state, settings), so
every day of every month can be tested without a clock, a site or a mail server; :func:`run_auto`
does the chosen step (``steps``), records it in the issue's state, and turns any failure into one
email to the coach and a non-zero exit. Days relative to the issue date (the last Wednesday):

- ``NEWSLETTER_REMINDER_DAYS_BEFORE`` (7) .. test day: once, if no post is tagged: a reminder.
- ``NEWSLETTER_TEST_DAYS_BEFORE`` (2) .. the day before: once: build the issue, send a test copy.
- the issue day: unless held: build, publish, deploy, check the web copy, send, report.
- after the issue day: only a send that started and did not finish is continued.
- any other day: nothing, without reading a single post.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.clitools import CoachError
from coachsite.i18n import _
from coachsite.locks import FileLock
from coachsite.newsletter import archive
from coachsite.newsletter.schedule import next_issue_date, previous_issue_date

from .settings import MonthSettings
from .state import MonthState, load_state, save_state

NOTHING, REMIND, TEST, SEND = "nothing", "remind", "test", "send"
LOCK_FILE = ".auto.lock"


@dataclass(frozen=True)
class Decision:
    issue_date: dt.date
    action: str
    why: str  # English msgid, translated when shown


def target_issue(today: dt.date, root: Path) -> dt.date:
    """The issue this run is about: a started, unfinished send first; else the next issue date."""
    previous = previous_issue_date(today)
    state = load_state(root, previous)
    if state.send_started and not state.sent and not state.held and not archive.is_sent(root, previous):
        return previous
    return next_issue_date(today)


def decide(today: dt.date, issue_date: dt.date, state: MonthState, month: MonthSettings) -> Decision:
    """What today's run does for this issue. Pure: no files, no clock, no network."""
    days = (issue_date - today).days

    def say(action: str, why: str) -> Decision:
        return Decision(issue_date, action, why)

    if state.sent:
        return say(NOTHING, "the issue was sent")
    if state.held:
        return say(NOTHING, "the issue is held")
    if days < 0:
        if state.send_started:
            return say(SEND, "a send started and did not finish: continue it")
        return say(NOTHING, "the issue date has passed")
    if days == 0:
        return say(SEND, "today is the issue date")
    if days <= month.test_days_before:
        return say(NOTHING, "the test copy was sent") if state.test_sent else say(TEST, "time for the test copy")
    if days <= month.reminder_days_before:
        if state.reminder_checked:
            return say(NOTHING, "the posts were checked for the reminder")
        return say(REMIND, "a week before: check that a post is tagged")
    return say(NOTHING, "nothing to do until the week before the issue")


@dataclass
class Outcome:
    decision: Decision
    done: list[str] = field(default_factory=list)  # what happened, for the terminal
    error: str | None = None


class Busy(CoachError):
    """Another ``auto`` run holds the lock (``hold`` then says so; ``auto`` just stops)."""


class _RunLock(FileLock):
    """One ``auto`` at a time per newsletters folder (cron and a manual run may overlap)."""

    def __init__(self, root: Path):
        path = Path(root) / LOCK_FILE
        super().__init__(path, lambda holder: Busy(_("another auto run is busy ({path})").format(path=path)), make_folder=True)


def current_state(root: Path, date: dt.date) -> MonthState:
    """The stored state, plus ``sent`` when the issue was sent by hand (sent.json)."""
    state = load_state(root, date)
    if not state.sent and archive.is_sent(root, date):
        marker = archive.load_issue(archive.issue_folder(root, date)).sent or {}
        state.sent = marker.get("finished_at") or "sent.json"
    return state


def set_held(root: Path, date: dt.date, held: bool, now: dt.datetime) -> bool:
    """Hold or release an issue; False when it already was so. A sent issue cannot be held."""
    with _RunLock(root):
        state = current_state(root, date)
        if held and state.sent:
            raise CoachError(_("the issue of {date} was already sent").format(date=date.isoformat()))
        if state.held == held:
            return False
        state.held = held
        stamp = now.isoformat(timespec="seconds")
        state.held_at, state.released_at = (stamp, None) if held else (state.held_at, stamp)
        save_state(root, date, state)
        return True


def run_auto(today: dt.date, run) -> Outcome:
    """Decide and do today's step for ``run`` (a :class:`steps.Run`); never raises for a failed step."""
    from .steps import STEPS, StepFailed

    with _RunLock(run.root):
        date = target_issue(today, run.root)
        state = current_state(run.root, date)
        decision = decide(today, date, state, run.month)
        outcome = Outcome(decision)
        if decision.action == NOTHING:
            return outcome
        try:
            STEPS[decision.action](run, date, state, outcome)
            state.failure = None
        except StepFailed as failure:
            outcome.error = failure.message
            run.report_failure(date, state, failure, today, outcome)
        finally:
            save_state(run.root, date, state)
        return outcome
