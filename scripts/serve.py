"""Serve output/ on localhost and rebuild + reload the browser whenever content or theme changes.

Used by ``make serve``. The livereload server injects a small same-origin script into each
page it serves, so the coach sees her edit a second after saving the Markdown file.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from livereload import Server

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ["content", "theme", "plugins", "coachsite", "pelicanconf.py", "tags.txt", "newsletters"]


def rebuild() -> None:
    """Rebuild with the same command as ``make html``; a failed build keeps the previous site."""
    result = subprocess.run(["make", "--no-print-directory", "html"], cwd=ROOT)
    if result.returncode != 0:
        click.secho("Build failed: the browser keeps showing the previous version.", fg="red", err=True)


@click.command()
@click.option("--port", default=8000, show_default=True, help="Port on localhost to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def main(port: int, host: str) -> None:
    """Serve the built site with live reload."""
    server = Server()
    for path in WATCHED:
        server.watch(str(ROOT / path), rebuild, delay=0.5)
    click.echo(f"Site: http://localhost:{port}/  (Ctrl+C stops)")
    server.serve(root=str(ROOT / "output"), host=host, port=port, open_url_delay=None, restart_delay=0)


if __name__ == "__main__":
    sys.exit(main())
