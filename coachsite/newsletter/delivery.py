"""The SMTP side of ``send``: connection settings, one connection, and what a failure means.

Why it is written at the level of MAIL, RCPT and DATA instead of ``sendmail()``: the caller must
record its intent durably *just before the final dot* of DATA (see ``sendlog``). Only after that
dot can the server have the message, so an error before it means "not sent" (safe to retry) and
a timeout or disconnect after it means "uncertain" (never retried automatically).

Security: a password never travels over an unencrypted connection except to a loopback host (a
local test server); without a password there is no login attempt at all; the password is kept
out of every ``repr`` and message.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from coachsite.i18n import _

SECURITY = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
TRANSIENT, PERMANENT, FATAL, UNCERTAIN = "transient", "permanent", "fatal", "uncertain"


class SendError(Exception):
    """The run cannot start or cannot go on; ``summary`` holds what was done until then."""

    def __init__(self, message: str, summary=None):
        super().__init__(message)
        self.summary = summary


class IntentNotRecorded(Exception):
    """``before_dot`` failed (e.g. the disk is full): the dot was not sent; ``__cause__`` says why."""


class UncertainDelivery(Exception):
    """The final dot was sent but no reply came: the server may have the message."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 60.0

    def __post_init__(self):
        if self.password and not self.user:
            raise SendError(_("NEWSLETTER_SMTP_PASSWORD is set but NEWSLETTER_SMTP_USER is empty; set both or neither"))
        if self.password and self.security == "none" and not is_loopback(self.host):
            raise SendError(_(
                "NEWSLETTER_SMTP_SECURITY is 'none': the password would travel unencrypted to {host}. "
                "Use starttls or tls (only a server on this computer may use none)"
            ).format(host=self.host))


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Mailer:
    """One SMTP connection, opened on first use and reused; :meth:`reset` drops it after a failure."""

    def __init__(self, smtp: SmtpSettings):
        self.smtp = smtp
        self.conn: smtplib.SMTP | None = None
        self.connections = 0
        self._in_data = False  # between DATA and the reply to the final dot

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
        conn.ehlo_or_helo_if_needed()
        # The final dot goes out as its own small packet after the intent is on disk; without
        # TCP_NODELAY, Nagle's algorithm holds it until the server's delayed ACK (~40 ms a message).
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # No password: no login attempt. A test server on this computer that offers no login is
        # used without one too (the README's exported password must not stop a local trial).
        if s.password and (conn.has_extn("auth") or not is_loopback(s.host)):
            conn.login(s.user, s.password)
        self.connections += 1
        return conn

    def send(self, sender: str, recipient: str, data: bytes, before_dot: Callable[[], None] = lambda: None) -> None:
        """One message. ``before_dot`` runs after the whole body and before the final dot.

        Raises smtplib errors (nothing delivered, or refused) or :class:`UncertainDelivery`.
        """
        if self.conn is None:
            self.conn = self.connect()
        conn = self.conn
        code, reply = conn.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = conn.rcpt(recipient)
        if code not in (250, 251):
            conn.rset()
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        code, reply = conn.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        self._in_data = True
        body = smtplib._quote_periods(data)
        conn.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        try:
            before_dot()
        except BaseException as error:
            self.reset()  # the server discards a message whose final dot never came
            raise IntentNotRecorded() from error
        try:
            conn.send(b".\r\n")
            code, reply = conn.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise UncertainDelivery(str(error) or type(error).__name__) from error
        finally:
            self._in_data = False
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def reset(self) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return
        if self._in_data:  # a QUIT now would end up in the message: just drop the connection
            self._in_data = False
            conn.close()
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()

    close = reset


