"""Sending to a real SMTP server (aiosmtpd on 127.0.0.1): exactly once, retries, failures, limits,
the lock, dry runs and the sent marker. No test sleeps: backoff and rate limits get fake clocks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from aiosmtpd.smtp import AuthResult

from coachsite.newsletter.archive import SENT_FILE, load_issue
from coachsite.newsletter.issue import IssueError, build_issue
from coachsite.newsletter.send import SendError, send_issue
from coachsite.newsletter.sendlog import LOG_FILE, SendLock, SendLogError
from coachsite.newsletter.tokens import verify_token
from newsletter_helpers import post
from send_helpers import (  # noqa: F401 (fixtures)
    ACTIVE,
    DATE,
    SECRET,
    SUBJECT,
    SmtpServer,
    built_issue,
    config_for,
    issue_root,
    smtp,
    subscribers,
    write_csv,
)

AMSTERDAM_NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


class FakeTime:
    """Injected clock + sleep: records every pause and advances time instead of waiting."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def send(root, subscribers_file, config, **kw):
    kw.setdefault("sleep", FakeTime().sleep)
    kw.setdefault("now", lambda: AMSTERDAM_NOW)
    return send_issue(root / DATE, subscribers_file, config, **kw)


def log_lines(root) -> list[dict]:
    path = root / DATE / LOG_FILE
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_every_active_subscriber_gets_exactly_one_correct_message(smtp, settings, issue_root, subscribers):
    seen = []
    summary = send(issue_root, subscribers, config_for(smtp, settings), progress=lambda e, p, s: seen.append((e, p.email)))

    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}
    assert (summary.sent, summary.already_sent, summary.failed, summary.remaining) == (4, 0, [], 0)
    assert [(p.line, p.message) for p in summary.invalid] == [(7, "'geen-adres' is geen geldig e-mailadres")]
    assert [p.line for p in summary.duplicates] == [6]
    assert summary.unsubscribed == 3
    assert seen == [("sent", a) for a in ACTIVE]

    sender = settings["NEWSLETTER_FROM"]
    for address, name in zip(ACTIVE, ["Anna", "Zoë", None, "Jan, de Vries"]):
        (msg,) = smtp.handler.received(address)
        assert msg["From"] == sender and msg["Subject"] == SUBJECT
        assert msg["To"].addresses[0].addr_spec == address
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        text, html = (part.get_content() for part in msg.iter_parts())
        greeting = f"Beste {name}," if name else "Hallo,"
        assert greeting in text and greeting.replace('"', "&quot;") in html
        assert "Eén gesprek dat alles verandert" in text and "ideeën en één vraag" in html
        token = text.split("/afmelden?token=", 1)[1].split()[0]
        assert verify_token(token, SECRET.encode()) == address
        assert token in html and token in msg["List-Unsubscribe"]
    envelope_senders = {mail_from for mail_from, _, _ in smtp.handler.messages}
    assert envelope_senders == {"nieuwsbrief@klantgerichtwerkt.nl"}
    assert not smtp.handler.received("weg@example.nl") and not smtp.handler.received("later-weg@example.nl")


def test_log_and_sent_marker(smtp, settings, issue_root, subscribers):
    send(issue_root, subscribers, config_for(smtp, settings))
    entries = log_lines(issue_root)
    assert entries[0]["status"] == "started" and len(entries[0]["hash"]) == 64
    assert [(e["email"], e["status"]) for e in entries[1:]] == [(a, s) for a in ACTIVE for s in ("sending", "sent")]
    assert all(e["at"] == "2026-11-25T09:30:00+01:00" and e["message_id"].startswith(f"<{DATE}.") for e in entries[1:])
    assert entries[1]["message_id"] == entries[2]["message_id"] == smtp.handler.received(ACTIVE[0])[0]["Message-ID"]
    marker = load_issue(issue_root / DATE).sent
    assert marker == {
        "finished_at": "2026-11-25T09:30:00+01:00",
        "sent": 4,
        "failed": 0,
        "invalid": 1,
        "unsubscribed": 3,
        "duplicates": 1,
        "subscribers_file": "abonnees.csv",
        "log": LOG_FILE,
    }


def test_a_sent_issue_is_not_sent_again_and_not_rebuilt(smtp, settings, issue_root, subscribers):
    config = config_for(smtp, settings)
    send(issue_root, subscribers, config)
    again = send(issue_root, subscribers, config)
    assert again.complete and not again.marked_sent and again.already_marked["sent"] == 4
    assert len(smtp.handler.messages) == 4
    with pytest.raises(IssueError, match="al verstuurd"):
        build_issue(dt.date.fromisoformat(DATE), settings, issue_root, issue_root / "templates",
                    posts=[post("x", "2026-11-20")])


