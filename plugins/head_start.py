"""Work the build needs later, done on the idle core while Pelican reads the posts.

Why: on a cold build (no cache folder yet) the first page of each kind waits for its template
to be compiled; the templates are the same for every build until they change. While Pelican
reads the posts on one core (on a small site the other core is idle), a forked child compiles
the theme's templates into Jinja's bytecode cache. Nothing waits for it: whatever it has not
finished when it is needed is compiled where it is needed, as without this plugin. Jinja checks
the cache against the template's checksum, so nothing can be stale, and writes its files whole.
(The compound dictionary's entries, once made here too, ship as data: ``coachsite.search_compounds``.)

Runs only on a cold build (no compiled template of the theme in the bytecode cache) and only
where ``coachsite.side_jobs`` may fork. Settings: none (uses the
``bytecode_cache`` of ``JINJA_ENVIRONMENT``, which ``coachsite.site.load_settings`` sets).
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from pelican import signals

from coachsite import side_jobs

_jobs: dict[str, side_jobs.SideJob] = {}  # output folder -> its head start


def _compile_all(environment, names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(Exception):  # a broken template fails the build where it is used
            environment.get_template(name)


def start(generator) -> None:
    settings, environment = generator.settings, generator.env
    bytecode = environment.bytecode_cache
    if not isinstance(bytecode, FileSystemBytecodeCache) or not side_jobs.can_fork() or not settings.get("SITE_BUILD", True):
        return
    theme = environment.loader.loaders[0]  # the theme (and its overrides); not Pelican's "simple"
    names = [name for name in theme.list_templates() if name.endswith(".html")]
    if not names or any(Path(bytecode.directory).glob("*.cache")):  # a warm build: they are compiled already
        return
    output = settings["OUTPUT_PATH"]
    _jobs[output] = side_jobs.SideJob(output, functools.partial(_compile_all, environment, names))


def finish(pelican) -> None:
    job = _jobs.pop(pelican.settings["OUTPUT_PATH"], None)
    if job is not None:
        with contextlib.suppress(side_jobs.SideJobError):  # only ever a head start
            job.result()


def register():
    signals.article_generator_init.connect(start)
    signals.finalized.connect(finish)
