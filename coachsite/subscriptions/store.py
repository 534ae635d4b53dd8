"""The subscriber store: one SQLite file in WAL mode, a schema version and migrations.

Why it looks like this:

- WAL + ``busy_timeout`` + short ``BEGIN IMMEDIATE`` transactions: the web process, its outbox
  worker and the coach's commands write to the same file at the same time without "database is
  locked". ``synchronous=NORMAL`` keeps every commit through a crash of the process (SIGKILL);
  only a power cut can lose the last commits, which a sign-up form can live with.
- One connection per thread (:meth:`Store.conn`): sqlite3 connections must not be shared.
- ``PRAGMA user_version`` is the schema version; :data:`MIGRATIONS` are applied in order under the
  write lock, so two processes starting at once never migrate twice.
- No raw IP addresses are stored, ever. Per subscriber: address (unique, case-insensitive), name,
  status, when each status was reached, the consent text and the page the sign-up came from.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from coachsite.i18n import _
from coachsite.newsletter.subscribers import ACTIVE, UNSUBSCRIBED

WAITING = "wachtend"
STATUSES = (WAITING, ACTIVE, UNSUBSCRIBED)
BUSY_TIMEOUT_MS = 10_000

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the first release
        f"""CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL COLLATE NOCASE UNIQUE,
            name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('{WAITING}', '{ACTIVE}', '{UNSUBSCRIBED}')),
            created_at TEXT NOT NULL,
            waiting_since TEXT,
            active_since TEXT,
            unsubscribed_at TEXT,
            consent TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX subscribers_status ON subscribers (status, id)",
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            recipient TEXT NOT NULL,
            name TEXT NOT NULL DEFAULT '',
            issued INTEGER NOT NULL,
            due_at REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            claimed_until REAL,
            sent_at TEXT,
            failed_at TEXT,
            last_error TEXT
        )""",
        "CREATE INDEX outbox_due ON outbox (due_at) WHERE sent_at IS NULL AND failed_at IS NULL",
        "CREATE INDEX outbox_subscriber ON outbox (subscriber_id)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The database cannot be used (newer schema, not a database); the message names the file."""


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(int(moment), tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text: str | None) -> float:
    if not text:
        return 0.0
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp()


@dataclass(frozen=True)
class Row:
    id: int
    email: str
    name: str
    status: str
    created_at: str
    waiting_since: str | None
    active_since: str | None
    unsubscribed_at: str | None
    consent: str
    source: str

    COLUMNS = "id, email, name, status, created_at, waiting_since, active_since, unsubscribed_at, consent, source"


class Store:
    """The subscriber database at ``path``; safe to share between threads (one connection each)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()
        self._ready = False

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as error:
            raise StoreError(_("{path}: not a usable SQLite database ({error})").format(path=self.path, error=error)) from error
        if not self._ready:
            self._migrate(conn)
            self._ready = True
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(_("{path}: made by a newer version of the program (schema {version}, this one knows {known}); "
                               "update the program").format(path=self.path, version=version, known=SCHEMA_VERSION))
        if version == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for number in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[number]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, taken with the write lock up front (no upgrade deadlocks)."""
        conn = self.conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # busy past busy_timeout: another writer holds it
            raise StoreError(_("{path} is busy ({problem}); try again in a moment").format(path=self.path, problem=error)) from error
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def healthy(self) -> bool:
        try:
            return self.conn().execute("SELECT count(*) FROM sqlite_master").fetchone() is not None
        except (sqlite3.Error, StoreError, OSError):
            return False

    def find(self, email: str) -> Row | None:
        found = self.conn().execute(f"SELECT {Row.COLUMNS} FROM subscribers WHERE email = ?", (email.strip(),)).fetchone()
        return Row(*found) if found else None

    def rows(self, statuses: tuple[str, ...] = STATUSES) -> Iterator[Row]:
        """Every subscriber with one of ``statuses``, in id order, read in batches (no long read lock)."""
        last = 0
        marks = ",".join("?" * len(statuses))
        while True:
            batch = self.conn().execute(
                f"SELECT {Row.COLUMNS} FROM subscribers WHERE id > ? AND status IN ({marks}) ORDER BY id LIMIT 500",
                (last, *statuses),
            ).fetchall()
            if not batch:
                return
            for found in batch:
                yield Row(*found)
            last = batch[-1][0]
