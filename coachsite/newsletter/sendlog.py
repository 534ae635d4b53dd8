"""What makes ``send`` safe to repeat: an append-only log per issue, and a lock.

- ``send-log.jsonl`` in the issue folder gets one JSON line per recipient *after* the SMTP server
  accepted the message (or refused it for good), written with one ``write()`` and fsynced before
  the next message goes out. A rerun skips every address logged as sent, so killing ``send`` at
  any moment and running the same command again mails everyone exactly once. (One gap is
  inherent in SMTP: if the process dies in the instant between the server's "250 OK" and the
  fsync, that one subscriber gets a second copy on the rerun.)
- ``.send.lock`` is held with ``flock`` for the whole run, so a second ``send`` of the same issue is
  refused. The kernel drops the lock when the process ends, however it ends: a killed run never
  leaves a stale lock behind.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.dates import AMSTERDAM

from .archive import fsync_dir

LOG_FILE = "send-log.jsonl"
LOCK_FILE = ".send.lock"
SENT = "sent"
FAILED = "failed"


class SendLogError(Exception):
    """The log or lock is unusable (or busy); the message names the file and line."""


@dataclass
class LogState:
    sent: set[str] = field(default_factory=set)  # lower-cased addresses
    failed: dict[str, str] = field(default_factory=dict)  # address -> last error, not sent since
    dropped_tail: bool = False  # an incomplete last line (power loss) was removed


class SendLog:
    """Append-only JSON lines; each :meth:`append` is durable before it returns."""

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
                email, status = entry["email"].lower(), entry["status"]
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise SendLogError(
                    f"{self.path}, line {number}: not a send-log entry ({error}); fix or remove that line"
                ) from error
            if status == SENT:
                state.sent.add(email)
                state.failed.pop(email, None)
            elif status == FAILED and email not in state.sent:
                state.failed[email] = str(entry.get("error", ""))
        return state

    def append(self, entry: dict) -> None:
        if self._fd is None:
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            if created:
                fsync_dir(self.path.parent)
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class SendLock:
    """Exclusive ``flock`` on ``.send.lock`` in the issue folder for the duration of a run."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_FILE
        self._fh = None

    def __enter__(self) -> SendLock:
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise SendLogError(
                f"{self.path}: this issue is already being sent ({holder}). Wait for that run to finish; "
                "if it was stopped, this lock is released automatically."
            ) from error
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {dt.datetime.now(tz=AMSTERDAM).isoformat(timespec='seconds')}\n")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            self._fh.close()  # closing releases the flock
            self._fh = None


