"""The coach's messages are Dutch: every translatable string in the code has a Dutch text."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from coachsite import i18n

ROOT = Path(__file__).resolve().parent.parent


def _code_messages() -> dict[str, str]:
    found = {}
    for folder in ("coachsite", "scripts", "plugins"):
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords={"_": None, "ngettext": (1, 2)}
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
    return found


def _catalog() -> dict[str, object]:
    entries = {}
    for source in i18n.catalog_sources("nl"):
        with source.open("rb") as handle:
            for message in read_po(handle, locale="nl"):
                for key in message.id if isinstance(message.id, tuple) else (message.id,):
                    if key:  # singular and plural of an ngettext entry both count as translated
                        entries[key] = message
    return entries


def test_every_message_in_the_code_has_a_dutch_translation():
    catalog = _catalog()
    missing = [f"{where}: {msgid!r}" for msgid, where in _code_messages().items() if msgid not in catalog]
    empty = [key for key, message in catalog.items() if not message.string or message.fuzzy]
    assert not missing, "add these to a coachsite/locale/nl/*.po file:\n" + "\n".join(missing)
    assert not empty, f"untranslated or fuzzy entries: {empty}"


def test_placeholders_survive_translation():
    import re

    field = re.compile(r"\{[a-z_]*\}")
    for key, message in _catalog().items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert sorted(field.findall(text)) == sorted(field.findall(key)), key


def test_dutch_by_default_english_on_request(monkeypatch):
    monkeypatch.delenv(i18n.LANGUAGE_ENV, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")  # the system locale does not decide
    assert i18n._("Error: {message}") == "Fout: {message}"
    monkeypatch.setenv(i18n.LANGUAGE_ENV, "en")
    assert i18n._("Error: {message}") == "Error: {message}"


def test_catalog_is_compiled_again_when_a_po_file_changes(tmp_path, monkeypatch):
    lang_dir = tmp_path / "nl"
    lang_dir.mkdir()
    (lang_dir / "a.po").write_text('msgid "Hello"\nmsgstr "Hallo"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("nl").gettext("Hello") == "Hallo"
        compiled = i18n.compile_catalog("nl")
        (lang_dir / "a.po").write_text('msgid "Hello"\nmsgstr "Goedendag"\n', encoding="utf-8")
        import os

        stamp = compiled.stat().st_mtime + 5
        os.utime(lang_dir / "a.po", (stamp, stamp))
        i18n.translations.cache_clear()
        assert i18n.translations("nl").gettext("Hello") == "Goedendag"
    finally:
        i18n.translations.cache_clear()
