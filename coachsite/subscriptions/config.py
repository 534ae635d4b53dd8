"""The service's settings: from pelicanconf.py like every other setting, each overridable by the
environment (same name), so one file serves development, tests and the VPS."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from coachsite.i18n import _
from coachsite.site import ROOT

DEFAULTS = {
    "NEWSLETTER_SERVICE_URL": "http://127.0.0.1:8001",
    "NEWSLETTER_DB": str(ROOT / "data" / "subscribers.sqlite3"),
    "SUBSCRIBER_RETENTION_DAYS": 30,
    "NEWSLETTER_CONFIRM_DAYS": 7,
    "NEWSLETTER_CONFIRM_MAILS_PER_DAY": 3,
    "NEWSLETTER_CLIENT_LIMIT": 10,
    "NEWSLETTER_CLIENT_WINDOW": 600,
    "NEWSLETTER_OUTBOX_RETRY": 60,
    "NEWSLETTER_CONSENT_TEXT": "Door je in te schrijven ga je akkoord met de privacyvoorwaarden.",
}
INTEGERS = {name for name, value in DEFAULTS.items() if isinstance(value, int)}


class ConfigError(Exception):
    """A setting has a value the service cannot use; the message names it."""


@dataclass(frozen=True)
class ServiceSettings:
    service_url: str
    db: Path
    site_url: str
    privacy_url: str
    consent_text: str
    retention_days: int = 30
    confirm_days: int = 7
    mails_per_day: int = 3
    client_limit: int = 10  # sign-ups per client per window; 0 switches the limit off
    client_window: int = 600
    retry_seconds: int = 60


def value(settings: Mapping, name: str, environ: Mapping[str, str] | None = None):
    environ = os.environ if environ is None else environ
    raw = environ.get(name, settings.get(name, DEFAULTS[name]))
    if name in INTEGERS:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(_("{name} is '{value}'; use a whole number").format(name=name, value=raw)) from None
        if number < 0:
            raise ConfigError(_("{name} is '{value}'; use a whole number of 0 or more").format(name=name, value=raw))
        return number
    return str(raw).strip()


def service_settings(settings: Mapping, environ: Mapping[str, str] | None = None) -> ServiceSettings:
    url = value(settings, "NEWSLETTER_SERVICE_URL", environ).rstrip("/")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise ConfigError(_("NEWSLETTER_SERVICE_URL is '{value}'; use an address like https://nieuwsbrief.example.nl").format(
            value=url))
    site = str(settings.get("PUBLIC_SITEURL", "")).rstrip("/")
    return ServiceSettings(
        service_url=url,
        db=Path(value(settings, "NEWSLETTER_DB", environ)),
        site_url=site,
        privacy_url=f"{site}/{settings.get('PRIVACY_URL', 'privacy/')}",
        consent_text=value(settings, "NEWSLETTER_CONSENT_TEXT", environ),
        retention_days=value(settings, "SUBSCRIBER_RETENTION_DAYS", environ),
        confirm_days=value(settings, "NEWSLETTER_CONFIRM_DAYS", environ),
        mails_per_day=value(settings, "NEWSLETTER_CONFIRM_MAILS_PER_DAY", environ),
        client_limit=value(settings, "NEWSLETTER_CLIENT_LIMIT", environ),
        client_window=value(settings, "NEWSLETTER_CLIENT_WINDOW", environ),
        retry_seconds=value(settings, "NEWSLETTER_OUTBOX_RETRY", environ),
    )
