"""Messages the coach reads, translated with gettext catalogs that Babel compiles.

Why: the coach is Dutch and not a programmer, so every message of the checks and of the
newsletter/subscriber commands is Dutch by default. Message ids in the code stay English (the
code's language); the Dutch texts live in ``coachsite/locale/nl/*.po``, one file per area so
parallel work never edits the same catalog. English is available with ``COACHSITE_LANG=en``
(not ``LANG``: a machine's system locale says nothing about the coach's language).

The ``.po`` files are compiled into one ``.mo`` beside them whenever one is newer than the
compiled file, so a fresh clone gets Dutch messages without an extra command.

Use ``from coachsite.i18n import _`` and write ``_("Issue {date} was already sent").format(date=…)``:
format *after* translating, with named fields, so the Dutch sentence may reorder them.
"""

from __future__ import annotations

import gettext
import os
import tempfile
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANGUAGE = "nl"
LANGUAGE_ENV = "COACHSITE_LANG"


def language() -> str:
    """The coach's language: ``COACHSITE_LANG`` (``nl`` or ``en``), Dutch by default."""
    value = os.environ.get(LANGUAGE_ENV, DEFAULT_LANGUAGE).strip().lower()[:2]
    return value if value in ("nl", "en") else DEFAULT_LANGUAGE


def catalog_sources(lang: str = DEFAULT_LANGUAGE) -> list[Path]:
    return sorted((LOCALE_DIR / lang).glob("*.po"))


def _compiled_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "coachsite.mo"


def compile_catalog(lang: str = DEFAULT_LANGUAGE) -> Path:
    """Merge every ``.po`` of ``lang`` into one ``.mo`` (atomically), if any is newer."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = _compiled_path(lang)
    sources = catalog_sources(lang)
    newest = max((p.stat().st_mtime for p in sources), default=0)
    if target.exists() and target.stat().st_mtime >= newest:
        return target
    merged = Catalog(locale=lang, domain="coachsite")
    for source in sources:
        with source.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    merged[message.id] = message
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        write_mo(handle, merged)
    os.replace(tmp, target)
    return target


@lru_cache(maxsize=None)
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en" or not catalog_sources(lang):
        return gettext.NullTranslations()
    with compile_catalog(lang).open("rb") as handle:
        return gettext.GNUTranslations(handle)


def _(message: str) -> str:
    """Translate one message into the coach's language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message whose form depends on a count."""
    return translations(language()).ngettext(singular, plural, n)
