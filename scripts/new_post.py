"""``make post TITLE="…" CATEGORY="…"``: write a valid draft post with today's date."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coachsite.dates import today
from coachsite.new_post import NewPostError, new_post
from coachsite.site import load_settings

ROOT = Path(__file__).resolve().parent.parent


@click.command()
@click.option("--title", required=True, help="Title of the post (Dutch, as readers will see it).")
@click.option("--category", required=True, help="One of the four themes, e.g. 'Klantbeleving'.")
@click.option("--author", help="Author name (default: AUTHOR from pelicanconf.py).")
@click.option("--date", "date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date (default: today in Amsterdam).")
def main(title: str, category: str, author: str | None, date) -> None:
    """Create content/<theme>/<slug>.md as a draft to start writing in."""
    settings = load_settings(ROOT / "pelicanconf.py")
    try:
        path = new_post(Path(settings["PATH"]), settings, title, category, date.date() if date else today(), author)
    except NewPostError as error:
        click.secho(f"Error: {error}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"Created {path.relative_to(ROOT)} (Status: draft). Remove the Status line to publish it.")


if __name__ == "__main__":
    main()
