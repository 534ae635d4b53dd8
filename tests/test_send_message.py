"""One personal message: headers, both parts, links, encoding, no header injection; settings;
the pieces of the send loop that need no server (error classes, rate limit)."""

from __future__ import annotations

import base64
import email
import json
import smtplib
from html import escape
import ssl
from email import policy
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from coachsite.newsletter.archive import load_issue
from coachsite.newsletter.message import MessageError, Newsletter, clean_name, newsletter_for_issue, to_bytes
from coachsite.newsletter.delivery import UNCERTAIN, SmtpSettings, UncertainDelivery
from coachsite.newsletter.send import (
    FATAL,
    PERMANENT,
    TRANSIENT,
    RateLimit,
    SendError,
    classify,
    newsletter_for,
    send_settings,
    smtp_settings,
)
from coachsite.newsletter.subscribers import Subscriber
from coachsite.newsletter.tokens import verify_token
from send_helpers import DATE, NOW, SECRET, SUBJECT, built_issue, issue_root  # noqa: F401 (fixtures)

ENV = {"NEWSLETTER_UNSUBSCRIBE_SECRET": SECRET}


@pytest.fixture
def newsletter(issue_root, settings) -> Newsletter:
    return newsletter_for(load_issue(issue_root / DATE), send_settings(settings, ENV))


def roundtrip(newsletter: Newsletter, subscriber: Subscriber) -> tuple[bytes, email.message.EmailMessage]:
    data = to_bytes(newsletter.message(subscriber, NOW))
    return data, email.message_from_bytes(data, policy=policy.default)


def test_headers(newsletter, settings):
    data, msg = roundtrip(newsletter, Subscriber(3, "Zoe@Example.nl", "Zoë"))
    assert msg["From"] == settings["NEWSLETTER_FROM"]
    assert msg["Reply-To"] == settings["NEWSLETTER_REPLY_TO"]
    assert msg["To"] == "Zoë <Zoe@Example.nl>"
    assert msg["To"].addresses[0].display_name == "Zoë"
    assert msg["Subject"] == SUBJECT
    assert parsedate_to_datetime(msg["Date"]) == NOW
    assert msg["Date"].endswith("+0100")  # Amsterdam time
    assert msg["Message-ID"].startswith("<") and msg["Message-ID"].endswith("@klantgerichtwerkt.nl>")
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/alternative"
    assert not msg.defects and all(not part.defects for part in msg.iter_parts())
    assert data.isascii()
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only, as SMTP wants


def test_text_then_html_both_utf8_personal(newsletter):
    _, msg = roundtrip(newsletter, Subscriber(3, "zoe@example.nl", "Zoë"))
    text, html = list(msg.iter_parts())
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert text["Content-Transfer-Encoding"] == html["Content-Transfer-Encoding"] == "quoted-printable"
    for part in (text, html):
        body = part.get_content()
        assert "Beste Zoë," in body
        assert "Eén gesprek dat alles verandert" in body
        assert "%%" not in body
    assert "ideeën en één vraag" in html.get_content()


@pytest.mark.parametrize("name", ["Anna", "", "Zoë van den Berg-El Amrani " * 4, "<b>&</b>", "=?utf-8?q?x?= =3D"])
def test_parts_decode_to_exactly_the_personalised_issue(issue_root, newsletter, name):
    from coachsite.newsletter.preview import personalise

    _, msg = roundtrip(newsletter, Subscriber(2, "anna@example.nl", name))
    text, html = (part.get_content().replace("\r\n", "\n") for part in msg.iter_parts())
    clean = clean_name(name)
    link = newsletter.links("anna@example.nl").page
    folder = issue_root / DATE
    assert text == personalise((folder / "email.txt").read_text(encoding="utf-8"), clean, link)
    assert html == personalise((folder / "email.html").read_text(encoding="utf-8"), escape(clean), escape(link))
    for part in msg.iter_parts():
        raw = part.get_payload()  # still quoted-printable
        assert all(len(line) <= 76 for line in raw.splitlines()), max(raw.splitlines(), key=len)


