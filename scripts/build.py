"""Check the content and build the site atomically (``make html``, ``make publish``, ``make check``)."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from coachsite import click_nl, side_jobs
from coachsite.build import BuildError, build, check, discard_later, leave
from coachsite.checks import Problem
from coachsite.clitools import CoachCommand, CoachError, config_option, read_config
from coachsite.i18n import _
from coachsite.side_jobs import SideJob, SideJobError

ROOT = Path(__file__).resolve().parent.parent
click_nl.install()


def show_warnings(warnings: list[Problem]) -> None:
    """Writing advice, in yellow: it never stops a build."""
    for warning in warnings:
        click.secho(f"{warning.path}:{warning.line}: " + _("warning: {message}").format(message=warning.message), fg="yellow", err=True)


def check_all(config: Path, override: dict) -> tuple[list[Problem], list[Problem]]:
    """Errors and writing advice of every file in content/, in one pass."""
    read_config(config, **override)  # a broken settings file: one Dutch line naming file and line
    warnings: list[Problem] = []
    return check(config, warnings, **override), warnings


class CheckedBeside:
    """``check_all`` in a side job started now; ``gate()`` waits for it, shows the writing
    advice once and raises ``CoachError`` (naming every problem) if the content has problems."""

    def __init__(self, config: Path, override: dict, output: Path):
        self.output, self.key = output, f"{Path(output).resolve()}#checks"
        self.job, self.done = SideJob(self.key, functools.partial(check_all, config, override)), False

    def gate(self) -> None:
        if self.done:
            return
        self.done = True
        try:
            problems, warnings = self.job.result()
        except SideJobError as error:
            raise CoachError(_("Build failed: {error}. {output} is unchanged.").format(error=error, output=self.output)) from error
        show_warnings(warnings)
        if problems:
            fail_on(problems, self.output)

    def stop(self) -> None:
        side_jobs.settle(self.key)


def fail_on(problems: list[Problem], output: Path | None) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    found = _("Problems found: {count}.").format(count=len(problems))
    if output is None:
        raise CoachError(found)
    raise CoachError(found + " " + _("The site was not rebuilt; {output} is unchanged.").format(output=output))


@click.command(cls=CoachCommand, help=_("Check every post, then build the site into a temporary folder and swap it into place."))
@config_option(_("Pelican settings file (publishconf.py for production)."))
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "output",
    show_default="output/",
    help=_("Folder the finished site replaces; left untouched if anything fails."),
)
@click.option(
    "--content",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help=_("Content folder to use instead of the one in the settings."),
)
@click.option("--check-only", is_flag=True, help=_("Only check content/ and report problems; build nothing."))
def main(config: Path, output: Path, content: Path | None, check_only: bool) -> None:
    override = {"PATH": str(content.resolve())} if content else {}
    if check_only:
        problems, warnings = check_all(config, override)
        show_warnings(warnings)
        if problems:
            fail_on(problems, None)
        click.echo(_("All content is fine."))
        return
    read_config(config, **override)  # a broken settings file: one Dutch line naming file and line
    # The checks run beside the build (on the other core; the site is built into a temporary
    # folder anyway) and are waited for before the swap: problems leave output/ as it was.
    checks = CheckedBeside(config, override, output)
    try:
        result = build(config, output, run_checks=False, discard=discard_later, gate=checks.gate, **override)
    except (BuildError, OSError) as error:  # OSError: e.g. a full disk or a read-only folder
        checks.gate()  # content problems explain a failed build better than Pelican does
        for line in getattr(error, "details", []):
            click.echo(line, err=True)
        raise CoachError(_("Build failed: {error}. {output} is unchanged.").format(error=error, output=output)) from error
    finally:
        checks.stop()
    search = result.settings.get("SEARCH_URL", "zoeken/").strip("/")
    articles = len(list((output / search).glob("*/d/*.json")))  # <search>/<content hash>/d/<id>.json
    click.echo(_("Search index: {count} articles.").format(count=articles))
    click.echo(_("Site built into {output} in {seconds} s.").format(output=output, seconds=f"{result.seconds:.1f}".replace(".", ",")))


if __name__ == "__main__":
    try:
        main()
    except SystemExit as done:  # click ends every run this way
        leave(done.code)
