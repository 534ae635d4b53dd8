"""Builds that cannot half-fail: check, build elsewhere, then swap into ``output/``.

Pelican empties its output folder before writing, so a failing build would leave a broken site.
Here the content is checked first, the site (search index included, written by a plugin) is built
into a sibling temporary folder, and only a complete build replaces ``output/``.
Pelican warnings that mean lost content (unknown template variable, skipped post, duplicate
slug, unresolved link) fail the build instead of scrolling past.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from coachsite.business import placeholder_problems
from coachsite.checks import Problem, check_content
from coachsite.i18n import _
from coachsite.site import build_site, load_settings


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


def check_settings(config: Path, settings: dict) -> list[Problem]:
    """Problems of the settings themselves: business details still placeholders in a production build."""
    if settings.get("REQUIRE_BUSINESS_DETAILS"):
        return placeholder_problems(Path(config), settings)
    return []


def check(config: Path, warnings: list[Problem] | None = None, **override) -> list[Problem]:
    """Every problem that stops a build: content/ and the settings."""
    settings = load_settings(config, **override)
    return check_content(Path(settings["PATH"]), settings, warnings) + check_settings(config, settings)


def swap_into_place(built: Path, output: Path) -> None:
    """Replace ``output`` by ``built`` with two renames on the same file system."""
    old = output.with_name(f".output-old-{os.getpid()}")
    if output.exists():
        os.replace(output, old)
    os.replace(built, output)
    shutil.rmtree(old, ignore_errors=True)


def build(
    config: Path,
    output: Path,
    *,
    run_checks: bool = True,
    **override,
) -> BuildResult:
    """Check, build into a temporary sibling of ``output`` (search index included), then swap."""
    started = time.perf_counter()
    output = Path(output).resolve()
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
    collector = _Collector()
    pelican_logger = logging.getLogger("pelican")
    pelican_logger.addHandler(collector)
    try:
        try:
            settings = build_site(config, tmp, **override)
        except Exception as error:  # Pelican raises plain exceptions for template and reader errors
            raise BuildError(_("Pelican failed: {error}").format(error=error)) from error
        finally:
            pelican_logger.removeHandler(collector)
        if collector.messages:
            raise BuildError(_("Pelican warned about lost content; the site was not rebuilt"), collector.messages)
        swap_into_place(tmp, output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(output=output, seconds=time.perf_counter() - started, settings=settings)
