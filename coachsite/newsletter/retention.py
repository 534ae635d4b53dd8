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
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .archive import SENT_FILE
from .sendlog import LOG_FILE

DRY_RUN_DIR = "dry-run"


@dataclass
class LogsPurged:
    logs: int = 0  # send logs of issues sent more than the retention ago, deleted
    dry_runs: int = 0  # dry-run folders of those issues, deleted


def _sent_at(folder: Path) -> dt.datetime | None:
    try:
        data = json.loads((folder / SENT_FILE).read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(str(data["finished_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
            (folder / LOG_FILE).unlink()
            result.logs += 1
        if (folder / DRY_RUN_DIR).is_dir():
            shutil.rmtree(folder / DRY_RUN_DIR)
            result.dry_runs += 1
    return result


def forget_in_send_logs(root: Path, email: str) -> int:
    """Remove every line about ``email`` from every send log (atomically per log); returns the count."""
    key = email.strip().lower()
    removed = 0
    for folder in issue_folders(root):
        log = folder / LOG_FILE
        if not log.exists():
            continue
        kept, dropped = [], 0
        for line in log.read_text(encoding="utf-8").splitlines(keepends=True):
            try:
                entry = json.loads(line)
            except ValueError:
                kept.append(line)  # a torn last line: the send log's own repair handles it
                continue
            if isinstance(entry, dict) and str(entry.get("email", "")).lower() == key:
                dropped += 1
            else:
                kept.append(line)
        if dropped:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".send-log-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(kept)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, log)
            removed += dropped
        if (folder / DRY_RUN_DIR).is_dir():
            for eml in (folder / DRY_RUN_DIR).glob("*.eml"):
                if key in eml.read_text(encoding="utf-8", errors="replace").lower():
                    eml.unlink()
    return removed