def test_rerun_after_partial_run_sends_only_the_rest(smtp, settings, issue_root, subscribers):
    config = config_for(smtp, settings)
    first = send(issue_root, subscribers, config, limit=1)
    assert (first.sent, first.remaining, first.marked_sent) == (1, 3, False)
    assert not (issue_root / DATE / SENT_FILE).exists()
    second = send(issue_root, subscribers, config, limit=2)
    assert (second.sent, second.already_sent, second.remaining, second.marked_sent) == (2, 1, 1, False)
    third = send(issue_root, subscribers, config)
    assert (third.sent, third.already_sent, third.remaining, third.marked_sent) == (1, 3, 0, True)
    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}


def test_new_subscriber_added_between_runs_gets_it_and_unsubscribed_one_does_not(smtp, settings, issue_root, subscribers):
    from coachsite.newsletter.unsubscribe import unsubscribe

    config = config_for(smtp, settings)
    send(issue_root, subscribers, config, limit=1)  # anna
    unsubscribe(subscribers, ["jan@example.nl"])
    with open(subscribers, "a", encoding="utf-8") as fh:
        fh.write("nieuw@example.nl,Nieuw,actief,2026-11-25,website\n")
    summary = send(issue_root, subscribers, config)
    assert summary.marked_sent
    assert smtp.handler.counts() == {"anna@example.nl": 1, "zoe@example.nl": 1, "piet@example.nl": 1, "nieuw@example.nl": 1}


def test_transient_failures_are_retried_with_backoff_on_a_new_connection(smtp, settings, issue_root, subscribers):
    smtp.handler.faults = {
        "anna@example.nl": ["451 4.7.1 greylisted, try later", "421 4.3.2 too busy"],
        "zoe@example.nl": ["421 4.4.2 closing, try again"],
        "jan@example.nl": ["data:452 4.3.1 insufficient storage"],
    }
    clock = FakeTime()
    summary = send(issue_root, subscribers, config_for(smtp, settings), sleep=clock.sleep)
    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}
    assert summary.failed == [] and summary.retries == 4 and summary.marked_sent
    assert clock.slept == [2.0, 4.0, 2.0, 2.0]  # anna twice (exponential), zoe once, jan once
    assert smtp.handler.attempts["anna@example.nl"] == 3


def test_permanent_failures_are_recorded_and_the_run_goes_on(smtp, settings, issue_root, subscribers):
    smtp.handler.faults = {
        "zoe@example.nl": ["550 5.1.1 mailbox does not exist"],
        "piet@example.nl": ["data:554 5.7.1 message refused"],
    }
    config = config_for(smtp, settings)
    summary = send(issue_root, subscribers, config)
    assert smtp.handler.counts() == {"anna@example.nl": 1, "jan@example.nl": 1}
    assert [(f.email, f.line, f.code) for f in summary.failed] == [("zoe@example.nl", 3, 550), ("piet@example.nl", 4, 554)]
    assert "mailbox does not exist" in summary.failed[0].error
    assert not summary.marked_sent and not (issue_root / DATE / SENT_FILE).exists()
    assert [(e["email"], e["status"], e.get("code")) for e in log_lines(issue_root) if e["status"] in ("sent", "failed")] == [
        ("anna@example.nl", "sent", None),
        ("zoe@example.nl", "failed", 550),
        ("piet@example.nl", "failed", 554),
        ("jan@example.nl", "sent", None),
    ]
    # The coach fixes the cause; a rerun retries only the failed ones and finishes the issue.
    rerun = send(issue_root, subscribers, config)
    assert (rerun.sent, rerun.already_sent, rerun.marked_sent) == (2, 2, True)
    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}


def test_transient_failure_that_never_clears_becomes_a_failure(smtp, settings, issue_root, subscribers):
    smtp.handler.faults = {"anna@example.nl": ["451 4.7.1 later"] * 10}
    clock = FakeTime()
    summary = send(issue_root, subscribers, config_for(smtp, settings), sleep=clock.sleep, max_attempts=3)
    assert [(f.email, f.code) for f in summary.failed] == [("anna@example.nl", 451)]
    assert summary.failed[0].error == "4.7.1 later (nog steeds geweigerd na 3 pogingen)"
    assert clock.slept == [2.0, 4.0]
    assert summary.sent == 3


def test_unreachable_server_stops_the_run_after_retries_and_logs_nothing(settings, issue_root, subscribers):
    with SmtpServer() as server:
        config = config_for(server, settings)
    clock = FakeTime()  # the server is gone: connection refused
    with pytest.raises(SendError, match="geen verbinding met 127.0.0.1") as error:
        send(issue_root, subscribers, config, sleep=clock.sleep, max_attempts=4)
    assert clock.slept == [2.0, 4.0, 8.0]
    assert error.value.summary.remaining == 4 and error.value.summary.sent == 0
    assert log_lines(issue_root) == []


