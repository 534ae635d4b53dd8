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


def test_confirmation_email_encodes_only_the_personal_values_per_message(monkeypatch):
    """The fixed text is quoted-printable encoded once per process (the newsletter's QPTemplate);
    per message only the greeting and the link are, and the parts decode to exactly the text."""
    import binascii

    from coachsite.subscriptions.mail import confirm_bytes

    url = "https://nieuwsbrief.example.nl/bevestigen?token=" + "Ab-_" * 40
    args = ("Marieke <nieuwsbrief@example.nl>", "zoe@example.nl", "Zoë & co", url, "Klantgericht Werkt", 7)
    confirm_bytes(*args)  # the templates are made once
    encoded: list[int] = []
    real = binascii.b2a_qp
    monkeypatch.setattr(binascii, "b2a_qp", lambda data, *a, **k: encoded.append(len(data)) or real(data, *a, **k))
    data = confirm_bytes(*args)
    assert sum(encoded) < 1000 < len(data) // 5  # greeting and link (three times), not the ~7 KB of fixed text
    message = email.message_from_bytes(data, policy=policy.default)
    text, page = (message.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    assert text.startswith("Hallo Zoë & co,\n") and f"\n{url}\n" in text and "werkt 7 dagen" in text
    assert "Hallo Zoë &amp; co," in page and f'href="{url}"' in page and "Klantgericht Werkt" in page
    assert all(len(line) <= 76 for line in data.decode("ascii").split("\r\n\r\n", 1)[1].split("\r\n"))  # RFC 2045
