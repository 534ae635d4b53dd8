"""The subscriber service as a real process on loopback, with aiosmtpd as the mail server."""

from __future__ import annotations

import concurrent.futures
import http.client
import sqlite3
from pathlib import Path
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest

from coachsite.newsletter.message import Newsletter
from coachsite.newsletter.subscribers import Subscriber
from coachsite.newsletter.tokens import make_token
from coachsite.subscriptions.recipients import DatabaseRecipients
from coachsite.subscriptions.tokens import make_confirm_token
from send_helpers import SmtpServer
from subscription_helpers import SECRET, ServiceProcess, confirm_link, request, wait_for


@pytest.fixture(scope="module")
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def service(tmp_path_factory, smtp):
    with ServiceProcess(tmp_path_factory.mktemp("svc") / "abonnees.sqlite3", smtp.port) as proc:
        yield proc


def db_status(service, email):
    with sqlite3.connect(service.db) as conn:
        row = conn.execute("SELECT status FROM subscribers WHERE email = ?", (email,)).fetchone()
    return row[0] if row else None


def count_rows(service) -> int:
    with sqlite3.connect(service.db) as conn:
        return conn.execute("SELECT count(*) FROM subscribers").fetchone()[0]


def test_health(service):
    assert request(service.url, "GET", "/gezond")[:1] == (200,)


def test_signup_mail_confirm_page_changes_nothing_until_the_button(service, smtp):
    status, headers, _ = request(service.url, "POST", "/aanmelden", {"email": "Lotte@Example.nl", "name": "Lotte", "website": ""})
    assert status == 303 and headers["location"] == "/controleer-je-mail"
    status, _, page = request(service.url, "GET", "/controleer-je-mail")
    assert status == 200 and "Check je mail" in page and 'lang="nl"' in page
    message = wait_for(lambda: smtp.handler.received("lotte@example.nl"))[0]
    assert message["To"] == "Lotte <lotte@example.nl>" and message.get_body(("html",)) is not None
    link = urlsplit(confirm_link(message))
    path = f"{link.path}?{link.query}"
    for method in ("GET", "HEAD"):
        assert request(service.url, method, path)[0] == 200
    assert db_status(service, "lotte@example.nl") == "wachtend"
    status, _, page = request(service.url, "GET", path)
    assert "<form" in page and 'action="/bevestigen"' in page and page.count("<button") == 1
    token = link.query.removeprefix("token=")
    status, headers, _ = request(service.url, "POST", "/bevestigen", {"token": token})
    assert status == 303 and headers["location"] == "/bevestigd"
    assert db_status(service, "lotte@example.nl") == "actief"


def test_same_reply_for_new_waiting_active_and_unsubscribed(service):
    request(service.url, "POST", "/afmelden", {"token": make_token("weg@example.nl", SECRET.encode())})
    replies = {
        email: request(service.url, "POST", "/aanmelden", {"email": email})[:2]
        for email in ("nieuw@example.nl", "lotte@example.nl", "weg@example.nl")
    }
    assert {(status, headers["location"]) for status, headers in replies.values()} == {(303, "/controleer-je-mail")}
    assert db_status(service, "weg@example.nl") == "wachtend"  # must confirm again


def test_newsletter_one_click_unsubscribe_and_next_send_skips(service):
    request(service.url, "POST", "/aanmelden", {"email": "klik@example.nl"})
    token = make_confirm_token("klik@example.nl", int(__import__("time").time()), SECRET.encode())
    request(service.url, "POST", "/bevestigen", {"token": token})
    source = DatabaseRecipients(service.db)
    assert "klik@example.nl" in [p.email for p in source.recipients()]
    newsletter = Newsletter(
        subject="Tips", text_body="%%GREETING%% %%UNSUBSCRIBE_URL%%", html_body="<p>%%GREETING%% %%UNSUBSCRIBE_URL%%</p>",
        sender="Marieke <nieuwsbrief@example.nl>", reply_to="", unsubscribe_url="https://nieuwsbrief.example.nl/afmelden?token={token}",
        unsubscribe_action="https://nieuwsbrief.example.nl/afmelden", unsubscribe_mailto="", secret=SECRET.encode(),
    )
    message = newsletter.message(Subscriber(1, "klik@example.nl", ""))
    url = urlsplit(message["List-Unsubscribe"].strip("<>"))
    for method in ("GET", "HEAD"):
        request(service.url, method, f"{url.path}?{url.query}")
    assert db_status(service, "klik@example.nl") == "actief"
    status, _, text = request(service.url, "POST", f"{url.path}?{url.query}", b"List-Unsubscribe=One-Click")
    assert status == 200 and "afgemeld" in text
    assert db_status(service, "klik@example.nl") == "afgemeld"
    assert request(service.url, "POST", f"{url.path}?{url.query}", b"List-Unsubscribe=One-Click")[0] == 200  # idempotent
    assert "klik@example.nl" not in [p.email for p in source.recipients()]