def test_sender_refused_stops_the_run(smtp, settings, issue_root, subscribers):
    async def refuse_sender(server, session, envelope, address, mail_options):
        return "553 5.7.1 sender not allowed"

    smtp.handler.handle_MAIL = refuse_sender
    with pytest.raises(SendError, match="553 5.7.1 sender not allowed") as error:
        send(issue_root, subscribers, config_for(smtp, settings))
    assert error.value.summary.remaining == 4


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_login_with_password_from_environment(settings, issue_root, subscribers):
    def authenticator(server, session, envelope, mechanism, auth_data):
        login, password = (v.decode() if isinstance(v, bytes) else v for v in (auth_data.login, auth_data.password))
        return AuthResult(success=(login, password) == ("nieuwsbrief", "goed-wachtwoord"), handled=False)

    with SmtpServer(authenticator=authenticator, auth_require_tls=False, auth_required=True) as server:
        env = {"NEWSLETTER_SMTP_USER": "nieuwsbrief", "NEWSLETTER_SMTP_PASSWORD": "goed-wachtwoord"}
        summary = send(issue_root, subscribers, config_for(server, settings, **env))
        assert summary.sent == 4 and len(server.handler.messages) == 4

    with SmtpServer(authenticator=authenticator, auth_require_tls=False, auth_required=True) as server:
        (issue_root / DATE / SENT_FILE).unlink()
        (issue_root / DATE / LOG_FILE).unlink()
        env = {"NEWSLETTER_SMTP_USER": "nieuwsbrief", "NEWSLETTER_SMTP_PASSWORD": "fout"}
        with pytest.raises(SendError, match="inloggen geweigerd: 5.7.8 Authentication credentials invalid"):
            send(issue_root, subscribers, config_for(server, settings, **env))
        assert server.handler.messages == []


def test_user_without_password_means_no_login_attempt(smtp, settings, issue_root, subscribers):
    """Finding 7: a local test server without AUTH and the user from pelicanconf.py just works."""
    config = config_for(smtp, settings, NEWSLETTER_SMTP_USER="nieuwsbrief@klantgerichtwerkt.nl")
    assert config.smtp.user and not config.smtp.password
    assert send(issue_root, subscribers, config).sent == 4


def test_readme_environment_against_a_local_test_server_just_works(smtp, settings, issue_root, subscribers):
    """Finding 7 as reported: the user from pelicanconf.py, the password exported as the README says,
    and a local aiosmtpd without AUTH. Before: 'SMTP AUTH extension not supported by server'."""
    env = {"NEWSLETTER_SMTP_USER": settings["NEWSLETTER_SMTP_USER"], "NEWSLETTER_SMTP_PASSWORD": "uit-de-kluis"}
    assert send(issue_root, subscribers, config_for(smtp, settings, **env)).sent == 4


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_server_that_wants_a_login_says_what_to_set(settings, issue_root, subscribers):
    with SmtpServer(auth_require_tls=False, auth_required=True) as server:
        with pytest.raises(SendError) as error:
            send(issue_root, subscribers, config_for(server, settings))
        assert str(error.value) == (
            f"127.0.0.1:{server.port} weigerde: 530 5.7.0 Authentication required (de server wil dat je inlogt: "
            "stel NEWSLETTER_SMTP_USER en NEWSLETTER_SMTP_PASSWORD in)")
        assert server.handler.messages == [] and log_lines(issue_root) == []


def test_second_send_while_one_runs_is_refused(smtp, settings, issue_root, subscribers):
    with SendLock(issue_root / DATE):
        with pytest.raises(SendLogError, match=r"\.send\.lock: deze nieuwsbrief wordt al verstuurd \(proces \d+, begonnen op \d+ \w+ \d{4} om \d\d:\d\d\)"):
            send(issue_root, subscribers, config_for(smtp, settings))
    assert smtp.handler.messages == []
    assert send(issue_root, subscribers, config_for(smtp, settings)).sent == 4  # released


