"""The outbox worker against aiosmtpd: retries what is temporary, gives up what is permanent."""

from __future__ import annotations

import email
from email import policy

from coachsite.newsletter.send import SmtpSettings
from coachsite.subscriptions import actions, coach
from coachsite.subscriptions.outbox import MailSettings, Worker, pending
from coachsite.subscriptions.store import Store
from send_helpers import SmtpServer

NOW = 1_795_600_000.0


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self) -> float:
        return self.now


def worker_for(store: Store, port: int, clock: Clock) -> Worker:
    mail = MailSettings(
        smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=10),
        sender="Marieke Jansen <nieuwsbrief@example.nl>", secret=b"test-secret-0123456789abcdef",
        service_url="https://nieuwsbrief.example.nl", sitename="Klantgericht Werkt", confirm_days=7, retry_seconds=60,
    )
    return Worker(store, mail, clock=clock)


def test_temporary_refusal_is_retried_later_permanent_is_given_up(tmp_path):
    store, clock = Store(tmp_path / "db.sqlite3"), Clock()
    for address in ("tijdelijk@example.nl", "bestaat-niet@example.nl", "goed@example.nl"):
        actions.signup(store, address, "", "toestemming", "", NOW)
    with SmtpServer() as smtp:
        smtp.handler.faults = {"tijdelijk@example.nl": ["451 4.7.1 later"], "bestaat-niet@example.nl": ["550 5.1.1 unknown"]}
        worker = worker_for(store, smtp.port, clock)
        assert worker.deliver_due() is True
        assert [m[1] for m in smtp.handler.messages] == [["goed@example.nl"]]
        assert pending(store) == 1  # the temporary one waits for its next turn
        assert worker.deliver_due() is False  # not due yet: nothing is hammered
        clock.now += 61
        assert worker.deliver_due() is True
        worker.mailer.reset()
    assert sorted(r for m in smtp.handler.messages for r in m[1]) == ["goed@example.nl", "tijdelijk@example.nl"]
    assert (pending(store), coach.stats(store).outbox_failed) == (0, 1)
    message = email.message_from_bytes(smtp.handler.messages[0][2], policy=policy.default)
    assert message["Subject"].startswith("Bevestig je aanmelding") and "bevestigen?token=" in message.get_body(("plain",)).get_content()


def test_a_link_older_than_its_validity_is_not_sent(tmp_path):
    store, clock = Store(tmp_path / "db.sqlite3"), Clock()
    actions.signup(store, "laat@example.nl", "", "toestemming", "", NOW)
    clock.now += 8 * 86400
    with SmtpServer() as smtp:
        worker_for(store, smtp.port, clock).deliver_due()
        assert smtp.handler.messages == []
    assert coach.stats(store).outbox_failed == 1


def test_a_sender_refusal_keeps_every_email_waiting(tmp_path):
    """530 at MAIL FROM (the server wants a login) would refuse every message: nothing is given up."""
    from aiosmtpd.controller import Controller

    from subscription_helpers import free_port

    class RefuseSender:
        async def handle_MAIL(self, server, session, envelope, address, mail_options):
            return "530 5.7.0 Authentication required"

    store, clock = Store(tmp_path / "db.sqlite3"), Clock()
    for address in ("a@example.nl", "b@example.nl"):
        actions.signup(store, address, "", "toestemming", "", NOW)
    controller = Controller(RefuseSender(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        worker = worker_for(store, controller.port, clock)
        assert worker.deliver_due() is False
        worker.mailer.reset()
    finally:
        controller.stop()
    assert pending(store) == 2 and coach.stats(store).outbox_failed == 0  # both wait for the next try
