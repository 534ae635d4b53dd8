"""Issue #12 in process, against a real aiosmtpd: uncertain outcomes are never retried by
themselves, content is frozen once sending starts, one bad subscriber never stops the others,
and test copies go to the coach only. (The SIGKILL matrix is in test_send_crash.py.)"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json

import pytest

from coachsite.newsletter.archive import SENT_FILE
from coachsite.newsletter.issue import IssueError, build_issue
from coachsite.newsletter.send import SendError, send_issue, send_test_copy
from coachsite.newsletter.sendlog import LOG_FILE, SendLog
from coachsite.newsletter.subscribers import FATAL, SKIPPED, Problem, Subscriber
from newsletter_helpers import post
from send_helpers import (  # noqa: F401 (fixtures)
    ACTIVE,
    DATE,
    SUBJECT,
    built_issue,
    config_for,
    issue_root,
    smtp,
    subscribers,
    write_csv,
)

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def send(root, source, config, **kw):
    kw.setdefault("sleep", lambda seconds: None)
    kw.setdefault("now", lambda: NOW)
    return send_issue(root / DATE, source, config, **kw)


def statuses(root) -> list[tuple[str, str]]:
    lines = (root / DATE / LOG_FILE).read_text(encoding="utf-8").splitlines()
    return [(e.get("email", ""), e["status"]) for e in map(json.loads, lines)]


# --- Uncertain outcomes ---------------------------------------------------------------------


def test_disconnect_after_the_final_dot_is_uncertain_and_never_retried_by_itself(smtp, settings, issue_root, subscribers):
    smtp.handler.faults = {"zoe@example.nl": ["drop-accepted"]}
    config = config_for(smtp, settings)
    first = send(issue_root, subscribers, config)
    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}  # the server did take zoe's message
    assert first.uncertain == ["zoe@example.nl"] and first.failed == [] and first.sent == 3
    assert first.uncertain_details[0].line == 3
    assert first.uncertain_details[0].error.startswith("geen antwoord nadat het bericht was overgedragen (")
    assert not first.complete and not (issue_root / DATE / SENT_FILE).exists()
    assert ("zoe@example.nl", "uncertain") in statuses(issue_root)

    rerun = send(issue_root, subscribers, config)
    assert (rerun.sent, rerun.already_sent, rerun.uncertain) == (0, 3, ["zoe@example.nl"])
    assert smtp.handler.counts()["zoe@example.nl"] == 1

    resent = send(issue_root, subscribers, config, resend_uncertain=True)
    assert (resent.sent, resent.uncertain, resent.marked_sent) == (1, [], True)
    copies = smtp.handler.received("zoe@example.nl")
    assert len(copies) == 2 and copies[0]["Message-ID"] == copies[1]["Message-ID"]  # the same message


def test_a_reply_slower_than_the_timeout_is_uncertain(smtp, settings, issue_root, subscribers):
    config = config_for(smtp, settings)
    config = dataclasses.replace(config, smtp=dataclasses.replace(config.smtp, timeout=2.0))
    smtp.handler.hold_data("piet@example.nl")
    summary = send(issue_root, subscribers, config)
    assert summary.uncertain == ["piet@example.nl"]
    assert summary.retries == 0 and smtp.handler.attempts["piet@example.nl"] == 1
    smtp.handler.release()  # the server answers 250 after all, to nobody
    rerun = send(issue_root, subscribers, config)
    assert rerun.uncertain == ["piet@example.nl"] and rerun.sent == 0
    assert smtp.handler.counts() == {a: 1 for a in ACTIVE}


def test_an_intent_without_outcome_is_uncertain_on_the_next_run(smtp, settings, issue_root, subscribers):
    """What a kill between the final dot and the outcome leaves behind."""
    log = SendLog(issue_root / DATE)
    log.append({"email": "anna@example.nl", "status": "sending", "message_id": "<x@y>", "at": "x"})
    log.close()
    summary = send(issue_root, subscribers, config_for(smtp, settings))
    assert summary.uncertain == ["anna@example.nl"]
    assert summary.uncertain_details[0].error == "het programma stopte terwijl het bericht werd overgedragen"
    assert "anna@example.nl" not in smtp.handler.counts() and summary.sent == 3


def test_a_refusal_after_the_dot_is_retried_not_uncertain(smtp, settings, issue_root, subscribers):
    smtp.handler.faults = {"jan@example.nl": ["data:451 4.3.0 try again"]}
    summary = send(issue_root, subscribers, config_for(smtp, settings))
    assert summary.marked_sent and summary.uncertain == [] and summary.retries == 1
    jan = [s for e, s in statuses(issue_root) if e == "jan@example.nl"]
    assert jan == ["sending", "failed", "sending", "sent"]


# --- Content is frozen once sending starts --------------------------------------------------


def test_build_refuses_while_a_send_log_exists(smtp, settings, issue_root, subscribers):
    send(issue_root, subscribers, config_for(smtp, settings), limit=1)
    before = (issue_root / DATE / "email.html").read_bytes()
    with pytest.raises(IssueError) as error:
        build_issue(dt.date.fromisoformat(DATE), settings, issue_root, issue_root / "templates",
                    posts=[post("ander-stuk", "2026-11-20")], subject="Iets anders")
    assert str(error.value) == (
        f"{issue_root / DATE}: het versturen van deze nieuwsbrief is begonnen (send-log.jsonl bestaat), dus hij "
        "kan niet opnieuw worden gemaakt: de rest van de lijst moet krijgen wat de eersten kregen. Maak het "
        "versturen af met 'send', of maak de volgende nieuwsbrief.")
    assert (issue_root / DATE / "email.html").read_bytes() == before


def test_send_refuses_when_the_files_changed_after_the_first_message(smtp, settings, issue_root, subscribers):
    config = config_for(smtp, settings)
    send(issue_root, subscribers, config, limit=1)
    html = issue_root / DATE / "email.html"
    original = html.read_bytes()
    html.write_bytes(original.replace(b"</body>", b"<p>Nieuw</p></body>"))
    log_before = (issue_root / DATE / LOG_FILE).read_bytes()
    with pytest.raises(SendError) as error:
        send(issue_root, subscribers, config)
    assert str(error.value) == (
        f"{issue_root / DATE}: de bestanden van deze nieuwsbrief zijn veranderd nadat het versturen begon "
        "(send-log.jsonl bevat de controlesom van de eerste versie). Iedereen moet dezelfde nieuwsbrief krijgen: "
        "zet de bestanden terug zoals ze waren (of maak de volgende nieuwsbrief).")
    assert len(smtp.handler.messages) == 1 and (issue_root / DATE / LOG_FILE).read_bytes() == log_before
    html.write_bytes(original)
    assert send(issue_root, subscribers, config).marked_sent


def test_a_dry_run_or_a_failed_connection_does_not_freeze_the_issue(settings, issue_root, subscribers, smtp):
    send(issue_root, subscribers, config_for(smtp, settings), dry_run=True)
    assert not (issue_root / DATE / LOG_FILE).exists()


# --- One bad subscriber never stops the others ----------------------------------------------


ENCODED_CRLF = "=?utf-8?b?" + base64.b64encode(b"Lezer\r\nBcc: buiten@example.com").decode() + "?="


def test_encoded_word_name_on_row_21_of_a_long_list(smtp, settings, issue_root, tmp_path):
    path = tmp_path / "lijst.csv"
    active = write_csv(path, 60)
    text = path.read_text(encoding="utf-8").replace("lezer20@example.nl,Lezer 20,", f"lezer20@example.nl,{ENCODED_CRLF},")
    path.write_text(text, encoding="utf-8")
    dry = send(issue_root, path, config_for(smtp, settings), dry_run=True)
    assert dry.would_send == 60 and dry.failed == []  # every message was made
    summary = send(issue_root, path, config_for(smtp, settings))
    assert summary.marked_sent and summary.sent == 60
    assert smtp.handler.counts() == {a: 1 for a in active}
    (msg,) = smtp.handler.received("lezer20@example.nl")
    assert "bcc" not in {k.lower() for k in msg.keys()} and not smtp.handler.received("buiten@example.com")


def test_a_message_that_cannot_be_made_fails_for_that_subscriber_only(smtp, settings, issue_root, subscribers, monkeypatch):
    from coachsite.newsletter.message import Newsletter

    real = Newsletter.message

    def message(self, subscriber, now=None, **kw):
        if subscriber.email == "zoe@example.nl":
            raise ValueError("kapotte naam")
        return real(self, subscriber, now, **kw)

    monkeypatch.setattr(Newsletter, "message", message)
    dry = send(issue_root, subscribers, config_for(smtp, settings), dry_run=True)
    assert [(f.email, f.error) for f in dry.failed] == [
        ("zoe@example.nl", "dit bericht kon niet worden gemaakt: kapotte naam")]
    summary = send(issue_root, subscribers, config_for(smtp, settings))
    assert [(f.email, f.line, f.error) for f in summary.failed] == [
        ("zoe@example.nl", 3, "dit bericht kon niet worden gemaakt: kapotte naam")]
    assert summary.sent == 3 and not summary.marked_sent
    assert ("zoe@example.nl", "failed") in statuses(issue_root)


class ListSource:
    """A RecipientSource that is not a CSV file (as the SQLite store will be)."""

    def __init__(self, people, problems=()):
        self.people, self._problems = people, list(problems)

    def describe(self) -> str:
        return "abonnees.sqlite"

    def problems(self) -> list[Problem]:
        return self._problems

    def recipients(self):
        return iter(self.people)


def test_any_recipient_source_can_feed_send(smtp, settings, issue_root):
    people = [Subscriber(11, "a@example.nl", "A"), Subscriber(12, "b@example.nl", "")]
    source = ListSource(people, [Problem(13, "'c@' is geen geldig e-mailadres", SKIPPED)])
    summary = send(issue_root, source, config_for(smtp, settings))
    assert summary.sent == 2 and summary.marked_sent and [p.line for p in summary.invalid] == [13]
    marker = json.loads((issue_root / DATE / SENT_FILE).read_text(encoding="utf-8"))
    assert marker["subscribers_file"] == "abonnees.sqlite"


def test_a_fatal_problem_of_a_source_stops_before_sending(smtp, settings, issue_root):
    source = ListSource([Subscriber(1, "a@example.nl", "A")], [Problem(0, "database is op slot", FATAL)])
    with pytest.raises(SendError) as error:
        send(issue_root, source, config_for(smtp, settings))
    assert str(error.value) == (
        "abonnees.sqlite: 1 probleem; er is niets verstuurd. Los dit eerst op:\n"
        "  abonnees.sqlite: database is op slot")
    assert smtp.handler.messages == []


# --- Test copies ----------------------------------------------------------------------------


def test_test_copy_goes_only_to_the_coach_and_is_never_logged(smtp, settings, issue_root, subscribers):
    config = config_for(smtp, settings)
    summary = send_test_copy(issue_root / DATE, ["Marieke <marieke@example.nl>", "ruben@example.nl"], config,
                             now=lambda: NOW)
    assert summary.test and summary.sent == 2 and summary.failed == []
    assert smtp.handler.counts() == {"marieke@example.nl": 1, "ruben@example.nl": 1}
    (msg,) = smtp.handler.received("marieke@example.nl")
    assert msg["Subject"] == "[TEST] " + SUBJECT
    assert "Beste Marieke," in msg.get_body(("plain",)).get_content()
    assert "/afmelden?token=" in msg.get_body(("plain",)).get_content()
    assert not (issue_root / DATE / LOG_FILE).exists()

    real = send(issue_root, subscribers, config)  # the test copy counted for nobody
    assert real.sent == 4 and real.marked_sent
    after = send_test_copy(issue_root / DATE, ["marieke@example.nl"], config)  # and works after the send
    assert after.sent == 1 and smtp.handler.counts()["marieke@example.nl"] == 2


def test_test_copy_needs_a_valid_address(smtp, settings, issue_root):
    with pytest.raises(SendError) as error:
        send_test_copy(issue_root / DATE, ["marieke@"], config_for(smtp, settings))
    assert str(error.value) == "testadres 'marieke@': 'marieke@' is geen geldig e-mailadres"
    with pytest.raises(SendError, match="geen adres voor de testversie"):
        send_test_copy(issue_root / DATE, [], config_for(smtp, settings))
    assert smtp.handler.messages == []


def test_a_log_that_cannot_be_written_stops_before_the_final_dot(smtp, settings, issue_root, subscribers, monkeypatch):
    """Disk full while recording the intent: the message must not go out, and the error is the disk's."""
    real = SendLog.append

    def append(self, entry, durable=True):
        if entry.get("status") == "sending" and entry["email"] == "zoe@example.nl":
            raise OSError(28, "No space left on device")
        return real(self, entry, durable)

    monkeypatch.setattr(SendLog, "append", append)
    with pytest.raises(OSError, match="No space left on device"):
        send(issue_root, subscribers, config_for(smtp, settings))
    assert smtp.handler.counts() == {"anna@example.nl": 1}  # zoe's message was never finished
    monkeypatch.undo()
    summary = send(issue_root, subscribers, config_for(smtp, settings))
    assert summary.marked_sent and smtp.handler.counts() == {a: 1 for a in ACTIVE}