def test_dry_run_writes_eml_files_and_sends_nothing(smtp, settings, issue_root, tmp_path):
    path = tmp_path / "veel.csv"
    write_csv(path, 8)
    summary = send(issue_root, path, config_for(smtp, settings), dry_run=True, dry_run_messages=3)
    assert smtp.handler.messages == []
    assert summary.would_send == 8 and summary.sent == 0
    assert [p.name for p in summary.dry_run_files] == [
        "01-lezer0@example.nl.eml", "02-lezer1@example.nl.eml", "03-lezer2@example.nl.eml",
    ]
    assert all(p.parent == issue_root / DATE / "dry-run" for p in summary.dry_run_files)
    import email
    from email import policy

    msg = email.message_from_bytes(summary.dry_run_files[1].read_bytes(), policy=policy.default)
    assert msg["To"] == "Lezer 1 <lezer1@example.nl>"
    assert "Beste Lezer 1," in msg.get_body(("plain",)).get_content()
    assert not (issue_root / DATE / LOG_FILE).exists() and not (issue_root / DATE / SENT_FILE).exists()
    # A second dry run replaces the files; after a partial real run it skips who already has it.
    send(issue_root, path, config_for(smtp, settings), limit=2)
    again = send(issue_root, path, config_for(smtp, settings), dry_run=True, dry_run_messages=1)
    assert again.already_sent == 2 and again.would_send == 6
    assert [p.name for p in (issue_root / DATE / "dry-run").iterdir()] == ["01-lezer2@example.nl.eml"]


def test_rate_limit_uses_the_injected_clock(smtp, settings, issue_root, subscribers):
    clock = FakeTime()
    send(issue_root, subscribers, config_for(smtp, settings), rate=5, clock=clock.clock, sleep=clock.sleep)
    assert clock.slept == pytest.approx([0.2, 0.2, 0.2])  # before the 2nd, 3rd and 4th message
    assert len(smtp.handler.messages) == 4


def test_one_connection_is_reused(smtp, settings, issue_root, tmp_path):
    from coachsite.newsletter.send import Mailer

    path = tmp_path / "lijst.csv"
    write_csv(path, 25)
    config = config_for(smtp, settings)
    mailer = Mailer(config.smtp)
    send(issue_root, path, config, mailer=mailer)
    assert mailer.connections == 1 and len(smtp.handler.messages) == 25


def test_bad_subscriber_file_stops_before_anything_is_sent(smtp, settings, issue_root, tmp_path):
    path = tmp_path / "lijst.csv"
    path.write_text("email,name,status\na@example.nl,A,actief\nb@example.nl,B,misschien\n", encoding="utf-8")
    with pytest.raises(SendError) as error:
        send(issue_root, path, config_for(smtp, settings))
    assert str(error.value) == (
        f"{path}: 1 probleem; er is niets verstuurd. Los dit eerst op:\n"
        f"  {path}, regel 3: veld 'status': 'misschien' is niet een van actief, afgemeld")
    assert smtp.handler.messages == [] and log_lines(issue_root) == []


def test_list_without_active_subscribers_is_refused_and_never_marks_the_issue(smtp, settings, issue_root, tmp_path):
    path = tmp_path / "leeg.csv"
    path.write_text("email,name,status\nweg@example.nl,W,afgemeld\n", encoding="utf-8")
    with pytest.raises(SendError, match="geen actieve abonnees"):
        send(issue_root, path, config_for(smtp, settings))
    assert not (issue_root / DATE / SENT_FILE).exists()


def test_log_with_an_incomplete_last_line_is_repaired(smtp, settings, issue_root, subscribers):
    log = issue_root / DATE / LOG_FILE
    log.write_text('{"email":"anna@example.nl","status":"sent","at":"x"}\n{"email":"zoe@exa', encoding="utf-8")
    summary = send(issue_root, subscribers, config_for(smtp, settings))
    assert summary.already_sent == 1 and summary.sent == 3
    assert all(json.loads(line) for line in log.read_text(encoding="utf-8").splitlines())


def test_corrupt_log_line_is_a_clear_error(smtp, settings, issue_root, subscribers):
    log = issue_root / DATE / LOG_FILE
    log.write_text('{"email":"anna@example.nl","status":"sent"}\nkapot\n{"email":"zoe@example.nl","status":"sent"}\n')
    with pytest.raises(SendLogError, match=r"send-log.jsonl, regel 2: geen regel van het verzendlogboek"):
        send(issue_root, subscribers, config_for(smtp, settings))
    assert smtp.handler.messages == []


# --- TLS ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (made with the openssl command-line tool)."""
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def server_context(certificate):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls_with_a_verified_certificate(settings, issue_root, subscribers, certificate, monkeypatch, security):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our test certificate
    options = {"ssl_context": server_context(certificate)} if security == "tls" else {
        "tls_context": server_context(certificate), "require_starttls": True}
    with SmtpServer(**options) as server:
        summary = send(issue_root, subscribers, config_for(server, settings, NEWSLETTER_SMTP_SECURITY=security))
        assert summary.sent == 4 and server.handler.counts() == {a: 1 for a in ACTIVE}


def test_untrusted_certificate_stops_the_run(settings, issue_root, subscribers, certificate, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with SmtpServer(ssl_context=server_context(certificate)) as server:
        with pytest.raises(SendError, match="het certificaat van de server is niet geldig"):
            send(issue_root, subscribers, config_for(server, settings, NEWSLETTER_SMTP_SECURITY="tls"))
        assert server.handler.messages == []