def classify(error: BaseException) -> tuple[str, int | None, str]:
    """(kind, SMTP code or None, text) for an exception raised while sending one message."""
    if isinstance(error, UncertainDelivery):
        return UNCERTAIN, None, str(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, b""))
        return (TRANSIENT if code and 400 <= code < 500 else PERMANENT), code, _text(text)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return FATAL, error.smtp_code, _("login refused: {reply}").format(reply=_text(error.smtp_error))
    if isinstance(error, smtplib.SMTPResponseException):
        code, text = error.smtp_code, _text(error.smtp_error)
        if code == 530:
            return FATAL, code, _("{reply} (the server wants a login: set NEWSLETTER_SMTP_USER and "
                                  "NEWSLETTER_SMTP_PASSWORD)").format(reply=text)
        if 400 <= code < 500:
            return TRANSIENT, code, text
        if isinstance(error, smtplib.SMTPDataError):
            return PERMANENT, code, text
        return FATAL, code, text  # sender refused, HELO refused: every message would fail
    if isinstance(error, smtplib.SMTPNotSupportedError):
        if "AUTH" in str(error):
            return FATAL, None, _("the server offers no login (SMTP AUTH); if it needs none, unset "
                                  "NEWSLETTER_SMTP_PASSWORD")
        return FATAL, None, str(error)
    if isinstance(error, ssl.SSLCertVerificationError):
        reason = getattr(error, "verify_message", None) or str(error)
        return FATAL, None, _("the server's certificate is not valid: {reason}").format(reason=reason)
    if isinstance(error, (smtplib.SMTPException, OSError)):  # disconnects, resets, timeouts before the dot
        return TRANSIENT, None, str(error) or type(error).__name__
    raise error


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class Retry:
    sleep: Callable[[float], None]
    attempts: int
    base: float  # seconds before the 2nd attempt; doubled each time
    cap: float

    def wait(self, attempt: int) -> None:
        self.sleep(min(self.base * 2 ** (attempt - 1), self.cap))


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


@dataclass
class Outcome:
    """What became of one message: ``kind`` is None once accepted, else PERMANENT/TRANSIENT/UNCERTAIN."""

    kind: str | None = None
    code: int | None = None
    error: str = ""
    retries: int = 0


def deliver(mailer: Mailer, sender: str, recipient: str, data: bytes, retry: Retry,
            before_dot: Callable[[], None] = lambda: None, after_refusal: Callable[[Outcome], None] = lambda o: None
            ) -> Outcome:
    """Send one message with retries on temporary problems; never retries after an uncertain end.

    ``after_refusal`` runs when the server refused the message after ``before_dot`` ran and another
    attempt follows (so the caller can note that the intent ended in a refusal, not in the
    unknown; the final outcome is the caller's to write). Raises SendError when
    a problem would fail every message (login, sender refused) or the server stays unreachable.
    """
    outcome = Outcome()
    for attempt in range(1, retry.attempts + 1):
        dotted = []
        try:
            mailer.send(sender, recipient, data, before_dot=lambda: (before_dot(), dotted.append(True)))
            return Outcome(retries=outcome.retries)
        except IntentNotRecorded as error:  # not a mail problem: the caller's own (e.g. disk full)
            raise error.__cause__ from None
        except Exception as error:  # classify() re-raises anything that is not a mail problem
            kind, code, text = classify(error)
        outcome.kind, outcome.code, outcome.error = kind, code, text
        if kind == UNCERTAIN:
            mailer.reset()
            return outcome
        if kind == PERMANENT:
            return outcome
        mailer.reset()
        if kind == FATAL:
            raise SendError(_("{host}:{port} refused: {reply}").format(
                host=mailer.smtp.host, port=mailer.smtp.port, reply=f"{code} {text}" if code else text))
        if attempt < retry.attempts:
            if dotted:  # the intent was logged, the server refused it: not uncertain, tried again
                after_refusal(outcome)
            outcome.retries += 1
            retry.wait(attempt)
    if code is None:
        raise SendError(_(
            "could not reach or keep a connection to {host}:{port} after {attempts} attempts ({reason}). "
            "Everything sent so far is logged: run the same command again to continue."
        ).format(host=mailer.smtp.host, port=mailer.smtp.port, attempts=retry.attempts, reason=text))
    outcome.error = _("{reply} (still refused after {attempts} attempts)").format(reply=text, attempts=retry.attempts)
    return outcome
