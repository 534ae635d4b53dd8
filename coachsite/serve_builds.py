"""The builds behind ``make serve``: warm, forked, one at a time, quick first (see ``coachsite.serve``).

Why a fork per build: the server process has imported Pelican, Markdown, Babel and our code once,
so each child starts warm; whatever a build does to module state dies with the child; and a build
that must give way to a newer save can be stopped (its own process group, search index included).
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


def build_once(config: Path, output: Path, content: Path, fresh_code: bool, quick: dict) -> dict:
    """One build like ``make html`` (``quick``: extra arguments for ``build``); the outcome as a
    dict that survives a pipe."""
    if fresh_code:
        forget_project_code()
    from coachsite.build import BuildError, build, where

    try:
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


class Builder:
    """One build at a time. Each change gets a quick build (no search index) that reloads the
    browser, then a full build that brings the index up to date; a change during the full build
    stops it and starts again with a quick build. A change during a quick build asks for one more.
    """

    def __init__(self, config: Path, output: Path, content: Path, quick: dict | None, on_result):
        self.config, self.output, self.content, self.on_result = config, output, content, on_result
        self.quick = quick
        self.running = self.pending = self.fresh_code = False
        self.child: int | None = None
        self.phase = ""

    def request(self, code_changed: bool = False) -> None:
        from tornado.ioloop import IOLoop

        self.fresh_code |= code_changed  # the server's own copies of our modules stay old
        if self.running:
            self.pending = True
            if self.phase == "full" and self.child:
                with contextlib.suppress(OSError):
                    os.killpg(self.child, signal.SIGTERM)
            return
        self.running = True
        IOLoop.current().add_callback(self._run)

    async def _run(self) -> None:
        try:
            while True:
                self.pending = False
                started = time.perf_counter()
                self.phase = "quick"
                result = await self._build(self.quick or {})
                result["seconds"] = time.perf_counter() - started
                self.on_result(result)
                if self.pending:
                    continue
                if not (result["ok"] and self.quick):
                    return
                self.phase = "full"
                result = await self._build({})
                if self.pending:  # stopped for a newer change
                    continue
                result.update(seconds=time.perf_counter() - started, index=True)
                self.on_result(result)
                return
        finally:
            self.running, self.phase = False, ""

    async def _build(self, quick: dict) -> dict:
        from tornado.ioloop import IOLoop
        from tornado.iostream import PipeIOStream

        args = (self.config, self.output, self.content, self.fresh_code, quick)
        if not hasattr(os, "fork"):  # Windows: in this process, off the server's thread
            return await IOLoop.current().run_in_executor(None, build_once, *args)
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: build, report, and leave without running the server's cleanup
            code = 1
            try:
                os.setpgid(0, 0)  # its own group: stopping it also stops the search index's process
                os.close(reader)
                with os.fdopen(writer, "wb") as pipe:
                    pipe.write(json.dumps(build_once(*args)).encode())
                code = 0
            finally:
                os._exit(code)
        self.child = pid
        os.close(writer)
        stream = PipeIOStream(reader)
        try:
            data = await stream.read_until_close()
        finally:
            stream.close()
        status = os.waitpid(pid, 0)[1]
        self.child = None
        shutil.rmtree(self.output.with_name(f".output-tmp-{pid}"), ignore_errors=True)  # if it was stopped
        if not data:
            message = _("The build stopped unexpectedly (exit status {status}).").format(status=status)
            return {"ok": False, "message": message, "details": []}
        return json.loads(data)
