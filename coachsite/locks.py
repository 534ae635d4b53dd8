"""One run at a time: an exclusive, non-blocking ``flock`` on a lock file.

Why ``flock``: the kernel releases it when the process ends in any way (crash, SIGKILL, a closed
laptop), so a stale lock never needs removing by hand. The holder writes "pid N, started TIME"
into the file, so a refusal can say who is busy. Used by the daily ``auto`` run (per newsletters
folder), ``send`` (per issue) and ``unsubscribe`` (per CSV file); each gives its own Dutch refusal.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from coachsite.dates import AMSTERDAM


class FileLock:
    """Hold ``path`` exclusively for a ``with`` block; when another process holds it, raise
    ``refuse(holder)``, where ``holder`` is what that process wrote into the file ("" if nothing)."""

    def __init__(self, path: Path | str, refuse: Callable[[str], Exception], make_folder: bool = False):
        self.path, self.refuse, self.make_folder = Path(path), refuse, make_folder
        self._fh = None

    def __enter__(self):
        if self.make_folder:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            fh.seek(0)
            holder = fh.read().strip()
            fh.close()
            raise self.refuse(holder) from error
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
