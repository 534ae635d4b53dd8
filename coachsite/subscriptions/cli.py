"""``newsletter.py subscribers …``: the coach's view of the subscriber database.

Thin Click commands over ``coach``; every message is Dutch through gettext. The database is
NEWSLETTER_DB from the settings (or the environment), or ``--db``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from pathlib import Path

import click

from coachsite.clitools import CoachError, CoachGroup, number_range
from coachsite.dates import AMSTERDAM
from coachsite.i18n import _, ngettext
from coachsite.newsletter.retention import forget_in_send_logs, purge_send_logs
from coachsite.newsletter.sendlog import SendLogError
from coachsite.newsletter.subscribers import SubscriberError

from . import coach
from .config import ConfigError, value
from .store import STATUSES, Store, StoreError

STATUS_CHOICE = click.Choice(STATUSES)


class _Db:
    def __init__(self, path: Path | None, settings_source, issues_root: Path | None = None):
        self.path, self.settings_source, self._store = path, settings_source, None
        self.explicit = path is not None  # --db given: a missing file is a typo, never a CSV-only list
        self.issues_root = issues_root  # newsletters/: the send logs name recipients too

    def where(self) -> Path:
        """The database file: ``--db``, else NEWSLETTER_DB from the environment or the settings."""
        if self.path is None:
            settings = self.settings_source() if self.settings_source else {}
            try:
                self.path = Path(value(settings, "NEWSLETTER_DB"))
            except ConfigError as error:
                raise CoachError(str(error)) from error
        return self.path

    def existing(self) -> Store | None:
        """The store if its file exists: commands that only read never create an empty database."""
        return self.store() if self.where().is_file() else None

    def required(self) -> Store:
        """The store of a command that works on existing data: a mistyped path is refused, never
        created empty (only ``add``, ``import`` and the service create the database)."""
        if not self.where().is_file():
            raise CoachError(_("{path}: there is no subscriber database here; check --db or NEWSLETTER_DB "
                               "(only add and import create one)").format(path=self.where()))
        return self.store()

    def store(self) -> Store:
        if self._store is None:
            try:
                self._store = Store(self.where())
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


class _StoreGroup(CoachGroup):
    """A database that is busy or unreadable is one Dutch line, whichever command met it."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except StoreError as error:
            raise CoachError(str(error)) from error


@click.group(cls=_StoreGroup, help=_("The subscriber list in the database: list, stats, add, remove, import, export, forget, purge."))
@click.option("--db", type=click.Path(dir_okay=False, path_type=Path), metavar=_("FILE"),
              help=_("Subscriber database (default: NEWSLETTER_DB)."))
@click.pass_context
def subscribers(ctx: click.Context, db: Path | None):
    parent = ctx.obj
    source = (lambda: parent.settings) if parent is not None and hasattr(parent, "settings") else None
    ctx.obj = _Db(db, source, getattr(parent, "root", None))


def _status_label(status: str) -> str:
    return {"wachtend": _("waiting"), "actief": _("active"), "afgemeld": _("unsubscribed")}[status]


@subscribers.command(name="list", help=_("Print every subscriber: address, status, since when, name."))
@click.option("--status", "statuses", multiple=True, type=STATUS_CHOICE, help=_("Only these statuses (repeat; default: all)."))
@click.pass_obj
def list_(db: _Db, statuses):
    store = db.existing()
    shown = 0
    for row in coach.listing(store, statuses or STATUSES) if store else ():
        since = row.unsubscribed_at if row.status == "afgemeld" else row.active_since or row.waiting_since or row.created_at
        click.echo(f"{row.email}\t{_status_label(row.status)}\t{(since or '')[:10]}\t{row.name}")
        shown += 1
    if not shown and statuses:
        click.echo(_("There are no subscribers with status {statuses} in {path}.").format(
            statuses=", ".join(statuses), path=db.where()))
    elif not shown:
        click.echo(_("There are no subscribers in {path} yet.").format(path=db.where()))


@subscribers.command(help=_("Counts per status and growth per month (new active subscribers, unsubscribes)."))
@click.pass_obj
def stats(db: _Db):
    store = db.existing()
    if store is None:
        click.echo(_("There are no subscribers in {path} yet.").format(path=db.where()))
        return
    result = coach.stats(store)
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


@subscribers.command(help=_("Add an active subscriber who gave consent another way (never someone who unsubscribed)."))
@click.argument("email", metavar=_("ADDRESS"))
@click.option("--name", default="", metavar=_("NAME"), help=_("First name (optional)."))
@click.option("--note", required=True, metavar=_("TEXT"),
              help=_('How this person gave consent, e.g. "aangemeld op de beurs, 3 maart".'))
@click.pass_obj
def add(db: _Db, email: str, name: str, note: str):
    try:
        outcome = coach.add(db.store(), email, name, time.time(), note)
    except coach.CoachActionError as error:
        if error.code == "unsubscribed":
            raise CoachError(_("{email} unsubscribed; only they can sign up again (on the website)").format(email=error.email)) from error
        raise CoachError(_("'{email}' cannot be mailed: {problem}").format(email=error.email, problem=error.detail)) from error
    message = _("{email} was already active") if outcome == "already" else _("{email} added as active")
    click.echo(message.format(email=email.strip().lower()))


