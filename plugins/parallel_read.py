"""Read the posts of a cold build on two cores: Pelican from the first, a forked child from the last.

Pelican reads every post that misses its reader cache one after another, on one core; on a
cold build of 1,000 posts that Markdown conversion is the largest single cost. Right before the
articles generator reads, this plugin lists the posts exactly as Pelican will (same files, same
order), keeps those that miss the reader cache and, when there are enough of them, forks one
child that reads them from the last one backwards, with the very reader objects Pelican uses
(the fork copies them). Pelican reads from the first one onwards as always. Two counters in
shared memory say how far each has come: when Pelican reaches a post the child has started,
the child stops after that post and sends all it read in one pickle, which Pelican then takes
as cache hits (and stores in its cache as usual). So the two meet wherever the work is split
evenly, however busy the machine is, and neither waits for more than one post.

Nothing may differ from a serial build: log records the reader emits in the child come back and
are logged in the parent at the moment Pelican reads that post (so the build's warning collector
sees them); a post the child could not read, and every post of a child that crashed or sent
something unreadable, is read by Pelican itself. The child writes nothing but its pipe, leaves
with ``os._exit`` (no atexit handlers, no cache save) and stops when the parent is gone; a
parent that fails or never asks kills and reaps it when the generator's reading ends.

Only where ``os.fork`` is safe and pays: Linux, a process with one thread, two cores or more;
otherwise serial.

Settings:

- ``PARALLEL_READ`` (default True): False reads serially, exactly as Pelican does.
- ``PARALLEL_READ_MIN`` (default 40): the fewest cache misses worth a child (a fork costs
  milliseconds; ``make serve``'s single changed post never forks).
"""

from __future__ import annotations

import logging
import mmap
import os
import pickle
import signal
import struct
import time

from pelican import signals
from pelican.readers import _filter_discardable_metadata
from pelican.utils import file_suffix

from coachsite import side_jobs

logger = logging.getLogger(__name__)

DEFAULTS = {"PARALLEL_READ": True, "PARALLEL_READ_MIN": 40}


def setting(settings: dict, name: str):
    return settings.get(name, DEFAULTS[name])


def cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cache_misses(generator) -> list[str]:
    """The absolute paths Pelican's loop will read itself, in its order (see
    ``ArticlesGenerator.generate_context`` and ``Readers.read_file``)."""
    settings, readers = generator.settings, generator.readers
    files = generator.get_files(settings["ARTICLE_PATHS"], exclude=settings["ARTICLE_EXCLUDES"])
    misses = []
    for name in files:
        path = os.path.abspath(os.path.join(generator.path, name))
        if file_suffix(path) in readers.readers and readers.get_cached_data(path) is None:
            misses.append(path)
    return misses


class Progress:
    """How far each side has come, in memory shared across the fork: the highest post index
    Pelican has claimed (it reads upwards) and the lowest the child has started (downwards).

    Each side writes its own counter first and then reads the other's. A stale read only makes
    the other side seem further away than it is, so at worst both read the post they meet at:
    Pelican then keeps its own reading and the child's copy goes unused.
    """

    def __init__(self, count: int):
        self.memory = mmap.mmap(-1, 16)  # anonymous and MAP_SHARED: the child sees the same page
        self.claim(-1)
        struct.pack_into("q", self.memory, 8, count)

    def claim(self, index: int) -> None:
        struct.pack_into("q", self.memory, 0, index)

    def claimed(self) -> int:
        return struct.unpack_from("q", self.memory, 0)[0]

    def start(self, index: int) -> None:
        struct.pack_into("q", self.memory, 8, index)

    def started(self) -> int:
        return struct.unpack_from("q", self.memory, 8)[0]


# --- the child -------------------------------------------------------------------------


def _portable(record: logging.LogRecord) -> logging.LogRecord:
    """A record that survives pickling: arguments formatted in when they do not pickle, a
    traceback as text."""
    try:
        pickle.dumps((record.msg, record.args))
    except Exception:
        record.msg, record.args = record.getMessage(), None
    if record.exc_info:
        record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
        record.exc_info = None
    return record


def read_in_child(readers, paths: list[str], parent: int, progress: Progress) -> dict:
    """``{path: (content, metadata, records)}`` for the posts read from the last one down to
    where Pelican's reading was met; a post whose reader raised is left out (the parent reads it
    and reports the error as Pelican does)."""
    records: list[logging.LogRecord] = []
    # Keep what the reader logs instead of printing it: the parent logs it, through its own
    # filters and handlers, when Pelican reaches the post. Level checks still apply here.
    handle, logging.Logger.handle = logging.Logger.handle, lambda _logger, record: records.append(record)
    results = {}
    try:
        for index in range(len(paths) - 1, -1, -1):
            progress.start(index)
            if progress.claimed() >= index:  # Pelican got here first
                break
            if os.getppid() != parent:  # the parent is gone: nobody will read the results
                os._exit(1)
            path = paths[index]
            del records[:]
            try:
                content, metadata = readers.readers[file_suffix(path)].read(path)
                metadata = _filter_discardable_metadata(metadata)
            except Exception:
                continue
            results[path] = (content, metadata, [_portable(r) for r in records])
    finally:
        logging.Logger.handle = handle
    return results


