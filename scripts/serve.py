"""Serve output/ on localhost and rebuild + reload the browser whenever content or theme changes.

Used by ``make serve``. The livereload server injects a small same-origin script into each
page it serves, so the coach sees her edit a second after saving the Markdown file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import livereload.server
from livereload import Server

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ["content", "theme", "plugins", "coachsite", "pelicanconf.py", "tags.txt", "newsletters"]


def _no_injection(self, status_code, headers, chunk, finishing):
    return status_code, headers, chunk


# livereload injects an inline <script> into every page; our CSP forbids inline scripts. The
# theme loads /livereload.js itself when LIVERELOAD_PORT is set (base.html), so turn it off.
livereload.server.LiveScriptInjector.transform_first_chunk = _no_injection


def rebuild() -> bool:
    """Rebuild exactly like ``make html``; a failed build keeps the previous site."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py")], cwd=ROOT)
    if result.returncode != 0:
        click.secho("Build failed: the browser keeps showing the previous version.", fg="red", err=True)
    return result.returncode == 0


@click.command()
@click.option("--port", default=8000, show_default=True, help="Port on localhost to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def main(port: int, host: str) -> None:
    """Build, then serve the site with live reload."""
    os.environ["LIVERELOAD_PORT"] = str(port)  # read by pelicanconf.py in every rebuild
    if not rebuild() and not (ROOT / "output").exists():
        sys.exit(1)
    server = Server()
    for path in WATCHED:
        server.watch(str(ROOT / path), rebuild, delay=0.5)
    click.echo(f"Site: http://localhost:{port}/  (Ctrl+C stops)")
    server.serve(root=str(ROOT / "output"), host=host, port=port, open_url_delay=None, restart_delay=0)


if __name__ == "__main__":
    sys.exit(main())
