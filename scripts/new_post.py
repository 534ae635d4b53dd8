"""``make post TITLE="…" CATEGORY="…"``: write a valid draft post with today's date."""

from __future__ import annotations

from pathlib import Path

import click

from coachsite import click_nl
from coachsite.clitools import CoachCommand, CoachError, DATE, config_option, read_config
from coachsite.dates import today
from coachsite.i18n import _
from coachsite.new_post import NewPostError, new_post

ROOT = Path(__file__).resolve().parent.parent
click_nl.install()


@click.command(cls=CoachCommand, help=_("Create content/<theme>/<slug>.md as a draft to start writing in."))
@click.option("--title", required=True, help=_("Title of the post (Dutch, as readers will see it)."))
@click.option("--category", required=True, help=_("One of the four themes, e.g. 'Klantbeleving'."))
@click.option("--author", help=_("Author name (default: AUTHOR from pelicanconf.py)."))
@click.option("--date", "date", type=DATE, help=_("Date (default: today in Amsterdam)."))
@config_option(_("Pelican settings file (it names the content folder and the themes)."))
def main(title: str, category: str, author: str | None, date, config: Path) -> None:
    settings = read_config(config)
    try:
        path = new_post(Path(settings["PATH"]), settings, title, category, date or today(), author)
    except NewPostError as error:
        raise CoachError(str(error)) from error
    except OSError as error:
        raise CoachError(_("cannot write the new post: {error}").format(error=error)) from error
    shown = path.relative_to(ROOT) if ROOT in path.parents else path
    click.echo(_("Created {path} (Status: draft). Remove the Status line to publish it.").format(path=shown))


if __name__ == "__main__":
    main()