def test_one_click_as_multipart_form_data_also_unsubscribes(service):
    """RFC 8058 says mail clients SHOULD post multipart/form-data; the token is in the URL."""
    request(service.url, "POST", "/aanmelden", {"email": "multi@example.nl"})
    token = make_token("multi@example.nl", SECRET.encode())
    body = b'--grens\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--grens--\r\n'
    status, _, text = request(service.url, "POST", f"/afmelden?token={token}", body,
                              {"Content-Type": "multipart/form-data; boundary=grens"})
    assert status == 200 and db_status(service, "multi@example.nl") == "afgemeld"


@pytest.mark.parametrize(
    "method, path, body, headers, expected",
    [
        ("POST", "/aanmelden", b"email=a%40example.nl&name=" + b"x" * 20000, {}, 413),
        ("POST", "/aanmelden", {"name": "Geen adres"}, {}, 400),
        ("POST", "/aanmelden", {"email": "geen-adres"}, {}, 400),
        ("POST", "/aanmelden", {"email": "a1@example.nl", "name": "Anna\r\nBcc: x@example.nl"}, {}, 400),
        ("POST", "/aanmelden", {"email": "a2@example.nl", "name": "=?utf-8?q?Bcc=3A?="}, {}, 400),
        ("POST", "/aanmelden", b"email=a3%40example.nl&name=%ff%fe", {}, 400),
        ("POST", "/aanmelden", b"email=a4@example.nl&name=\xff", {}, 400),
        ("POST", "/aanmelden", b'{"email": "a5@example.nl"}', {"Content-Type": "application/json"}, 415),
        ("PUT", "/aanmelden", {"email": "a6@example.nl"}, {}, 405),
        ("DELETE", "/afmelden", None, {}, 405),
        ("POST", "/bevestigen", {"token": make_confirm_token("a7@example.nl", 1_000_000_000, SECRET.encode())}, {}, 410),
        ("POST", "/bevestigen", {"token": make_confirm_token("a8@example.nl", 1_795_600_000, b"vervalst-geheim-0123456789")}, {}, 400),
        ("GET", "/bevestigen?token=kapot", None, {}, 400),
        ("POST", "/afmelden", {"token": "YWFAZXhhbXBsZS5ubA.vervalst"}, {}, 400),
        ("GET", "/afmelden?token=", None, {}, 400),
    ],
)
def test_bad_input_gets_a_clear_dutch_4xx_and_stores_nothing(service, method, path, body, headers, expected):
    before = count_rows(service)
    status, reply_headers, page = request(service.url, method, path, body, headers)
    assert status == expected
    assert 'lang="nl"' in page and "<h1>" in page and "Traceback" not in page
    assert reply_headers["content-security-policy"].startswith("default-src 'none'")
    assert count_rows(service) == before  # no row, so no outbox entry and no email either


def test_expired_link_offers_a_new_one(service):
    token = make_confirm_token("oud@example.nl", 1_000_000_000, SECRET.encode())
    status, _, page = request(service.url, "GET", f"/bevestigen?token={token}")
    assert status == 410 and "verlopen" in page and 'value="oud@example.nl"' in page and 'action="/aanmelden"' in page


def test_honeypot_stores_nothing_but_answers_the_same(service):
    before = count_rows(service)
    status, headers, _ = request(service.url, "POST", "/aanmelden", {"email": "bot@example.nl", "website": "http://spam"})
    assert (status, headers["location"]) == (303, "/controleer-je-mail") and count_rows(service) == before


def test_no_header_injection_in_the_confirmation_email(service, smtp):
    assert request(service.url, "POST", "/aanmelden", {"email": "zoe@example.nl", "name": "Zoë \"de\" Vries"})[0] == 400
    request(service.url, "POST", "/aanmelden", {"email": "zoe2@example.nl", "name": "Zoë van Dijk"})
    message = wait_for(lambda: smtp.handler.received("zoe2@example.nl"))[0]
    assert message["To"].addresses[0].display_name == "Zoë van Dijk"
    assert message.get_all("Bcc") is None and len(message.keys()) == len(set(k.lower() for k in message.keys()))


def test_200_concurrent_signups_no_error_no_lost_or_doubled_row(service, smtp):
    emails = [f"gelijk{i}@example.nl" for i in range(200)]
    emails += emails[:20]  # some twice: one row each
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda e: request(service.url, "POST", "/aanmelden", {"email": e})[0], emails))
    assert statuses == [303] * len(emails)
    with sqlite3.connect(service.db) as conn:
        stored = [r[0] for r in conn.execute("SELECT email FROM subscribers WHERE email LIKE 'gelijk%'")]
    assert sorted(stored) == sorted(set(emails))