@subscribers.command(help=_("Unsubscribe someone on their behalf (their data goes after the retention period)."))
@click.argument("email", metavar=_("ADDRESS"))
@click.pass_obj
def remove(db: _Db, email: str):
    try:
        changed = coach.remove(db.required(), email, time.time())
    except coach.CoachActionError as error:
        raise CoachError(_("{email} is not in the database").format(email=error.email)) from error
    click.echo((_("{email} unsubscribed") if changed else _("{email} was already unsubscribed")).format(email=email))


@contextlib.contextmanager
def _issue_files():
    """The send logs live in newsletters/: a lock or a file problem there is one Dutch line."""
    try:
        yield
    except SendLogError as error:
        raise CoachError(str(error)) from error
    except OSError as error:
        raise CoachError(_("{path}: cannot change this file ({problem})").format(
            path=error.filename or "newsletters/", problem=error.strerror or error)) from error


@subscribers.command(help=_("Erase a person completely (their right under the GDPR): the row and queued emails."))
@click.argument("email", metavar=_("ADDRESS"))
@click.pass_obj
def forget(db: _Db, email: str):
    # Before the send logs: a mistyped --db changes nothing anywhere. Without --db and without a
    # database the coach sends to a CSV list: the send logs are still hers to clean.
    store = db.required() if db.explicit else db.existing()
    with _issue_files():
        in_logs = forget_in_send_logs(db.issues_root, email) if db.issues_root else 0
    if store is None:
        click.echo(_("No subscriber database at {path}: only the send logs were searched.").format(path=db.where()))
    if not (store and coach.forget(store, email)) and not in_logs:
        raise CoachError(_("{email} is not in the database").format(email=email))
    click.echo(_("{email} erased").format(email=email))
    if in_logs:
        click.echo(_("Lines about {email} removed from the send logs: {count}").format(email=email, count=in_logs))


@subscribers.command(help=_("Erase the people who unsubscribed (or never confirmed) longer ago than the retention "
                             "period, as the privacy page promises."))
@click.option("--days", type=number_range(int, min=0), metavar=_("DAYS"),
              help=_("Retention in days (default: SUBSCRIBER_RETENTION_DAYS, 30)."))
@click.pass_obj
def purge(db: _Db, days: int | None):
    days = db.retention() if days is None else days
    store = db.required() if db.explicit else db.existing()  # as in forget: a CSV list still has send logs
    if store is None:
        click.echo(_("No subscriber database at {path}: only the send logs were searched.").format(path=db.where()))
    else:
        result = coach.purge(store, days, time.time())
        click.echo(_("Unsubscribed more than {days} days ago, erased: {count}").format(days=days, count=result.unsubscribed))
        click.echo(_("Unconfirmed sign-ups deleted: {count}").format(count=result.unconfirmed))
        click.echo(_("Old emails removed from the outbox: {count}").format(count=result.mails))
    if db.issues_root:
        with _issue_files():
            logs = purge_send_logs(db.issues_root, days, dt.datetime.now(tz=AMSTERDAM))
        click.echo(_("Send logs of issues sent more than {days} days ago, deleted: {count}").format(days=days, count=logs.logs))


@subscribers.command(name="import", help=_("Import a CSV (email,name,status or E-mail;Naam;Status); a bad line stops it, all are listed."))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar=_("FILE"))
@click.pass_obj
def import_(db: _Db, file: Path):
    try:
        result = coach.import_csv(db.store(), file, time.time())
    except SubscriberError as error:  # the header: names the file and line 1 itself
        raise CoachError(str(error)) from error
    if result.problems:
        for problem in result.problems:
            click.echo(f"{file}:{problem.line}: {problem.message}", err=True)
        raise CoachError(ngettext("{file}: {count} bad line; nothing was imported",
                                  "{file}: {count} bad lines; nothing was imported", len(result.problems)).format(
            file=file, count=len(result.problems)))
    click.echo(_("Added: {added}, set to unsubscribed: {unsubscribed}, unchanged: {unchanged}").format(
        added=result.added, unsubscribed=result.unsubscribed, unchanged=result.unchanged))
    for email in result.kept_unsubscribed:
        click.echo(_("{email} is active in the file but unsubscribed here: kept unsubscribed").format(email=email))


@subscribers.command(help=_("Write the list as CSV (email,name,status,…) to the screen; add > file.csv to save it."))
@click.option("--status", "statuses", multiple=True, type=STATUS_CHOICE,
              help=_("Only these statuses (repeat; default: actief and afgemeld, so send --subscribers can read it)."))
@click.pass_obj
def export(db: _Db, statuses):
    coach.export(db.required(), sys.stdout, statuses or ("actief", "afgemeld"))
