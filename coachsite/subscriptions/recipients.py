"""``send`` reads the active subscribers from the store through the ``RecipientSource`` shape:
``describe()``, ``problems()``, ``recipients()`` (see coachsite/newsletter/subscribers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from coachsite.newsletter.subscribers import ACTIVE, Problem, Subscriber, address_problem

from .store import Store


class DatabaseRecipients:
    """The active subscribers of the database at ``db_path``; ``line`` is the row id.

    Rows are read in batches of 500 by id, each batch in its own short read, so a reader who
    unsubscribes while a long send is running is skipped from the next batch on.
    """

    def __init__(self, db_path: Path | str):
        self.store = Store(db_path)

    def describe(self) -> str:
        return f"{self.store.path} (database)"

    def problems(self) -> list[Problem]:
        return [
            Problem(row.id, f"{self.store.path}: row {row.id}: {problem}")
            for row in self.store.rows((ACTIVE,))
            if (problem := address_problem(row.email))
        ]

    def recipients(self) -> Iterator[Subscriber]:
        for row in self.store.rows((ACTIVE,)):
            if not address_problem(row.email):
                yield Subscriber(line=row.id, email=row.email, name=row.name)
