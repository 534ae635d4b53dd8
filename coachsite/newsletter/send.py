"""Send a built issue to the subscriber list over SMTP, exactly once per subscriber.

The coach sends from her own machine through her provider's SMTP server, so this is written to
be stopped at any moment and run again (see ``sendlog``): every accepted message is logged before
the next one goes out, and a rerun skips everyone logged. The issue is marked sent
(``sent.json``, which ``build`` then refuses to overwrite) only when every active subscriber has
been mailed; someone who could not be mailed keeps the issue open, so nobody is silently missed.

Failures: a 4xx reply or a dropped connection is retried with exponential backoff on a fresh
connection; a 5xx for one recipient is logged as failed and the run goes on (a rerun tries them
again); a problem that would fail every message (login refused, sender refused, server
unreachable) stops the run with a clear message. ``sleep``, ``clock`` and ``now`` are parameters,
so tests never wait.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.dates import AMSTERDAM

from . import archive
from .message import MessageError, Newsletter, newsletter_for_issue, to_bytes
from .sendlog import FAILED, LOG_FILE, SENT, SendLock, SendLog
from .subscribers import Problem, Subscriber, recipients, scan
from .tokens import TokenError, secret_from_env

SECURITY = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
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
)
ENV_ONLY = (PASSWORD_ENV, "NEWSLETTER_UNSUBSCRIBE_SECRET")
DRY_RUN_DIR = "dry-run"
DRY_RUN_MESSAGES = 5


class SendError(Exception):
    """The run cannot start or cannot go on; ``summary`` holds what was done until then."""

    def __init__(self, message: str, summary: Summary | None = None):
        super().__init__(message)
        self.summary = summary


# --- Settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    password: str = ""
    timeout: float = 60.0


@dataclass(frozen=True)
class SendSettings:
    smtp: SmtpSettings
    sender: str
    reply_to: str
    unsubscribe_url: str
    unsubscribe_action: str
    unsubscribe_mailto: str
    secret: bytes = field(repr=False)


def effective(settings: Mapping, environ: Mapping[str, str]) -> dict[str, str]:
    """The newsletter settings, each replaced by an environment variable of the same name if set."""
    for name in ENV_ONLY:
        if name in settings:
            raise SendError(
                f"{name} must not be in pelicanconf.py/publishconf.py (it would end up in git); "
                "set the environment variable instead"
            )
    return {name: str(environ[name] if name in environ else settings.get(name, "") or "").strip() for name in SETTINGS}


def smtp_settings(settings: Mapping, environ: Mapping[str, str] | None = None) -> SmtpSettings:
    environ = os.environ if environ is None else environ
    values = effective(settings, environ)
    security = values["NEWSLETTER_SMTP_SECURITY"].lower() or "starttls"
    if security not in SECURITY:
        raise SendError(f"NEWSLETTER_SMTP_SECURITY is '{security}'; use one of {', '.join(SECURITY)}")
    host = values["NEWSLETTER_SMTP_HOST"]
    if not host:
        raise SendError("NEWSLETTER_SMTP_HOST is not set: your mail provider's SMTP server, e.g. smtp.example.nl")
    port_text = values["NEWSLETTER_SMTP_PORT"] or str(DEFAULT_PORTS[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SendError(f"NEWSLETTER_SMTP_PORT is '{port_text}'; use a port number such as 587")
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
        raise SendError("NEWSLETTER_FROM is not set, e.g. 'Marieke Jansen <nieuwsbrief@klantgerichtwerkt.nl>'")
    return SendSettings(
        smtp=smtp_settings(settings, environ),
        sender=values["NEWSLETTER_FROM"],
        reply_to=values["NEWSLETTER_REPLY_TO"],
        unsubscribe_url=values["NEWSLETTER_UNSUBSCRIBE_URL"],
        unsubscribe_action=values["NEWSLETTER_UNSUBSCRIBE_ACTION"],
        unsubscribe_mailto=values["NEWSLETTER_UNSUBSCRIBE_MAILTO"],
        secret=secret,
    )


# --- The connection ------------------------------------------------------------------------


class Mailer:
    """One SMTP connection, opened on first use and reused; :meth:`reset` drops it after a failure."""

    def __init__(self, smtp: SmtpSettings):
        self.smtp = smtp
        self.conn: smtplib.SMTP | None = None
        self.connections = 0

    def connect(self) -> smtplib.SMTP:
        s = self.smtp
        context = ssl.create_default_context()
        if s.security == "tls":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            if s.security == "starttls":
                conn.ehlo()
                conn.starttls(context=context)
                conn.ehlo()
        if s.user:
            conn.login(s.user, s.password)
        self.connections += 1
        return conn

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        if self.conn is None:
            self.conn = self.connect()
        self.conn.sendmail(sender, [recipient], data)

    def reset(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    close = reset


TRANSIENT, PERMANENT, FATAL = "transient", "permanent", "fatal"


def newsletter_for(issue: archive.IssueRecord, config: SendSettings) -> Newsletter:
    """The issue's message factory with this run's sender and unsubscribe settings."""
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


def classify(error: BaseException) -> tuple[str, int | None, str]:
    """(kind, SMTP code or None, text) for an exception raised while sending one message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, b""))
        return (TRANSIENT if code and 400 <= code < 500 else PERMANENT), code, _text(text)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return FATAL, error.smtp_code, f"login refused: {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPResponseException):
        code, text = error.smtp_code, _text(error.smtp_error)
        if 400 <= code < 500:
            return TRANSIENT, code, text
        if isinstance(error, smtplib.SMTPDataError):
            return PERMANENT, code, text
        return FATAL, code, text  # sender refused, HELO refused: every message would fail
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return FATAL, None, str(error)
    if isinstance(error, ssl.SSLCertVerificationError):
        return FATAL, None, f"the server's certificate is not valid: {getattr(error, 'verify_message', None) or error}"
    if isinstance(error, (smtplib.SMTPException, OSError)):  # disconnects, resets, timeouts
        return TRANSIENT, None, str(error) or type(error).__name__
    raise error


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class RateLimit:
    """At most ``rate`` messages per second (None: as fast as the server takes them)."""

    def __init__(self, rate: float | None, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.interval = 1.0 / rate if rate else 0.0
        self.clock, self.sleep = clock, sleep
        self.next: float | None = None

    def wait(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self.next is not None and now < self.next:
            self.sleep(self.next - now)
            now = self.next
        self.next = now + self.interval


# --- The run ---------------------------------------------------------------------------


@dataclass
class Failure:
    email: str
    line: int
    code: int | None
    error: str


@dataclass
class Summary:
    recipients: int = 0  # active, valid, unique subscribers in the file
    sent: int = 0  # this run
    already_sent: int = 0  # skipped: logged as sent by an earlier run
    failed: list[Failure] = field(default_factory=list)  # this run
    remaining: int = 0  # not tried this run (--limit, or the run stopped)
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    unsubscribed: int = 0
    dry_run_files: list[Path] = field(default_factory=list)
    would_send: int = 0  # dry run only
    retries: int = 0
    marked_sent: bool = False  # sent.json written by this run
    already_marked: dict | None = None  # sent.json existed before this run

    @property
    def complete(self) -> bool:
        return self.marked_sent or self.already_marked is not None


Progress = Callable[[str, Subscriber, "Summary"], None]  # ("sent" | "failed" | "skipped", who, totals so far)


def send_issue(
    folder: Path,
    subscribers_file: Path,
    config: SendSettings,
    *,
    dry_run: bool = False,
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
    """Send the issue in ``folder`` to everyone in ``subscribers_file`` not yet logged as sent.

    Raises SendError (with the partial summary) when the run cannot go on; everything sent until
    then is logged, so running the same command again continues where it stopped.
    """
    if max_attempts < 1:
        raise SendError("max_attempts must be 1 or more")
    if limit is not None and limit < 0:
        raise SendError("--limit must be 0 or more")
    if rate is not None and rate <= 0:
        raise SendError("--rate must be more than 0 messages per second")
    try:
        issue = archive.load_issue(Path(folder))
    except archive.ArchiveError as error:
        raise SendError(str(error)) from error
    summary = Summary()
    if not dry_run and issue.sent is not None:
        summary.already_marked = issue.sent
        return summary
    if not dry_run and config.smtp.user and not config.smtp.password:
        raise SendError(f"NEWSLETTER_SMTP_USER is '{config.smtp.user}', but {PASSWORD_ENV} is not set; export it before sending")
    try:
        newsletter = newsletter_for(issue, config)
    except MessageError as error:
        raise SendError(str(error)) from error
    checked = scan(subscribers_file)  # raises SubscriberError before anything is sent
    if not checked.recipients:
        # Never mark an issue sent because of an empty or wrong file: it could not be sent again.
        raise SendError(f"{subscribers_file}: no active subscribers with a valid address; nothing to send")
    summary.recipients = checked.recipients
    summary.invalid, summary.duplicates, summary.unsubscribed = checked.invalid, checked.duplicates, checked.unsubscribed
    people = recipients(subscribers_file, checked.unsubscribed_keys)
    log = SendLog(issue.folder)
    if dry_run:
        return _dry_run(issue.folder, newsletter, people, log.read(repair=False).sent, summary, limit, now, dry_run_messages)

    with SendLock(issue.folder):
        if issue.sent is not None:  # (re-read) another run finished while this one was starting
            people.close()
            summary.already_marked = issue.sent
            return summary
        state = log.read()
        mailer = mailer or Mailer(config.smtp)
        pace = RateLimit(rate, clock, sleep)
        retry = Retry(sleep, max_attempts, backoff, max_backoff)
        envelope_from = newsletter.sender.addr_spec
        try:
            for person in people:
                if person.key in state.sent:
                    summary.already_sent += 1
                    _report(progress, "skipped", person, summary)
                    continue
                if limit is not None and summary.sent + len(summary.failed) >= limit:
                    summary.remaining += 1
                    continue
                pace.wait()
                msg = newsletter.message(person, now())
                try:
                    code, error = _deliver(mailer, envelope_from, person.email, to_bytes(msg), summary, retry)
                except SendError as stop:
                    summary.remaining += 1 + sum(1 for p in people if p.key not in state.sent)
                    stop.summary = summary
                    raise
                at = now().astimezone(AMSTERDAM).isoformat(timespec="seconds")
                if error is None:
                    log.append({"email": person.email, "status": SENT, "at": at, "message_id": msg["Message-ID"]})
                    state.sent.add(person.key)
                    summary.sent += 1
                    _report(progress, "sent", person, summary)
                else:
                    log.append({"email": person.email, "status": FAILED, "at": at, "code": code, "error": error})
                    summary.failed.append(Failure(person.email, person.line, code, error))
                    _report(progress, "failed", person, summary)
        finally:
            people.close()
            mailer.close()
            log.close()
        if not summary.failed and not summary.remaining:
            _mark_sent(issue.folder, summary, subscribers_file, now())
    return summary


def _report(progress: Progress | None, event: str, person: Subscriber, summary: Summary) -> None:
    if progress is not None:
        progress(event, person, summary)


@dataclass(frozen=True)
class Retry:
    sleep: Callable[[float], None]
    attempts: int
    base: float  # seconds before the 2nd attempt; doubled each time
    cap: float

    def wait(self, attempt: int) -> None:
        self.sleep(min(self.base * 2 ** (attempt - 1), self.cap))


def _deliver(mailer: Mailer, sender: str, recipient: str, data: bytes, summary: Summary, retry: Retry):
    """Send one message: (None, None) once accepted, (code, error) if refused for good."""
    max_attempts = retry.attempts
    for attempt in range(1, max_attempts + 1):
        try:
            mailer.send(sender, recipient, data)
            return None, None
        except Exception as error:  # classify() re-raises anything that is not a mail problem
            kind, code, text = classify(error)
        if kind == PERMANENT:
            return code, text
        mailer.reset()
        if kind == FATAL:
            raise SendError(f"{mailer.smtp.host}:{mailer.smtp.port} refused: {f'{code} ' if code else ''}{text}")
        if attempt < max_attempts:
            summary.retries += 1
            retry.wait(attempt)
    if code is None:
        raise SendError(
            f"could not reach or keep a connection to {mailer.smtp.host}:{mailer.smtp.port} after "
            f"{max_attempts} attempts ({text}). Everything sent so far is logged: run the same command again to continue."
        )
    return code, f"{text} (still refused after {max_attempts} attempts)"


def _dry_run(folder, newsletter: Newsletter, people, already: set[str], summary: Summary, limit, now, keep: int) -> Summary:
    out = folder / DRY_RUN_DIR
    out.mkdir(exist_ok=True)
    for old in out.glob("*.eml"):
        old.unlink()
    for person in people:
        if person.key in already:
            summary.already_sent += 1
            continue
        if limit is not None and summary.would_send >= limit:
            summary.remaining += 1
            continue
        summary.would_send += 1
        if len(summary.dry_run_files) < keep:
            path = out / f"{len(summary.dry_run_files) + 1:02d}-{re.sub(r'[^A-Za-z0-9@._-]', '_', person.email)}.eml"
            path.write_bytes(to_bytes(newsletter.message(person, now())))
            summary.dry_run_files.append(path)
    return summary


def _mark_sent(folder: Path, summary: Summary, subscribers_file: Path, finished: dt.datetime) -> None:
    marker = {
        "finished_at": finished.astimezone(AMSTERDAM).isoformat(timespec="seconds"),
        "sent": summary.sent + summary.already_sent,
        "failed": 0,
        "invalid": len(summary.invalid),
        "unsubscribed": summary.unsubscribed,
        "duplicates": len(summary.duplicates),
        "subscribers_file": Path(subscribers_file).name,
        "log": LOG_FILE,
    }
    archive.write_atomically(folder / archive.SENT_FILE, json.dumps(marker, ensure_ascii=False, indent=2) + "\n")
    summary.marked_sent = True
