"""The confirmation email: MJML compiled to HTML once per process, plus a text part.

Only the greeting and the link differ per reader, so the MJML is compiled once with placeholders
(mjml-python is the slow part) and filled per message, HTML-escaped in the HTML part. The name a
reader typed can only reach the ``To`` header through ``Address`` (which encodes it), and
``web`` refuses names with line breaks or encoded-word syntax before they are stored.
"""

from __future__ import annotations

import functools
import html
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path

from mjml import mjml2html

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUBJECT = "Bevestig je aanmelding voor de nieuwsbrief"


@functools.lru_cache(maxsize=None)
def _compiled_html() -> str:
    return mjml2html((TEMPLATES / "confirm.mjml").read_text(encoding="utf-8"), fonts={}, disable_comments=True)


def greeting(name: str) -> str:
    return f"Hallo {name}," if name else "Hallo,"


def confirm_message(sender: str, recipient: str, name: str, url: str, sitename: str, days: int) -> EmailMessage:
    values = {"%%GREETING%%": greeting(name), "%%CONFIRM_URL%%": url, "%%SITENAME%%": sitename, "%%DAYS%%": str(days)}
    text = (TEMPLATES / "confirm.txt").read_text(encoding="utf-8")
    body = _compiled_html()
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
        body = body.replace(placeholder, html.escape(value))
    msg = EmailMessage(policy=policy.SMTP)  # CRLF line ends: SMTP DATA takes bytes as they are
    msg["From"] = sender
    msg["To"] = Address(display_name=name, addr_spec=recipient)
    msg["Subject"] = f"{SUBJECT} van {sitename}"
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(body, subtype="html")
    return msg
