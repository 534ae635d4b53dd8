"""Check the content and build the site atomically (``make html``, ``make publish``, ``make check``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coachsite.build import BuildError, build, check

ROOT = Path(__file__).resolve().parent.parent


@click.command()
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=ROOT / "pelicanconf.py",
    show_default="pelicanconf.py",
    help="Pelican settings file (publishconf.py for production).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / "output",
    show_default="output/",
    help="Folder the finished site replaces; left untouched if anything fails.",
)
@click.option(
    "--content",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Content folder to use instead of the one in the settings.",
)
@click.option("--check-only", is_flag=True, help="Only check content/ and report problems; build nothing.")
def main(config: Path, output: Path, content: Path | None, check_only: bool) -> None:
    """Check every post, then build the site into a temporary folder and swap it into place."""
    override = {"PATH": str(content.resolve())} if content else {}
    if check_only:
        problems = check(config, **override)
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems:
            click.secho(f"{len(problems)} problem(s) found.", fg="red", err=True)
            sys.exit(1)
        click.echo("All content is fine.")
        return
    try:
        result = build(config, output, **override)
    except BuildError as error:
        for line in error.details:
            click.echo(line, err=True)
        click.secho(f"Build failed: {error}. {output} is unchanged.", fg="red", err=True)
        sys.exit(1)
    articles = len(list((output / "zoeken" / "index" / "d").glob("*.json")))
    click.echo(f"Search index: {articles} articles.")
    click.echo(f"Site built into {output} in {result.seconds:.1f} s.")


if __name__ == "__main__":
    main()
