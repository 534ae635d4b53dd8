"""What makes ``send`` safe to repeat and never double: an append-only log per issue, and a lock.

- ``send-log.jsonl`` in the issue folder gets, per recipient, an *intent* line (``sending``, with
  the Message-ID) that is fsynced before the final dot of SMTP DATA, and an *outcome* line
  afterwards (``sent``, ``failed`` or ``uncertain``). The server can only have the message after
  that dot, so whatever moment the process dies at, a rerun knows: an outcome says what happened;
  an intent without an outcome means the server may or may not have it. Such a recipient is
  *uncertain*: never retried automatically (that is how people got two copies), only with
  ``--resend-uncertain``. The outcome line needs no fsync of its own: if it is lost, the intent
  makes the recipient uncertain, never doubled; the next intent's fsync makes it durable anyway.
- The first line (``started``) holds a hash of the issue's files: content is frozen once sending
  starts; ``send`` refuses if the files changed, ``build`` refuses while a log exists.
- ``.send.lock`` is held with ``flock`` for the whole run, so a second ``send`` of the same issue is
  refused. The kernel drops the lock when the process ends, however it ends: a killed run never
  leaves a stale lock behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.dates import nl_moment
from coachsite.i18n import _
from coachsite.locks import FileLock

from .archive import ISSUE_FILE, fsync_dir

LOG_FILE = "send-log.jsonl"
LOCK_FILE = ".send.lock"
DRY_RUN_DIR = "dry-run"  # the .eml files of a dry run; retention deletes them with the log
STARTED = "started"  # first line: the hash of the issue's files
SENDING = "sending"  # intent, durable before the final dot
SENT = "sent"
FAILED = "failed"
UNCERTAIN = "uncertain"  # the server may have it (timeout or disconnect after the final dot)
FROZEN_FILES = (ISSUE_FILE, "email.html", "email.txt")


def issue_hash(folder: Path) -> str:
    """sha256 over the files a message is made of: what ``send`` freezes once it has started."""
    digest = hashlib.sha256()
    for name in FROZEN_FILES:
        path = Path(folder) / name
        data = path.read_bytes() if path.exists() else b""
        digest.update(f"{name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


class SendLogError(Exception):
    """The log or lock is unusable (or busy); the message names the file and line."""


@dataclass
class LogState:
    sent: set[str] = field(default_factory=set)  # lower-cased addresses
    failed: dict[str, str] = field(default_factory=dict)  # address -> last error, not sent since
    uncertain: dict[str, str] = field(default_factory=dict)  # address -> why (intent without a known outcome)
    hash: str | None = None  # of the issue's files when sending started
    dropped_tail: bool = False  # an incomplete last line (power loss) was removed

    def record(self, email: str, status: str, reason: str = "") -> None:
        """Apply one log line: the latest line about an address decides, except that sent stays sent."""
        if email in self.sent:
            return
        self.failed.pop(email, None)
        self.uncertain.pop(email, None)
        if status == SENT:
            self.sent.add(email)
        elif status == FAILED:
            self.failed[email] = reason
        elif status in (SENDING, UNCERTAIN):
            self.uncertain[email] = reason or _("the process stopped while the message was being handed over")


class SendLog:
    """Append-only JSON lines; :meth:`append` with ``durable`` returns only once the line is on disk."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOG_FILE
        self._fd: int | None = None

    def read(self, repair: bool = True) -> LogState:
        """Who was mailed. ``repair`` cuts off an incomplete last line (only while holding the lock)."""
        state = LogState()
        if not self.path.exists():
            return state
        with open(self.path, "rb") as fh:
            data = fh.read()
        if data and not data.endswith(b"\n"):
            # Only a crash in the middle of a write (power loss) leaves this; the entry never counted.
            keep = data.rfind(b"\n") + 1
            if repair:
                with open(self.path, "r+b") as fh:
                    fh.truncate(keep)
                    os.fsync(fh.fileno())
            data = data[:keep]
            state.dropped_tail = True
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                status = entry["status"]
                if status == STARTED:
                    state.hash = state.hash or entry["hash"]
                    continue
                email = entry["email"].lower()
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise SendLogError(_(
                    "{path}, line {line}: not a send-log entry ({error}); fix or remove that line"
                ).format(path=self.path, line=number, error=error)) from error
            state.record(email, status, str(entry.get("error", "")))
        return state

    def append(self, entry: dict, durable: bool = True) -> None:
        """One line in one ``write()``; ``durable`` fsyncs it (and every line before it) first."""
        if self._fd is None:
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            if created:
                fsync_dir(self.path.parent)
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode("utf-8"))
        if durable:
            os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _holder(text: str) -> str:
    """Who holds the lock, in the coach's words (the file says "pid N, started ISO-TIME")."""
    found = re.fullmatch(r"pid (\d+), started (\S+)", text)
    if not found:
        return text or _("another process")
    return _("process {pid}, started {when}").format(pid=found[1], when=nl_moment(found[2]))


class SendLock(FileLock):
    """Exclusive ``flock`` on ``.send.lock`` in the issue folder for the duration of a run."""

    def __init__(self, folder: Path):
        path = Path(folder) / LOCK_FILE
        super().__init__(path, lambda holder: SendLogError(_(
            "{path}: this issue is already being sent ({holder}). Wait for that run to finish; "
            "if it was stopped, this lock is released automatically."
        ).format(path=path, holder=_holder(holder))))
