"""``make serve``: a warm build process, a saved post on screen at once, every build error in the browser.

Why: the coach edits, saves and looks at the browser. A new Python process per save spent most of
its time importing Pelican and compiling templates, and a build of 1,000 posts takes seconds. Here
the server process imports everything a build needs once and forks a child per build
(``coachsite.serve_builds``); the child of the last good full build stays alive as the worker that
shows a saved post without any build (``coachsite.serve_worker``); the operating system's change
notices start that at once (``coachsite.serve_watch``). The browser reloads when the saved page is
written, and once more after the full build only if that build changed the page it shows.

A failed build keeps the previous site in ``output/`` (see ``coachsite.build``), but the browser
must not keep showing it as if nothing happened: until the next good build every page is a Dutch
error page naming file, line and message, which loads ``/livereload.js`` like the site's pages
(the CSP forbids inline scripts), so the next good build reloads the real page. Missing pages get
the site's own 404 page.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import os
import re
from urllib.parse import unquote, urlparse
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import click

from coachsite.clitools import CoachError
from coachsite.i18n import _
from coachsite.clitools import read_config
from coachsite.serve_builds import Builder, quick_build_arguments, warm_up
from coachsite.serve_watch import Watcher

SETTLE_SECONDS = 1.0


# --- The web server -------------------------------------------------------------------------------

ERROR_CSS = """
body{margin:0;font:17px/1.5 system-ui,sans-serif;background:#fff6f5;color:#2b1b19}
main{max-width:52rem;margin:3rem auto;padding:0 1.25rem}
h1{font-size:1.6rem;color:#9b1c12;margin:0 0 .5rem}
.problems{padding-left:1.2rem}.problems li{margin:.6rem 0}
code{font:15px/1.4 ui-monospace,monospace;background:#fde2df;padding:.1rem .3rem;border-radius:3px}
.message{font-weight:600}
"""
WHERE = re.compile(r"^(?P<where>[^\s:][^:]*:\d+):\s*(?P<text>.*)$", re.S)


@dataclass
class State:
    port: int
    output: Path
    error: dict | None = None
    served: dict = field(default_factory=dict)  # file -> digest of the bytes last sent to a browser
    reloading: int = 0  # pages told to reload that have not connected again
    settled: object = None  # a tornado Event, set when ``reloading`` is back at 0


def error_page(error: dict, port: int) -> str:
    """The Dutch page shown for every page while the last build failed."""
    items = []
    for line in error.get("details") or []:
        found = WHERE.match(line)
        if found:
            items.append(f"<li><code>{html.escape(found['where'])}</code> {html.escape(found['text'])}</li>")
        else:
            items.append(f"<li>{html.escape(line)}</li>")
    problems = f'<ol class="problems">{"".join(items)}</ol>' if items else ""
    return f"""<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self' ws: wss:">
<title>De site kon niet worden gebouwd</title>
<link rel="stylesheet" href="/_serve/fout.css">
<link rel="icon" href="/images/logo.svg" type="image/svg+xml">
</head>
<body>
<main role="alert">
<h1>De site kon niet worden gebouwd</h1>
<p>Je laatste wijziging staat nog niet op de site. Verbeter wat hieronder staat en sla het bestand
op: deze melding verdwijnt vanzelf zodra de site weer goed gebouwd is.</p>
<p class="message">{html.escape(error.get("message", ""))}</p>
{problems}
</main>
<script src="/livereload.js?port={port}"></script>
</body>
</html>
"""


def page_file(output: Path, url: str) -> str:
    """The file of ``output`` that the page at ``url`` was served from."""
    rel = unquote(urlparse(url).path).lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    return os.path.abspath(os.path.join(output, rel))


def digest_of(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha1(handle.read()).hexdigest()
    except OSError:
        return None


def make_app(state: State):
    from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
    from tornado import web

    class ErrorCss(web.RequestHandler):
        def get(self):
            self.set_header("Content-Type", "text/css; charset=utf-8")
            self.finish(ERROR_CSS)

    class Site(web.StaticFileHandler):
        """The built site; every page is the error page while the last build failed."""

        def set_extra_headers(self, path):
            self.set_header("Cache-Control", "no-store")  # a reload must show the new build

        def should_return_304(self):
            return False

        @classmethod
        def get_content(cls, abspath, start=None, end=None):
            """Pages are small: read whole, and remember which version each browser got."""
            with open(abspath, "rb") as handle:
                data = handle.read()
            if abspath.endswith(".html"):
                state.served[abspath] = hashlib.sha1(data).hexdigest()
            yield data[start:end]

        async def get(self, path, include_body=True):
            last = path.rsplit("/", 1)[-1]
            if state.error and (not last or last.endswith(".html") or "." not in last):
                self.set_status(500)
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.set_header("Cache-Control", "no-store")
                self.finish(error_page(state.error, state.port))
                return
            await super().get(path, include_body)

        def write_error(self, status_code, **kwargs):
            page = state.output / "404.html"
            if status_code == 404 and page.is_file():
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(page.read_bytes())
                return
            super().write_error(status_code, **kwargs)

    class Browser(LiveReloadHandler):
        """A connected page: which file it shows, and which version of it."""

        page = seen = None

        def on_message(self, message):
            with contextlib.suppress(ValueError, AttributeError):
                data = json.loads(message)
                if data.get("command") == "info" and isinstance(data.get("url"), str):
                    self.page = page_file(state.output, data["url"])
                    self.seen = state.served.get(self.page)
                    state.reloading -= 1
                    if state.reloading <= 0 and state.settled is not None:
                        state.settled.set()
            super().on_message(message)

    return web.Application(
        [
            (r"/livereload", Browser),
            (r"/livereload.js", LiveReloadJSHandler),
            (r"/_serve/fout.css", ErrorCss),
            (r"/(.*)", Site, {"path": str(state.output), "default_filename": "index.html"}),
        ],
        log_function=lambda handler: None,  # the terminal is for build results, not every request
    )


def reload_browsers(state: State, only_changed: bool = False) -> None:
    """Tell the open pages to reload; ``only_changed``: only those whose file changed since served."""
    from livereload.handlers import LiveReloadHandler
    from tornado.locks import Event

    message = {"command": "reload", "path": "/", "liveCSS": False, "liveImg": False}
    state.reloading, state.settled = 0, Event()
    for waiter in list(LiveReloadHandler.waiters):
        page = getattr(waiter, "page", None)
        if only_changed and page and getattr(waiter, "seen", None) == digest_of(page):
            continue
        try:
            waiter.write_message(message)
            state.reloading += 1
        except Exception:  # noqa: BLE001 - a closed tab
            LiveReloadHandler.waiters.discard(waiter)
    if not state.reloading:
        state.settled.set()


async def browsers_reloaded(state: State) -> None:
    """Wait until the reloaded pages connected again (their reload got the CPU before the full
    build takes it), at most ``SETTLE_SECONDS`` (a hidden tab may never reload)."""
    from tornado.ioloop import IOLoop
    from tornado.util import TimeoutError as Timeout

    if state.settled is not None:
        with contextlib.suppress(Timeout):
            await state.settled.wait(timeout=IOLoop.current().time() + SETTLE_SECONDS)


def bind(host: str, port: int) -> list:
    """Listen before doing anything slow, so a busy port is one clear line at once."""
    from tornado.netutil import bind_sockets

    try:
        return bind_sockets(port, address=host)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CoachError(
                _(
                    "Port {port} is already in use (is `make serve` already running in another window?). "
                    "Stop that one or choose another port: make serve PORT={other}"
                ).format(port=port, other=port + 1)
            ) from None
        raise CoachError(_("Cannot serve on {host}:{port}: {reason}").format(host=host, port=port, reason=error.strerror)) from None


def report(state: State, result: dict) -> None:
    if result["ok"] and result.get("index"):  # the page is showing; reload it only if the full build changed it
        click.echo(_("Search index up to date ({seconds} s after the change).").format(seconds=f"{result['seconds']:.2f}"))
        reload_browsers(state, only_changed=True)
        return
    if result["ok"]:
        state.error = None
        if result.get("pages"):
            click.echo(_("Shown in {seconds} s: {pages}; the browser reloads, the full build follows.").format(
                seconds=f"{result['seconds']:.2f}", pages=", ".join("/" + page.removesuffix("index.html") for page in result["pages"])
            ))
        else:
            click.echo(_("Built in {seconds} s; the browser reloads.").format(seconds=f"{result['seconds']:.2f}"))
    else:
        state.error = result
        for line in result.get("details") or []:
            click.echo(line, err=True)
        click.secho(
            _("Build failed: {message}. The browser shows this until the next good build.").format(message=result["message"].rstrip(".")),
            fg="red",
            err=True,
        )
    reload_browsers(state)


def serve(config: Path, output: Path, content: Path, host: str, port: int) -> None:
    """Bind, build in the background, serve ``output`` and rebuild on every change."""
    sockets = bind(host, port)
    port = sockets[0].getsockname()[1]  # port 0: the system's choice (tests)
    os.environ["LIVERELOAD_PORT"] = str(port)  # read by pelicanconf.py in every build
    from tornado.httpserver import HTTPServer
    from tornado.ioloop import IOLoop

    settings = read_config(config, PATH=str(content))  # a broken settings file: one Dutch line
    warm_up(settings)
    state = State(port=port, output=output)
    server = HTTPServer(make_app(state))
    server.add_sockets(sockets)
    quick = quick_build_arguments(settings)
    builder = Builder(config, output, content, quick, lambda result: report(state, result), lambda: browsers_reloaded(state))
    watcher = Watcher(config, content, builder.request)
    builder.request()
    watcher.start()
    click.echo(_("Site: http://localhost:{port}/  (Ctrl+C stops)").format(port=port))
    try:
        IOLoop.current().start()
    except KeyboardInterrupt:
        click.echo(_("Stopped."))
