"""What a run of ``send`` (or a test copy) did: :class:`Summary`, read by the CLI and the "auto" command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .subscribers import Problem, Subscriber

@dataclass
class Failure:
    email: str
    line: int
    code: int | None
    error: str


@dataclass
class Summary:
    """What a run did. ``failed`` and ``uncertain_details`` carry the reasons; ``complete`` is true
    once every active subscriber has the issue (``sent.json`` exists)."""

    recipients: int = 0  # active, valid, unique subscribers in the source
    sent: int = 0  # this run
    already_sent: int = 0  # skipped: logged as sent by an earlier run
    failed: list[Failure] = field(default_factory=list)  # this run
    uncertain: list[str] = field(default_factory=list)  # addresses that may or may not have it
    uncertain_details: list[Failure] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)  # uncertain ones the coach confirmed as delivered (no mail)
    remaining: int = 0  # not tried this run (--limit, or the run stopped)
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    unsubscribed: int = 0
    dry_run_files: list[Path] = field(default_factory=list)
    would_send: int = 0  # dry run only
    retries: int = 0
    test: bool = False  # a test copy: nothing logged, the issue is not marked
    marked_sent: bool = False  # sent.json written by this run
    already_marked: dict | None = None  # sent.json existed before this run

    @property
    def complete(self) -> bool:
        return self.marked_sent or self.already_marked is not None

    def add_uncertain(self, person: Subscriber, reason: str) -> None:
        self.uncertain.append(person.email)
        self.uncertain_details.append(Failure(person.email, person.line, None, reason))


Progress = Callable[[str, Subscriber, "Summary"], None]  # ("sent"|"failed"|"skipped"|"uncertain", who, totals)