@pytest.mark.parametrize("length", range(60, 90))
def test_qp_template_keeps_lines_short_at_every_boundary(length):
    from coachsite.newsletter.message import QPTemplate

    for filler in ("a", "é", "=", " "):
        body = (filler * length)[:length] + "%%X%%" + "b" * length + "\n"
        encoded = QPTemplate(body, ("%%X%%",)).fill({"%%X%%": "é" * length})
        assert all(len(line) <= 76 for line in encoded.splitlines())
        import quopri

        assert quopri.decodestring(encoded.encode()).decode() == body.replace("%%X%%", "é" * length)


def test_greeting_without_name_is_hallo(newsletter):
    _, msg = roundtrip(newsletter, Subscriber(4, "piet@example.nl", ""))
    assert msg["To"] == "piet@example.nl"
    for part in msg.iter_parts():
        assert "Hallo," in part.get_content() and "Beste" not in part.get_content()


def test_personal_unsubscribe_link_in_both_parts_and_list_unsubscribe_headers(newsletter, settings):
    _, msg = roundtrip(newsletter, Subscriber(2, "Anna@example.nl", "Anna"))
    text, html = (part.get_content() for part in msg.iter_parts())
    page = settings["NEWSLETTER_SERVICE_URL"] + "/afmelden?token="  # the subscriber service
    token = text.split(page, 1)[1].split()[0]
    assert verify_token(token, SECRET.encode()) == "anna@example.nl"
    assert f'href="{page}{token}"' in html
    uris = [u.strip().strip("<>") for u in msg["List-Unsubscribe"].split(",")]
    one_click, mailto = uris
    assert one_click == f"{settings['NEWSLETTER_UNSUBSCRIBE_ACTION']}?token={token}"
    assert one_click.startswith("https://")
    assert urlsplit(mailto).path == settings["NEWSLETTER_UNSUBSCRIBE_MAILTO"]
    assert unquote(parse_qs(urlsplit(mailto).query)["subject"][0]) == f"afmelden {token}"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_list_unsubscribe_is_never_encoded_or_folded(newsletter):
    data, _ = roundtrip(newsletter, Subscriber(2, "een.heel.lang.adres.van.iemand@subdomein.example.nl", "A"))
    (line,) = [l for l in data.split(b"\r\n") if l.startswith(b"List-Unsubscribe:")]
    assert b"=?" not in line and line.count(b"<") == 2


@pytest.mark.parametrize(
    "name",
    ["Anna\r\nBcc: evil@example.com", "Anna\nX-Injected: 1", "Anna\rSubject: spam", "Anna\x00\x1b\u2028Bcc: x@y.nl"],
)
def test_names_cannot_inject_headers(newsletter, name):
    data, msg = roundtrip(newsletter, Subscriber(2, "anna@example.nl", name))
    assert {k.lower() for k in msg.keys()} == {
        "date", "message-id", "from", "reply-to", "to", "subject", "list-unsubscribe",
        "list-unsubscribe-post", "mime-version", "content-type",
    }
    assert msg["To"].addresses[0].addr_spec == "anna@example.nl"
    assert b"\r\nBcc:" not in data and b"\r\nX-Injected" not in data
    assert "\n" not in msg["To"] and "\r" not in msg["To"]


def test_names_are_html_escaped_in_the_html_part(newsletter):
    _, msg = roundtrip(newsletter, Subscriber(2, "anna@example.nl", '<script>alert("x")</script>'))
    html = msg.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "Beste &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;," in html
    assert 'Beste <script>alert("x")</script>,' in msg.get_body(("plain",)).get_content()


def test_clean_name():
    assert clean_name("  Anna \r\n  de\tVries ") == "Anna de Vries"
    assert clean_name("x" * 500) == "x" * 100


MINIMAL = dict(
    sender="A <a@b.nl>", reply_to="", unsubscribe_url="https://x.nl/?token={token}",
    unsubscribe_action="https://x.nl/a", unsubscribe_mailto="", secret=b"s" * 20,
)


