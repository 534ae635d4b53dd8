"""What ``send``, ``unsubscribe`` and ``list`` print about sending, in the coach's language.

Kept apart from the Click commands so they stay thin, and so ``list`` and ``send`` name uncertain
recipients the same way.
"""

from __future__ import annotations

from pathlib import Path

import click

from coachsite.i18n import _

from .send import Summary
from .sendlog import LOG_FILE, SendLog, SendLogError
from .subscribers import SHOWN_PROBLEMS, Problem, problem_report


def problems(title: str, found: list[Problem], where: str) -> None:
    """A heading with the count, then the first SHOWN_PROBLEMS problems and how many more."""
    if found:
        click.secho(f"{title} ({len(found)}):", fg="yellow", err=True)
        click.echo("  " + problem_report(where, found, SHOWN_PROBLEMS), err=True)


def uncertain(addresses: list[str], reasons: list[str] | None = None) -> None:
    if not addresses:
        return
    click.secho(_("Uncertain, not sent again ({count}): the server may or may not have these; ask them, then "
                  "send with --resend-uncertain or record with --confirm-delivered ADDRESS:").format(count=len(addresses)),
                fg="yellow", err=True)
    for index, address in enumerate(addresses):
        reason = f" ({reasons[index]})" if reasons else ""
        click.echo(f"  {address}{reason}", err=True)


def summary(result: Summary, where: str, dry_run: bool) -> None:
    problems(_("Skipped, not a valid address"), result.invalid, where)
    problems(_("Duplicates, sent once"), result.duplicates, where)
    for failure in result.failed:
        click.secho(_("  failed: {email} (line {line}): {error}").format(
            email=failure.email, line=failure.line, error=failure.error), fg="red", err=True)
    uncertain(result.uncertain, [d.error for d in result.uncertain_details])
    if result.confirmed:
        click.echo(_("Recorded as delivered after your check, no second copy ({count}):").format(count=len(result.confirmed)))
        for address in result.confirmed:
            click.echo(f"  {address}")
    if result.test:
        click.echo(_("Test copy: sent {sent}, failed {failed}; nothing was logged, the issue is not marked.").format(
            sent=result.sent, failed=len(result.failed)))
        return
    if dry_run:
        click.echo(_(
            "Dry run: would send {would}, already sent {already}, not this run (--limit) {remaining}; "
            "every message was made, nothing was sent."
        ).format(would=result.would_send, already=result.already_sent, remaining=result.remaining))
        for path in result.dry_run_files:
            click.echo(f"  {path}")
        return
    click.echo(_(
        "Sent {sent}, already sent earlier {already}, failed {failed}, uncertain {uncertain}, not sent yet "
        "{remaining}; skipped: invalid {invalid}, unsubscribed {unsubscribed}, duplicates {duplicates}."
    ).format(sent=result.sent, already=result.already_sent, failed=len(result.failed),
             uncertain=len(result.uncertain), remaining=result.remaining, invalid=len(result.invalid),
             unsubscribed=result.unsubscribed, duplicates=len(result.duplicates)))


def send_state(folder: Path) -> None:
    """For ``list``: an issue whose sending started but did not finish, and who is uncertain."""
    if not (folder / LOG_FILE).exists():
        return
    try:
        state = SendLog(folder).read(repair=False)
    except SendLogError as error:
        click.echo(f"    {error}")
        return
    click.echo(_("    sending started: {sent} sent, {failed} failed, {uncertain} uncertain").format(
        sent=len(state.sent), failed=len(state.failed), uncertain=len(state.uncertain)))
    for address in sorted(state.uncertain):
        click.echo(_("    uncertain: {email}").format(email=address))
