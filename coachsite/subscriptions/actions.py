"""What a reader's actions do to the store: sign up, confirm, unsubscribe. Each is one short
write transaction; the confirmation email is written to the outbox in the same transaction, so a
sign-up is never stored without its email or the other way round."""

from __future__ import annotations

import enum
from collections.abc import Callable

from .outbox import CONFIRM, enqueue
from .store import ACTIVE, UNSUBSCRIBED, WAITING, Store, epoch, iso


def signup(store: Store, email: str, name: str, consent: str, source: str, now: float,
           mail_allowed: Callable[[], bool] = lambda: True) -> int | None:
    """Store ``email`` as waiting (unless active) and queue a confirmation email.

    Returns the outbox id, or None when no email is due: the address is already active, or
    ``mail_allowed()`` says its quota of confirmation emails is used (so the form cannot flood a
    mailbox). The caller answers the same in every case, so nobody learns who is on the list.
    """
    stamp = iso(now)
    with store.write() as conn:
        found = conn.execute("SELECT id, status FROM subscribers WHERE email = ?", (email,)).fetchone()
        if found is None:
            subscriber_id = conn.execute(
                "INSERT INTO subscribers (email, name, status, created_at, waiting_since, consent, source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (email, name, WAITING, stamp, stamp, consent, source),
            ).lastrowid
        else:
            subscriber_id, status = found
            if status == ACTIVE:
                return None  # nothing changes: a stranger must not be able to rename an active subscriber
            since = "waiting_since" if status == WAITING else "?"  # a returning reader confirms afresh
            conn.execute(
                f"UPDATE subscribers SET status = ?, name = ?, consent = ?, source = ?, waiting_since = {since} WHERE id = ?",
                (WAITING, name, consent, source, *(() if status == WAITING else (stamp,)), subscriber_id),
            )
        if not mail_allowed():
            return None
        return enqueue(conn, subscriber_id, CONFIRM, email, name, int(now))


class Confirmed(enum.Enum):
    ACTIVATED = "activated"
    ALREADY = "already"
    STALE = "stale"  # unsubscribed or forgotten after this link was made


def confirm(store: Store, email: str, issued: int, now: float) -> Confirmed:
    """Activate a waiting subscriber whose link was made after they (last) started waiting."""
    with store.write() as conn:
        found = conn.execute("SELECT id, status, waiting_since FROM subscribers WHERE email = ?", (email,)).fetchone()
        if found is None:
            return Confirmed.STALE
        subscriber_id, status, waiting_since = found
        if status == ACTIVE:
            return Confirmed.ALREADY
        if status != WAITING or issued < int(epoch(waiting_since)):
            return Confirmed.STALE
        conn.execute(
            "UPDATE subscribers SET status = ?, active_since = ?, unsubscribed_at = NULL WHERE id = ?",
            (ACTIVE, iso(now), subscriber_id),
        )
        return Confirmed.ACTIVATED


def unsubscribe(store: Store, email: str, now: float, source: str = "afmeldlink") -> bool:
    """Unsubscribe at once and idempotently; True if the status changed.

    An address we do not know is stored as unsubscribed (a block-list entry), so an old CSV
    imported later cannot make it active again. Queued confirmation emails are dropped.
    """
    stamp = iso(now)
    with store.write() as conn:
        found = conn.execute("SELECT id, status FROM subscribers WHERE email = ?", (email,)).fetchone()
        if found is None:
            conn.execute(
                "INSERT INTO subscribers (email, status, created_at, unsubscribed_at, source) VALUES (?, ?, ?, ?, ?)",
                (email, UNSUBSCRIBED, stamp, stamp, source),
            )
            return True
        subscriber_id, status = found
        conn.execute("DELETE FROM outbox WHERE subscriber_id = ? AND sent_at IS NULL", (subscriber_id,))
        if status == UNSUBSCRIBED:
            return False
        conn.execute("UPDATE subscribers SET status = ?, unsubscribed_at = ? WHERE id = ?", (UNSUBSCRIBED, stamp, subscriber_id))
        return True
