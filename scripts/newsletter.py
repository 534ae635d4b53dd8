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
from coachsite.clitools import DATE, CoachError, Context

ROOT = Path(__file__).resolve().parent.parent


def fail(message: str) -> None:
    raise CoachError(message)


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


def _print_problems(title: str, problems, path: Path, limit: int | None = None) -> None:
    if not problems:
        return
    click.secho(f"{title} ({len(problems)}):", fg="yellow", err=True)
    for problem in problems[:limit]:
        click.echo(f"  {path}, line {problem.line}: {problem.message}", err=True)
    if limit is not None and len(problems) > limit:
        click.echo(f"  … and {len(problems) - limit} more", err=True)


def _print_send_summary(summary, subscribers: Path, dry_run: bool) -> None:
    _print_problems("Skipped, not a valid address", summary.invalid, subscribers)
    _print_problems("Duplicates, sent once", summary.duplicates, subscribers, limit=10)
    for failure in summary.failed:
        click.secho(f"  failed: {failure.email} (line {failure.line}): {failure.error}", fg="red", err=True)
    if dry_run:
        click.echo(
            f"Dry run: would send {summary.would_send}, already sent {summary.already_sent}, "
            f"not this run (--limit) {summary.remaining}; nothing was sent."
        )
        for path in summary.dry_run_files:
            click.echo(f"  {path}")
        return
    click.echo(
        f"Sent {summary.sent}, already sent earlier {summary.already_sent}, failed {len(summary.failed)}, "
        f"not sent yet {summary.remaining}; skipped: invalid {len(summary.invalid)}, "
        f"unsubscribed {summary.unsubscribed}, duplicates {len(summary.duplicates)}."
    )


@cli.command()
@click.option("--date", "date", type=DATE, required=True, help="Issue date of a built issue (newsletters/YYYY-MM-DD/).")
@click.option(
    "--subscribers",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Subscriber list: CSV with a header row and at least the columns email,name,status.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Send nothing; write the first personalised messages as .eml files to newsletters/DATE/dry-run/.",
)
@click.option("--limit", type=click.IntRange(min=0), help="Send at most N messages in this run; run again for the rest.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help="At most this many messages per second (your provider's limit; default: as fast as it accepts).",
)
@click.pass_obj
def send(obj: Context, date, subscribers: Path, dry_run: bool, limit, rate):
    """Send an issue to every active subscriber exactly once. Safe to stop and run again."""
    from coachsite.newsletter.send import SendError, send_issue, send_settings
    from coachsite.newsletter.sendlog import SendLogError
    from coachsite.newsletter.subscribers import SubscriberError

    folder = archive.issue_folder(obj.root, date)
    bar = None
    counts = {"sent": 0, "failed": 0, "skipped": 0}

    def progress(event, person, summary):
        nonlocal bar
        if bar is None:
            bar = click.progressbar(
                length=summary.recipients,
                label="Sending",
                item_show_func=lambda _: (
                    f"sent {counts['sent']} · failed {counts['failed']} · "
                    f"left {summary.recipients - sum(counts.values())}"
                ),
                file=sys.stderr,
            )
            bar.__enter__()
        counts[event] += 1
        bar.update(1, person)

    try:
        try:
            config = send_settings(obj.settings)
            summary = send_issue(folder, subscribers, config, dry_run=dry_run, limit=limit, rate=rate, progress=progress)
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)
    except SendError as error:
        if error.summary is not None:
            _print_send_summary(error.summary, subscribers, dry_run)
        fail(str(error))
    except (SubscriberError, SendLogError) as error:
        fail(str(error))
    except OSError as error:  # e.g. the disk is full: the log cannot be written
        fail(f"{error}. Everything logged so far is safe: fix this and run the same command again.")
    except KeyboardInterrupt:
        click.secho("\nStopped. Everything sent so far is logged: run the same command again to continue.", err=True)
        sys.exit(130)
    if summary.already_marked is not None:
        marker = summary.already_marked
        click.echo(
            f"The issue of {date.isoformat()} was already sent ({marker.get('finished_at', '?')[:16]}, "
            f"{marker.get('sent', '?')} subscribers from {marker.get('subscribers_file', '?')}); nothing to do."
        )
        return
    _print_send_summary(summary, subscribers, dry_run)
    if summary.marked_sent:
        click.secho(f"Done: every active subscriber has the issue; recorded in {folder / archive.SENT_FILE}.", fg="green")
    elif not dry_run:
        retry = " and retry the failed ones." if summary.failed else "."
        click.echo("Not finished yet: run the same command again to send the rest" + retry)
    if summary.failed:
        sys.exit(1)


@cli.command()
@click.option(
    "--subscribers",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Subscriber list (CSV) to update; the previous version is kept as FILE.bak.",
)
@click.option("--email", "emails", multiple=True, metavar="ADDRESS", help="Address to unsubscribe (repeat for more).")
@click.option(
    "--token", "tokens", multiple=True, metavar="TOKEN", help="Token from an unsubscribe link or request (repeat for more)."
)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File with one address, token or unsubscribe URL per line (blank lines and # comments are ignored).",
)
def unsubscribe(subscribers: Path, emails, tokens, from_file):
    """Set status to afgemeld for these subscribers; every other row stays exactly as it was."""
    from coachsite.newsletter.subscribers import SubscriberError, unsubscribe as unsubscribe_rows
    from coachsite.newsletter.tokens import TokenError, address_from_request, read_requests, secret_from_env

    if not (emails or tokens or from_file):
        fail("give --email, --token or --from-file")
    requests = [("--email", value) for value in emails] + [("--token", value) for value in tokens]
    try:
        if from_file:
            requests += [(f"{from_file}, line {number}", value) for number, value in read_requests(from_file)]
    except TokenError as error:
        fail(str(error))
    addresses, errors = [], []
    for where, value in requests:
        try:
            addresses.append(address_from_request(value, secret_from_env) if where != "--email" else value.strip().lower())
        except TokenError as error:
            errors.append(f"{where}: {error}")
    if errors:
        fail("nothing was changed:\n  " + "\n  ".join(errors))
    try:
        result = unsubscribe_rows(subscribers, addresses)
    except SubscriberError as error:
        fail(str(error))
    for change in result.changed:
        click.echo(f"Unsubscribed: {change.message} (line {change.line})")
    for email in result.already:
        click.echo(f"Already unsubscribed: {email}")
    if result.backup:
        click.echo(f"{subscribers} updated; the previous version is kept as {result.backup}.")
    else:
        click.echo(f"{subscribers} unchanged.")
    if result.not_found:
        fail(f"not in {subscribers}: {', '.join(result.not_found)} (the others were processed)")


from coachsite.subscriptions.cli import subscribers  # noqa: E402  (the subscriber database)

cli.add_command(subscribers)

if __name__ == "__main__":
    cli()
