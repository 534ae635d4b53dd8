"""The monthly newsletter: ``schedule``, ``build``, ``preview``, ``list`` (and ``send``, ``unsubscribe``).

A thin Click layer: every command parses its options, calls a function in ``coachsite.newsletter``
and prints the result. Run ``python scripts/newsletter.py --help`` or ``make newsletter DATE=…``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coachsite import click_nl
from coachsite.dates import nl_date, nl_moment, today
from coachsite.i18n import _, ngettext
from coachsite.newsletter import archive
from coachsite.newsletter.issue import IssueError, build_issue, default_issue_date
from coachsite.newsletter.render import RenderError
from coachsite.newsletter.schedule import issue_dates
from coachsite.clitools import CoachError, CoachGroup, Context, DATE, config_option, number_range

ROOT = Path(__file__).resolve().parent.parent
click_nl.install()


def fail(message: str) -> None:
    raise CoachError(message)


@click.group(
    cls=CoachGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=_("Build, preview and send the monthly newsletter (the last Wednesday of each month)."),
)
@config_option(_("Pelican settings file to read posts and newsletter settings from."))
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "newsletters",
    show_default="newsletters/",
    help=_("Folder that holds one folder per issue (YYYY-MM-DD) and templates/."),
)
@click.pass_context
def cli(ctx, config: Path, root: Path):
    ctx.obj = Context(config, root)


@cli.command(help=_("Print the issue dates of a year: the last Wednesday of every month."))
@click.option("--year", type=number_range(int, min=1900, max=9999), metavar=_("YEAR"), help=_("Year to list (default: this year in Europe/Amsterdam)."))
def schedule(year: int | None):
    for date in issue_dates(year or today().year):
        click.echo(f"{date.isoformat()}  {nl_date(date, 'EEEE d MMMM y')}")


def _post_line(post) -> str:
    return f"  - {post.local_date.isoformat()}  {post.title}"


@cli.command(help=_("Select the tagged posts and write newsletters/YYYY-MM-DD/ (issue.json, email.mjml/html/txt, images/)."))
@click.option("--date", "date", type=DATE, help=_("Issue date (default: the next last Wednesday not sent yet, from today)."))
@click.option("--today", "today_", type=DATE, help=_("Pretend today is this date (for the default --date)."))
@click.option("--force", is_flag=True, help=_("Build even if the date is not the last Wednesday of its month."))
@click.option("--subject", metavar=_("TEXT"), help=_('Subject line (default: "Tips van <maand>: <first title>").'))
@click.option("--preheader", metavar=_("TEXT"), help=_("Preview text shown after the subject in the inbox (default: first summary)."))
@click.pass_obj
def build(obj: Context, date, today_, force, subject, preheader):
    try:
        date = date or default_issue_date(obj.root, today_ or today())
        built = build_issue(
            date, obj.settings, obj.root, obj.templates, force=force, subject=subject, preheader=preheader
        )
    except (IssueError, RenderError, archive.ArchiveError) as error:
        raise CoachError(str(error)) from error
    except OSError as error:
        raise CoachError(_("cannot write the issue: {error}").format(error=error)) from error
    click.echo(_("Issue of {date}: {subject}").format(date=nl_date(date), subject=built.data["subject"]))
    for post in built.selection.posts:
        click.echo(_post_line(post))
    if built.selection.rolled_over:
        click.echo(_("Posts that wait for the next issue: {count}").format(count=len(built.selection.rolled_over)))
        for post in built.selection.rolled_over:
            click.echo(_post_line(post))
    for warning in built.warnings:
        click.secho(_("Warning: {message}").format(message=warning), fg="yellow", err=True)
    size = len(built.files["email.html"].encode("utf-8"))
    click.echo(_("Written to {folder} (email.html {size} KB)").format(folder=built.folder, size=f"{size / 1024:.1f}".replace(".", ",")))
    click.echo(_("Rebuild the site (make html) to publish the web copy at /nieuwsbrief/{date}/").format(date=date.isoformat()))


@cli.command(help=_("Screenshot the email at 600 px (desktop) and 375 px (mobile) with headless Chromium."))
@click.option("--date", "date", type=DATE, required=True, help=_("Issue date of a built issue."))
@click.pass_obj
def preview(obj: Context, date):
    from coachsite.newsletter.preview import PreviewError, make_previews

    try:
        result = make_previews(archive.issue_folder(obj.root, date), site_url=obj.settings["PUBLIC_SITEURL"])
    except (PreviewError, archive.ArchiveError) as error:
        raise CoachError(str(error)) from error
    click.echo(_("Open in a browser: {path}").format(path=result.html))
    for png in result.screenshots:
        click.echo(_("Screenshot: {path}").format(path=png))


@cli.command(name="list", help=_("List the issues built so far: date, posts and whether they were sent."))
@click.pass_obj
def list_(obj: Context):
    try:
        issues = archive.list_issues(obj.root)
        rows = [(issue, issue.sent) for issue in issues]
    except archive.ArchiveError as error:
        raise CoachError(str(error)) from error
    if not issues:
        click.echo(_("No issues built yet in {folder}.").format(folder=obj.root))
        return
    statuses = [_("sent {when}").format(when=nl_moment(sent.get("finished_at"))) if sent is not None else _("not sent")
                for _issue, sent in rows]
    width = max(len(status) for status in statuses)  # "verstuurd 30 september 2026 om 21:22" fits
    for (issue, sent), status in zip(rows, statuses):
        count = ngettext("{count} post", "{count} posts", len(issue.slugs)).format(count=len(issue.slugs))
        click.echo(f"{issue.date.isoformat()}  {status:<{width}}  {count}  {issue.data.get('subject', '')}")
        for slug in issue.slugs:
            click.echo(f"    {slug}")
        if not sent:
            from coachsite.newsletter.sendreport import send_state

            send_state(issue.folder)


@cli.command(help=_("Send an issue to every active subscriber exactly once. Safe to stop and run again."))
@click.option("--date", "date", type=DATE, required=True, help=_("Issue date of a built issue."))
@click.option(
    "--subscribers",
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("Subscriber list as a CSV file (columns email,name,status); without it: the subscriber database (NEWSLETTER_DB)."),
)
@click.option(
    "--dry-run",
    is_flag=True,
    help=_("Send nothing; make every message and write the first ones as .eml files to newsletters/DATE/dry-run/."),
)
@click.option(
    "--test",
    "test_to",
    multiple=True,
    metavar=_("ADDRESS"),
    help=_("Send a test copy ('[TEST] ' subject) to this address only; repeat for more. Nothing is logged."),
)
@click.option("--test-copy", is_flag=True, help=_("Send a test copy to the addresses in the NEWSLETTER_TEST_TO setting."))
@click.option(
    "--resend-uncertain",
    is_flag=True,
    help=_("Also send to subscribers whose earlier message may or may not have arrived (listed by every run)."),
)
@click.option(
    "--confirm-delivered",
    "confirm_delivered",
    multiple=True,
    metavar=_("ADDRESS"),
    help=_("Record that you checked this uncertain subscriber has the issue (no second copy is sent); repeat for more."),
)
@click.option("--limit", type=number_range(int, min=0), metavar=_("NUMBER"),
              help=_("Send at most NUMBER messages in this run; run again for the rest."))
@click.option(
    "--rate",
    type=number_range(float, min=0, min_open=True),
    metavar=_("NUMBER"),
    help=_("At most this many messages per second (your provider's limit; default: as fast as it accepts)."),
)
@click.pass_obj
def send(obj: Context, date, subscribers: Path | None, dry_run: bool, test_to, test_copy, resend_uncertain,
         confirm_delivered, limit, rate):
    from coachsite.newsletter import sendreport
    from coachsite.newsletter.send import SendError, confirm_conflict, send_issue, send_settings, send_test_copy
    from coachsite.newsletter.sendlog import SendLogError
    from coachsite.newsletter.subscribers import SubscriberError
    from coachsite.subscriptions.recipients import recipient_source

    folder = archive.issue_folder(obj.root, date)
    testing = bool(test_to or test_copy)
    if testing and (dry_run or limit is not None or subscribers or resend_uncertain):
        # a test copy is real mail: never let --dry-run look like it makes it safe
        raise click.UsageError(_("--test/--test-copy cannot be combined with --dry-run, --limit, --subscribers or --resend-uncertain"))
    if confirm_delivered and (testing or dry_run):
        raise click.UsageError(confirm_conflict())
    progress, bar = _progress_bar()
    source = None
    try:
        try:
            config = send_settings(obj.settings)
            if testing:
                summary = send_test_copy(folder, list(test_to) or list(config.test_to), config)
            else:
                source = recipient_source(subscribers, obj.settings)
                summary = send_issue(folder, source, config, dry_run=dry_run, resend_uncertain=resend_uncertain,
                                     limit=limit, rate=rate, progress=progress, confirm_delivered=confirm_delivered)
        finally:
            if bar:
                bar[0].__exit__(None, None, None)
    except SendError as error:
        if error.summary is not None:
            sendreport.summary(error.summary, source.describe() if source else str(subscribers), dry_run)
        fail(str(error))
    except (SubscriberError, SendLogError) as error:
        fail(str(error))
    except OSError as error:  # e.g. the disk is full: the log cannot be written
        fail(_("{error}. Everything logged so far is safe: fix this and run the same command again.").format(error=error))
    except KeyboardInterrupt:
        click.secho(_("Stopped. Everything sent so far is logged: run the same command again to continue."), err=True)
        sys.exit(130)
    if summary.already_marked is not None:
        marker = summary.already_marked
        click.echo(_(
            "The issue of {date} was already sent ({finished}, {sent} subscribers from {source}); nothing to do."
        ).format(date=nl_date(date), finished=nl_moment(marker.get("finished_at")), sent=marker.get("sent", "?"),
                 source=marker.get("subscribers_file", "?")))
        return
    sendreport.summary(summary, source.describe() if source else str(subscribers), dry_run)
    if summary.marked_sent:
        click.secho(_("Done: every active subscriber has the issue; recorded in {path}.").format(
            path=folder / archive.SENT_FILE), fg="green")
    elif not dry_run and not testing:
        click.echo(_("Not finished yet: run the same command again to send the rest and retry the failed ones."))
    if summary.failed or summary.uncertain and not dry_run:
        sys.exit(1)


def _progress_bar():
    """A progress callback for send_issue, and a box holding the bar once it exists."""
    box: list = []
    counts = {"sent": 0, "failed": 0, "skipped": 0, "uncertain": 0}

    def progress(event, person, summary):
        if not box:
            box.append(click.progressbar(
                length=summary.recipients,
                label=_("Sending"),
                item_show_func=lambda _item: _("sent {sent} · failed {failed} · left {left}").format(
                    sent=counts["sent"], failed=counts["failed"], left=summary.recipients - sum(counts.values())),
                file=sys.stderr,
            ))
            box[0].__enter__()
        counts[event] += 1
        box[0].update(1, person)

    return progress, box


@cli.command(help=_("Set status to afgemeld for these subscribers; every other row stays exactly as it was."))
@click.option(
    "--subscribers",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help=_("Subscriber list (CSV) to update; the previous version is kept as FILE.bak."),
)
@click.option(
    "--email", "emails", multiple=True, metavar=_("ADDRESS"),
    help=_("Address to unsubscribe, after you checked the request yourself (repeat for more)."),
)
@click.option(
    "--token", "tokens", multiple=True, metavar=_("TOKEN"),
    help=_("Token from an unsubscribe link or request (repeat for more)."),
)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("File with one signed request per line: a token, an unsubscribe link, or 'afmelden TOKEN' "
           "(blank lines and # comments are ignored; bare addresses are refused)."),
)
def unsubscribe(subscribers: Path, emails, tokens, from_file):
    from coachsite.newsletter import sendreport
    from coachsite.newsletter.subscribers import SubscriberError
    from coachsite.newsletter.tokens import TokenError, secret_from_env, verify_token
    from coachsite.newsletter.unsubscribe import Requests, read_request_file, unsubscribe as unsubscribe_rows

    if not (emails or tokens or from_file):
        fail(_("give --email, --token or --from-file"))
    requests = Requests(addresses=[(0, e.strip().lower()) for e in emails])
    try:
        for token in tokens:
            requests.addresses.append((0, verify_token(token, secret_from_env())))
        if from_file:
            found = read_request_file(from_file, secret_from_env)
            requests.addresses += found.addresses
            requests.refused += found.refused
        result = unsubscribe_rows(subscribers, [address for _line, address in requests.addresses])
    except (TokenError, SubscriberError) as error:
        fail(str(error))
    for change in result.changed:
        click.echo(_("Unsubscribed: {email} (line {line})").format(email=change.message, line=change.line))
    for email in result.already:
        click.echo(_("Already unsubscribed: {email}").format(email=email))
    if result.backup:
        click.echo(_("{path} updated; the previous version is kept as {backup}.").format(
            path=subscribers, backup=result.backup))
    else:
        click.echo(_("{path} unchanged.").format(path=subscribers))
    sendreport.problems(_("Refused, nothing done for these lines"), requests.refused, str(from_file))
    if result.not_found:
        fail(_("not in {path}: {emails} (the others were processed)").format(
            path=subscribers, emails=", ".join(result.not_found)))
    if requests.refused:
        fail(ngettext("{count} request refused (listed above); the others were processed",
                      "{count} requests refused (listed above); the others were processed",
                      len(requests.refused)).format(
            count=len(requests.refused)))


from coachsite.month.cli import COMMANDS as MONTH_COMMANDS  # noqa: E402  (auto, status, hold, release)

for command in MONTH_COMMANDS:
    cli.add_command(command)


from coachsite.subscriptions.cli import subscribers  # noqa: E402  (the subscriber database)

cli.add_command(subscribers)

if __name__ == "__main__":
    cli()
