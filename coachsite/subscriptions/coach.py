"""What the coach does with her list (``subscribers`` commands): add, remove, forget, purge,
stats, import and export. Functions over the store; ``cli`` only parses and prints."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.newsletter.subscribers import FATAL, Problem, SubscriberFile, address_problem

from . import actions
from .store import ACTIVE, STATUSES, UNSUBSCRIBED, WAITING, Row, Store, iso

EXPORT_COLUMNS = ("email", "name", "status", "created_at", "active_since", "unsubscribed_at", "consent", "source")
# What Dutch Excel users type as headers for today's CSV columns; a name column is optional here.
HEADER_ALIASES = {"e-mail": "email", "e-mailadres": "email", "emailadres": "email", "naam": "name", "voornaam": "name"}
IMPORT_REQUIRED = ("email", "status")


class CoachActionError(Exception):
    """A request the store cannot honour as asked; ``code`` says which, ``email`` whom."""

    def __init__(self, code: str, email: str, detail: str = ""):
        super().__init__(code)
        self.code, self.email, self.detail = code, email, detail


def add(store: Store, email: str, name: str, now: float, note: str) -> str:
    """Add someone as active (they gave consent another way, ``note`` says how); never an unsubscribed one."""
    email = email.strip().lower()
    if address_problem(email):
        raise CoachActionError("invalid", email, address_problem(email) or "")
    with store.write() as conn:
        found = conn.execute("SELECT id, status FROM subscribers WHERE email = ?", (email,)).fetchone()
        if found and found[1] == UNSUBSCRIBED:
            raise CoachActionError("unsubscribed", email)
        if found and found[1] == ACTIVE:
            return "already"
        if found:
            conn.execute("UPDATE subscribers SET status = ?, name = ?, active_since = ?, consent = ? WHERE id = ?",
                         (ACTIVE, name, iso(now), note, found[0]))
        else:
            conn.execute(
                "INSERT INTO subscribers (email, name, status, created_at, active_since, consent, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (email, name, ACTIVE, iso(now), iso(now), note, "coach"),
            )
    return "added"


def remove(store: Store, email: str, now: float) -> bool:
    """Unsubscribe someone on their behalf (same as their own unsubscribe)."""
    if store.find(email) is None:
        raise CoachActionError("unknown", email)
    return actions.unsubscribe(store, email.strip().lower(), now, source="coach")


def forget(store: Store, email: str) -> bool:
    """Erase every trace of an address (GDPR right to erasure): the row and its queued emails."""
    with store.write() as conn:
        return conn.execute("DELETE FROM subscribers WHERE email = ?", (email.strip(),)).rowcount > 0


@dataclass
class Purged:
    unsubscribed: int = 0  # unsubscribed more than the retention ago: erased
    unconfirmed: int = 0  # sign-ups never confirmed within the retention: erased
    mails: int = 0  # outbox rows older than the retention


def purge(store: Store, days: int, now: float) -> Purged:
    """Do what the privacy page promises: erase, for good, the people who unsubscribed or never
    confirmed more than ``days`` days ago (no block list is kept), and old outbox rows."""
    cutoff = iso(now - days * 86400)
    result = Purged()
    with store.write() as conn:
        result.unsubscribed = conn.execute(
            "DELETE FROM subscribers WHERE status = ? AND unsubscribed_at < ?", (UNSUBSCRIBED, cutoff)
        ).rowcount
        result.unconfirmed = conn.execute(
            "DELETE FROM subscribers WHERE status = ? AND waiting_since < ?", (WAITING, cutoff)
        ).rowcount
        result.mails = conn.execute(
            "DELETE FROM outbox WHERE (sent_at IS NOT NULL AND sent_at < ?) OR (failed_at IS NOT NULL AND failed_at < ?)",
            (cutoff, cutoff),
        ).rowcount
    return result


@dataclass
class Stats:
    counts: dict[str, int]
    months: list[tuple[str, int, int]]  # (YYYY-MM, became active, unsubscribed)
    outbox_waiting: int = 0
    outbox_failed: int = 0  # confirmation emails given up (the reader never got a link)


def stats(store: Store) -> Stats:
    conn = store.conn()
    counts = {status: 0 for status in STATUSES}
    counts.update(dict(conn.execute("SELECT status, count(*) FROM subscribers GROUP BY status").fetchall()))
    joined = Counter(dict(conn.execute(
        "SELECT substr(active_since, 1, 7), count(*) FROM subscribers WHERE active_since IS NOT NULL GROUP BY 1").fetchall()))
    left = Counter(dict(conn.execute(
        "SELECT substr(unsubscribed_at, 1, 7), count(*) FROM subscribers WHERE unsubscribed_at IS NOT NULL GROUP BY 1").fetchall()))
    months = [(month, joined[month], left[month]) for month in sorted(set(joined) | set(left))]
    waiting, failed = conn.execute(
        "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL), count(*) FILTER (WHERE failed_at IS NOT NULL) FROM outbox"
    ).fetchone()
    return Stats(counts, months, waiting, failed)


def export(store: Store, out: io.TextIOBase, statuses: Iterable[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for row in store.rows(tuple(statuses)):
        writer.writerow([getattr(row, column) or "" for column in EXPORT_COLUMNS])
        count += 1
    return count


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)  # every bad line, in line order
    added: int = 0
    unsubscribed: int = 0
    kept_unsubscribed: list[str] = field(default_factory=list)  # active in the file, unsubscribed here
    unchanged: int = 0


def _read_csv(path: Path) -> tuple[list[tuple[int, dict[str, str]]], list[Problem]]:
    """(line, fields) for every row, or every problem found (all at once), read by the same
    :class:`SubscriberFile` as ``send``: the same line numbers, encodings and line endings.
    A header it cannot use raises SubscriberError (naming file and line 1)."""
    rows, problems = [], []
    with SubscriberFile(path, required=IMPORT_REQUIRED, aliases=HEADER_ALIASES) as source:
        for record in source.records():
            if not any(f.strip() for f in record.fields):
                continue
            email = source.email(record)
            problem = source.problem(record) or address_problem(email)
            if problem:
                problems.append(Problem(record.line, problem, FATAL))
            else:
                rows.append((record.line, {"email": email.lower(), "name": source.name(record), "status": source.status(record)}))
        problems = sorted(problems + source.errors, key=lambda p: p.line)
    return rows, problems


def import_csv(store: Store, path: Path, now: float) -> ImportResult:
    """Import today's CSV (commas or semicolons; English or Dutch headers). Any bad line: nothing is
    imported and every bad line is reported. Nobody unsubscribed here is ever made active.
    A header that cannot be used raises SubscriberError."""
    rows, problems = _read_csv(path)
    result = ImportResult(problems=problems)
    if problems:
        return result
    stamp = iso(now)
    note = f"geïmporteerd uit {path.name}"
    with store.write() as conn:
        for _line, record in rows:
            found = conn.execute("SELECT id, status FROM subscribers WHERE email = ?", (record["email"],)).fetchone()
            wanted = record["status"]
            if found is None:
                conn.execute(
                    "INSERT INTO subscribers (email, name, status, created_at, active_since, unsubscribed_at, consent, source)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (record["email"], record.get("name", ""), wanted, stamp, stamp if wanted == ACTIVE else None,
                     stamp if wanted == UNSUBSCRIBED else None, note, "import"),
                )
                result.added += 1
            elif wanted == UNSUBSCRIBED and found[1] != UNSUBSCRIBED:
                conn.execute("UPDATE subscribers SET status = ?, unsubscribed_at = ? WHERE id = ?", (UNSUBSCRIBED, stamp, found[0]))
                conn.execute("DELETE FROM outbox WHERE subscriber_id = ? AND sent_at IS NULL", (found[0],))
                result.unsubscribed += 1
            elif wanted == ACTIVE and found[1] == UNSUBSCRIBED:
                result.kept_unsubscribed.append(record["email"])
            else:
                result.unchanged += 1
    return result


def listing(store: Store, statuses: Iterable[str]) -> Iterable[Row]:
    return store.rows(tuple(statuses))
