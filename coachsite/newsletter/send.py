"""Send a built issue to every subscriber exactly once, and test copies to the coach.

The coach sends from her own machine through her provider's SMTP server, so this is written to
be killed at any moment and run again (see ``sendlog``): the intent to send is fsynced before the
final dot of each message, the outcome after it. A rerun skips everyone with an outcome, and
never retries anyone whose outcome is unknown (*uncertain*): they are listed, and sent only with
``resend_uncertain``. So nobody gets two copies, and nobody is silently skipped.

The issue is marked sent (``sent.json``, which ``build`` then refuses to overwrite) only when every
active subscriber has it. One subscriber whose message cannot be built or is refused is recorded
as failed with the reason and the run goes on; a problem that would fail every message (login
refused, sender refused, server unreachable) stops the run with a clear message. ``sleep``,
``clock`` and ``now`` are parameters, so tests never wait.

Interfaces others build on: :func:`send_issue` (any :class:`RecipientSource`), :func:`send_test_copy`
and :class:`Summary`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from coachsite.dates import AMSTERDAM
from coachsite.i18n import _

from . import archive
from .delivery import (  # noqa: F401 (re-exported: callers import them from here)
    DEFAULT_PORTS,
    PERMANENT,
    SECURITY,
    TRANSIENT,
    Mailer,
    RateLimit,
    Retry,
    SendError,
    SmtpSettings,
    UNCERTAIN,
    classify,
    deliver,
)
from .message import MessageError, Newsletter, newsletter_for_issue, to_bytes
from .sendlog import FAILED, LOG_FILE, SENDING, SENT, STARTED, SendLock, SendLog, issue_hash
from .subscribers import FATAL, CsvRecipients, NOTE, SKIPPED, Problem, RecipientSource, Subscriber, address_problem, problem_report
from .tokens import TokenError, secret_from_env

PASSWORD_ENV = "NEWSLETTER_SMTP_PASSWORD"
SETTINGS = (
    "NEWSLETTER_FROM",
    "NEWSLETTER_REPLY_TO",
    "NEWSLETTER_SMTP_HOST",
    "NEWSLETTER_SMTP_PORT",
    "NEWSLETTER_SMTP_USER",
    "NEWSLETTER_SMTP_SECURITY",
    "NEWSLETTER_UNSUBSCRIBE_URL",
    "NEWSLETTER_UNSUBSCRIBE_ACTION",
    "NEWSLETTER_UNSUBSCRIBE_MAILTO",
    "NEWSLETTER_TEST_TO",
)
ENV_ONLY = (PASSWORD_ENV, "NEWSLETTER_UNSUBSCRIBE_SECRET")
DRY_RUN_DIR = "dry-run"
DRY_RUN_MESSAGES = 5


# --- Settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendSettings:
    smtp: SmtpSettings
    sender: str
    reply_to: str
    unsubscribe_url: str
    unsubscribe_action: str
    unsubscribe_mailto: str
    secret: bytes = field(repr=False)
    test_to: tuple[str, ...] = ()  # NEWSLETTER_TEST_TO: where `send --test-copy` goes


def effective(settings: Mapping, environ: Mapping[str, str]) -> dict[str, str]:
    """The newsletter settings, each replaced by an environment variable of the same name if set."""
    for name in ENV_ONLY:
        if name in settings:
            raise SendError(_(
                "{name} must not be in pelicanconf.py/publishconf.py (it would end up in git); "
                "set the environment variable instead"
            ).format(name=name))
    return {name: str(environ[name] if name in environ else settings.get(name, "") or "").strip() for name in SETTINGS}


def smtp_settings(settings: Mapping, environ: Mapping[str, str] | None = None) -> SmtpSettings:
    environ = os.environ if environ is None else environ
    values = effective(settings, environ)
    security = values["NEWSLETTER_SMTP_SECURITY"].lower() or "starttls"
    if security not in SECURITY:
        raise SendError(_("NEWSLETTER_SMTP_SECURITY is '{value}'; use one of {allowed}").format(
            value=security, allowed=", ".join(SECURITY)))
    host = values["NEWSLETTER_SMTP_HOST"]
    if not host:
        raise SendError(_("NEWSLETTER_SMTP_HOST is not set: your mail provider's SMTP server, e.g. smtp.example.nl"))
    port_text = values["NEWSLETTER_SMTP_PORT"] or str(DEFAULT_PORTS[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SendError(_("NEWSLETTER_SMTP_PORT is '{value}'; use a port number such as 587").format(value=port_text))
    return SmtpSettings(
        host=host,
        port=int(port_text),
        security=security,
        user=values["NEWSLETTER_SMTP_USER"],
        password=environ.get(PASSWORD_ENV, ""),
    )


def send_settings(settings: Mapping, environ: Mapping[str, str] | None = None) -> SendSettings:
    """Everything ``send`` needs, checked up front so a run never stops half-way over a setting."""
    environ = os.environ if environ is None else environ
    values = effective(settings, environ)
    try:
        secret = secret_from_env(environ)
    except TokenError as error:
        raise SendError(str(error)) from error
    if not values["NEWSLETTER_FROM"]:
        raise SendError(_("NEWSLETTER_FROM is not set, e.g. 'Marieke Jansen <nieuwsbrief@klantgerichtwerkt.nl>'"))
    return SendSettings(
        smtp=smtp_settings(settings, environ),
        sender=values["NEWSLETTER_FROM"],
        reply_to=values["NEWSLETTER_REPLY_TO"],
        unsubscribe_url=values["NEWSLETTER_UNSUBSCRIBE_URL"],
        unsubscribe_action=values["NEWSLETTER_UNSUBSCRIBE_ACTION"],
        unsubscribe_mailto=values["NEWSLETTER_UNSUBSCRIBE_MAILTO"],
        secret=secret,
        test_to=tuple(a.strip() for a in values["NEWSLETTER_TEST_TO"].split(",") if a.strip()),
    )


def newsletter_for(issue: archive.IssueRecord, config: SendSettings) -> Newsletter:
    """The issue's message factory with this run's sender and unsubscribe settings."""
    try:
        return newsletter_for_issue(
            issue.folder,
            issue.data,
            sender=config.sender,
            reply_to=config.reply_to,
            unsubscribe_url=config.unsubscribe_url,
            unsubscribe_action=config.unsubscribe_action,
            unsubscribe_mailto=config.unsubscribe_mailto,
            secret=config.secret,
        )
    except MessageError as error:
        raise SendError(str(error)) from error


# --- The result ----------------------------------------------------------------------------


@dataclass
class Failure:
    email: str
    line: int
    code: int | None
    error: str


@dataclass
class Summary:
    """What a run did. ``failed`` and ``uncertain_details`` carry the reasons; ``complete`` is true
    once every active subscriber has the issue (``sent.json`` exists)."""

    recipients: int = 0  # active, valid, unique subscribers in the source
    sent: int = 0  # this run
    already_sent: int = 0  # skipped: logged as sent by an earlier run
    failed: list[Failure] = field(default_factory=list)  # this run
    uncertain: list[str] = field(default_factory=list)  # addresses that may or may not have it
    uncertain_details: list[Failure] = field(default_factory=list)
    remaining: int = 0  # not tried this run (--limit, or the run stopped)
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    unsubscribed: int = 0
    dry_run_files: list[Path] = field(default_factory=list)
    would_send: int = 0  # dry run only
    retries: int = 0
    test: bool = False  # a test copy: nothing logged, the issue is not marked
    marked_sent: bool = False  # sent.json written by this run
    already_marked: dict | None = None  # sent.json existed before this run

    @property
    def complete(self) -> bool:
        return self.marked_sent or self.already_marked is not None

    def add_uncertain(self, person: Subscriber, reason: str) -> None:
        self.uncertain.append(person.email)
        self.uncertain_details.append(Failure(person.email, person.line, None, reason))


Progress = Callable[[str, Subscriber, "Summary"], None]  # ("sent"|"failed"|"skipped"|"uncertain", who, totals)


# --- The run ---------------------------------------------------------------------------


def _check_source(source: RecipientSource, summary: Summary) -> None:
    """Every problem of the source at once; a fatal one stops the run before anything is sent."""
    problems = source.problems()
    fatal = [p for p in problems if p.kind == FATAL]
    if fatal:
        raise SendError(_("{source}: {count} problem(s); nothing was sent. Fix these first:\n  {problems}").format(
            source=source.describe(), count=len(fatal), problems=problem_report(source.describe(), fatal)))
    summary.invalid = [p for p in problems if p.kind == SKIPPED]
    summary.duplicates = [p for p in problems if p.kind == NOTE]
    summary.unsubscribed = getattr(source, "unsubscribed", 0)
    summary.recipients = sum(1 for _person in source.recipients())
    if not summary.recipients:
        # Never mark an issue sent because of an empty or wrong source: it could not be sent again.
        raise SendError(_("{source}: no active subscribers with a valid address; nothing to send").format(
            source=source.describe()))


def send_issue(
    folder: Path,
    source: RecipientSource | Path | str,
    config: SendSettings,
    *,
    dry_run: bool = False,
    resend_uncertain: bool = False,
    limit: int | None = None,
    rate: float | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(tz=AMSTERDAM),
    mailer: Mailer | None = None,
    max_attempts: int = 5,
    backoff: float = 2.0,
    max_backoff: float = 60.0,
    dry_run_messages: int = DRY_RUN_MESSAGES,
) -> Summary:
    """Send the issue in ``folder`` to everyone in ``source`` who has no outcome in the send log yet.

    Recipients whose outcome is unknown (uncertain) are skipped and listed unless
    ``resend_uncertain``. A path stands for :class:`CsvRecipients` of that file. Raises SendError
    (with the partial summary) when the run cannot go on; everything done until then is logged,
    so running the same command again continues.
    """
    if isinstance(source, (str, Path)):
        source = CsvRecipients(source)
    if max_attempts < 1:
        raise SendError("max_attempts must be 1 or more")
    if limit is not None and limit < 0:
        raise SendError(_("--limit must be 0 or more"))
    if rate is not None and rate <= 0:
        raise SendError(_("--rate must be more than 0 messages per second"))
    issue = _load(folder)
    summary = Summary()
    if not dry_run and issue.sent is not None:
        summary.already_marked = issue.sent
        return summary
    newsletter = newsletter_for(issue, config)
    _check_source(source, summary)
    log = SendLog(issue.folder)
    if dry_run:
        return _dry_run(issue.folder, newsletter, source, log, summary, limit, now, dry_run_messages)

    with SendLock(issue.folder):
        issue = _load(folder)
        if issue.sent is not None:  # another run finished while this one was starting
            summary.already_marked = issue.sent
            return summary
        run = _Run(issue, newsletter, log, summary, config, mailer, progress, now,
                   Retry(sleep, max_attempts, backoff, max_backoff), RateLimit(rate, clock, sleep))
        try:
            run.all(source.recipients(), limit, resend_uncertain)
        finally:
            run.mailer.close()
            log.close()
        if not summary.failed and not summary.remaining and not summary.uncertain:
            _mark_sent(issue.folder, summary, source.describe(), now())
    return summary


def _load(folder: Path) -> archive.IssueRecord:
    try:
        return archive.load_issue(Path(folder))
    except archive.ArchiveError as error:
        raise SendError(str(error)) from error


class _Run:
    """One real run under the lock: the per-recipient steps of :func:`send_issue`."""

    def __init__(self, issue, newsletter, log, summary, config, mailer, progress, now, retry, pace):
        self.folder, self.newsletter, self.log, self.summary = issue.folder, newsletter, log, summary
        self.mailer = mailer or Mailer(config.smtp)
        self.progress, self.now, self.retry, self.pace = progress, now, retry, pace
        self.state = log.read()
        self.hash = issue_hash(issue.folder)
        if self.state.hash is not None and self.state.hash != self.hash:
            raise SendError(_(
                "{folder}: the issue's files changed after sending started ({log} holds the hash of the "
                "first version). Everyone must get the same issue: put the files back as they were "
                "(or build the next issue)."
            ).format(folder=issue.folder, log=LOG_FILE), summary)
        self.envelope_from = newsletter.sender.addr_spec

    def at(self) -> str:
        return self.now().astimezone(AMSTERDAM).isoformat(timespec="seconds")

    def write(self, entry: dict, durable: bool) -> None:
        if self.state.hash is None:  # the first line of a new log: what is being sent
            self.log.append({"status": STARTED, "hash": self.hash, "at": self.at()}, durable=False)
            self.state.hash = self.hash
        self.log.append(entry, durable=durable)

    def report(self, event: str, person: Subscriber) -> None:
        if self.progress is not None:
            self.progress(event, person, self.summary)

    def all(self, people, limit: int | None, resend_uncertain: bool) -> None:
        summary, state = self.summary, self.state
        for person in people:
            if person.key in state.sent:
                summary.already_sent += 1
                self.report("skipped", person)
            elif person.key in state.uncertain and not resend_uncertain:
                summary.add_uncertain(person, state.uncertain[person.key])
                self.report("uncertain", person)
            elif limit is not None and summary.sent + len(summary.failed) >= limit:
                summary.remaining += 1
            else:
                try:
                    self.one(person)
                except SendError as stop:
                    summary.remaining += 1 + sum(1 for p in people if p.key not in state.sent)
                    stop.summary = summary
                    raise

    def one(self, person: Subscriber) -> None:
        summary = self.summary
        self.pace.wait()
        try:
            msg = self.newsletter.message(person, self.now())
            data = to_bytes(msg)
        except Exception as error:  # noqa: BLE001 (one unbuildable message must not stop the others)
            self._failed(person, None, _("this message could not be made: {error}").format(error=error))
            return
        base = {"email": person.email, "message_id": msg["Message-ID"]}
        outcome = deliver(
            self.mailer, self.envelope_from, person.email, data, self.retry,
            before_dot=lambda: self.write({**base, "status": SENDING, "at": self.at()}, durable=True),
            after_refusal=lambda o: self.write(
                {**base, "status": FAILED, "at": self.at(), "code": o.code, "error": o.error}, durable=False),
        )
        summary.retries += outcome.retries
        if outcome.kind is None:
            self.write({**base, "status": SENT, "at": self.at()}, durable=False)
            self.state.sent.add(person.key)
            summary.sent += 1
            self.report("sent", person)
        elif outcome.kind == UNCERTAIN:
            reason = _("no reply after the message was handed over ({error})").format(error=outcome.error)
            self.write({**base, "status": UNCERTAIN, "at": self.at(), "error": reason}, durable=False)
            summary.add_uncertain(person, reason)
            self.report("uncertain", person)
        else:
            self._failed(person, outcome.code, outcome.error)

    def _failed(self, person: Subscriber, code: int | None, error: str) -> None:
        self.write({"email": person.email, "status": FAILED, "at": self.at(), "code": code, "error": error},
                   durable=False)
        self.summary.failed.append(Failure(person.email, person.line, code, error))
        self.report("failed", person)


def _dry_run(folder, newsletter: Newsletter, source, log, summary: Summary, limit, now, keep: int) -> Summary:
    """Build every message (so a bad one shows now, not half-way), write the first ``keep``."""
    out = folder / DRY_RUN_DIR
    out.mkdir(exist_ok=True)
    for old in out.glob("*.eml"):
        old.unlink()
    state = log.read(repair=False)
    for person in source.recipients():
        if person.key in state.sent:
            summary.already_sent += 1
            continue
        if person.key in state.uncertain:
            summary.add_uncertain(person, state.uncertain[person.key])
            continue
        if limit is not None and summary.would_send >= limit:
            summary.remaining += 1
            continue
        try:
            data = to_bytes(newsletter.message(person, now()))
        except Exception as error:  # noqa: BLE001 (reported per recipient, as a real run would)
            summary.failed.append(Failure(person.email, person.line, None,
                                          _("this message could not be made: {error}").format(error=error)))
            continue
        summary.would_send += 1
        if len(summary.dry_run_files) < keep:
            path = out / f"{len(summary.dry_run_files) + 1:02d}-{re.sub(r'[^A-Za-z0-9@._-]', '_', person.email)}.eml"
            path.write_bytes(data)
            summary.dry_run_files.append(path)
    return summary


def _mark_sent(folder: Path, summary: Summary, source: str, finished: dt.datetime) -> None:
    marker = {
        "finished_at": finished.astimezone(AMSTERDAM).isoformat(timespec="seconds"),
        "sent": summary.sent + summary.already_sent,
        "failed": 0,
        "invalid": len(summary.invalid),
        "unsubscribed": summary.unsubscribed,
        "duplicates": len(summary.duplicates),
        "subscribers_file": Path(source).name,
        "log": LOG_FILE,
    }
    archive.write_atomically(folder / archive.SENT_FILE, json.dumps(marker, ensure_ascii=False, indent=2) + "\n")
    summary.marked_sent = True


# --- Test copies ---------------------------------------------------------------------------


def send_test_copy(
    folder: Path,
    addresses: list[str],
    config: SendSettings,
    *,
    mailer: Mailer | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(tz=AMSTERDAM),
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = 3,
) -> Summary:
    """Send the real, personalised message (subject "[TEST] …") to ``addresses`` only.

    An address may carry a name (``Marieke <marieke@example.nl>``) for the greeting. Nothing is
    logged and the issue is not marked, so it works before, during and after the real send.
    ``summary.test`` is true; ``sent`` and ``failed`` say what happened to each address.
    """
    if not addresses:
        raise SendError(_("no address for the test copy: give --test ADDRESS or set NEWSLETTER_TEST_TO"))
    issue = _load(folder)
    newsletter = newsletter_for(issue, config)
    summary = Summary(test=True, recipients=len(addresses))
    people = []
    for number, value in enumerate(addresses, start=1):
        name, email = parseaddr(value)
        email = email or value.strip()
        problem = address_problem(email)
        if problem:
            raise SendError(_("test address '{value}': {problem}").format(value=value, problem=problem))
        people.append(Subscriber(line=number, email=email, name=name))
    mailer = mailer or Mailer(config.smtp)
    retry = Retry(sleep, max_attempts, 2.0, 60.0)
    try:
        for person in people:
            data = to_bytes(newsletter.message(person, now(), test=True))
            outcome = deliver(mailer, newsletter.sender.addr_spec, person.email, data, retry)
            if outcome.kind is None:
                summary.sent += 1
            elif outcome.kind == UNCERTAIN:
                summary.add_uncertain(person, outcome.error)
            else:
                summary.failed.append(Failure(person.email, person.line, outcome.code, outcome.error))
    finally:
        mailer.close()
    return summary