def test_subject_with_a_line_break_is_refused(issue_root):
    data = json.loads((issue_root / DATE / "issue.json").read_text(encoding="utf-8"))
    data["subject"] = "Tips\r\nBcc: evil@example.com"
    with pytest.raises(MessageError, match="issue.json: veld 'subject' bevat een regeleinde"):
        newsletter_for_issue(issue_root / DATE, data, **MINIMAL)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sender": "geen adres"}, "NEWSLETTER_FROM"),
        ({"sender": "a@b.nl, c@d.nl"}, "NEWSLETTER_FROM"),
        ({"reply_to": "Iemand <kapot"}, "NEWSLETTER_REPLY_TO"),
        ({"unsubscribe_url": "https://x.nl/afmelden/"}, "moet {token} bevatten"),
        ({"unsubscribe_url": "https://x.nl/af melden/?t={token}"}, "NEWSLETTER_UNSUBSCRIBE_URL"),
        ({"unsubscribe_action": "http://x.nl/afmelden"}, "https://"),
        ({"unsubscribe_action": ""}, "NEWSLETTER_UNSUBSCRIBE_ACTION"),
    ],
)
def test_bad_settings_are_refused_before_sending(issue_root, change, message):
    body = "%%GREETING%% %%UNSUBSCRIBE_URL%%"
    args = dict(subject="Onderwerp", html_body=body, text_body=body, **MINIMAL)
    with pytest.raises(MessageError, match=message.replace("{", r"\{").replace("}", r"\}")):
        Newsletter(**{**args, **change})


def test_issue_without_placeholders_is_refused(issue_root):
    (issue_root / DATE / "email.txt").write_text("%%GREETING%% maar geen afmeldlink", encoding="utf-8")
    with pytest.raises(MessageError, match="email.txt heeft geen plaatshouder %%UNSUBSCRIBE_URL%%"):
        newsletter_for_issue(issue_root / DATE, {"subject": "x"}, **MINIMAL)


# --- Settings -----------------------------------------------------------------------------


def test_settings_come_from_pelicanconf(settings):
    config = send_settings(settings, {**ENV, "NEWSLETTER_SMTP_PASSWORD": "pw"})
    assert config.smtp.host == settings["NEWSLETTER_SMTP_HOST"]
    assert config.smtp.port == settings["NEWSLETTER_SMTP_PORT"]
    assert config.smtp.security == settings["NEWSLETTER_SMTP_SECURITY"]
    assert config.smtp.user == settings["NEWSLETTER_SMTP_USER"] and config.smtp.password == "pw"
    assert config.unsubscribe_url == settings["NEWSLETTER_SERVICE_URL"] + "/afmelden?token={token}"
    assert config.secret == SECRET.encode()


def test_each_setting_is_overridden_by_the_environment(settings):
    env = {
        **ENV,
        "NEWSLETTER_FROM": "Test <test@example.nl>",
        "NEWSLETTER_REPLY_TO": "",
        "NEWSLETTER_SMTP_HOST": "127.0.0.1",
        "NEWSLETTER_SMTP_PORT": "2525",
        "NEWSLETTER_SMTP_USER": "",
        "NEWSLETTER_SMTP_SECURITY": "TLS",
        "NEWSLETTER_UNSUBSCRIBE_URL": "https://test.nl/a/?token={token}",
        "NEWSLETTER_UNSUBSCRIBE_ACTION": "https://test.nl/post",
        "NEWSLETTER_UNSUBSCRIBE_MAILTO": "uit@test.nl",
    }
    config = send_settings(settings, env)
    assert (config.smtp.host, config.smtp.port, config.smtp.security, config.smtp.user) == ("127.0.0.1", 2525, "tls", "")
    assert (config.sender, config.reply_to) == ("Test <test@example.nl>", "")
    assert (config.unsubscribe_url, config.unsubscribe_action, config.unsubscribe_mailto) == (
        "https://test.nl/a/?token={token}", "https://test.nl/post", "uit@test.nl")


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "NEWSLETTER_UNSUBSCRIBE_SECRET is niet ingesteld"),
        ({**ENV, "NEWSLETTER_SMTP_USER": "", "NEWSLETTER_SMTP_SECURITY": "ssl"}, "gebruik een van none, starttls, tls"),
        ({**ENV, "NEWSLETTER_SMTP_USER": "", "NEWSLETTER_SMTP_PORT": "587x"}, "NEWSLETTER_SMTP_PORT is '587x'"),
        ({**ENV, "NEWSLETTER_SMTP_USER": "", "NEWSLETTER_SMTP_HOST": ""}, "NEWSLETTER_SMTP_HOST is niet ingesteld"),
        ({**ENV, "NEWSLETTER_SMTP_USER": "", "NEWSLETTER_SMTP_PASSWORD": "pw"},
         "NEWSLETTER_SMTP_PASSWORD is ingesteld maar NEWSLETTER_SMTP_USER is leeg"),
    ],
)
def test_missing_or_bad_settings_are_clear_errors(settings, env, message):
    with pytest.raises(SendError, match=message):
        send_settings(settings, env)


