"""Work a build does beside Pelican, on the machine's other core, in a forked child process.

Why: Pelican renders on one core. Work that only needs the posts as read (the search index) can
run in a child forked once the posts are read, while the parent renders the pages, and the build
waits for it only where its result is needed. A child never outlives its build: ``settle``
(called by ``coachsite.site.build_site`` when Pelican returns or raises) kills and reaps any child
of that output folder still running, so a failed build leaves nothing writing into a folder being
deleted.

Forking is used only where it is safe: on Linux, and only while the process runs no other threads
(a forked child inherits locks other threads may hold). Elsewhere the work runs in the calling
process at once, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import traceback
from collections.abc import Callable

_running: dict[str, list[SideJob]] = {}  # output folder -> jobs started for it and not yet settled


def can_fork() -> bool:
    """A fork copies only the calling thread: with others running, a lock one of them holds
    (logging, I/O) would stay locked in the child forever."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


class SideJob:
    """``function()`` computed beside the build; ``result()`` waits for it (once) and returns it,
    or raises ``SideJobError`` with the child's one-line error."""

    def __init__(self, output: str, function: Callable[[], object]):
        self.output, self._done, self._value, self._error = output, False, None, None
        self._process = self._pipe = None
        if can_fork():
            for stream in (sys.stdout, sys.stderr):  # else the child would print their buffers again
                stream.flush()
            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            self._process = context.Process(target=_child, args=(function, sender), daemon=True)
            self._process.start()
            sender.close()
            self._pipe = receiver
            _running.setdefault(output, []).append(self)
        else:
            self._settle_with(_call(function))

    def _settle_with(self, outcome: tuple) -> None:
        self._done = True
        kind, value = outcome
        if kind == "ok":
            self._value = value
        else:
            self._error = value

    def result(self):
        if not self._done:
            try:
                outcome = self._pipe.recv()
            except (EOFError, OSError):  # the child died before it could answer
                self._process.join()
                outcome = ("error", f"the child process ended with exit code {self._process.exitcode}")
            self._pipe.close()
            self._process.join()
            self._settle_with(outcome)
            _forget(self)
        if self._error is not None:
            raise SideJobError(self._error)
        return self._value

    def kill(self) -> None:
        if not self._done:
            self._process.kill()
            self._process.join()
            self._pipe.close()
            self._settle_with(("error", "stopped: the build ended first"))
            _forget(self)


class SideJobError(Exception):
    pass


def _call(function) -> tuple:
    try:
        return ("ok", function())
    except Exception as error:  # noqa: BLE001 - reported to the build as one line
        return ("error", f"{type(error).__name__}: {error}")


def _child(function, sender) -> None:
    try:
        outcome = _call(function)
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


def settle(output: str) -> None:
    """Stop every job of ``output`` still running (its build ended without asking for them)."""
    for job in list(_running.get(str(output), [])):
        job.kill()