def test_client_rate_limit(tmp_path, smtp):
    with ServiceProcess(tmp_path / "limiet.sqlite3", smtp.port, NEWSLETTER_CLIENT_LIMIT="3") as proc:
        statuses = [request(proc.url, "POST", "/aanmelden", {"email": f"r{i}@example.nl"})[0] for i in range(5)]
        assert statuses == [303, 303, 303, 429, 429]
        status, _, page = request(proc.url, "POST", "/aanmelden", {"email": "r9@example.nl"})
        assert "Even geduld" in page


def test_sigkill_during_a_burst_loses_no_acknowledged_signup(tmp_path, smtp):
    proc = ServiceProcess(tmp_path / "kill.sqlite3", smtp.port).start()
    acknowledged: list[str] = []

    def one(i: int):
        email = f"burst{i}@example.nl"
        if i == 150:
            proc.kill()
        try:
            if request(proc.url, "POST", "/aanmelden", {"email": email})[0] == 303:
                acknowledged.append(email)
        except OSError:
            pass

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, range(300)))
    assert proc.proc.poll() is not None and 0 < len(acknowledged) < 300
    with ServiceProcess(proc.db, smtp.port, port=None) as again:
        assert request(again.url, "GET", "/gezond")[0] == 200
    with sqlite3.connect(proc.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {r[0] for r in conn.execute("SELECT email FROM subscribers")}
    assert set(acknowledged) <= stored


def test_smtp_down_signups_accepted_and_outbox_drains_later(tmp_path):
    from aiosmtpd.controller import Controller

    from send_helpers import Recorder
    from subscription_helpers import free_port

    port = free_port()  # nothing listens there yet: SMTP is down
    with ServiceProcess(tmp_path / "down.sqlite3", port) as proc:
        for i in range(5):
            assert request(proc.url, "POST", "/aanmelden", {"email": f"later{i}@example.nl"})[0] == 303
        with sqlite3.connect(proc.db) as conn:
            assert conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0] == 5
        recorder = Recorder()
        controller = Controller(recorder, hostname="127.0.0.1", port=port)
        controller.start()  # SMTP is back
        try:
            wait_for(lambda: len(recorder.messages) == 5, timeout=30)
        finally:
            controller.stop()


def test_a_broken_database_gives_a_dutch_500_page_and_keeps_nothing(tmp_path, smtp):
    db = tmp_path / "kapot.sqlite3"
    with ServiceProcess(db, smtp.port) as proc:
        with sqlite3.connect(db) as conn:
            conn.execute("DROP TABLE outbox")  # something outside the service broke the file
        status, _, page = request(proc.url, "POST", "/aanmelden", {"email": "pech@example.nl"})
        assert status == 500 and "Er ging bij ons iets mis" in page and "Traceback" not in page
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM subscribers").fetchone()[0] == 0  # rolled back


def test_at_most_three_confirmation_emails_per_address_per_day(service):
    replies = [request(service.url, "POST", "/aanmelden", {"email": "vaak@example.nl"})[0] for _ in range(5)]
    assert replies == [303] * 5  # the same answer every time
    with sqlite3.connect(service.db) as conn:
        assert conn.execute("SELECT count(*) FROM outbox WHERE recipient = 'vaak@example.nl'").fetchone()[0] == 3


def unread_bytes(server_port: int, client_port: int) -> int | None:
    """Bytes the service has not read yet from the connection of ``client_port`` (Linux
    /proc/net/tcp), or None while the kernel shows no such connection."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, queues = fields[1], fields[2], fields[4]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            return int(queues.split(":")[1], 16)
    return None


def test_a_long_write_elsewhere_holds_up_only_the_signup_not_the_service(service):
    """A ``subscribers import`` in another process holds the write lock: the sign-up waits for it
    in a worker thread while /gezond and the pages still answer; released, the sign-up completes."""
    holder = sqlite3.connect(service.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the other process's long write transaction
    conn = http.client.HTTPConnection("127.0.0.1", service.port, timeout=60)
    try:
        conn.request("POST", "/aanmelden", body=urlencode({"email": "wacht-even@example.nl"}),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        client_port = conn.sock.getsockname()[1]
        wait_for(lambda: unread_bytes(service.port, client_port) == 0)  # the service has the whole request
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            signup = pool.submit(lambda: conn.getresponse().status)
            assert request(service.url, "GET", "/gezond")[:1] == (200,)
            assert request(service.url, "GET", "/aanmelden")[:1] == (200,)
            assert not signup.done()  # answered while the sign-up still waits for the lock
            assert db_status(service, "wacht-even@example.nl") is None
            holder.execute("COMMIT")
            assert signup.result(timeout=60) == 303
        assert db_status(service, "wacht-even@example.nl") == "wachtend"
    finally:
        conn.close()
        if holder.in_transaction:
            holder.execute("ROLLBACK")
        holder.close()