def run_child(readers, paths: list[str], write_fd: int, parent: int, progress: Progress) -> None:
    """Read, send one pickle, leave without running any of the parent's exit code."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the child at once, quietly
        data = pickle.dumps(read_in_child(readers, paths, parent, progress), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as pipe:  # a closed read end (parent gone) raises here
            pipe.write(data)
        status = 0
    finally:
        os._exit(status)


# --- the parent ------------------------------------------------------------------------


def valid(results) -> bool:
    """What came through the pipe has the shape ``read_in_child`` returns."""
    return isinstance(results, dict) and all(
        isinstance(path, str) and isinstance(item, tuple) and len(item) == 3
        and isinstance(item[1], dict) and isinstance(item[2], list)
        and all(isinstance(r, logging.LogRecord) for r in item[2])
        for path, item in results.items()
    )


def replay(records: list[logging.LogRecord]) -> None:
    """Log the child's records in the parent as if the parent had read the post."""
    for record in records:
        try:
            logging.getLogger(record.name).handle(record)
        except Exception as error:  # Pelican's FatalLogger raises FilteredMessage for a filtered record
            if type(error).__name__ != "FilteredMessage":
                raise


class ParallelRead:
    """One articles generator's child: started before its reading, ended after it."""

    def __init__(self, generator):
        self.generator = generator
        self.readers = generator.readers
        self.index: dict[str, int] = {}  # post -> its place in the list both sides read
        self.results: dict = {}
        self.progress: Progress | None = None
        self.pid: int | None = None
        self.read_fd: int | None = None

    def start(self) -> None:
        settings = self.generator.settings
        if not setting(settings, "PARALLEL_READ") or not side_jobs.can_fork() or cores() < 2:
            return
        misses = cache_misses(self.generator)
        if len(misses) < max(2, setting(settings, "PARALLEL_READ_MIN")):
            return
        progress = Progress(len(misses))
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError as error:  # no memory or process left for a child: read serially
            os.close(read_fd)
            os.close(write_fd)
            logger.debug("parallel_read: no child (%s); reading serially", error)
            return
        if pid == 0:
            os.close(read_fd)
            run_child(self.readers, misses, write_fd, parent, progress)
        os.close(write_fd)
        self.pid, self.read_fd, self.progress = pid, read_fd, progress
        self.index = {path: number for number, path in enumerate(misses)}
        self.readers.get_cached_data = self.get_cached_data  # on this instance only
        logger.debug("parallel_read: child %s reads from the last of %d posts", pid, len(misses))

    def get_cached_data(self, filename, default=None):
        """``Readers.get_cached_data``: a post the child has not started is Pelican's to read
        (a miss); from the first one it has, the child's posts are served as hits (and cached)."""
        number = self.index.get(filename)
        if number is not None:
            if self.pid is not None:
                self.progress.claim(max(number, self.progress.claimed()))
                if self.progress.started() <= number:
                    self.collect()
            found = self.results.pop(filename, None)
            if found is not None:
                content, metadata, records = found
                replay(records)
                self.readers.cache_data(filename, (content, metadata))
                return content, metadata
        return type(self.readers).get_cached_data(self.readers, filename, default)

    def collect(self) -> None:
        """Wait for the child's pickle; anything but a complete, well-formed one leaves every
        post of the child to Pelican's own reading."""
        waiting = time.perf_counter()
        with os.fdopen(self.read_fd, "rb") as pipe:
            data = pipe.read()
        self.read_fd = None
        _pid, status, usage = os.wait4(self.pid, 0)
        self.pid = None
        try:
            results = pickle.loads(data)
        except Exception:
            results = None
        if not valid(results):
            logger.debug("parallel_read: no usable results (exit status %s); reading serially", status)
            return
        self.results = {path: item for path, item in results.items() if path in self.index}
        logger.debug(  # the split and its cost, for the benchmark notes
            "parallel_read: child read %d of %d posts in %.2f s CPU, waited %.3f s, %d bytes",
            len(results), len(self.index), usage.ru_utime + usage.ru_stime, time.perf_counter() - waiting, len(data),
        )

    def close(self) -> None:
        """After the reading (or its failure): no child left running, the reader cache as Pelican's."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.close(self.read_fd)
            os.waitpid(self.pid, 0)
            self.pid = self.read_fd = None
        self.readers.__dict__.pop("get_cached_data", None)
        self.index, self.results, self.progress = {}, {}, None


def attach(generator) -> None:
    """Wrap this generator's ``generate_context`` so its reading starts and ends the child."""
    original = generator.generate_context

    def generate_context():
        helper = ParallelRead(generator)
        try:
            helper.start()
            return original()
        finally:
            helper.close()

    generator.generate_context = generate_context


def register():
    signals.article_generator_init.connect(attach)
