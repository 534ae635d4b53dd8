"""A newsletter sent from the database: its List-Unsubscribe one-click POST reaches the service, and
the next send skips that reader. Needs ``send_issue(folder, source: RecipientSource, …)``, which the
send branch introduces; until that is merged this module is skipped."""

from __future__ import annotations

import inspect
import shutil
import time
from urllib.parse import urlsplit

import pytest

from coachsite.newsletter.send import send_issue
from coachsite.subscriptions import actions
from coachsite.subscriptions.recipients import DatabaseRecipients
from coachsite.subscriptions.store import Store
from send_helpers import DATE, built_issue, config_for, issue_root, smtp  # noqa: F401 (fixtures)
from subscription_helpers import ServiceProcess, request

pytestmark = pytest.mark.skipif(
    "source" not in inspect.signature(send_issue).parameters, reason="send_issue does not take a RecipientSource yet"
)
READERS = ["een@example.nl", "twee@example.nl", "drie@example.nl"]


def newsletters(smtp, address: str) -> list:  # noqa: F811
    """The newsletters ``address`` received (the service also sends them confirmation emails)."""
    return [m for m in smtp.handler.received(address) if m["List-Unsubscribe"]]


def test_send_from_database_then_one_click_unsubscribe_then_next_send_skips(tmp_path, smtp, settings, issue_root):  # noqa: F811
    db = tmp_path / "abonnees.sqlite3"
    store = Store(db)
    for email in READERS:
        actions.signup(store, email, "", "toestemming", "", time.time())
        actions.confirm(store, email, int(time.time()), time.time())
    next_issue = tmp_path / "volgende"
    shutil.copytree(issue_root, next_issue)  # an unsent copy: "the next send"
    with ServiceProcess(tmp_path / "abonnees.sqlite3", smtp.port) as service:
        config = config_for(smtp, settings)
        send_issue(issue_root / DATE, DatabaseRecipients(db), config)
        assert [len(newsletters(smtp, email)) for email in READERS] == [1, 1, 1]
        (message,) = newsletters(smtp, "twee@example.nl")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        one_click = next(u.strip(" <>") for u in message["List-Unsubscribe"].split(",") if u.strip(" <").startswith("https"))
        url = urlsplit(one_click)
        assert url.path == "/afmelden"  # NEWSLETTER_UNSUBSCRIBE_ACTION: the service
        status, _, _ = request(service.url, "POST", f"{url.path}?{url.query}", b"List-Unsubscribe=One-Click")
        assert status == 200
        send_issue(next_issue / DATE, DatabaseRecipients(db), config)
    assert [len(newsletters(smtp, email)) for email in READERS] == [2, 1, 2]
