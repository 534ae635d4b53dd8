"""``send --dry-run``: every personal message is made (so a bad one shows now, not half-way) and
nothing is sent or logged; the first few are written as ``.eml`` files the coach can open."""

from __future__ import annotations

import re

from coachsite.i18n import _

from .message import Newsletter, to_bytes
from .sendlog import DRY_RUN_DIR
from .summary import Failure, Summary

DRY_RUN_MESSAGES = 5


def dry_run_issue(folder, newsletter: Newsletter, source, log, summary: Summary, limit, now, keep: int,
                  resend_uncertain: bool) -> Summary:
    """Build every message (so a bad one shows now, not half-way), write the first ``keep``."""
    out = folder / DRY_RUN_DIR
    out.mkdir(exist_ok=True)
    for old in out.glob("*.eml"):
        old.unlink()
    state = log.read(repair=False)
    for person in source.recipients():
        if person.key in state.sent:
            summary.already_sent += 1
            continue
        if person.key in state.uncertain and not resend_uncertain:
            summary.add_uncertain(person, state.uncertain[person.key])
            continue
        if limit is not None and summary.would_send >= limit:
            summary.remaining += 1
            continue
        try:
            data = to_bytes(newsletter.message(person, now()))
        except Exception as error:  # noqa: BLE001 (reported per recipient, as a real run would)
            summary.failed.append(Failure(person.email, person.line, None,
                                          _("this message could not be made: {error}").format(error=error)))
            continue
        summary.would_send += 1
        if len(summary.dry_run_files) < keep:
            path = out / f"{len(summary.dry_run_files) + 1:02d}-{re.sub(r'[^A-Za-z0-9@._-]', '_', person.email)}.eml"
            path.write_bytes(data)
            summary.dry_run_files.append(path)
    return summary
