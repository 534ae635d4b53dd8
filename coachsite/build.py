"""Builds that cannot half-fail: check, build elsewhere, then swap into ``output/``.

Pelican empties its output folder before writing, so a failing build would leave a broken site.
Here the content is checked first, the site (search index included, written by a plugin) is built
into a sibling temporary folder, and only a complete build replaces ``output/``. Before the swap,
every file whose bytes did not change is replaced in the new tree by a hard link to the old file, so
unchanged files keep their inode and modification time (a deploy by rsync uploads only what changed,
and the swap stays one rename).
Pelican warnings that mean lost content (unknown template variable, skipped post, duplicate
slug, unresolved link) fail the build instead of scrolling past.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from coachsite.business import placeholder_problems
from coachsite.checks import Problem, check_content
from coachsite.i18n import _
from coachsite import side_jobs
from coachsite.site import ROOT, build_site, cache_path, finish_site, load_settings
from coachsite.spare_tree import drop_empty_folders, keep_as_spare, recycle, spare_of, take_spare


class BuildError(Exception):
    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []


@dataclass
class BuildResult:
    output: Path
    seconds: float
    settings: dict


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def where(error: BaseException) -> list[str]:
    """``file:line: message`` for an exception: a template's own position, else the deepest
    frame in this project's code (the error page in ``make serve`` shows it)."""
    filename, lineno = getattr(error, "filename", None), getattr(error, "lineno", None)
    message = getattr(error, "message", None) or str(error)
    if not (filename and lineno):
        own = tuple(str(ROOT / name) for name in ("coachsite", "plugins", "theme", "pelicanconf.py", "publishconf.py"))
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(own)]
        if not frames:
            return []
        filename, lineno = frames[-1].filename, frames[-1].lineno
    if filename.startswith(str(ROOT) + os.sep):  # the project's own files: short, as the checks print them
        filename = filename[len(str(ROOT)) + 1 :]
    return [f"{filename}:{lineno}: {type(error).__name__}: {message}"]


def render_record(config: Path, output: Path, override: dict) -> Path:
    """Where ``plugins/render_cache.py`` keeps what it rendered into ``output`` (per cache folder)."""
    config = Path(config).resolve()
    cache = override.get("CACHE_PATH") or cache_path(config, override.get("PATH", str(config.parent / "content")))
    return Path(cache) / f"render-{hashlib.sha1(str(output).encode()).hexdigest()[:12]}"


def check_settings(config: Path, settings: dict) -> list[Problem]:
    """Problems of the settings themselves: business details still placeholders in a production build."""
    if settings.get("REQUIRE_BUSINESS_DETAILS"):
        return placeholder_problems(Path(config), settings)
    return []


def check(config: Path, warnings: list[Problem] | None = None, **override) -> list[Problem]:
    """Every problem that stops a build: content/ and the settings."""
    settings = load_settings(config, **override)
    cache = Path(settings["CACHE_PATH"]) / "checks.pickle" if settings.get("CACHE_CONTENT") else None
    return check_content(Path(settings["PATH"]), settings, warnings, cache) + check_settings(config, settings)


def _same_bytes(a: str, b: str) -> bool:
    with open(a, "rb") as first, open(b, "rb") as second:
        return first.read() == second.read()


def keep_unchanged(built: Path, output: Path, skip: set[str] = frozenset()) -> int:
    """Hard-link every file of ``built`` whose bytes equal those in ``output``; return how many.

    ``output`` is never modified here: only names inside ``built`` are replaced, each by one
    atomic rename, so a failure leaves a complete new tree and an untouched old one. ``skip``:
    top-level folders left alone (a side job still writes there).
    """
    if not output.is_dir():
        return 0
    return _keep_in(str(built), str(output), skip)


