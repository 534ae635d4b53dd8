"""Run Pelican from Python: load the settings and build the site into a folder.

The tests, the benchmark and the newsletter all need "the site as Pelican sees it"; this is the
one place that knows how to ask Pelican for it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pelican import Pelican
from pelican.settings import read_settings

ROOT = Path(__file__).resolve().parent.parent


def load_settings(config: Path | str = ROOT / "pelicanconf.py", **override) -> dict:
    """Pelican's settings from a config file, paths made absolute, with optional overrides."""
    config = Path(config).resolve()
    override.setdefault("PATH", str(config.parent / "content"))
    return read_settings(str(config), override=override)


def build_site(config: Path | str, output: Path | str, **override) -> dict:
    """Build the site into ``output``; return the settings used. Raises on Pelican errors."""
    settings = load_settings(config, OUTPUT_PATH=str(Path(output).resolve()), **override)
    logging.getLogger("pelican").setLevel(logging.WARNING)
    Pelican(settings).run()
    return settings
