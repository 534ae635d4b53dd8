"""``unsubscribe``: set ``status`` to ``afgemeld`` in the coach's CSV file, and read the requests.

Why it looks like this:

- The file is rewritten atomically (temporary file in the same folder, fsync, rename) after keeping
  the previous version as ``FILE.bak``. Rows it does not change are copied byte for byte, so extra
  columns, quoting, line endings and a UTF-8 BOM from Excel all survive.
- A request from a file is honoured only with a valid signed token or link: anyone can mail
  "afmelden iemand@example.nl", so a bare address there is refused (``--email`` is for addresses
  the coach checked herself). A bad line is reported with its number; the others are processed.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.i18n import _
from coachsite.locks import FileLock

from .archive import fsync_dir
from .subscribers import FATAL, UNSUBSCRIBED, Problem, Record, SubscriberError, SubscriberFile, problem_report
from .tokens import TokenError, address_from_request


@dataclass
class Requests:
    """The addresses a request file asks to unsubscribe, and the lines that were refused."""

    addresses: list[tuple[int, str]] = field(default_factory=list)  # (line, address)
    refused: list[Problem] = field(default_factory=list)


def read_request_file(path: Path, secret: Callable[[], bytes]) -> Requests:
    """Every line of ``path``: a token, an unsubscribe link or a mail subject with a token.

    Blank lines and ``#`` comments are skipped. A line that is not UTF-8, has no valid token, or
    holds only an address is refused with its number; the rest are still read.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TokenError(_("{path}: cannot read ({reason})").format(path=path, reason=error.strerror)) from error
    result = Requests()
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").splitlines(), start=1):
        try:
            line = raw.decode("utf-8").strip()
        except UnicodeDecodeError as error:
            result.refused.append(Problem(number, _("not valid UTF-8 at byte {offset} of this line").format(
                offset=error.start), FATAL))
            continue
        if not line or line.startswith("#"):
            continue
        try:
            result.addresses.append((number, address_from_request(line, secret)))
        except TokenError as error:
            result.refused.append(Problem(number, str(error), FATAL))
    return result


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
            problems: list[Problem] = []
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                out.write(source.header_raw)
                for record in source.records():
                    count += 1
                    if record.fields and source.problem(record):
                        problems.append(Problem(record.line, source.problem(record), FATAL))
                        out.write(record.raw)
                        continue
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
            _refuse_problems(source, problems)
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


def _refuse_problems(source: SubscriberFile, problems: list[Problem]) -> None:
    if problems or source.errors:
        raise SubscriberError(_("{path}: nothing was changed; fix these lines first:\n  {problems}").format(
            path=source.path, problems=problem_report(str(source.path), sorted(problems + source.errors, key=lambda p: p.line))))


def _with_status(record: Record, source: SubscriberFile, status: str) -> str:
    fields = list(record.fields)
    fields[source.column["status"]] = status
    ending = next((e for e in ("\r\n", "\n", "\r") if record.raw.endswith(e)), "")
    out = io.StringIO()
    csv.writer(out, delimiter=source.delimiter, lineterminator=ending).writerow(fields)
    return out.getvalue()


def _check_copy(tmp: Path, expected: int, source: SubscriberFile) -> None:
    """Read the new file back before it replaces the old one: same header, same number of records."""
    with SubscriberFile(tmp) as copy:
        count = sum(1 for _ in copy.records())
        if copy.header != source.header or count != expected:
            raise SubscriberError(_(
                "{path}: the rewritten copy does not match ({count} records instead of {expected}); nothing was changed"
            ).format(path=source.path, count=count, expected=expected))


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


class _file_lock(FileLock):
    """An exclusive flock next to the file, so two unsubscribe runs cannot overwrite each other."""

    def __init__(self, path: Path):
        lock_path = path.with_name(f".{path.name}.lock")
        super().__init__(lock_path, lambda holder: SubscriberError(
            _("{path}: another 'unsubscribe' is changing this file; try again").format(path=lock_path)))
