"""``send`` reads the active subscribers from the store through the ``RecipientSource`` shape:
``describe()``, ``problems()``, ``recipients()`` (see coachsite/newsletter/subscribers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from collections.abc import Mapping

from coachsite.i18n import _
from coachsite.newsletter.subscribers import ACTIVE, FATAL, CsvRecipients, Problem, Subscriber, address_problem

from .config import value
from .store import Store


class DatabaseRecipients:
    """The active subscribers of the database at ``db_path``; ``line`` is the row id.

    Rows are read in batches of 500 by id, each batch in its own short read, so a reader who
    unsubscribes while a long send is running is skipped from the next batch on.
    """

    def __init__(self, db_path: Path | str):
        self.path = Path(db_path)
        self.store = Store(db_path)

    def describe(self) -> str:
        return f"{self.store.path} (database)"

    def problems(self) -> list[Problem]:
        # A missing or empty list is an error, never "sent to everyone": on a laptop without the
        # service's database, a send would otherwise mark the issue sent to nobody.
        if not self.path.is_file():
            return [Problem(0, _("no subscriber database here; send where the subscriber service runs, "
                                 "or give --subscribers FILE"), FATAL)]
        if next(iter(self.store.rows((ACTIVE,))), None) is None:
            return [Problem(0, _("no active subscribers in the database"), FATAL)]
        return [
            Problem(row.id, problem)
            for row in self.store.rows((ACTIVE,))
            if (problem := address_problem(row.email))
        ]

    def recipients(self) -> Iterator[Subscriber]:
        for row in self.store.rows((ACTIVE,)):
            if not address_problem(row.email):
                yield Subscriber(line=row.id, email=row.email, name=row.name)


def recipient_source(subscribers_file: Path | str | None, settings: Mapping, environ: Mapping[str, str] | None = None):
    """The list a send goes to: the CSV file when one is given, else the subscriber database."""
    if subscribers_file:
        return CsvRecipients(Path(subscribers_file).expanduser())
    return DatabaseRecipients(value(settings, "NEWSLETTER_DB", environ))
