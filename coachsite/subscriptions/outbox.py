"""The outbox: confirmation emails written in the sign-up's own transaction, delivered by a worker.

Why: a reader must never wait for SMTP, and a sign-up must not be lost when the mail server is
down. The request only inserts a row; :class:`Worker` (a thread beside the web server) claims due
rows, sends them over one reused SMTP connection and records the outcome. A temporary refusal
(4xx) is retried with growing pauses, at most :data:`MAX_ATTEMPTS` times; a permanent one (5xx)
is given up. No connection or a refused login is nobody's message's fault: the batch waits
``NEWSLETTER_OUTBOX_RETRY`` seconds and tries again, for as long as the link in it is valid.

A claim expires after :data:`CLAIM_SECONDS`, so a row claimed by a process that was killed is
picked up again. That can send a confirmation email twice if the process died after the server
accepted it but before the row was marked: for a confirmation email a second copy is harmless,
a missing one is not, so "uncertain" is retried here (unlike the newsletter's send log).
"""

from __future__ import annotations

import logging
from email.utils import parseaddr
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from coachsite.newsletter.send import FATAL, PERMANENT, TRANSIENT, Mailer, SmtpSettings, classify

from .mail import confirm_bytes
from .store import Store, iso
from .tokens import make_confirm_token

CONFIRM = "confirm"
CLAIM_SECONDS = 300
MAX_ATTEMPTS = 8
BATCH = 50
log = logging.getLogger("coachsite.subscriptions.outbox")


def enqueue(conn: sqlite3.Connection, subscriber_id: int, kind: str, recipient: str, name: str, issued: int) -> int:
    """Queue one email inside the caller's transaction; returns its outbox id."""
    return conn.execute(
        "INSERT INTO outbox (subscriber_id, kind, recipient, name, issued, due_at) VALUES (?, ?, ?, ?, ?, ?)",
        (subscriber_id, kind, recipient, name, issued, issued),
    ).lastrowid


def pending(store: Store) -> int:
    return store.conn().execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL").fetchone()[0]


@dataclass(frozen=True)
class Outgoing:
    id: int
    recipient: str
    name: str
    issued: int
    attempts: int


@dataclass(frozen=True)
class MailSettings:
    smtp: SmtpSettings
    sender: str
    secret: bytes
    service_url: str
    sitename: str
    confirm_days: int
    retry_seconds: int


def claim(store: Store, now: float, limit: int = BATCH) -> list[Outgoing]:
    with store.write() as conn:
        rows = conn.execute(
            "UPDATE outbox SET claimed_until = ? WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND"
            " failed_at IS NULL AND due_at <= ? AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY due_at LIMIT ?)"
            " RETURNING id, recipient, name, issued, attempts",
            (now + CLAIM_SECONDS, now, now, limit),
        ).fetchall()
    return sorted((Outgoing(*row) for row in rows), key=lambda o: o.id)


def _classify(error: BaseException) -> tuple[str, int | None, str]:
    """The newsletter's classification; anything it does not know (a lost reply after the final
    dot, a bug) counts as "no connection": retried later, never lost."""
    try:
        return classify(error)
    except Exception:  # noqa: BLE001
        return TRANSIENT, None, str(error) or type(error).__name__


def backoff(attempts: int, base: int) -> float:
    """1, 2, 4, 8 … times ``base`` seconds, at most six hours."""
    return min(base * 2 ** max(attempts - 1, 0), 6 * 3600)


class Worker(threading.Thread):
    """Delivers the outbox until :meth:`stop`; :meth:`wake` after a sign-up makes it look at once."""

    def __init__(self, store: Store, mail: MailSettings, poll: float = 5.0, clock: Callable[[], float] = time.time):
        super().__init__(name="outbox", daemon=True)
        self.store, self.mail, self.poll, self.clock = store, mail, poll, clock
        self._wake, self._stopping = threading.Event(), threading.Event()
        self.mailer = Mailer(mail.smtp)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                busy = self.deliver_due()
            except Exception:  # never let the worker die: the next round tries again
                log.exception("outbox round failed")
                busy = False
            if not busy:
                self.mailer.reset()
                self._wake.wait(self.poll)
                self._wake.clear()
        self.mailer.reset()
        self.store.close()

    def deliver_due(self) -> bool:
        """One batch; True if it sent anything (so the next batch follows at once)."""
        batch = claim(self.store, self.clock())
        delivered: list[Outgoing] = []
        try:
            for position, item in enumerate(batch):
                if self._stopping.is_set():
                    self._release(batch[position:], delay=0)
                    break
                if self.clock() - item.issued > self.mail.confirm_days * 86400:
                    self._finish(item, sent=False, error="expired before it could be delivered")
                    continue
                error = self._send(item)
                if error is None:
                    delivered.append(item)
                    continue
                kind, code, text = _classify(error)
                self.mailer.reset()
                if code is None or kind == FATAL:  # no connection, login refused: not this message's fault,
                    # and the rest of the batch would fail the same way; wait, never give up on them
                    log.warning("confirmation emails wait: %s; next try in %s s", text, self.mail.retry_seconds)
                    self._release(batch[position:], delay=self.mail.retry_seconds, error=text)
                    break
                if kind == PERMANENT or item.attempts + 1 >= MAX_ATTEMPTS:
                    self._finish(item, sent=False, error=f"{code} {text}")
                else:
                    self._retry(item, f"{code} {text}")
        finally:
            self._mark_sent(delivered)  # one transaction per batch: fewer writes competing with sign-ups
        return bool(delivered)

    def _mark_sent(self, items: list[Outgoing]) -> None:
        if items:
            with self.store.write() as conn:
                conn.executemany(
                    "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, claimed_until = NULL WHERE id = ?",
                    [(iso(self.clock()), item.id) for item in items],
                )

    def _send(self, item: Outgoing) -> BaseException | None:
        m = self.mail
        url = f"{m.service_url}/bevestigen?token={make_confirm_token(item.recipient, item.issued, m.secret)}"
        data = confirm_bytes(m.sender, item.recipient, item.name, url, m.sitename, m.confirm_days)
        try:
            self.mailer.send(parseaddr(m.sender)[1], item.recipient, data)
        except Exception as error:  # noqa: BLE001 (classified below; the worker must go on)
            return error
        return None

    def _finish(self, item: Outgoing, sent: bool, error: str | None = None) -> None:
        if sent:
            return self._mark_sent([item])
        with self.store.write() as conn:
            conn.execute(
                "UPDATE outbox SET failed_at = ?, attempts = attempts + 1, claimed_until = NULL, last_error = ? WHERE id = ?",
                (iso(self.clock()), error, item.id),
            )

    def _retry(self, item: Outgoing, error: str) -> None:
        due = self.clock() + backoff(item.attempts + 1, self.mail.retry_seconds)
        with self.store.write() as conn:
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, due_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?",
                (due, error, item.id),
            )

    def _release(self, items: list[Outgoing], delay: float, error: str | None = None) -> None:
        """Give claimed rows back unsent, due again after ``delay`` seconds (no attempt counted)."""
        if not items:
            return
        due = self.clock() + delay
        with self.store.write() as conn:
            conn.executemany(
                "UPDATE outbox SET claimed_until = NULL, due_at = ?, last_error = coalesce(?, last_error) WHERE id = ?",
                [(due, error, i.id) for i in items],
            )
