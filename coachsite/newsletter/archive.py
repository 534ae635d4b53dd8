"""The issues on disk: ``newsletters/YYYY-MM-DD/`` with ``issue.json`` and the rendered email.

An issue folder is the unit everything else agrees on: ``select`` reads which posts earlier issues
already carried, ``send`` writes its log and the ``sent.json`` marker here, the site plugin
publishes the web copy from here, and ``build`` refuses to touch a folder that was sent.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coachsite.i18n import _

ISSUE_FILE = "issue.json"
SENT_FILE = "sent.json"
INTRO_FILE = "intro.md"


class ArchiveError(Exception):
    """A problem with an issue folder, phrased for the coach (names the file)."""


@dataclass(frozen=True)
class IssueRecord:
    date: dt.date
    folder: Path
    data: dict

    @property
    def slugs(self) -> list[str]:
        return [post["slug"] for post in self.data.get("posts", [])]

    @property
    def sent(self) -> dict | None:
        marker = self.folder / SENT_FILE
        if not marker.exists():
            return None
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ArchiveError(_("{path}: cannot read this file ({error})").format(path=marker, error=error)) from error
        return data if isinstance(data, dict) else {}

    def web_fields(self) -> dict:
        """What the web copy shows about sending: only a sent issue says "Verstuurd op" and is listed."""
        sent = self.sent
        sent_on = None
        if sent is not None:
            try:
                sent_on = dt.datetime.fromisoformat(str(sent.get("finished_at", ""))).date()
            except ValueError:
                sent_on = self.date
        return {"sent": sent is not None, "sent_on": sent_on}


def issue_folder(root: Path, date: dt.date) -> Path:
    return Path(root) / date.isoformat()


def load_issue(folder: Path) -> IssueRecord:
    path = folder / ISSUE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        date = dt.date.fromisoformat(data["date"])
    except FileNotFoundError as error:  # the usual cause: a wrong --date, or not built yet
        raise ArchiveError(_("{path} does not exist: build the issue first (make newsletter DATE={date})").format(
            path=path, date=folder.name)) from error
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ArchiveError(_("{path}: cannot read this issue ({error})").format(path=path, error=error)) from error
    if date.isoformat() != folder.name:
        raise ArchiveError(_("{path}: field 'date' is {date}, but the folder is named {folder}").format(path=path, date=date, folder=folder.name))
    return IssueRecord(date=date, folder=folder, data=data)


def list_issues(root: Path) -> list[IssueRecord]:
    """Every built issue under ``root``, oldest first (folders without issue.json are ignored)."""
    root = Path(root)
    if not root.is_dir():
        return []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / ISSUE_FILE).is_file())
    return [load_issue(folder) for folder in folders]


def is_sent(root: Path, date: dt.date) -> bool:
    return (issue_folder(root, date) / SENT_FILE).exists()


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder + rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (the directory entry, not just the file)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_issue(folder: Path, files: dict[str, str]) -> None:
    """Write the issue's files; ``issue.json`` last, so a crash never leaves a complete-looking issue."""
    for name in sorted(files, key=lambda n: n == ISSUE_FILE):
        write_atomically(folder / name, files[name])


def read_intro(folder: Path) -> str:
    path = folder / INTRO_FILE
    if not path.exists():
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ArchiveError(_("{path}: not valid UTF-8 at byte {byte}; save it as UTF-8").format(path=path, byte=error.start)) from error
