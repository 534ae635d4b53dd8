"""Who gets the newsletter: the ``RecipientSource`` interface and the coach's CSV file behind it.

Why it looks like this:

- ``send`` only needs three things from a subscriber store (:class:`RecipientSource`): a name for
  messages, every problem at once, and the active, de-duplicated, valid recipients. The CSV file
  (:class:`CsvRecipients`) is one such store; the SQLite store of the sign-up form is another.
- The file is *streamed*, one record at a time, never loaded as a list: the coach's list may grow
  to 100,000 rows and ``send`` runs on her laptop. Only the lower-cased addresses needed for
  de-duplication are kept in memory.
- Every problem of the file is reported in one run, each with its line (a 10,000-row file with 100
  bad rows must not need 100 runs). Problems that make the meaning of a row unclear (a missing
  column, an unknown status, a wrong number of fields, bytes that are not UTF-8) are *fatal*: they
  stop everything before anything is sent or rewritten. An address that cannot be mailed is
  *skipped* with its line; a duplicate is a *note* (it is mailed once).
- ``afgemeld`` wins: an address that is ``afgemeld`` on any line never receives anything, even if
  another line for it says ``actief``.
- Old Mac Excel saves lines ending in a lone CR; those are read as lines too.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from coachsite.i18n import _, ngettext

ACTIVE = "actief"
UNSUBSCRIBED = "afgemeld"
STATUSES = (ACTIVE, UNSUBSCRIBED)
REQUIRED = ("email", "name", "status")
DELIMITERS = (",", ";", "\t")  # Dutch Excel saves "CSV" with semicolons
BOM = "\ufeff"
SHOWN_PROBLEMS = 20  # problems listed in a message; the rest are counted

FATAL = "fatal"  # the source cannot be used as it is: nothing is sent
SKIPPED = "skipped"  # this row gets nothing (e.g. an address that cannot be mailed)
NOTE = "note"  # worth knowing, nothing lost (e.g. a duplicate, mailed once)

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})")
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


class SubscriberError(Exception):
    """The subscriber file cannot be used as it is; the message names file, line and field."""


def address_problem(email: str) -> str | None:
    """Why ``email`` cannot be mailed, or None. Deliberately plain ASCII addresses only:
    internationalised addresses need SMTPUTF8, which many providers do not offer."""
    if not email:
        return _("the email field is empty")
    if any(ch.isspace() for ch in email):
        return _("'{email}' contains a space or line break").format(email=email)
    if not email.isascii():
        return _("'{email}' contains non-ASCII characters (not supported)").format(email=email)
    if len(email) > 254 or len(email.partition("@")[0]) > 64:
        return _("'{email}' is too long").format(email=email)
    if not _ADDRESS.fullmatch(email):
        return _("'{email}' is not a valid e-mail address").format(email=email)
    return None


@dataclass(frozen=True)
class Subscriber:
    """One recipient. ``line`` is a reference for messages: the CSV line number or a database row id."""

    line: int
    email: str
    name: str

    @property
    def key(self) -> str:
        return self.email.lower()


@dataclass(frozen=True)
class Problem:
    """One problem of a source: ``line`` as in :class:`Subscriber` (0: the source as a whole)."""

    line: int
    message: str
    kind: str = SKIPPED  # FATAL, SKIPPED or NOTE


@runtime_checkable
class RecipientSource(Protocol):
    """What ``send_issue`` reads subscribers from (a CSV file, the SQLite store of the sign-up form).

    - ``describe()``: how messages name the source, e.g. the CSV path.
    - ``problems()``: every problem, all at once; any ``FATAL`` one stops the run before sending.
    - ``recipients()``: the active subscribers, each address once (case-insensitive), valid
      addresses only, in a stable order (a rerun meets them in the same order).
    """

    def describe(self) -> str: ...

    def problems(self) -> list[Problem]: ...

    def recipients(self) -> Iterator[Subscriber]: ...


def problem_report(where: str, problems: list[Problem], shown: int = SHOWN_PROBLEMS) -> str:
    """The first ``shown`` problems, one per line, then how many more: for error messages."""
    lines = [
        _("{where}, line {line}: {message}").format(where=where, line=p.line, message=p.message)
        if p.line
        else p.message if p.message.startswith(where) else f"{where}: {p.message}"
        for p in problems[:shown]
    ]
    if len(problems) > shown:
        lines.append(_("… and {count} more").format(count=len(problems) - shown))
    return "\n  ".join(lines)


@dataclass(frozen=True)
class Record:
    """One CSV record as it stands in the file: first line number, its fields and its exact text."""

    line: int
    fields: list[str]
    raw: str


class SubscriberFile:
    """An open subscriber file: the header is read and checked on opening, records are streamed.

    Use as a context manager; ``records()`` yields every record after the header (blank lines
    included, as records without fields, so a rewrite can keep them). Row problems do not stop
    the reading: ``problem(record)`` says what is wrong with a record, and ``errors`` collects
    the lines that could not be decoded or parsed.
    """

    def __init__(self, path: Path | str, required: tuple[str, ...] = REQUIRED, aliases: dict[str, str] | None = None):
        """``required``: the columns the header must have; ``aliases``: other header names for them
        (``subscribers import`` reads Excel's ``E-mail;Naam;Status``; ``send`` only the plain names)."""
        self.path = Path(path)
        self.required, self.aliases = required, aliases or {}
        self.errors: list[Problem] = []
        try:
            self._fh = open(self.path, "rb")
        except OSError as error:
            raise SubscriberError(
                _("{path}: cannot open the subscriber file ({reason})").format(path=self.path, reason=error.strerror)
            ) from error
        try:
            self._lines = self._decoded_lines()
            self._consumed = 0
            self._read_header()
        except BaseException:
            self._fh.close()
            raise

    def __enter__(self) -> SubscriberFile:
        return self

    def __exit__(self, *exc) -> None:
        self._fh.close()

    def _physical_lines(self) -> Iterator[bytes]:
        for chunk in self._fh:
            if b"\r" in chunk[:-2]:
                yield from (part for part in _LONE_CR.split(chunk) if part)
            else:
                yield chunk

    def _decoded_lines(self) -> Iterator[str]:
        """The file's lines with their endings; a line that is not UTF-8 is noted and read anyway."""
        offset = 0
        for number, chunk in enumerate(self._physical_lines(), start=1):
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError as error:
                self.errors.append(Problem(number, _(
                    "not valid UTF-8 at byte {offset} of the file; save it as UTF-8 (in Excel: 'CSV UTF-8')"
                ).format(offset=offset + error.start), FATAL))
                text = chunk.decode("utf-8", "replace")
            offset += len(chunk)
            self._consumed = number
            yield text

    def _read_header(self) -> None:
        first = next(self._lines, None)
        if self.errors:
            raise SubscriberError(problem_report(str(self.path), self.errors))
        if first is None or not first.strip(BOM + " \r\n"):
            raise SubscriberError(_(
                "{path}, line 1: the file is empty; the first line must be the header {header}"
            ).format(path=self.path, header=",".join(REQUIRED)))
        self.bom = first.startswith(BOM)
        self.header_raw = first
        text = first.removeprefix(BOM)
        self.newline = "\r\n" if text.endswith("\r\n") else "\r" if text.endswith("\r") else "\n"
        for delimiter in DELIMITERS:
            header = next(csv.reader([text.rstrip("\r\n")], delimiter=delimiter), [])
            names = self._names(header)
            if all(name in names for name in self.required):
                break
        else:
            header = next(csv.reader([text.rstrip("\r\n")]), [])
            names = self._names(header)
            raise SubscriberError(_(
                "{path}, line 1: missing column {missing}; the header must contain {required} (found: {found})"
            ).format(
                path=self.path,
                missing=", ".join(f"'{n}'" for n in self.required if n not in names),
                required=",".join(self.required),
                found=",".join(header) or "-",
            ))
        for name in REQUIRED:
            if names.count(name) > 1:
                raise SubscriberError(_("{path}, line 1: column '{name}' appears twice in the header").format(
                    path=self.path, name=name))
        self.delimiter = delimiter
        self.header = header
        self.column = {name: names.index(name) for name in REQUIRED if name in names}

    def _names(self, header: list[str]) -> list[str]:
        names = [h.strip().lower() for h in header]
        return [self.aliases.get(name, name) for name in names]

    def records(self) -> Iterator[Record]:
        buffer: list[str] = []

        def feed() -> Iterator[str]:
            for text in self._lines:
                buffer.append(text)
                yield text

        reader = csv.reader(feed(), delimiter=self.delimiter, strict=True)
        while True:
            start = self._consumed + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                self.errors.append(Problem(start, _("cannot read this row as CSV ({error})").format(error=error), FATAL))
                buffer.clear()
                continue
            record = Record(line=start, fields=fields, raw="".join(buffer))
            buffer.clear()
            yield record

    def problem(self, record: Record) -> str | None:
        """Why this record's meaning is unclear (fatal), or None."""
        if len(record.fields) != len(self.header):
            return ngettext(
                "{count} field, but the header has {expected}; look for a missing or extra "
                "'{delimiter}' (or an unclosed quote)",
                "{count} fields, but the header has {expected}; look for a missing or extra "
                "'{delimiter}' (or an unclosed quote)",
                len(record.fields),
            ).format(count=len(record.fields), expected=len(self.header), delimiter=self.delimiter)
        if self.status(record) not in STATUSES:
            return _("field 'status': '{value}' is not one of {allowed}").format(
                value=record.fields[self.column["status"]], allowed=", ".join(STATUSES))
        return None

    def email(self, record: Record) -> str:
        return record.fields[self.column["email"]].strip()

    def name(self, record: Record) -> str:
        """The name, or "" when the file has no name column (allowed where ``required`` says so)."""
        return record.fields[self.column["name"]].strip() if "name" in self.column else ""

    def status(self, record: Record) -> str:
        return record.fields[self.column["status"]].strip().lower()


@dataclass
class Scan:
    """Pass one over the file: counts, problems, and the addresses that unsubscribed."""

    path: Path
    rows: int = 0
    recipients: int = 0  # unique, valid, active and not unsubscribed on another line
    unsubscribed: int = 0  # rows marked afgemeld, plus actief rows overruled by one
    fatal: list[Problem] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    unsubscribed_keys: set[str] = field(default_factory=set, repr=False)


def scan(path: Path | str) -> Scan:
    """Read the whole file once and collect every problem (a bad header raises SubscriberError)."""
    result = Scan(path=Path(path))
    active: dict[str, int] = {}  # key -> first line (for "already on line N")
    with SubscriberFile(path) as source:
        for record in source.records():
            if not record.fields:
                continue
            result.rows += 1
            problem = source.problem(record)
            if problem:
                result.fatal.append(Problem(record.line, problem, FATAL))
                continue
            email = source.email(record)
            if source.status(record) == UNSUBSCRIBED:
                result.unsubscribed += 1
                result.unsubscribed_keys.add(email.lower())
                continue
            reason = address_problem(email)
            if reason:
                result.invalid.append(Problem(record.line, reason, SKIPPED))
            elif email.lower() in active:
                result.duplicates.append(Problem(record.line, _(
                    "{email} is already on line {line}; it is sent once"
                ).format(email=email, line=active[email.lower()]), NOTE))
            else:
                active[email.lower()] = record.line
        result.fatal = sorted(result.fatal + source.errors, key=lambda p: p.line)
    overruled = sum(1 for key in active if key in result.unsubscribed_keys)
    result.recipients = len(active) - overruled
    result.unsubscribed += overruled
    return result


def recipients(path: Path | str, unsubscribed_keys: set[str]) -> Iterator[Subscriber]:
    """Pass two: every subscriber who should get the issue, once, in file order.

    ``unsubscribed_keys`` comes from :func:`scan`, so an ``afgemeld`` line further down the file
    still stops an ``actief`` line above it.
    """
    seen: set[str] = set()
    with SubscriberFile(path) as source:
        for record in source.records():
            if not record.fields or source.problem(record) or source.status(record) != ACTIVE:
                continue
            email = source.email(record)
            key = email.lower()
            if key in seen or key in unsubscribed_keys or address_problem(email):
                continue
            seen.add(key)
            yield Subscriber(line=record.line, email=email, name=source.name(record))


class CsvRecipients:
    """The coach's CSV file as a :class:`RecipientSource` (scanned once, then streamed)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._scan: Scan | None = None
        self._header_error: str | None = None

    def describe(self) -> str:
        return str(self.path)

    @property
    def scan(self) -> Scan:
        if self._scan is None:
            try:
                self._scan = scan(self.path)
            except SubscriberError as error:  # no usable header: the whole file is one problem
                self._header_error = str(error)
                self._scan = Scan(path=self.path)
        return self._scan

    @property
    def unsubscribed(self) -> int:
        return self.scan.unsubscribed

    def problems(self) -> list[Problem]:
        result = self.scan
        if self._header_error:
            return [Problem(0, self._header_error, FATAL)]
        return result.fatal + result.invalid + result.duplicates

    def recipients(self) -> Iterator[Subscriber]:
        if any(p.kind == FATAL for p in self.problems()):
            raise SubscriberError(problem_report(self.describe(), [p for p in self.problems() if p.kind == FATAL]))
        return recipients(self.path, self.scan.unsubscribed_keys)
