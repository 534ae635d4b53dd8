"""What happened this month, per issue: ``newsletters/YYYY-MM-DD/month.json``.

Why a file per issue: ``auto`` runs from cron or a timer, maybe twice a day, maybe after a crash;
each step records when it was done, so a run never repeats a step that succeeded (one reminder,
one test copy) and continues with the first one that did not. Written atomically (temporary
file + rename), so a run killed half-way never leaves half a state.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from coachsite.clitools import CoachError
from coachsite.i18n import _
from coachsite.newsletter import archive

STATE_FILE = "month.json"


@dataclass
class MonthState:
    """Timestamps (ISO, Amsterdam) of each step done for one issue; None: not (yet) done."""

    held: bool = False
    held_at: str | None = None
    released_at: str | None = None
    reminder_checked: str | None = None  # the week-before check ran (a reminder went out or was not needed)
    reminder_sent: str | None = None
    test_sent: str | None = None
    test_posts: list[str] = field(default_factory=list)
    built: str | None = None  # the issue was built by auto
    deployed: str | None = None
    live_checked: str | None = None
    send_started: str | None = None
    sent: str | None = None
    report_sent: str | None = None
    failure: dict | None = None  # {"day", "step", "message"} of the last failure, until a step succeeds


def state_path(root: Path, date: dt.date) -> Path:
    return archive.issue_folder(root, date) / STATE_FILE


def load_state(root: Path, date: dt.date) -> MonthState:
    path = state_path(root, date)
    if not path.exists():
        return MonthState()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(MonthState)}
        return MonthState(**{k: v for k, v in data.items() if k in known})
    except (OSError, ValueError, TypeError) as error:
        raise CoachError(
            _("{path}: cannot read the month's state ({error}); fix or remove the file").format(path=path, error=error)
        ) from error


def save_state(root: Path, date: dt.date, state: MonthState) -> None:
    archive.write_atomically(state_path(root, date), json.dumps(asdict(state), ensure_ascii=False, indent=2) + "\n")
