"""What the month needs from the sending code, in one place.

- :func:`list_source`: ``NEWSLETTER_SUBSCRIBERS`` (a CSV path) -> what ``send_issue`` takes;
  the subscriber database (``NEWSLETTER_DB``) when the setting is empty.
- :func:`send_to_list`: ``send_issue`` with the summary the coach's report needs.
- :func:`send_test_copy`: the sending code's test copy ("[TEST] " subject, never in the send log);
  any address it did not reach is an error for the month.
- :func:`send_plain`: a short text email (reminders, reports) over the same SMTP settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from coachsite.dates import AMSTERDAM
from coachsite.i18n import _
from coachsite.newsletter.send import Mailer, SendError, SendSettings, SmtpSettings, send_issue
from coachsite.newsletter.send import send_test_copy as library_test_copy
from coachsite.newsletter.subscribers import FATAL


@dataclass
class ListResult:
    """What the coach's report needs from a send to the list."""

    sent: int
    already_sent: int
    failed: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    complete: bool = False


def list_source(subscribers: str, settings: dict | None = None, environ=None):
    """The recipient source ``send_issue`` takes: the CSV in NEWSLETTER_SUBSCRIBERS, else the database."""
    from coachsite.subscriptions.recipients import recipient_source

    return recipient_source(subscribers or None, settings or {}, environ)


def check_list(subscribers: str, settings: dict | None = None, environ=None) -> None:
    """Stop the day before the upload when the list cannot be sent to (missing, empty, broken)."""
    fatal = [p.message for p in list_source(subscribers, settings, environ).problems() if p.kind == FATAL]
    if fatal:
        raise SendError("; ".join(fatal[:3]))


def send_to_list(folder: Path, subscribers: str, config: SendSettings, *, now: dt.datetime,
                 settings: dict | None = None, environ=None, **options) -> ListResult:
    """``options`` go to ``send_issue`` as they are (tests pass ``sleep``)."""
    summary = send_issue(folder, list_source(subscribers, settings, environ), config, now=lambda: now, **options)
    if summary.already_marked is not None:
        return ListResult(sent=0, already_sent=int(summary.already_marked.get("sent", 0)), complete=True)
    return ListResult(
        sent=summary.sent,
        already_sent=summary.already_sent,
        failed=[f"{f.email}: {f.error}" for f in summary.failed],
        uncertain=[str(getattr(u, "email", u)) for u in getattr(summary, "uncertain", [])],
        complete=summary.complete,
    )


def send_test_copy(folder: Path, addresses: tuple[str, ...], config: SendSettings, *, now: dt.datetime, mailer: Mailer | None = None) -> int:
    """The real personal message, subject "[TEST] …", to ``addresses`` only; returns how many."""
    summary = library_test_copy(folder, list(addresses), config, mailer=mailer, now=lambda: now)
    problems = [f"{f.email}: {f.error}" for f in summary.failed] + [str(u) for u in summary.uncertain]
    if problems:
        raise SendError(_("the test copy did not arrive: {problems}").format(problems="; ".join(problems)))
    return summary.sent


def send_plain(smtp: SmtpSettings, sender: str, to: tuple[str, ...], subject: str, body: str, *, now: dt.datetime) -> None:
    """One short UTF-8 text email to the coach."""
    msg = EmailMessage(policy=policy.SMTP)  # CRLF line ends: SMTP servers refuse bare LF lines
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now.astimezone(AMSTERDAM))
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg.set_content(body)
    mailer = Mailer(smtp)
    try:
        for entry in to:
            mailer.send(parseaddr(sender)[1], parseaddr(entry)[1], msg.as_bytes())
    finally:
        mailer.close()
