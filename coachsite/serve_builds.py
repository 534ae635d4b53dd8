"""The builds behind ``make serve``: warm, forked, one at a time, quick first (see ``coachsite.serve``).

Why a fork per build: the server process has imported Pelican, Markdown, Babel and our code once,
so each child starts warm; whatever a build does to module state dies with the child; and a build
that must give way to a newer save can be stopped (its own process group, search index included).
The child of a good full build does not die: it stays as the ``Worker`` that shows the next saved
post from the site it just built (``coachsite.serve_worker``), until a newer full build replaces it
or a change it cannot show (code, theme, a new file, ...) ends it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

from coachsite.i18n import _

ROOT = Path(__file__).resolve().parent.parent


def warm_up(settings: dict) -> None:
    """Import and load, once, what every build needs; forked builds then start with it."""
    import datetime as dt

    import markdown
    import pelican.generators  # noqa: F401
    import pelican.readers  # noqa: F401
    import pelican.writers  # noqa: F401

    import coachsite.build  # noqa: F401
    import coachsite.newsletter.archive  # noqa: F401
    import coachsite.related  # noqa: F401
    import coachsite.search_index  # noqa: F401
    from coachsite.dates import nl_date

    for plugin in settings["PLUGINS"]:
        if "." in plugin:  # third-party plugins; our own are loaded (and registered) by each build
            __import__(plugin)
    options = settings["MARKDOWN"]
    markdown.Markdown(extensions=list(options["extension_configs"]), extension_configs=options["extension_configs"])
    nl_date(dt.datetime.now(dt.timezone.utc))  # loads Babel's Dutch data


def forget_project_code() -> None:
    """Drop the project's own modules, so this process imports their current source."""
    roots = (str(ROOT / "coachsite"), str(ROOT / "plugins"))
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(roots):
            del sys.modules[name]


def build_once(config: Path, output: Path, content: Path, fresh_code: bool, quick: dict, capture=None) -> dict:
    """One build like ``make html`` (``quick``: extra arguments for ``build``); the outcome as a
    dict that survives a pipe. ``capture`` (a ``serve_worker.Capture``) keeps Pelican's generators."""
    if fresh_code:
        forget_project_code()
    from coachsite.build import BuildError, build, where

    try:
        if capture is None:
            build(config, output, PATH=str(content), **quick)
        else:
            with capture:
                build(config, output, PATH=str(content), **quick)
        return {"ok": True}
    except BuildError as error:
        return {"ok": False, "message": str(error), "details": error.details}
    except Exception as error:  # noqa: BLE001 - shown in the browser and the terminal, never lost
        return {"ok": False, "message": f"{type(error).__name__}: {error}", "details": where(error)}


def quick_build_arguments(settings: dict) -> dict | None:
    """A build without the search index, keeping the previous index: what the coach waits for.

    The full build (with the index) follows right after; None when there is no index to defer.
    """
    if "search_index" not in settings["PLUGINS"]:
        return None
    folder = settings.get("SEARCH_URL", "zoeken/").strip("/")
    return {"SEARCH_INDEX_DEFERRED": True, "carry": folder, "link_unchanged": False}


class Worker:
    """The process of the last good full build, kept alive with its site (``coachsite.serve_worker``)."""

    def __init__(self, pid: int, replies, requests: int):
        self.pid, self.replies, self.requests = pid, replies, requests

    async def update(self, paths: list[str]) -> dict | None:
        """Ask it to show saved posts; None when it is gone."""
        from tornado.iostream import StreamClosedError

        try:
            os.write(self.requests, json.dumps(paths).encode() + b"\n")
            return json.loads(await self.replies.read_until(b"\n"))
        except (OSError, StreamClosedError, ValueError):
            return None

    def stop(self) -> None:
        self.replies.close()
        with contextlib.suppress(OSError):
            os.close(self.requests)
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


