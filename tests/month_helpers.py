"""A whole month on real parts: a copy of the content, aiosmtpd, a local rsync target and an HTTP
server in front of it as the "live site". Used by tests/test_month_*.py.

The content is the project's own, with the newsletter tag removed from every post, so each test
decides which posts are tagged for its month (:func:`add_post`).
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import email
import re
import shutil
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

from coachsite.browser import serve_folder
from coachsite.dates import AMSTERDAM
from coachsite.month.auto import run_auto
from coachsite.month.settings import month_settings
from coachsite.month.steps import Run
from coachsite.site import load_settings

ROOT = Path(__file__).resolve().parent.parent
COACH = "coach@example.nl"
SUBSCRIBERS = "email,name,status\nanna@example.nl,Anna,actief\nzoe@example.nl,Zoë,actief\nweg@example.nl,Weg,afgemeld\n"
ACTIVE = ["anna@example.nl", "zoe@example.nl"]


def untagged_content(target: Path) -> Path:
    """A copy of content/ in which no post carries the newsletter tag."""
    shutil.copytree(ROOT / "content", target)

    def untag(match: re.Match) -> str:
        tags = [t.strip() for t in match.group(1).split(",") if t.strip() and t.strip() != "nieuwsbrief"]
        return "Tags: " + ", ".join(tags) + "\n" if tags else ""  # no blank line inside the metadata

    for path in target.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^Tags:(.*)\n", untag, text), encoding="utf-8")
    return target


def add_post(content: Path, day: dt.date, title: str) -> Path:
    """A short tagged post dated ``day`` 09:00 (written fresh for the tests)."""
    slug = f"maandtip-{day.isoformat()}"
    path = content / "klantbeleving" / f"{slug}.md"
    path.write_text(
        f"Title: {title}\nDate: {day.isoformat()} 09:00\nCategory: Klantbeleving\n"
        "Tags: nieuwsbrief\nAuthors: Marieke Jansen\n"
        "Summary: Een korte tip van de maand voor teams die klanten elke dag een beetje beter helpen.\n\n"
        "Een klant die twee keer belt, wil de eerste keer al gehoord worden.\n\n"
        "## 1. Vraag door tot je het echte probleem kent\n\n"
        "Stel één vraag meer dan je gewend bent. Vaak zit achter de vraag een zorg die niemand hoorde.\n",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def live_site(folder: Path):
    """``folder`` on http://127.0.0.1:<free port> (the "live site")."""
    folder.mkdir(parents=True, exist_ok=True)
    with serve_folder(folder) as url:
        yield url


@dataclass
class Month:
    """One test's world: settings, folders, environment; :meth:`auto` runs one day."""

    content: Path
    root: Path
    environ: dict
    smtp: object
    log: list = field(default_factory=list)  # (day, decision action, error, subjects received)

    def settings(self) -> dict:
        return load_settings(ROOT / "pelicanconf.py", PATH=str(self.content), NEWSLETTER_DIR=str(self.root))

    def auto(self, today: dt.date, hour: int = 7):
        settings = self.settings()
        run = Run(
            settings=settings,
            root=self.root,
            month=month_settings(settings, self.environ),
            now=dt.datetime.combine(today, dt.time(hour), tzinfo=AMSTERDAM),
            environ=self.environ,
            send_options={"sleep": lambda seconds: None},
        )
        before = len(self.smtp.handler.messages)
        outcome = run_auto(today, run)
        received = [(rcpts, _subject(data)) for _, rcpts, data in self.smtp.handler.messages[before:]]
        self.log.append((today, outcome.decision.action, outcome.error, received))
        return outcome

    def walk(self, year: int, month: int, runs_per_day: int = 2, before_day=None, days=None):
        """Run ``auto`` ``runs_per_day`` times on every day of the month (or on ``days``)."""
        last = calendar.monthrange(year, month)[1]
        for number in days or range(1, last + 1):
            today = dt.date(year, month, number)
            if before_day:
                before_day(today)
            for run in range(runs_per_day):
                self.auto(today, hour=7 + 12 * run)

    def mail_days(self) -> dict[dt.date, list]:
        """Every day on which mail went out, with (recipients, subject) of each message."""
        days: dict[dt.date, list] = {}
        for today, _action, _error, received in self.log:
            if received:
                days.setdefault(today, []).extend(received)
        return days


def _subject(data: bytes) -> str:
    return str(email.message_from_bytes(data, policy=policy.default)["Subject"])


def kind(recipients: list[str], subject: str) -> str:
    """What a message was, from its recipient and subject."""
    if recipients != [COACH]:
        return "issue"
    for prefix, name in (
        ("[TEST] ", "test copy"),
        ("Nog geen artikel", "reminder"),
        ("Proefexemplaar:", "test announcement"),
        ("Verstuurd:", "report"),
        ("Let op:", "failure"),
    ):
        if subject.startswith(prefix):
            return name
    return "other: " + subject
