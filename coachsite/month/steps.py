"""The steps ``auto`` carries out: remind, test copy, and the issue day (publish, deploy, send).

Every step records in the issue's state what it finished, so a second run on the same day skips
what is done, and a run after a failure continues with the first step that did not finish.
Anything that goes wrong becomes :class:`StepFailed` (which step, what happened, in the coach's
language); ``auto`` emails it to her once per day and exits non-zero.
"""

from __future__ import annotations

import datetime as dt
import os
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.clitools import CoachError
from coachsite.dates import AMSTERDAM
from coachsite.i18n import _, ngettext
from coachsite.newsletter import archive
from coachsite.newsletter.issue import IssueError, build_issue, newsletter_posts
from coachsite.newsletter.message import MessageError
from coachsite.newsletter.render import RenderError
from coachsite.newsletter.select import select_posts
from coachsite.newsletter.send import SendError, effective, send_settings, smtp_settings
from coachsite.newsletter.sendlog import SendLogError
from coachsite.newsletter.subscribers import SubscriberError

from . import mailer, notify
from .deploy import PUBLISH_CONFIG, DeployError, check_issue_live, production_build, upload
from .settings import MonthSettings
from .state import MonthState, save_state

PROBLEMS = (IssueError, RenderError, archive.ArchiveError, DeployError, SendError, SubscriberError,
            SendLogError, MessageError, CoachError, smtplib.SMTPException, OSError)


class StepFailed(Exception):
    def __init__(self, step: str, message: str):
        super().__init__(f"{step}: {message}")
        self.step, self.message = step, message


@dataclass
class Run:
    """Everything a step needs; tests build one with their own folders and environment."""

    settings: dict  # Pelican settings (pelicanconf.py), as the newsletter commands read them
    root: Path  # newsletters/
    month: MonthSettings
    now: dt.datetime
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    publish_config: Path = PUBLISH_CONFIG
    send_options: dict = field(default_factory=dict)  # passed to send_issue (tests: no real sleeping)

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    def stamp(self) -> str:
        return self.now.astimezone(AMSTERDAM).isoformat(timespec="seconds")

    def mail_coach(self, note: notify.Note) -> None:
        if not self.month.test_to:
            raise SendError(_("NEWSLETTER_TEST_TO is not set: the coach's address for test copies and reports"))
        sender = effective(self.settings, self.environ)["NEWSLETTER_FROM"]
        smtp = smtp_settings(self.settings, self.environ)
        mailer.send_plain(smtp, sender, self.month.test_to, note.subject, note.body, now=self.now)

    def report_failure(self, date: dt.date, state: MonthState, failure: StepFailed, today: dt.date, outcome) -> None:
        """Tell the coach once per day and problem; a repeat run the same day only exits non-zero."""
        record = {"day": today.isoformat(), "step": failure.step, "message": failure.message, "told": False}
        if state.failure == {**record, "told": True}:
            outcome.done.append(_("the coach was already told today"))
            return
        state.failure = record
        try:
            self.mail_coach(notify.failed(date, failure.step, failure.message))
            record["told"] = True
            outcome.done.append(_("the coach was told by email"))
        except PROBLEMS as error:  # not "told": the next run tries to tell her again
            outcome.done.append(_("the coach could not be emailed: {error}").format(error=error))


def _do(step: str, action, *args, **kwargs):
    try:
        return action(*args, **kwargs)
    except PROBLEMS as error:
        raise StepFailed(step, str(error)) from error


def remind(run: Run, date: dt.date, state: MonthState, outcome) -> None:
    posts = _do(_("check the tagged posts"), _selected_posts, run, date)
    if not posts:
        _do(_("email the coach"), run.mail_coach, notify.reminder(date, run.settings["NEWSLETTER_TAG"]))
        state.reminder_sent = run.stamp()
        outcome.done.append(_("no post is tagged yet: the coach got a reminder"))
    else:
        outcome.done.append(ngettext("{count} post tagged: no reminder needed",
                                     "{count} posts tagged: no reminder needed", len(posts)).format(count=len(posts)))
    state.reminder_checked = run.stamp()


def _selected_posts(run: Run, date: dt.date) -> list:
    issues = [i for i in archive.list_issues(run.root) if i.date != date]
    settings = run.settings
    return select_posts(newsletter_posts(settings), date, issues, settings["NEWSLETTER_TAG"], settings["NEWSLETTER_MAX_POSTS"]).posts