class Builder:
    """One build at a time. A save of published posts is first shown by the worker (their own
    pages, no build); any other change, or one the worker refuses, gets a quick build (no search
    index). Either reloads the browser; then a full build brings every page and the index up to
    date and, when it succeeds, stays alive as the next worker. A change during the full build
    stops it and starts again; a change during the quick part asks for one more round.
    """

    def __init__(self, config: Path, output: Path, content: Path, quick: dict | None, on_result, settle=None):
        """``settle``: awaited between the reload and the full build (the browsers' reload first)."""
        self.config, self.output, self.content, self.on_result = config, output, content, on_result
        self.settle = settle
        self.quick = quick
        self.running = self.pending = self.fresh_code = False
        self.child: int | None = None
        self.worker: Worker | None = None
        self.changes: set[str] = set()  # changed since the last round began
        self.only_posts = True  # ... and all of them posts the worker may show
        self.phase = ""

    def request(self, code_changed: bool = False, changed: list[str] = (), only_posts: bool = False) -> None:
        """A change: ``only_posts`` when every changed file is an existing Markdown file under the
        content folder (what the worker may show without a build)."""
        from tornado.ioloop import IOLoop

        self.fresh_code |= code_changed  # the server's own copies of our modules stay old
        self.changes.update(changed)
        self.only_posts &= only_posts
        if self.running:
            self.pending = True
            if self.phase == "full" and self.child:
                with contextlib.suppress(OSError):
                    os.killpg(self.child, signal.SIGTERM)
            return
        self.running = True
        IOLoop.current().add_callback(self._run)

    def _drop_worker(self) -> None:
        if self.worker:
            self.worker.stop()
            self.worker = None

    async def _show_saved(self, saved: list[str], started: float) -> dict | None:
        """The worker's answer for saved posts, or None when a build must do it."""
        if not (saved and self.worker):
            return None
        self.phase = "page"
        shown = await self.worker.update(saved)
        if shown is None or "fallback" in shown:
            return None
        shown["seconds"] = time.perf_counter() - started
        return shown

    async def _run(self) -> None:
        try:
            while True:
                self.pending = False
                saved = sorted(self.changes) if self.only_posts else []
                self.changes, self.only_posts = set(), True
                started = time.perf_counter()
                result = await self._show_saved(saved, started)
                if result is None:  # nothing the worker can show: today's quick build
                    self._drop_worker()
                    self.phase = "quick"
                    result = await self._build(self.quick or {}, keep=not self.quick)
                    result["seconds"] = time.perf_counter() - started
                self.on_result(result)
                if self.pending:
                    continue
                if not (result["ok"] and (self.quick or result.get("pages"))):
                    return
                if self.settle:
                    await self.settle()
                    if self.pending:
                        continue
                self.phase = "full"
                result = await self._build({}, keep=True)
                if self.pending:  # stopped for a newer change
                    continue
                if not result["ok"]:  # what the worker showed did not build: builds only, until one does
                    self._drop_worker()
                result.update(seconds=time.perf_counter() - started, index=True)
                self.on_result(result)
                return
        finally:
            self.running, self.phase = False, ""

    async def _build(self, quick: dict, keep: bool) -> dict:
        """A build in a forked child; ``keep``: a good build's child stays as the next worker."""
        from tornado.ioloop import IOLoop
        from tornado.iostream import PipeIOStream, StreamClosedError

        args = (self.config, self.output, self.content, self.fresh_code, quick)
        if not hasattr(os, "fork"):  # Windows: in this process, off the server's thread (no worker)
            return await IOLoop.current().run_in_executor(None, build_once, *args)
        reader, writer = os.pipe()
        requests, ask = os.pipe() if keep else (-1, -1)
        pid = os.fork()
        if pid == 0:  # the child: build, report, maybe serve as the worker, and leave
            self._child(args, keep, reader, writer, requests, ask)
        self.child = pid
        os.close(writer)
        if keep:
            os.close(requests)
        stream = PipeIOStream(reader)
        try:
            data = await stream.read_until(b"\n")
        except StreamClosedError:
            data = b""
        self.child = None
        result = json.loads(data) if data else None
        if result and result["ok"] and keep:
            self._drop_worker()
            self.worker = Worker(pid, stream, ask)
            return result
        stream.close()
        if keep:
            os.close(ask)
        status = os.waitpid(pid, 0)[1]
        shutil.rmtree(self.output.with_name(f".output-tmp-{pid}"), ignore_errors=True)  # if it was stopped
        if result is None:
            message = _("The build stopped unexpectedly (exit status {status}).").format(status=status)
            return {"ok": False, "message": message, "details": []}
        return result

    def _child(self, args, keep, reader, writer, requests, ask) -> None:
        code = 1
        try:
            os.setpgid(0, 0)  # its own group: stopping it stops everything it started
            os.close(reader)
            if keep:
                os.close(ask)
            if self.worker:  # the previous worker's pipes are the server's (never touch its loop)
                os.close(self.worker.replies.fileno())
                os.close(self.worker.requests)
            from coachsite.serve_worker import Capture, load_sources, serve_requests

            capture = Capture() if keep else None
            result = build_once(*args, capture=capture)
            site = capture.site(self.output) if capture and result["ok"] else None
            try:  # ready for the next save before the server hears of this build
                if site is not None:
                    load_sources(site)
            except Exception:  # noqa: BLE001 - e.g. a file gone meanwhile: no worker, builds only
                site = None
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(json.dumps(result).encode() + b"\n")
                pipe.flush()
                if site is not None:
                    with os.fdopen(requests, "rb") as lines:
                        serve_requests(site, lines, pipe)
            code = 0
        finally:
            os._exit(code)
