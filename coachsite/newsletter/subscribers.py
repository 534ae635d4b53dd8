"""The subscriber list: a CSV file the coach keeps herself (``email,name,status`` plus any columns).

Why it looks like this:

- The file is *streamed*, one record at a time, never loaded as a list: the coach's list may grow
  to 100,000 rows and ``send`` runs on her laptop. Only the lower-cased addresses needed for
  de-duplication are kept in memory.
- Every problem names the file, the line and the field. Problems that make the meaning of a row
  unclear (a missing column, an unknown status, a wrong number of fields, bytes that are not
  UTF-8) stop everything before anything is sent or rewritten; an address that cannot be mailed is
  reported with its line and skipped.
- ``afgemeld`` wins: an address that is ``afgemeld`` on any line never receives anything, even if
  another line for it says ``actief``.
- ``unsubscribe`` rewrites the file atomically (temporary file in the same folder, fsync, rename)
  after keeping the previous version as ``FILE.bak``. Rows it does not change are copied byte for
  byte, so extra columns, quoting, line endings and a UTF-8 BOM from Excel all survive.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .archive import fsync_dir

ACTIVE = "actief"
UNSUBSCRIBED = "afgemeld"
STATUSES = (ACTIVE, UNSUBSCRIBED)
REQUIRED = ("email", "name", "status")
DELIMITERS = (",", ";", "\t")  # Dutch Excel saves "CSV" with semicolons
BOM = "\ufeff"

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}})")


class SubscriberError(Exception):
    """The subscriber file cannot be used as it is; the message names file, line and field."""


def address_problem(email: str) -> str | None:
    """Why ``email`` cannot be mailed, or None. Deliberately plain ASCII addresses only:
    internationalised addresses need SMTPUTF8, which many providers do not offer."""
    if not email:
        return "the email field is empty"
    if any(ch.isspace() for ch in email):
        return f"'{email}' contains a space or line break"
    if not email.isascii():
        return f"'{email}' contains non-ASCII characters (not supported)"
    if len(email) > 254 or len(email.partition("@")[0]) > 64:
        return f"'{email}' is too long"
    if not _ADDRESS.fullmatch(email):
        return f"'{email}' is not a valid e-mail address"
    return None


@dataclass(frozen=True)
class Record:
    """One CSV record as it stands in the file: first line number, its fields and its exact text."""

    line: int
    fields: list[str]
    raw: str


@dataclass(frozen=True)
class Subscriber:
    line: int
    email: str
    name: str

    @property
    def key(self) -> str:
        return self.email.lower()


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class SubscriberFile:
    """An open subscriber file: the header is read and checked on opening, records are streamed.

    Use as a context manager; ``records()`` yields every record after the header (blank lines
    included, as records without fields, so a rewrite can keep them).
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        try:
            self._fh = open(self.path, "rb")
        except OSError as error:
            raise SubscriberError(f"{self.path}: cannot open the subscriber file ({error.strerror})") from error
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

    def _decoded_lines(self) -> Iterator[str]:
        """The file's lines with their line endings, decoded strictly (errors give the byte offset)."""
        offset = 0
        for number, chunk in enumerate(self._fh, start=1):
            try:
                text = chunk.decode("utf-8")
            except UnicodeDecodeError as error:
                raise SubscriberError(
                    f"{self.path}, line {number}: not valid UTF-8 at byte {offset + error.start} of the file; "
                    "save it as UTF-8 (in Excel: 'CSV UTF-8')"
                ) from error
            offset += len(chunk)
            self._consumed = number
            yield text

    def _read_header(self) -> None:
        first = next(self._lines, None)
        if first is None or not first.strip(BOM + " \r\n"):
            raise SubscriberError(
                f"{self.path}, line 1: the file is empty; the first line must be the header {','.join(REQUIRED)}"
            )
        self.bom = first.startswith(BOM)
        self.header_raw = first
        text = first.removeprefix(BOM)
        self.newline = "\r\n" if text.endswith("\r\n") else "\n"
        for delimiter in DELIMITERS:
            header = next(csv.reader([text], delimiter=delimiter))
            names = [h.strip().lower() for h in header]
            if all(name in names for name in REQUIRED):
                break
        else:
            header = next(csv.reader([text]))
            names = [h.strip().lower() for h in header]
            missing = ", ".join(f"'{n}'" for n in REQUIRED if n not in names)
            raise SubscriberError(
                f"{self.path}, line 1: missing column {missing}; the header must contain "
                f"{','.join(REQUIRED)} (found: {','.join(header) or 'nothing'})"
            )
        for name in REQUIRED:
            if names.count(name) > 1:
                raise SubscriberError(f"{self.path}, line 1: column '{name}' appears twice in the header")
        self.delimiter = delimiter
        self.header = header
        self.column = {name: names.index(name) for name in REQUIRED}

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
                raise SubscriberError(f"{self.path}, line {start}: cannot read this row as CSV ({error})") from error
            record = Record(line=start, fields=fields, raw="".join(buffer))
            buffer.clear()
            if fields:
                self._check(record)
            yield record

    def _check(self, record: Record) -> None:
        if len(record.fields) != len(self.header):
            raise SubscriberError(
                f"{self.path}, line {record.line}: {len(record.fields)} field(s), but the header has "
                f"{len(self.header)}; look for a missing or extra '{self.delimiter}' (or an unclosed quote)"
            )
        status = self.status(record)
        if status not in STATUSES:
            raise SubscriberError(
                f"{self.path}, line {record.line}, field 'status': '{record.fields[self.column['status']]}' "
                f"is not one of {', '.join(STATUSES)}"
            )

    def email(self, record: Record) -> str:
        return record.fields[self.column["email"]].strip()

    def name(self, record: Record) -> str:
        return record.fields[self.column["name"]].strip()

    def status(self, record: Record) -> str:
        return record.fields[self.column["status"]].strip().lower()