def _ensure_built(run: Run, date: dt.date, state: MonthState, outcome) -> archive.IssueRecord:
    """The issue as built; built now only if nobody built it yet (a coach's own build is kept)."""
    folder = archive.issue_folder(run.root, date)
    if not (folder / archive.ISSUE_FILE).exists():
        _do(_("build the issue"), build_issue, date, run.settings, run.root, run.templates, now=run.now)
        state.built = run.stamp()
        outcome.done.append(_("issue built"))
    return _do(_("build the issue"), archive.load_issue, folder)


def test_copy(run: Run, date: dt.date, state: MonthState, outcome) -> None:
    issue = _ensure_built(run, date, state, outcome)
    if not run.month.test_to:
        raise StepFailed(_("send the test copy"), _("NEWSLETTER_TEST_TO is not set: the coach's address for test copies and reports"))
    config = _do(_("send the test copy"), send_settings, run.settings, run.environ)
    _do(_("send the test copy"), mailer.send_test_copy, issue.folder, run.month.test_to, config, now=run.now)
    titles = [post.get("title", post["slug"]) for post in issue.data.get("posts", [])]
    state.test_sent, state.test_posts = run.stamp(), titles  # before the note: never a second test copy
    outcome.done.append(_("test copy sent to {addresses}").format(addresses=", ".join(run.month.test_to)))
    note = notify.test_sent(date, issue.data.get("subject", ""), titles, run.month.test_to)
    _do(_("email the coach"), run.mail_coach, note)


def publish_and_check(run: Run, issue: archive.IssueRecord, state: MonthState, outcome) -> None:
    """Production build, upload, and the web copy answering on the live site (skipped when done)."""
    if not state.live_checked:
        override = {"PATH": run.settings["PATH"], "NEWSLETTER_DIR": str(run.root)}
        _do(_("build the site"), production_build, run.month.publish_dir, run.publish_config, **override)
        _do(_("upload the site"), upload, run.month.publish_dir, run.month.deploy_target)
        state.deployed = run.stamp()
        outcome.done.append(_("site built and uploaded to {target}").format(target=run.month.deploy_target))
    url = _do(_("check the web copy"), check_issue_live, issue.data, run.month.site_url)
    state.live_checked = run.stamp()
    outcome.done.append(_("web copy live at {url}").format(url=url))


def send_day(run: Run, date: dt.date, state: MonthState, outcome) -> None:
    # Settings first: a missing secret, list or coach address must stop the day before the upload.
    config = _do(_("send to the list"), send_settings, run.settings, run.environ)
    _do(_("send to the list"), mailer.check_list, run.month.subscribers, run.settings, run.environ)
    if not run.month.test_to:
        raise StepFailed(_("send to the list"), _("NEWSLETTER_TEST_TO is not set: the coach's address for test copies and reports"))
    issue = _ensure_built(run, date, state, outcome)
    publish_and_check(run, issue, state, outcome)
    state.send_started = state.send_started or run.stamp()
    save_state(run.root, date, state)  # on disk before the first email: a killed run is continued later
    try:
        result = mailer.send_to_list(issue.folder, run.month.subscribers, config, now=run.now,
                                     settings=run.settings, environ=run.environ, **run.send_options)
    except PROBLEMS as error:
        summary = getattr(error, "summary", None)
        if summary is not None and summary.sent:
            outcome.done.append(_("{count} sent before the send stopped").format(count=summary.sent))
        raise StepFailed(_("send to the list"), str(error)) from error
    if result.complete:
        state.sent = run.stamp()
    note = notify.report(date, issue.data.get("subject", ""), result.sent, result.already_sent, result.failed, result.uncertain)
    _do(_("email the coach"), run.mail_coach, note)
    state.report_sent = run.stamp()
    outcome.done.append(
        _("sent {sent}, failed {failed}, uncertain {uncertain}").format(
            sent=result.sent + result.already_sent, failed=len(result.failed), uncertain=len(result.uncertain)
        )
    )
    if not result.complete:
        raise StepFailed(_("send to the list"), _("not every subscriber has the issue yet; the next run continues"))


STEPS = {"remind": remind, "test": test_copy, "send": send_day}
