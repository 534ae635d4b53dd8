"""Shared pieces of the coach's Click commands: dates, the settings context, and errors.

Why: every command must end a user's mistake with one clear Dutch line and a non-zero exit,
never a traceback. ``CoachError`` is Click's own ``ClickException`` with a translated prefix.
"""

from __future__ import annotations

import datetime as dt
import traceback
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

    def get_metavar(self, param, ctx=None) -> str:
        return _("YYYY-MM-DD")

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(_("'{value}' is not a date like 2026-11-25").format(value=value), param, ctx)


DATE = IsoDate()


def number_range(kind: type = int, **limits) -> click.ParamType:
    """A Click number range whose type name, shown in "'x' is not a valid …", is Dutch too."""
    if kind is int:
        param_type, param_type.name = click.IntRange(**limits), _("whole number")
    else:
        param_type, param_type.name = click.FloatRange(**limits), _("number with a decimal point, e.g. 0.5")
    return param_type


class CoachGroup(click.Group):
    """The coach's command group: usage lines ("Usage: … [OPTIONS]") in her language as well.

    Why ``add_command``: commands are also made elsewhere (plain ``@click.command()``) and added
    later; each gets the translated usage pieces when it joins, subgroups included.
    """

    group_class = type  # subgroups made with @group.group() are CoachGroups too

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_usage(self)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        localize_usage(cmd)
        super().add_command(cmd, name)


class CoachCommand(click.Command):
    """A single command whose usage line is Dutch too ("Gebruik: build.py [OPTIES]")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        localize_usage(self)


def localize_usage(cmd: click.Command) -> None:
    """Replace Click's English defaults "[OPTIONS]" and "COMMAND [ARGS]..." (left alone if customised)."""
    if cmd.options_metavar == "[OPTIONS]":
        cmd.options_metavar = _("[OPTIONS]")
    if isinstance(cmd, click.Group):
        if cmd.subcommand_metavar == "COMMAND [ARGS]...":
            cmd.subcommand_metavar = _("COMMAND [ARGS]...")
        for sub in cmd.commands.values():
            localize_usage(sub)


class Context:
    """What every newsletter command needs: the settings file and the issues folder."""

    def __init__(self, config: Path, root: Path):
        self.config = config
        self.root = root
        self._settings = None

    @property
    def settings(self) -> dict:
        if self._settings is None:
            self._settings = read_config(self.config)
        return self._settings

    @property
    def templates(self) -> Path:
        return self.root / "templates"


def read_config(config: Path, **override) -> dict:
    """Pelican's settings; a mistake in the settings file is one line naming file and line.

    Why: pelicanconf.py is Python the coach may edit (a business detail, a setting); a typo there
    must not greet her with a traceback.
    """
    try:
        return load_settings(config, **override)
    except SyntaxError as error:
        raise CoachError(_config_error(config, error.lineno, error.msg)) from error
    except Exception as error:  # anything the settings file raises while it runs
        lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__)
                 if Path(frame.filename).resolve() == Path(config).resolve()]
        raise CoachError(_config_error(config, lines[-1] if lines else None, f"{type(error).__name__}: {error}")) from error


def _config_error(config: Path, line: int | None, problem: str) -> str:
    if line:
        return _("{path}, line {line}: the settings file has a mistake ({problem}); fix it and try again").format(
            path=config, line=line, problem=problem)
    return _("{path}: the settings file cannot be read ({problem}); fix it and try again").format(
        path=config, problem=problem)


def config_option(help_text: str):
    """The ``--config`` option every command shares: a settings file, pelicanconf.py by default."""
    from coachsite.site import ROOT

    return click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=ROOT / "pelicanconf.py",
        show_default="pelicanconf.py",
        help=help_text,
    )