def test_password_and_secret_are_refused_in_pelicanconf(settings):
    with pytest.raises(SendError, match="NEWSLETTER_SMTP_PASSWORD hoort niet in pelicanconf.py"):
        smtp_settings({**settings, "NEWSLETTER_SMTP_PASSWORD": "geheim"}, ENV)


# --- Pieces of the send loop ---------------------------------------------------------------


@pytest.mark.parametrize(
    "error, kind, code",
    [
        (smtplib.SMTPRecipientsRefused({"a@b.nl": (451, b"later")}), TRANSIENT, 451),
        (smtplib.SMTPRecipientsRefused({"a@b.nl": (550, b"no such user")}), PERMANENT, 550),
        (smtplib.SMTPDataError(452, b"full"), TRANSIENT, 452),
        (smtplib.SMTPDataError(554, b"rejected"), PERMANENT, 554),
        (smtplib.SMTPSenderRefused(451, b"later", "n@k.nl"), TRANSIENT, 451),
        (smtplib.SMTPSenderRefused(553, b"not yours", "n@k.nl"), FATAL, 553),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), FATAL, 535),
        (smtplib.SMTPServerDisconnected("gone"), TRANSIENT, None),
        (ConnectionResetError(104, "reset"), TRANSIENT, None),
        (TimeoutError("timed out"), TRANSIENT, None),
        (smtplib.SMTPNotSupportedError("no STARTTLS"), FATAL, None),
        (ssl.SSLCertVerificationError("bad cert"), FATAL, None),
        (smtplib.SMTPSenderRefused(530, b"authentication required", "n@k.nl"), FATAL, 530),
        (smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server."), FATAL, None),
        (UncertainDelivery("timed out"), UNCERTAIN, None),
    ],
)
def test_classify(error, kind, code):
    assert classify(error)[:2] == (kind, code)


def test_classify_reraises_programming_errors():
    with pytest.raises(KeyError):
        classify(KeyError("bug"))


def test_rate_limit_spaces_messages_without_real_sleeping():
    clock = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    pace = RateLimit(4, lambda: clock[0], sleep)
    for _ in range(5):
        pace.wait()
        clock[0] += 0.05  # the send itself
    assert slept == pytest.approx([0.2, 0.2, 0.2, 0.2])
    assert RateLimit(None, lambda: 0.0, sleep).wait() is None and len(slept) == 4


def test_auth_hints_say_what_to_set():
    assert classify(smtplib.SMTPSenderRefused(530, b"5.7.0 authentication required", "n@k.nl"))[2] == (
        "5.7.0 authentication required (de server wil dat je inlogt: stel NEWSLETTER_SMTP_USER en "
        "NEWSLETTER_SMTP_PASSWORD in)")
    assert classify(smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server."))[2] == (
        "de server biedt geen inloggen aan (SMTP AUTH); is dat ook niet nodig, haal NEWSLETTER_SMTP_PASSWORD dan weg")


# --- Secrets and unencrypted connections ----------------------------------------------------


def test_secrets_never_appear_in_a_repr(settings):
    env = {**ENV, "NEWSLETTER_SMTP_PASSWORD": "zeer-geheim-wachtwoord"}
    config = send_settings(settings, env)
    assert config.smtp.password == "zeer-geheim-wachtwoord"
    for text in (repr(config), repr(config.smtp), str(config)):
        assert "zeer-geheim-wachtwoord" not in text and SECRET not in text


