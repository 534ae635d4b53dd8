"""The monthly newsletter: ``schedule``, ``build``, ``preview``, ``list`` (and ``send``, ``unsubscribe``).

A thin Click layer: every command parses its options, calls a function in ``coachsite.newsletter``
and prints the result. Run ``python scripts/newsletter.py --help`` or ``make newsletter DATE=…``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from coachsite.dates import nl_date, today
from coachsite.newsletter import archive
from coachsite.newsletter.issue import IssueError, build_issue
from coachsite.newsletter.render import RenderError
from coachsite.newsletter.schedule import issue_dates, next_issue_date
from coachsite.site import load_settings

ROOT = Path(__file__).resolve().parent.parent


class IsoDate(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"'{value}' is not a date like 2026-11-25", param, ctx)


DATE = IsoDate()


class Context:
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


def fail(message: str) -> None:
    click.secho(f"Error: {message}", fg="red", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=ROOT / "pelicanconf.py",
    show_default="pelicanconf.py",
    help="Pelican settings file to read posts and newsletter settings from.",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "newsletters",
    show_default="newsletters/",
    help="Folder that holds one folder per issue (YYYY-MM-DD) and templates/.",
)
@click.pass_context
def cli(ctx, config: Path, root: Path):
    """Build, preview and send the monthly newsletter (the last Wednesday of each month)."""
    ctx.obj = Context(config, root)


@cli.command()
@click.option("--year", type=int, help="Year to list (default: this year in Europe/Amsterdam).")
def schedule(year: int | None):
    """Print the issue dates of a year: the last Wednesday of every month."""
    for date in issue_dates(year or today().year):
        click.echo(f"{date.isoformat()}  {nl_date(date, 'EEEE d MMMM y')}")


@cli.command()
@click.option("--date", "date", type=DATE, help="Issue date (default: the next last Wednesday on or after today).")
@click.option("--today", "today_", type=DATE, help="Pretend today is this date (for the default --date).")
@click.option("--force", is_flag=True, help="Build even if the date is not the last Wednesday of its month.")
@click.option("--subject", help='Subject line (default: "Tips van <maand>: <first title>").')
@click.option("--preheader", help="Preview text shown after the subject in the inbox (default: first summary).")
@click.pass_obj
def build(obj: Context, date, today_, force, subject, preheader):
    """Select the tagged posts and write newsletters/YYYY-MM-DD/ (issue.json, email.mjml/html/txt)."""
    date = date or next_issue_date(today_ or today())
    try:
        built = build_issue(
            date, obj.settings, obj.root, obj.templates, force=force, subject=subject, preheader=preheader
        )
    except (IssueError, RenderError, archive.ArchiveError) as error:
        fail(str(error))
    click.echo(f"Issue of {nl_date(date)}: {built.data['subject']}")
    for post in built.selection.posts:
        click.echo(f"  - {post.local_date.isoformat()}  {post.title}")
    if built.selection.rolled_over:
        click.echo(f"{len(built.selection.rolled_over)} more post(s) wait for the next issue:")
        for post in built.selection.rolled_over:
            click.echo(f"  - {post.local_date.isoformat()}  {post.title}")
    size = len(built.files["email.html"].encode("utf-8"))
    click.echo(f"Written to {built.folder} (email.html {size / 1024:.1f} KB)")
    click.echo("Rebuild the site (make html) to publish the web copy at /nieuwsbrief/" + date.isoformat() + "/")


@cli.command()
@click.option("--date", "date", type=DATE, required=True, help="Issue date of a built issue.")
@click.pass_obj
def preview(obj: Context, date):
    """Screenshot the email at 600 px (desktop) and 375 px (mobile) with headless Chromium."""
    from coachsite.newsletter.preview import PreviewError, make_previews

    try:
        result = make_previews(
            archive.issue_folder(obj.root, date),
            site_url=obj.settings["PUBLIC_SITEURL"],
            output=Path(obj.settings["OUTPUT_PATH"]),
        )
    except (PreviewError, archive.ArchiveError) as error:
        fail(str(error))
    click.echo(f"Open in a browser: {result.html}")
    for png in result.screenshots:
        click.echo(f"Screenshot: {png}")


@cli.command(name="list")
@click.pass_obj
def list_(obj: Context):
    """List the issues built so far: date, posts and whether they were sent."""
    try:
        issues = archive.list_issues(obj.root)
    except archive.ArchiveError as error:
        fail(str(error))
    if not issues:
        click.echo(f"No issues built yet in {obj.root}.")
        return
    for issue in issues:
        sent = issue.sent
        status = f"sent {sent.get('finished_at', '')[:16]}" if sent else "not sent"
        click.echo(f"{issue.date.isoformat()}  {status:<22} {len(issue.slugs)} post(s)  {issue.data.get('subject', '')}")
        for slug in issue.slugs:
            click.echo(f"    {slug}")


if __name__ == "__main__":
    cli()
