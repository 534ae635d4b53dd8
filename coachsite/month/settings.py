"""What the unattended month needs from the settings, each overridable by the environment.

Why one place: cron, systemd and CI differ only in their environment, so every month setting is
read here with the same rule as the NEWSLETTER_* sending settings (an environment variable of
the same name wins over pelicanconf.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from coachsite.newsletter.sendsettings import address_list
from coachsite.clitools import CoachError
from coachsite.i18n import _

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class MonthSettings:
    test_to: tuple[str, ...]  # the coach's address(es): test copies, reminders, reports
    test_days_before: int
    reminder_days_before: int
    deploy_target: str  # rsync destination: user@host:/path/ or a local folder
    publish_dir: Path
    subscribers: str  # the list source: a CSV path today
    site_url: str  # the live site, where the web copy is checked


def _value(name: str, settings: Mapping, environ: Mapping[str, str]):
    return environ[name] if name in environ else settings.get(name)


def _days(name: str, settings: Mapping, environ: Mapping[str, str], default: int) -> int:
    raw = _value(name, settings, environ)
    text = str(default if raw in (None, "") else raw).strip()
    if not text.isdigit():
        raise CoachError(_("{name} is '{value}'; use a number of days such as 2").format(name=name, value=text))
    return int(text)


def month_settings(settings: Mapping, environ: Mapping[str, str] | None = None) -> MonthSettings:
    """The month's settings from Pelican's settings dict and the environment."""
    environ = os.environ if environ is None else environ
    test_to = str(_value("NEWSLETTER_TEST_TO", settings, environ) or "")
    publish_dir = Path(str(_value("PUBLISH_DIR", settings, environ) or "publish"))
    if not publish_dir.is_absolute():
        publish_dir = ROOT / publish_dir
    test_days = _days("NEWSLETTER_TEST_DAYS_BEFORE", settings, environ, 2)
    reminder_days = _days("NEWSLETTER_REMINDER_DAYS_BEFORE", settings, environ, 7)
    return MonthSettings(
        test_to=address_list(test_to),
        test_days_before=test_days,
        reminder_days_before=reminder_days,
        deploy_target=str(_value("DEPLOY_RSYNC_TARGET", settings, environ) or "").strip(),
        publish_dir=publish_dir,
        subscribers=str(_value("NEWSLETTER_SUBSCRIBERS", settings, environ) or "").strip(),
        site_url=str(settings.get("PUBLIC_SITEURL", "")).rstrip("/"),
    )
