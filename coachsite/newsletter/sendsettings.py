"""The settings ``send`` needs, from pelicanconf.py and the environment, checked before anything is sent.

Every ``NEWSLETTER_*`` setting can be overridden by an environment variable of the same name; the
SMTP password and the unsubscribe secret come from the environment only (never from a file in git).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from coachsite.i18n import _

from . import archive
from .delivery import DEFAULT_PORTS, SECURITY, SendError, SmtpSettings
from .message import MessageError, Newsletter, newsletter_for_issue
from .tokens import TokenError, secret_from_env

PASSWORD_ENV = "NEWSLETTER_SMTP_PASSWORD"
SETTINGS = (
    "NEWSLETTER_FROM",
    "NEWSLETTER_REPLY_TO",
    "NEWSLETTER_SMTP_HOST",
    "NEWSLETTER_SMTP_PORT",
    "NEWSLETTER_SMTP_USER",
    "NEWSLETTER_SMTP_SECURITY",
    "NEWSLETTER_UNSUBSCRIBE_URL",
    "NEWSLETTER_UNSUBSCRIBE_ACTION",
    "NEWSLETTER_UNSUBSCRIBE_MAILTO",
    "NEWSLETTER_TEST_TO",
)
ENV_ONLY = (PASSWORD_ENV, "NEWSLETTER_UNSUBSCRIBE_SECRET")
@dataclass(frozen=True)
class SendSettings:
    smtp: SmtpSettings
    sender: str
    reply_to: str
    unsubscribe_url: str
    unsubscribe_action: str
    unsubscribe_mailto: str
    secret: bytes = field(repr=False)
    test_to: tuple[str, ...] = ()  # NEWSLETTER_TEST_TO: where `send --test-copy` goes


def address_list(text: str) -> tuple[str, ...]:
    """A setting with several addresses ("a@x.nl, b@y.nl" or with semicolons, as Outlook writes them)."""
    return tuple(a.strip() for a in str(text or "").replace(";", ",").split(",") if a.strip())


def effective(settings: Mapping, environ: Mapping[str, str]) -> dict[str, str]:
    """The newsletter settings, each replaced by an environment variable of the same name if set."""
    for name in ENV_ONLY:
        if name in settings:
            raise SendError(_(
                "{name} must not be in pelicanconf.py/publishconf.py (it would end up in git); "
                "set the environment variable instead"
            ).format(name=name))
    return {name: str(environ[name] if name in environ else settings.get(name, "") or "").strip() for name in SETTINGS}


def smtp_settings(settings: Mapping, environ: Mapping[str, str] | None = None) -> SmtpSettings:
    environ = os.environ if environ is None else environ
    values = effective(settings, environ)
    security = values["NEWSLETTER_SMTP_SECURITY"].lower() or "starttls"
    if security not in SECURITY:
        raise SendError(_("NEWSLETTER_SMTP_SECURITY is '{value}'; use one of {allowed}").format(
            value=security, allowed=", ".join(SECURITY)))
    host = values["NEWSLETTER_SMTP_HOST"]
    if not host:
        raise SendError(_("NEWSLETTER_SMTP_HOST is not set: your mail provider's SMTP server, e.g. smtp.example.nl"))
    port_text = values["NEWSLETTER_SMTP_PORT"] or str(DEFAULT_PORTS[security])
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise SendError(_("NEWSLETTER_SMTP_PORT is '{value}'; use a port number such as 587").format(value=port_text))
    return SmtpSettings(
        host=host,
        port=int(port_text),
        security=security,
        user=values["NEWSLETTER_SMTP_USER"],
        password=environ.get(PASSWORD_ENV, ""),
    )


def send_settings(settings: Mapping, environ: Mapping[str, str] | None = None) -> SendSettings:
    """Everything ``send`` needs, checked up front so a run never stops half-way over a setting."""
    environ = os.environ if environ is None else environ
    values = effective(settings, environ)
    try:
        secret = secret_from_env(environ)
    except TokenError as error:
        raise SendError(str(error)) from error
    if not values["NEWSLETTER_FROM"]:
        raise SendError(_("NEWSLETTER_FROM is not set, e.g. 'Marieke Jansen <nieuwsbrief@klantgerichtwerkt.nl>'"))
    return SendSettings(
        smtp=smtp_settings(settings, environ),
        sender=values["NEWSLETTER_FROM"],
        reply_to=values["NEWSLETTER_REPLY_TO"],
        unsubscribe_url=values["NEWSLETTER_UNSUBSCRIBE_URL"],
        unsubscribe_action=values["NEWSLETTER_UNSUBSCRIBE_ACTION"],
        unsubscribe_mailto=values["NEWSLETTER_UNSUBSCRIBE_MAILTO"],
        secret=secret,
        test_to=address_list(values["NEWSLETTER_TEST_TO"]),
    )


def newsletter_for(issue: archive.IssueRecord, config: SendSettings) -> Newsletter:
    """The issue's message factory with this run's sender and unsubscribe settings."""
    try:
        return newsletter_for_issue(
            issue.folder,
            issue.data,
            sender=config.sender,
            reply_to=config.reply_to,
            unsubscribe_url=config.unsubscribe_url,
            unsubscribe_action=config.unsubscribe_action,
            unsubscribe_mailto=config.unsubscribe_mailto,
            secret=config.secret,
        )
    except MessageError as error:
        raise SendError(str(error)) from error