@pytest.mark.parametrize("host", ["smtp.example.nl", "192.0.2.10", "::ffff:192.0.2.10"])
def test_no_password_over_an_unencrypted_connection_to_another_host(settings, host):
    env = {**ENV, "NEWSLETTER_SMTP_SECURITY": "none", "NEWSLETTER_SMTP_HOST": host, "NEWSLETTER_SMTP_PASSWORD": "pw"}
    with pytest.raises(SendError) as error:
        send_settings(settings, env)
    assert str(error.value) == (
        f"NEWSLETTER_SMTP_SECURITY is 'none': het wachtwoord zou onversleuteld naar {host} gaan. Gebruik "
        "starttls of tls (alleen een server op deze computer mag none gebruiken)")
    assert "pw" not in str(error.value).replace("password", "")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.53"])
def test_unencrypted_is_allowed_to_a_loopback_host_and_without_password(settings, host):
    env = {**ENV, "NEWSLETTER_SMTP_SECURITY": "none", "NEWSLETTER_SMTP_HOST": host, "NEWSLETTER_SMTP_PASSWORD": "pw"}
    assert send_settings(settings, env).smtp.host == host
    assert SmtpSettings("smtp.example.nl", 25, "none").password == ""  # no password: nothing to protect


# --- Names holding encoded words, stable Message-IDs, test copies ---------------------------

ENCODED_CRLF = "=?utf-8?b?" + base64.b64encode(b"Anna\r\nBcc: buiten@example.com").decode() + "?="


def test_a_name_holding_an_encoded_word_is_shown_literally_and_injects_nothing(newsletter):
    data, msg = roundtrip(newsletter, Subscriber(21, "anna@example.nl", ENCODED_CRLF))
    (to_line,) = [line for line in data.split(b"\r\n") if line.startswith(b"To:")]
    assert to_line == b"To: =?utf-8?q?=3D=3Futf-8=3Fb=3FQW5uYQ0KQmNjOiBidWl0ZW5AZXhhbXBsZS5jb20=3D=3F=3D?= <anna@example.nl>"
    assert b"\r\nBcc:" not in data and "bcc" not in {k.lower() for k in msg.keys()}
    assert msg["To"].addresses[0].display_name == ENCODED_CRLF
    assert f"Beste {ENCODED_CRLF}," in msg.get_body(("plain",)).get_content()


@pytest.mark.parametrize("name", ["Zoë", "Jan, de Vries", 'Piet "de Pet" \\ Jansen', "Lezer 1", "Ærøskøbing " * 9])
def test_to_header_round_trips_every_name(newsletter, name):
    from email.header import decode_header, make_header

    data, msg = roundtrip(newsletter, Subscriber(2, "x@example.nl", name))
    assert msg["To"].addresses[0].addr_spec == "x@example.nl"
    if name.isascii():
        assert msg["To"].addresses[0].display_name == clean_name(name)
    else:  # RFC 2047 decoding (Python's own parser adds a space between adjacent encoded words)
        raw = data.split(b"\r\nTo: ", 1)[1].split(b"\r\nSubject:", 1)[0].decode("ascii")
        assert str(make_header(decode_header(raw.replace("\r\n", "")))) == f"{clean_name(name)} <x@example.nl>"


def test_message_id_is_stable_per_issue_and_recipient(newsletter):
    first = newsletter.message(Subscriber(2, "anna@example.nl", "Anna"), NOW)["Message-ID"]
    again = newsletter.message(Subscriber(9, "Anna@Example.nl", "A"), NOW)["Message-ID"]
    other = newsletter.message(Subscriber(3, "zoe@example.nl", "Zoë"), NOW)["Message-ID"]
    assert first == again != other
    assert first.startswith(f"<{DATE}.") and first.endswith("@klantgerichtwerkt.nl>")
    assert "anna" not in first  # an HMAC: the address cannot be read from it


def test_test_copy_has_test_subject_and_its_own_message_id(newsletter):
    person = Subscriber(1, "marieke@example.nl", "Marieke")
    msg = newsletter.message(person, NOW, test=True)
    assert msg["Subject"] == "[TEST] " + SUBJECT
    assert msg["Message-ID"] != newsletter.message_id(person.email)
