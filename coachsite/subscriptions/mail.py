"""The confirmation email: MJML compiled to HTML once per process, plus a text part, as SMTP bytes.

Why by hand: the outbox worker shares the process (and the GIL) with the web server, and
``EmailMessage`` took about 10 ms per message, which showed up as sign-up latency. Here the
MJML is compiled once with placeholders; per message only the greeting and the link are filled
in: the two parts are the newsletter's :class:`QPTemplate`s, quoted-printable encoded once per
process, with only the greeting and the link encoded per message. Header values that come
from a reader are the address (checked) and the name (``web`` refuses line breaks, quotes,
backslashes and encoded-word syntax); ``formataddr`` RFC 2047-encodes a non-ASCII name.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import secrets
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from mjml import mjml2html

from coachsite.newsletter.message import QPTemplate

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUBJECT = "Bevestig je aanmelding voor de nieuwsbrief"
GREETING, CONFIRM_URL = "%%GREETING%%", "%%CONFIRM_URL%%"  # per message; %%SITENAME%%, %%DAYS%% per process


@functools.lru_cache(maxsize=None)
def _text() -> str:
    return (TEMPLATES / "confirm.txt").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def _compiled_html() -> str:
    return mjml2html((TEMPLATES / "confirm.mjml").read_text(encoding="utf-8"), fonts={}, disable_comments=True)


@functools.lru_cache(maxsize=8)
def _subject(sitename: str) -> str:
    subject = f"{SUBJECT} van {sitename}"
    return subject if subject.isascii() else Header(subject, "utf-8").encode(linesep="\r\n ")


def greeting(name: str) -> str:
    return f"Hallo {name}," if name else "Hallo,"


@functools.lru_cache(maxsize=8)
def _templates(sitename: str, days: int) -> dict[str, QPTemplate]:
    """The text and HTML parts with the fixed values filled in, encoded once."""
    text, body = _text(), _compiled_html()
    for placeholder, value in (("%%SITENAME%%", sitename), ("%%DAYS%%", str(days))):
        text, body = text.replace(placeholder, value), body.replace(placeholder, html.escape(value))
    return {subtype: QPTemplate(content.replace("\r\n", "\n"), (GREETING, CONFIRM_URL))
            for subtype, content in (("plain", text), ("html", body))}


def _ascii_header(name: str, value: str) -> bytes:
    return f"{name}: {value}\r\n".encode("ascii")


def confirm_bytes(sender: str, recipient: str, name: str, url: str, sitename: str, days: int,
                  now: dt.datetime | None = None) -> bytes:
    """The whole message, CRLF line ends, 7-bit: ready for SMTP DATA."""
    templates = _templates(sitename, days)
    values = {"plain": {GREETING: greeting(name), CONFIRM_URL: url},
              "html": {GREETING: html.escape(greeting(name)), CONFIRM_URL: html.escape(url)}}
    boundary = f"=_kgw_{secrets.token_hex(12)}"
    sender_name, sender_address = parseaddr(sender)
    head = b"".join((
        _ascii_header("Date", format_datetime(now or dt.datetime.now(dt.timezone.utc))),
        _ascii_header("From", formataddr((sender_name, sender_address), charset="utf-8")),
        _ascii_header("To", formataddr((name, recipient), charset="utf-8")),
        _ascii_header("Subject", _subject(sitename)),
        _ascii_header("Message-ID", make_msgid(domain=sender_address.rpartition("@")[2] or None)),
        _ascii_header("Auto-Submitted", "auto-generated"),
        _ascii_header("MIME-Version", "1.0"),
        _ascii_header("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ))
    parts = []
    for subtype, template in templates.items():
        encoded = template.fill(values[subtype]).replace("\n", "\r\n").encode("ascii")
        parts.append(
            f"--{boundary}\r\nContent-Type: text/{subtype}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode("ascii") + encoded + b"\r\n"
        )
    return head + b"\r\n" + b"".join(parts) + f"--{boundary}--\r\n".encode("ascii")