def _keep_in(folder: str, old_folder: str, skip=frozenset()) -> int:
    """``keep_unchanged`` for one folder and those below it. Inode numbers come with the folder
    listings (no ``stat``): most files of a warm build are links to the old ones already."""
    try:
        with os.scandir(old_folder) as entries:
            old_inodes = {entry.name: entry.inode() for entry in entries}
        with os.scandir(folder) as entries:
            listing = list(entries)
    except OSError:  # no such folder in the old site
        return 0
    kept = 0
    for entry in listing:
        name = entry.name
        if name not in old_inodes or name in skip:
            continue
        if entry.is_dir(follow_symlinks=False):
            kept += _keep_in(entry.path, os.path.join(old_folder, name))
            continue
        if old_inodes[name] == entry.inode():  # one file system: already a link to the old file
            kept += 1
            continue
        new, old = entry.path, os.path.join(old_folder, name)
        try:
            if os.stat(old).st_size != entry.stat(follow_symlinks=False).st_size or not _same_bytes(new, old):
                continue
            link = os.path.join(folder, f".{name}.link")
            os.link(old, link)
        except OSError:  # a folder in the old site, or no hard links here: the new copy is as good
            continue
        os.replace(link, new)
        kept += 1
    return kept


def carry_over(built: Path, output: Path, folder: str) -> None:
    """Hard-link into ``built`` what ``folder`` of the old site holds and ``built`` lacks.

    ``make serve`` first builds without the search index (the page the coach looks at is what
    she waits for) and brings the index up to date in the build right after; meanwhile the
    previous index keeps the search page working. Called only after the build succeeded, right
    before the swap; links, not moves, so a failed swap still leaves ``output`` whole.
    """
    old_root, new_root = output / folder, built / folder
    if not old_root.is_dir():
        return
    new_root.mkdir(parents=True, exist_ok=True)
    for entry in os.scandir(old_root):
        target = new_root / entry.name
        if target.exists():
            continue
        if entry.is_dir():  # hard links: the old output stays whole until the swap
            shutil.copytree(entry.path, target, copy_function=os.link)
        else:
            os.link(entry.path, target)


def swap_into_place(built: Path, output: Path, discard=None) -> None:
    """Replace ``output`` by ``built`` with two renames on the same file system; the replaced site
    then goes to ``discard(old, spare)`` (default: emptied here and kept as the next build's folder
    tree, see ``coachsite.spare_tree``; ``discard_later``: the same in a separate process)."""
    old = output.with_name(f".output-old-{os.getpid()}-{time.monotonic_ns()}")
    if output.exists():
        os.replace(output, old)
    os.replace(built, output)
    if old.exists():
        (discard or recycle)(old, spare_of(output))


def discard_later(folder: Path, spare: Path | None = None) -> subprocess.Popen | None:
    """Keep ``folder`` (a replaced site) as the spare tree ``spare`` (``coachsite.spare_tree``;
    emptying it takes ~40 ms here), or else delete it in a separate process, so ``make html``
    returns as soon as the new site is in place: on this project's VM deleting the ~1,500 folders
    of a 1,000-post site took 0.8-2.5 s (``rmdir``), as long as the rest of a warm build.
    ``make clean`` removes what an interrupted deletion leaves (``.output-*``)."""
    if spare is not None and keep_as_spare(folder, spare):
        return None
    command = [sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)", str(folder)]
    try:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return None


def leave(code) -> None:
    """End ``make html``'s process at once once it is done (flushing its output): freeing the
    site's objects one by one at interpreter exit took 0.1-0.3 s of a warm build at 1,000 posts.
    A code that is not a number (a message for ``sys.exit``) takes the normal way out."""
    if code is not None and not isinstance(code, int):
        raise SystemExit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    logging.shutdown()
    os._exit(code or 0)