# --- One lock helper for auto, send and unsubscribe ----------------------------------------


def test_auto_send_and_unsubscribe_share_one_flock_helper_with_their_own_dutch_refusals(tmp_path):
    from coachsite.locks import FileLock
    from coachsite.month.auto import Busy, _RunLock
    from coachsite.newsletter.sendlog import SendLock, SendLogError
    from coachsite.newsletter.subscribers import SubscriberError
    from coachsite.newsletter.unsubscribe import _file_lock

    csv_file = tmp_path / "abonnees.csv"
    cases = [
        (_RunLock(tmp_path / "newsletters"), lambda: _RunLock(tmp_path / "newsletters"), Busy,
         f"er loopt al een andere auto-ronde ({tmp_path / 'newsletters' / '.auto.lock'})"),
        (SendLock(tmp_path), lambda: SendLock(tmp_path), SendLogError,
         f"{tmp_path / '.send.lock'}: deze nieuwsbrief wordt al verstuurd (proces "),
        (_file_lock(csv_file), lambda: _file_lock(csv_file), SubscriberError,
         f"{tmp_path / '.abonnees.csv.lock'}: een andere 'unsubscribe' past dit bestand aan; probeer het zo nog eens"),
    ]
    for held, second, error, message in cases:
        assert isinstance(held, FileLock)
        with held:
            with pytest.raises(error) as refused:
                second().__enter__()
            assert str(refused.value).startswith(message)
        with second():  # released at the end of the block
            pass


