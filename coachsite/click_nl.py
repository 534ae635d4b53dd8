"""Click's own texts ("Usage:", "Missing option", "Invalid value for …") in the coach's language.

Why: Click translates through Python's gettext default domain, which follows the machine's
locale and finds no Dutch catalog. Our catalog (``coachsite/locale/nl/click.po``) holds the
Click messages the coach can meet; ``install()`` points Click's modules at it, so
``COACHSITE_LANG`` decides for Click exactly as for our own messages.
"""

from __future__ import annotations

import importlib

from coachsite import i18n

CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def install() -> None:
    """Route Click's ``_``/``ngettext`` through our catalogs (idempotent)."""
    for name in CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = i18n._
        if hasattr(module, "ngettext"):
            module.ngettext = i18n.ngettext
