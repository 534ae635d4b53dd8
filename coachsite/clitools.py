"""Shared pieces of the coach's Click commands: dates, the settings context, and errors.

Why: every command must end a user's mistake with one clear Dutch line and a non-zero exit,
never a traceback. ``CoachError`` is Click's own ``ClickException`` with a translated prefix.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from coachsite.i18n import _
from coachsite.site import load_settings


class CoachError(click.ClickException):
    """A user's mistake or a problem she can fix: one line on stderr, exit 1."""

    def show(self, file=None) -> None:
        click.secho(_("Error: {message}").format(message=self.format_message()), fg="red", err=True)


class IsoDate(click.ParamType):
    """A calendar date written as YYYY-MM-DD (the only form the tools accept)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(_("'{value}' is not a date like 2026-11-25").format(value=value), param, ctx)


DATE = IsoDate()


class Context:
    """What every newsletter command needs: the settings file and the issues folder."""

    def __init__(self, config: Path, root: Path):
        self.config = config
        self.root = root
        self._settings = None

    @property
    def settings(self) -> dict:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    @property
    def templates(self) -> Path:
        return self.root / "templates"