def _run_pelican(config: Path, tmp: Path, override: dict) -> dict:
    """Pelican into ``tmp``; its errors and its warnings about lost content as ``BuildError``.
    ``tmp`` is new or an emptied tree (nothing to delete), so Pelican never deletes in it.
    Side jobs (the search index) may still be writing into ``tmp``: see ``_complete``."""
    collector = _Collector()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(collector)
    try:
        settings = build_site(config, tmp, finish=False, **{**override, "DELETE_OUTPUT_DIRECTORY": False})
    except Exception as error:  # Pelican raises plain exceptions for template and reader errors
        raise BuildError(_("Pelican failed: {error}").format(error=error), where(error)) from error
    finally:
        pelican_logger.removeHandler(collector)
    if collector.messages:  # (``build`` stops the side jobs on its way out)
        raise BuildError(_("Pelican warned about lost content; the site was not rebuilt"), collector.messages)
    return settings


def _complete(tmp: Path, output: Path, settings: dict, link_unchanged: bool, reused: bool) -> None:
    """Compare and tidy what Pelican wrote while the side jobs (the search index) still run, then
    wait for them (``coachsite.site.finish_site``) and do the same in the folders they wrote."""
    busy = side_jobs.busy_folders(settings["OUTPUT_PATH"])
    if link_unchanged:
        keep_unchanged(tmp, output, skip=busy)
    if reused:
        drop_empty_folders(tmp, skip=busy)
    try:
        finish_site(settings)
    except Exception as error:  # the search index's error, as Pelican's own would read
        raise BuildError(_("Pelican failed: {error}").format(error=error), where(error)) from error
    for folder in busy:
        if link_unchanged:
            keep_unchanged(tmp / folder, output / folder)
        if reused and (tmp / folder).is_dir():
            drop_empty_folders(tmp / folder)


def build(
    config: Path,
    output: Path,
    *,
    run_checks: bool = True,
    link_unchanged: bool = True,
    carry: str | None = None,
    discard=None,
    gate=None,
    **override,
) -> BuildResult:
    """Check, build into a temporary sibling of ``output`` (search index included), then swap.

    ``link_unchanged``: keep unchanged files as the old files (see ``keep_unchanged``);
    ``carry``: a folder of the old site to keep where this build wrote nothing (see ``carry_over``);
    ``discard``: what happens to the replaced site (see ``swap_into_place``, ``discard_later``);
    ``gate``: called right before the swap; an exception it raises leaves ``output`` as it was
    (``scripts/build.py`` waits there for the content checks it runs beside the build).
    """
    started = time.perf_counter()
    output = Path(output).resolve()
    record = render_record(config, output, override)
    override = {**override, "RENDER_PREVIOUS_OUTPUT": str(output), "RENDER_RECORD": str(record)}
    record.with_suffix(".pending").unlink(missing_ok=True)
    if run_checks:
        problems = check(config, **override)
        if problems:
            raise BuildError(
                _("problems in content/: {count}; the site was not rebuilt").format(count=len(problems)),
                [str(p) for p in problems],
            )
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".output-tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    reused = take_spare(output, tmp)  # the folders of an earlier site, emptied (coachsite.spare_tree)
    try:
        try:
            settings = _run_pelican(config, tmp, override)
        except BuildError as error:
            if not (reused and isinstance(error.__cause__, (IsADirectoryError, NotADirectoryError))):
                raise
            shutil.rmtree(tmp, ignore_errors=True)  # a file where the reused tree has a folder: afresh
            reused = False
            settings = _run_pelican(config, tmp, override)
        _complete(tmp, output, settings, link_unchanged, reused)
        if carry:
            carry_over(tmp, output, carry)
        if gate is not None:
            gate()
        swap_into_place(tmp, output, discard)
        if record.with_suffix(".pending").exists():  # the record now describes output/
            os.replace(record.with_suffix(".pending"), record.with_suffix(".json"))
    finally:
        side_jobs.settle(str(tmp))  # nothing may still write into a folder about to be deleted
        record.with_suffix(".pending").unlink(missing_ok=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(output=output, seconds=time.perf_counter() - started, settings=settings)
