"""Send a built issue to every subscriber exactly once, and test copies to the coach.

The coach sends from her own machine through her provider's SMTP server, so this is written to
be killed at any moment and run again (see ``sendlog``): the intent to send is fsynced before the
final dot of each message, the outcome after it. A rerun skips everyone with an outcome, and
never retries anyone whose outcome is unknown (*uncertain*): they are listed, and sent only with
``resend_uncertain``, or closed with ``confirm_delivered`` once the coach has checked that they have
it (an outcome line, no mail). So nobody gets two copies, and nobody is silently skipped.

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
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from coachsite.dates import AMSTERDAM
from coachsite.i18n import _, ngettext

from . import archive
from .delivery import (  # noqa: F401 (re-exported: callers import them from here)
    DEFAULT_PORTS,
    PERMANENT,
    SECURITY,
    TRANSIENT,
    UNCERTAIN,
    Mailer,
    RateLimit,
    Retry,
    SendError,
    SmtpSettings,
    classify,
    deliver,
)
from .dryrun import DRY_RUN_MESSAGES, dry_run_issue
from .message import to_bytes
from .sendlog import FAILED, LOG_FILE, SENDING, SENT, STARTED, SendLock, SendLog, issue_hash
from .sendsettings import (  # noqa: F401 (re-exported)
    ENV_ONLY,
    PASSWORD_ENV,
    SETTINGS,
    SendSettings,
    effective,
    newsletter_for,
    send_settings,
    smtp_settings,
)
from .subscribers import FATAL, NOTE, SKIPPED, CsvRecipients, RecipientSource, Subscriber, problem_report
from .summary import Failure, Progress, Summary
from .testcopy import send_test_copy  # noqa: F401 (re-exported)


# --- The run ---------------------------------------------------------------------------


def _check_source(source: RecipientSource, summary: Summary) -> None:
    """Every problem of the source at once; a fatal one stops the run before anything is sent."""
    problems = source.problems()
    fatal = [p for p in problems if p.kind == FATAL]
    if fatal:
        raise SendError(ngettext("{source}: {count} problem; nothing was sent. Fix it first:\n  {problems}",
                                 "{source}: {count} problems; nothing was sent. Fix these first:\n  {problems}",
                                 len(fatal)).format(
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
    confirm_delivered: Iterable[str] = (),
) -> Summary:
    """Send the issue in ``folder`` to everyone in ``source`` who has no outcome in the send log yet.

    Recipients whose outcome is unknown (uncertain) are skipped and listed unless
    ``resend_uncertain``; ``confirm_delivered`` first records uncertain recipients the coach checked
    as delivered. A path stands for :class:`CsvRecipients` of that file. Raises SendError
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
    confirm_delivered = list(confirm_delivered)
    if dry_run and confirm_delivered:
        raise SendError(confirm_conflict())
    issue = _load(folder)
    summary = Summary()
    if not dry_run and issue.sent is not None:
        summary.already_marked = issue.sent
        return summary
    newsletter = newsletter_for(issue, config)
    _check_source(source, summary)
    log = SendLog(issue.folder)
    if dry_run:
        return dry_run_issue(issue.folder, newsletter, source, log, summary, limit, now, dry_run_messages, resend_uncertain)

    with SendLock(issue.folder):
        issue = _load(folder)
        if issue.sent is not None:  # another run finished while this one was starting
            summary.already_marked = issue.sent
            return summary
        run = _Run(issue, newsletter, log, summary, config, mailer, progress, now,
                   Retry(sleep, max_attempts, backoff, max_backoff), RateLimit(rate, clock, sleep))
        try:
            run.confirm(confirm_delivered)
            run.all(source.recipients(), limit, resend_uncertain)
        finally:
            run.mailer.close()
            log.close()
        if not summary.failed and not summary.remaining and not summary.uncertain:
            _mark_sent(issue.folder, summary, source.describe(), now())
    return summary


def confirm_conflict() -> str:  # one message, raised here and by the CLI (test copies never reach send_issue)
    return _("--confirm-delivered cannot be combined with --test, --test-copy or --dry-run: it writes to the send log")


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

    def confirm(self, addresses: list[str]) -> None:
        """The coach checked that these uncertain recipients have the issue: one outcome line each
        (``sent``, marked ``confirmed``), never a second copy. An address that is neither uncertain
        nor sent refuses the whole request before a line is written; one already sent is skipped,
        so the same command can be given again."""
        keys = list(dict.fromkeys(address.strip().lower() for address in addresses))
        unknown = [key for key in keys if key not in self.state.uncertain and key not in self.state.sent]
        if unknown:
            raise SendError(ngettext(
                "{emails} is not uncertain in {log}; only a recipient whose outcome is unknown can be confirmed "
                "as delivered (nothing was recorded or sent)",
                "{emails} are not uncertain in {log}; only a recipient whose outcome is unknown can be confirmed "
                "as delivered (nothing was recorded or sent)", len(unknown),
            ).format(emails=", ".join(unknown), log=self.log.path))
        for key in keys:
            if key in self.state.sent:
                continue
            self.write({"email": key, "status": SENT, "at": self.at(), "confirmed": "coach"}, durable=True)
            self.state.record(key, SENT)
            self.summary.confirmed.append(key)

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