@dataclass
class Scan:
    """Pass one over the file: counts, problems, and the addresses that unsubscribed."""

    path: Path
    rows: int = 0
    recipients: int = 0  # unique, valid, active and not unsubscribed on another line
    unsubscribed: int = 0  # rows marked afgemeld, plus actief rows overruled by one
    invalid: list[Problem] = field(default_factory=list)
    duplicates: list[Problem] = field(default_factory=list)
    unsubscribed_keys: set[str] = field(default_factory=set, repr=False)


def scan(path: Path | str) -> Scan:
    """Read the whole file once: raise on anything fatal, before a single message goes out."""
    result = Scan(path=Path(path))
    active: dict[str, int] = {}  # key -> first line (for "already on line N")
    with SubscriberFile(path) as source:
        for record in source.records():
            if not record.fields:
                continue
            result.rows += 1
            email = source.email(record)
            if source.status(record) == UNSUBSCRIBED:
                result.unsubscribed += 1
                result.unsubscribed_keys.add(email.lower())
                continue
            problem = address_problem(email)
            if problem:
                result.invalid.append(Problem(record.line, problem))
            elif email.lower() in active:
                result.duplicates.append(
                    Problem(record.line, f"{email} is already on line {active[email.lower()]}; it is sent once")
                )
            else:
                active[email.lower()] = record.line
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
            if not record.fields or source.status(record) != ACTIVE:
                continue
            email = source.email(record)
            key = email.lower()
            if key in seen or key in unsubscribed_keys or address_problem(email):
                continue
            seen.add(key)
            yield Subscriber(line=record.line, email=email, name=source.name(record))


@dataclass
class UnsubscribeResult:
    changed: list[Problem] = field(default_factory=list)  # line + address newly set to afgemeld
    already: list[str] = field(default_factory=list)  # asked for, but already afgemeld
    not_found: list[str] = field(default_factory=list)  # asked for, but on no line
    backup: Path | None = None


def unsubscribe(path: Path | str, emails: Iterable[str]) -> UnsubscribeResult:
    """Set ``status`` to ``afgemeld`` on every row of these addresses (case-insensitive).

    All other rows are copied unchanged, byte for byte. The previous file is kept as ``FILE.bak``.
    If nothing changes, the file is not rewritten.
    """
    path = Path(os.path.realpath(path))
    wanted = {e.strip().lower() for e in emails if e.strip()}
    result = UnsubscribeResult()
    found: set[str] = set()
    with _file_lock(path), SubscriberFile(path) as source:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            count = 0
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(source.header_raw)
                for record in source.records():
                    count += 1
                    key = source.email(record).lower() if record.fields else None
                    if key not in wanted:
                        out.write(record.raw)
                        continue
                    found.add(key)
                    if source.status(record) == UNSUBSCRIBED:
                        out.write(record.raw)
                        continue
                    out.write(_with_status(record, source, UNSUBSCRIBED))
                    result.changed.append(Problem(record.line, source.email(record)))
                out.flush()
                os.fsync(out.fileno())
            result.already = sorted(wanted & found - {p.message.lower() for p in result.changed})
            result.not_found = sorted(wanted - found)
            if not result.changed:
                tmp.unlink()
                return result
            _check_copy(tmp, count, source)
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
            result.backup = _backup(path)
            os.replace(tmp, path)
            fsync_dir(path.parent)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return result


def _with_status(record: Record, source: SubscriberFile, status: str) -> str:
    fields = list(record.fields)
    fields[source.column["status"]] = status
    ending = "\r\n" if record.raw.endswith("\r\n") else "\n" if record.raw.endswith("\n") else ""
    out = io.StringIO()
    csv.writer(out, delimiter=source.delimiter, lineterminator=ending).writerow(fields)
    return out.getvalue()


def _check_copy(tmp: Path, expected: int, source: SubscriberFile) -> None:
    """Read the new file back before it replaces the old one: same header, same number of records."""
    with SubscriberFile(tmp) as copy:
        count = sum(1 for _ in copy.records())
        if copy.header != source.header or count != expected:
            raise SubscriberError(
                f"{source.path}: the rewritten copy does not match ({count} records instead of {expected}); "
                "nothing was changed"
            )


def _backup(path: Path) -> Path:
    """Keep the current version as FILE.bak (a hard link where possible: instant, and atomic via rename)."""
    backup = path.with_name(path.name + ".bak")
    tmp = path.with_name(f".{path.name}.bak.tmp")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(path, tmp)
        except OSError:
            shutil.copy2(path, tmp)
        os.replace(tmp, backup)
    finally:
        tmp.unlink(missing_ok=True)
    return backup


class _file_lock:
    """An exclusive flock next to the file, so two unsubscribe runs cannot overwrite each other."""

    def __init__(self, path: Path):
        self.lock_path = path.with_name(f".{path.name}.lock")

    def __enter__(self):
        self.fh = open(self.lock_path, "a")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self.fh.close()
            raise SubscriberError(f"{self.lock_path}: another 'unsubscribe' is changing this file; try again") from error
        return self

    def __exit__(self, *exc):
        self.fh.close()
