"""Work a build does beside Pelican, on the machine's other core, in a forked child process.

Why: Pelican renders on one core. Work that only needs the posts as read (the search index) can
run in a child forked once the posts are read, while the parent renders the pages, and the build
waits for it only where its result is needed. A child never outlives its build: ``settle``
(called by ``coachsite.site.build_site`` when Pelican returns or raises) kills and reaps any child
of that output folder still running, so a failed build leaves nothing writing into a folder being
deleted.

A job may name the subfolder of the output it writes into (``folder``), and register with
``when_finishing`` what must wait for it (the search page's index folder). ``finish`` runs those
once every page is written, so ``coachsite.build`` can first compare the rest of the new site with
the old one (``busy_folders`` says what to leave alone meanwhile) and wait only at the very end.

Forking is used only where it is safe: on Linux, and only while the process runs no other threads
(a forked child inherits locks other threads may hold). Elsewhere the work runs in the calling
process at once, with the same result.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
import traceback
from collections.abc import Callable

from coachsite.i18n import _

_running: dict[str, list[SideJob]] = {}  # output folder -> jobs started for it and not yet settled
_finishing: dict[str, list[Callable[[], None]]] = {}  # output folder -> what waits for its jobs


def can_fork() -> bool:
    """A fork copies only the calling thread: with others running, a lock one of them holds
    (logging, I/O) would stay locked in the child forever."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


class SideJob:
    """``function()`` computed beside the build; ``result()`` waits for it (once) and returns it,
    or raises ``SideJobError`` with the child's one-line error.

    With ``inbox=True`` the child starts at once but its input comes later: it runs
    ``function(receive)``, and ``receive()`` returns what the parent passes to ``send`` (the child
    can read its caches while the parent still reads the posts). Without a fork, ``function``
    runs in ``send``."""

    def __init__(self, output: str, function: Callable, inbox: bool = False, folder: str | None = None):
        self.output, self._done, self._value, self._error = output, False, None, None
        self.folder = folder  # the subfolder of ``output`` the child writes into, if any
        self._process = self._pipe = self._inbox = None
        self._function = function
        if can_fork():
            for stream in (sys.stdout, sys.stderr):  # else the child would print their buffers again
                stream.flush()
            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            inbox_out, inbox_in = context.Pipe(duplex=False) if inbox else (None, None)
            self._process = context.Process(target=_child, args=(function, sender, inbox_out, inbox_in), daemon=True)
            self._process.start()
            sender.close()
            if inbox:
                inbox_out.close()
                self._inbox = inbox_in
            self._pipe = receiver
            _running.setdefault(output, []).append(self)
        elif not inbox:
            self._settle_with(_call(function))

    def send(self, value) -> None:
        """The input of an ``inbox`` job."""
        if self._inbox is not None:
            self._inbox.send(value)
            self._inbox.close()
            self._inbox = None
        elif self._process is None and not self._done:
            self._settle_with(_call(lambda: self._function(lambda: value)))

    def _settle_with(self, outcome: tuple) -> None:
        self._done = True
        kind, value = outcome
        if kind == "ok":
            self._value = value
        else:
            self._error = value

    def ready(self) -> bool:
        """True when ``result()`` would not wait."""
        return self._done or self._process is None or self._pipe.poll()

    def result(self):
        if not self._done and self._process is None:  # an inbox job never sent its input
            self._settle_with(("error", _("the job got no input")))
        if not self._done:
            try:
                outcome = self._pipe.recv()
            except (EOFError, OSError):  # the child died before it could answer
                self._process.join()
                outcome = ("error", _("the child process ended with exit code {code}").format(code=self._process.exitcode))
            self._pipe.close()
            self._process.join()
            self._settle_with(outcome)
            _forget(self)
        if self._error is not None:
            raise SideJobError(self._error)
        return self._value

    def kill(self) -> None:
        if self._inbox is not None:
            self._inbox.close()
            self._inbox = None
        if not self._done and self._process is not None:
            self._process.kill()
            self._process.join()
            self._pipe.close()
            self._settle_with(("error", _("stopped: the build ended first")))
            _forget(self)


class SideJobError(Exception):
    pass


def _call(function) -> tuple:
    try:
        return ("ok", function())
    except Exception as error:  # noqa: BLE001 - reported to the build as one line
        return ("error", f"{type(error).__name__}: {error}")


def _child(function, sender, inbox_out, inbox_in) -> None:
    # A child lives for one job and makes few reference cycles: the cyclic collector would only
    # walk the many dicts and sets it reads from its caches (a quarter of reading them).
    gc.disable()
    try:
        if inbox_out is None:
            outcome = _call(function)
        else:
            inbox_in.close()  # so that a parent gone without sending is an end of file here
            outcome = _call(lambda: function(inbox_out.recv))
        sender.send(outcome)
    except BaseException:  # an unpicklable result, a closed pipe: the parent sees EOF and says so
        traceback.print_exc()
        os._exit(1)


def _forget(job: SideJob) -> None:
    jobs = _running.get(job.output, [])
    if job in jobs:
        jobs.remove(job)
    if not jobs:
        _running.pop(job.output, None)


def busy_folders(output: str) -> set[str]:
    """The subfolders of ``output`` that jobs still running may be writing into."""
    return {job.folder for job in _running.get(str(output), []) if job.folder}


def when_finishing(output: str, step: Callable[[], None]) -> None:
    """Run ``step`` (which may wait for a job, and may raise) when ``finish(output)`` is called."""
    _finishing.setdefault(str(output), []).append(step)


def finish(output: str) -> None:
    """Run the steps registered for ``output``, in order; the first error stops the rest."""
    steps = _finishing.pop(str(output), [])
    for step in steps:
        step()


def settle(output: str) -> None:
    """Stop every job of ``output`` still running (its build ended without asking for them)."""
    _finishing.pop(str(output), None)
    for job in list(_running.get(str(output), [])):
        job.kill()
