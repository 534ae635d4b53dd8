"""Personal data in the issue folders, kept no longer than the privacy page says.

Why: ``send-log.jsonl`` (and the ``dry-run/`` copies) name every recipient of an issue. The log is
what makes sending exactly-once, so it must stay while an issue is being sent; once the issue is
marked sent (``sent.json``) and ``SUBSCRIBER_RETENTION_DAYS`` have passed, it has done its work
and is deleted. ``forget`` (the right to erasure) removes one address from every log at once.
Both are run by ``newsletter.py subscribers purge`` / ``forget``; the purge runs daily (deploy/).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from coachsite.dates import AMSTERDAM

from .archive import SENT_FILE, write_atomically
from .sendlog import DRY_RUN_DIR, LOG_FILE, SendLock



@dataclass
class LogsPurged:
    logs: int = 0  # send logs of issues sent more than the retention ago, deleted
    dry_runs: int = 0  # dry-run folders of those issues, deleted


def _sent_at(folder: Path) -> dt.datetime | None:
    try:
        data = json.loads((folder / SENT_FILE).read_text(encoding="utf-8"))
        moment = dt.datetime.fromisoformat(str(data["finished_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=AMSTERDAM)  # a hand-edited time


def issue_folders(root: Path):
    return sorted(p for p in Path(root).glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]") if p.is_dir())


def purge_send_logs(root: Path, days: int, now: dt.datetime) -> LogsPurged:
    """Delete the recipient lists of issues that were sent more than ``days`` days before ``now``."""
    result = LogsPurged()
    for folder in issue_folders(root):
        sent_at = _sent_at(folder)
        if sent_at is None or now - sent_at < dt.timedelta(days=days):
            continue  # not sent yet (the log guards exactly-once) or still within the retention
        if (folder / LOG_FILE).exists():
            with SendLock(folder):  # never under a running send
                (folder / LOG_FILE).unlink()
            result.logs += 1
        if (folder / DRY_RUN_DIR).is_dir():
            shutil.rmtree(folder / DRY_RUN_DIR)
            result.dry_runs += 1
    return result


def forget_in_send_logs(root: Path, email: str) -> int:
    """Remove every line about ``email`` from every send log (atomically per log); returns the count.

    Each log is read and rewritten under the issue's send lock: a running send appends to its open
    log, and a line lost that way would mean a second copy on its next run."""
    key = email.strip().lower()
    removed = 0
    for folder in issue_folders(root):
        log = folder / LOG_FILE
        if log.exists():
            with SendLock(folder):
                lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
                kept = [line for line in lines if _email_of(line) != key]
                dropped = len(lines) - len(kept)
                if dropped:
                    write_atomically(log, "".join(kept))
            removed += dropped
        for eml in (folder / DRY_RUN_DIR).glob("*.eml"):
            if key in eml.read_text(encoding="utf-8", errors="replace").lower():
                eml.unlink()
    return removed


def _email_of(line: str) -> str | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None  # a torn last line: the send log's own repair handles it
    return str(entry.get("email", "")).lower() if isinstance(entry, dict) else None
