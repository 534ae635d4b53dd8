"""``newsletter.py subscribers …``: the coach's view of the subscriber database.

Thin Click commands over ``coach``; every message is Dutch through gettext. The database is
NEWSLETTER_DB from the settings (or the environment), or ``--db``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from coachsite.clitools import CoachError
from coachsite.dates import AMSTERDAM
from coachsite.i18n import _
from coachsite.newsletter.retention import forget_in_send_logs, purge_send_logs

from . import coach
from .config import ConfigError, value
from .store import STATUSES, Store, StoreError

STATUS_CHOICE = click.Choice(STATUSES)


class _Db:
    def __init__(self, path: Path | None, settings_source, issues_root: Path | None = None):
        self.path, self.settings_source, self._store = path, settings_source, None
        self.issues_root = issues_root  # newsletters/: the send logs name recipients too

    def store(self) -> Store:
        if self._store is None:
            path = self.path
            if path is None:
                settings = self.settings_source() if self.settings_source else {}
                try:
                    path = Path(value(settings, "NEWSLETTER_DB"))
                except ConfigError as error:
                    raise CoachError(str(error)) from error
            try:
                self._store = Store(path)
                self._store.conn()
            except StoreError as error:
                raise CoachError(_("Cannot open the subscriber database: {problem}").format(problem=error)) from error
        return self._store

    def retention(self) -> int:
        settings = self.settings_source() if self.settings_source else {}
        try:
            return value(settings, "SUBSCRIBER_RETENTION_DAYS")
        except ConfigError as error:
            raise CoachError(str(error)) from error


@click.group()
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), help="Subscriber database (default: NEWSLETTER_DB).")
@click.pass_context
def subscribers(ctx: click.Context, db: Path | None):
    """The subscriber list in the database: list, stats, add, remove, import, export, forget, purge."""
    parent = ctx.obj
    source = (lambda: parent.settings) if parent is not None and hasattr(parent, "settings") else None
    ctx.obj = _Db(db, source, getattr(parent, "root", None))


def _status_label(status: str) -> str:
    return {"wachtend": _("waiting"), "actief": _("active"), "afgemeld": _("unsubscribed")}[status]


@subscribers.command(name="list")
@click.option("--status", "statuses", multiple=True, type=STATUS_CHOICE, help="Only these statuses (repeat; default: all).")
@click.pass_obj
def list_(db: _Db, statuses):
    """Print every subscriber: address, status, since when, name."""
    for row in coach.listing(db.store(), statuses or STATUSES):
        since = row.unsubscribed_at if row.status == "afgemeld" else row.active_since or row.waiting_since or row.created_at
        click.echo(f"{row.email}\t{_status_label(row.status)}\t{(since or '')[:10]}\t{row.name}")


@subscribers.command()
@click.pass_obj
def stats(db: _Db):
    """Counts per status and growth per month (new active subscribers, unsubscribes)."""
    result = coach.stats(db.store())
    for status in STATUSES:
        click.echo(_("{label}: {count}").format(label=_status_label(status), count=result.counts[status]))
    if result.outbox_waiting:
        click.echo(_("Confirmation emails waiting to be sent: {count}").format(count=result.outbox_waiting))
    if result.outbox_failed:
        click.echo(_("Confirmation emails that could not be delivered: {count}").format(count=result.outbox_failed))
    if result.months:
        click.echo(_("Month     new  unsubscribed  net"))
        for month, joined, left in result.months:
            click.echo(f"{month}  {joined:>5}  {left:>12}  {joined - left:>+4}")


@subscribers.command()
@click.argument("email")
@click.option("--name", default="", help="First name (optional).")
@click.option("--note", required=True, help='How this person gave consent, e.g. "aangemeld op de beurs, 3 maart".')
@click.pass_obj
def add(db: _Db, email: str, name: str, note: str):
    """Add an active subscriber who gave consent another way (never someone who unsubscribed)."""
    try:
        outcome = coach.add(db.store(), email, name, time.time(), note)
    except coach.CoachActionError as error:
        if error.code == "unsubscribed":
            raise CoachError(_("{email} unsubscribed; only they can sign up again (on the website)").format(email=error.email)) from error
        raise CoachError(_("'{email}' cannot be mailed: {problem}").format(email=error.email, problem=error.detail)) from error
    message = _("{email} was already active") if outcome == "already" else _("{email} added as active")
    click.echo(message.format(email=email.strip().lower()))


@subscribers.command()
@click.argument("email")
@click.pass_obj
def remove(db: _Db, email: str):
    """Unsubscribe someone on their behalf (their data goes after the retention period)."""
    try:
        changed = coach.remove(db.store(), email, time.time())
    except coach.CoachActionError as error:
        raise CoachError(_("{email} is not in the database").format(email=error.email)) from error
    click.echo((_("{email} unsubscribed") if changed else _("{email} was already unsubscribed")).format(email=email))


@subscribers.command()
@click.argument("email")
@click.pass_obj
def forget(db: _Db, email: str):
    """Erase a person completely (their right under the GDPR): the row and queued emails."""
    in_logs = forget_in_send_logs(db.issues_root, email) if db.issues_root else 0
    if not coach.forget(db.store(), email) and not in_logs:
        raise CoachError(_("{email} is not in the database").format(email=email))
    click.echo(_("{email} erased").format(email=email))
    if in_logs:
        click.echo(_("Lines about {email} removed from the send logs: {count}").format(email=email, count=in_logs))


@subscribers.command()
@click.option("--days", type=click.IntRange(min=0), help="Retention in days (default: SUBSCRIBER_RETENTION_DAYS, 30).")
@click.pass_obj
def purge(db: _Db, days: int | None):
    """Erase the people who unsubscribed (or never confirmed) more than N days ago, as the privacy page promises."""
    days = db.retention() if days is None else days
    result = coach.purge(db.store(), days, time.time())
    click.echo(_("Unsubscribed more than {days} days ago, erased: {count}").format(days=days, count=result.unsubscribed))
    click.echo(_("Unconfirmed sign-ups deleted: {count}").format(count=result.unconfirmed))
    click.echo(_("Old emails removed from the outbox: {count}").format(count=result.mails))
    if db.issues_root:
        logs = purge_send_logs(db.issues_root, days, dt.datetime.now(tz=AMSTERDAM))
        click.echo(_("Send logs of issues sent more than {days} days ago, deleted: {count}").format(days=days, count=logs.logs))


@subscribers.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_(db: _Db, file: Path):
    """Import a CSV (email,name,status or E-mail;Naam;Status); a bad line stops it, all are listed."""
    result = coach.import_csv(db.store(), file, time.time())
    if result.problems:
        for line, problem in result.problems:
            code, _sep, detail = problem.partition(":")
            click.echo(f"{file}:{line}: " + _import_problem(code).format(detail=detail), err=True)
        raise CoachError(_("{file}: {count} bad line(s); nothing was imported").format(file=file, count=len(result.problems)))
    click.echo(_("Added: {added}, set to unsubscribed: {unsubscribed}, unchanged: {unchanged}").format(
        added=result.added, unsubscribed=result.unsubscribed, unchanged=result.unchanged))
    for email in result.kept_unsubscribed:
        click.echo(_("{email} is active in the file but unsubscribed here: kept unsubscribed").format(email=email))


def _import_problem(code: str) -> str:
    return {
        "not-utf8": _("not valid UTF-8; save it as \"CSV UTF-8\" {detail}"),
        "missing-column": _("missing column(s): {detail} (needed: email/E-mail and status)"),
        "field-count": _("{detail} fields, not as many as the header"),
        "status": _("status '{detail}' is neither actief nor afgemeld"),
        "email": _("'{detail}' is not an address that can be mailed"),
    }[code]


@subscribers.command()
@click.option("--status", "statuses", multiple=True, type=STATUS_CHOICE,
              help="Only these statuses (repeat; default: actief and afgemeld, so send --subscribers can read it).")
@click.pass_obj
def export(db: _Db, statuses):
    """Write the list as CSV (email,name,status,…) to stdout."""
    coach.export(db.store(), sys.stdout, statuses or ("actief", "afgemeld"))
