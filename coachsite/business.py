"""Business details that Dutch law wants on the site, and the guard against publishing placeholders.

Why: a sole trader's site must show trade name, KvK and BTW number and address (art. 3:15d BW),
and the privacy statement must name who processes subscribers' data. The sample settings hold
placeholders in square brackets; a production build (``REQUIRE_BUSINESS_DETAILS`` in
publishconf.py) stops at the first build step while any is left, naming the setting and the line
in the settings file, so a coach never publishes "[KvK-nummer]".

Settings: ``BUSINESS_REQUIRED`` (names of the settings to check), ``REQUIRE_BUSINESS_DETAILS``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from coachsite.checks import Problem
from coachsite.i18n import _

PLACEHOLDER = re.compile(r"^\s*\[.*\]\s*$")


def is_placeholder(value) -> bool:
    """Empty, or a text in square brackets like "[KvK-nummer]"."""
    return not str(value or "").strip() or bool(PLACEHOLDER.match(str(value)))


def _line_of(config: Path, name: str) -> int:
    pattern = re.compile(rf"^{re.escape(name)}\s*=")
    for number, line in enumerate(config.read_text(encoding="utf-8").splitlines(), start=1):
        if pattern.match(line):
            return number
    return 0


def placeholder_problems(config: Path, settings: Mapping) -> list[Problem]:
    """One problem per required business setting that is still a placeholder."""
    problems = []
    for name in settings.get("BUSINESS_REQUIRED", []):
        value = settings.get(name)
        if is_placeholder(value):
            config_file, line = _settings_file_defining(Path(config), name)
            problems.append(
                Problem(
                    config_file.name,
                    line,
                    _("{name} is still a placeholder ({value}): fill it in here or set the environment variable {name}").format(
                        name=name, value=value or "''"
                    ),
                )
            )
    return problems


def _settings_file_defining(config: Path, name: str) -> tuple[Path, int]:
    """publishconf.py imports pelicanconf.py: the file that really holds the setting, and its line."""
    line = _line_of(config, name)
    sibling = config.with_name("pelicanconf.py")
    if line or not sibling.exists():
        return config, line
    return sibling, _line_of(sibling, name)