def test_a_lock_of_a_killed_process_is_free_at_once_and_named_while_held(tmp_path):
    import signal
    import subprocess
    import sys

    from coachsite.locks import FileLock

    path = tmp_path / ".send.lock"
    code = ("import sys; from coachsite.locks import FileLock; "
            f"lock = FileLock({str(path)!r}, RuntimeError).__enter__(); print('vast', flush=True); sys.stdin.read()")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "vast\n"
        with pytest.raises(LookupError) as refused:
            FileLock(path, LookupError).__enter__()
        assert str(refused.value).startswith(f"pid {child.pid}, started ")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with FileLock(path, LookupError):
        assert path.read_text(encoding="utf-8").startswith(f"pid {__import__('os').getpid()}, started ")


# --- Closing an uncertain recipient the coach checked ---------------------------------------


def test_confirm_delivered_records_an_outcome_without_a_second_copy_and_finishes_the_issue(smtp, settings, issue_root, subscribers):
    smtp.handler.faults = {"zoe@example.nl": ["drop-accepted"]}
    config = config_for(smtp, settings)
    assert send(issue_root, subscribers, config).uncertain == ["zoe@example.nl"]
    log_before = (issue_root / DATE / LOG_FILE).read_bytes()
    with pytest.raises(SendError) as refused:  # anna has it already; nobody@ was never sent to
        send(issue_root, subscribers, config, confirm_delivered=["anna@example.nl", "niemand@example.nl"])
    assert str(refused.value).startswith("niemand@example.nl staat niet als onzeker in ")
    assert (issue_root / DATE / LOG_FILE).read_bytes() == log_before  # nothing recorded

    done = send(issue_root, subscribers, config, confirm_delivered=["Zoe@Example.nl", "anna@example.nl"])
    assert (done.confirmed, done.sent, done.uncertain, done.marked_sent) == (["zoe@example.nl"], 0, [], True)
    assert smtp.handler.counts()["zoe@example.nl"] == 1  # never a second copy
    last = json.loads((issue_root / DATE / LOG_FILE).read_text(encoding="utf-8").splitlines()[-1])
    assert (last["email"], last["status"], last["confirmed"]) == ("zoe@example.nl", "sent", "coach")
    again = send(issue_root, subscribers, config, confirm_delivered=["zoe@example.nl"])
    assert again.already_marked is not None and smtp.handler.counts()["zoe@example.nl"] == 1


def test_confirm_delivered_never_in_a_dry_run(smtp, settings, issue_root, subscribers):
    with pytest.raises(SendError, match="--confirm-delivered gaat niet samen met"):
        send(issue_root, subscribers, config_for(smtp, settings), dry_run=True, confirm_delivered=["zoe@example.nl"])
    assert not (issue_root / DATE / LOG_FILE).exists()
