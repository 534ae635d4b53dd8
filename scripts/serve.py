"""``make serve``: build, serve the site on localhost and rebuild + reload the browser on every change.

A thin Click wrapper over ``coachsite.serve`` (warm builds, the error page, the site's 404 page).
"""

from __future__ import annotations

from pathlib import Path

import click

from coachsite import click_nl
from coachsite.clitools import CoachCommand, config_option, number_range
from coachsite.i18n import _
from coachsite.serve import serve

ROOT = Path(__file__).resolve().parent.parent
click_nl.install()


@click.command(cls=CoachCommand, help=_("Build, then serve the site with live reload; a failed build shows in the browser."))
@click.option("--port", type=number_range(int, min=0, max=65535), default=8000, show_default=True, metavar=_("NUMBER"), help=_("Port on localhost to serve on (0: any free port)."))
@click.option("--host", default="127.0.0.1", show_default=True, help=_("Interface to listen on."))
@config_option(_("Pelican settings file."))
@click.option(
    "--content",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=ROOT / "content",
    show_default="content/",
    help=_("Folder with the posts and pages to build and watch."),
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "output",
    show_default="output/",
    help=_("Folder the site is built into and served from."),
)
def main(port: int, host: str, config: Path, content: Path, output: Path) -> None:
    serve(config.resolve(), output.resolve(), content.resolve(), host, port)


if __name__ == "__main__":
    main()
