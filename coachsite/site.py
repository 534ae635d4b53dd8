"""Run Pelican from Python: load the settings and build the site into a folder.

The tests, the benchmark and the newsletter all need "the site as Pelican sees it"; this is the
one place that knows how to ask Pelican for it.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

from coachsite import side_jobs

ROOT = Path(__file__).resolve().parent.parent


def cache_path(config: Path, content: str) -> str:
    """A reader cache per settings + plugins + content folder: a changed setting starts afresh."""
    digest = hashlib.sha256(config.read_bytes() + content.encode())
    for plugin in sorted((ROOT / "plugins").glob("*.py")):
        digest.update(plugin.read_bytes())
    return str(ROOT / "cache" / f"pelican-{digest.hexdigest()[:12]}")


def load_settings(config: Path | str = ROOT / "pelicanconf.py", **override) -> dict:
    """Pelican's settings from a config file, paths made absolute, with optional overrides."""
    config = Path(config).resolve()
    override.setdefault("PATH", str(config.parent / "content"))
    override.setdefault("CACHE_PATH", cache_path(config, override["PATH"]))
    settings = read_settings(str(config), override=override)
    if settings.get("CACHE_CONTENT"):
        # Compiled templates are checked against their source's checksum: never stale.
        jinja = settings["JINJA_ENVIRONMENT"] = dict(settings["JINJA_ENVIRONMENT"])
        jinja.setdefault("bytecode_cache", _bytecode_cache(settings["CACHE_PATH"]))
    return settings


def _bytecode_cache(cache: str):
    from jinja2 import FileSystemBytecodeCache

    folder = Path(cache) / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder))


def build_site(config: Path | str, output: Path | str, finish: bool = True, **override) -> dict:
    """Build the site into ``output``; return the settings used. Raises on Pelican errors.

    ``finish=False`` returns while side jobs (the search index) may still be writing into
    ``output``: the caller then does other work and calls ``finish_site`` (``coachsite.build``)."""
    settings = load_settings(config, OUTPUT_PATH=str(Path(output).resolve()), **override)
    logging.getLogger("pelican").setLevel(logging.WARNING)
    try:
        Pelican(settings).run()
    except BaseException:
        side_jobs.settle(settings["OUTPUT_PATH"])  # a failed build leaves no child writing into output
        raise
    if finish:
        finish_site(settings)
    return settings


def finish_site(settings: dict) -> None:
    """Wait for the build's side jobs and let them complete the pages that show their results;
    raises their errors. Always leaves no child running."""
    try:
        side_jobs.finish(settings["OUTPUT_PATH"])
    finally:
        side_jobs.settle(settings["OUTPUT_PATH"])

