"""Test copies: the real, personalised message to the coach only, before, during or after the real send."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path

from coachsite.dates import AMSTERDAM
from coachsite.i18n import _

from . import archive
from .delivery import UNCERTAIN, Mailer, Retry, SendError, deliver
from .images import inline_pictures
from .message import to_bytes
from .sendsettings import SendSettings, newsletter_for
from .subscribers import Subscriber, address_problem
from .summary import Failure, Summary

def send_test_copy(
    folder: Path,
    addresses: list[str],
    config: SendSettings,
    *,
    mailer: Mailer | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(tz=AMSTERDAM),
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = 3,
) -> Summary:
    """Send the real, personalised message (subject "[TEST] …") to ``addresses`` only.

    Its pictures travel inside it: the site that publishes them may not be deployed yet.

    An address may carry a name (``Marieke <marieke@example.nl>``) for the greeting. Nothing is
    logged and the issue is not marked, so it works before, during and after the real send.
    ``summary.test`` is true; ``sent`` and ``failed`` say what happened to each address.
    """
    if not addresses:
        raise SendError(_("no address for the test copy: give --test ADDRESS or set NEWSLETTER_TEST_TO"))
    try:
        issue = archive.load_issue(Path(folder))
    except archive.ArchiveError as error:
        raise SendError(str(error)) from error
    newsletter = newsletter_for(issue, config)
    summary = Summary(test=True, recipients=len(addresses))
    people = []
    for number, value in enumerate(addresses, start=1):
        name, email = parseaddr(value)
        email = email or value.strip()
        problem = address_problem(email)
        if problem:
            raise SendError(_("test address '{value}': {problem}").format(value=value, problem=problem))
        people.append(Subscriber(line=number, email=email, name=name))
    mailer = mailer or Mailer(config.smtp)
    retry = Retry(sleep, max_attempts, 2.0, 60.0)
    try:
        for person in people:
            data = inline_pictures(to_bytes(newsletter.message(person, now(), test=True)), issue)
            outcome = deliver(mailer, newsletter.sender.addr_spec, person.email, data, retry)
            if outcome.kind is None:
                summary.sent += 1
            elif outcome.kind == UNCERTAIN:
                summary.add_uncertain(person, outcome.error)
            else:
                summary.failed.append(Failure(person.email, person.line, outcome.code, outcome.error))
    finally:
        mailer.close()
    return summary
