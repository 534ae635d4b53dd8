"""The search index's fixed costs on a small site: shipped compound entries, few posting files."""

from __future__ import annotations

import json

from coachsite import search_compounds


def test_the_shipped_compound_entries_are_current():
    """Regenerate with ``.venv/bin/python -m coachsite.search_compounds`` after changing the word
    list or PART_MIN: builds would compute the entries again (correct, but slower)."""
    assert search_compounds.PARTS.read_text(encoding="utf-8") == search_compounds.parts_text()


def test_builds_read_the_shipped_entries(monkeypatch):
    search_compounds.dictionary_entries.cache_clear()
    monkeypatch.setattr(search_compounds, "computed_entries", lambda: {})
    try:
        entries = search_compounds.dictionary_entries()
    finally:
        search_compounds.dictionary_entries.cache_clear()
    assert entries["hkl"].startswith('"hkl":[') and '"klant"' in entries["hkl"]
    assert '"klant"' in entries["tant"]


def test_a_stale_shipped_file_is_not_used(tmp_path, monkeypatch):
    stale = tmp_path / "parts.tsv"
    text = search_compounds.PARTS.read_text(encoding="utf-8").replace("PART_MIN 3", "PART_MIN 4", 1)
    stale.write_text(text.replace('"klant",', "", 1), encoding="utf-8")
    monkeypatch.setattr(search_compounds, "PARTS", stale)
    search_compounds.dictionary_entries.cache_clear()
    try:
        entries = search_compounds.dictionary_entries()
    finally:
        search_compounds.dictionary_entries.cache_clear()
    assert entries == search_compounds.computed_entries()
    assert '"klant"' in entries["hkl"]


def test_site_words_join_the_dictionary_entries():
    entries = search_compounds.compound_entries({"klantbudget", "xyzzyklant", "42"})
    words = {key: json.loads("{" + text + "}")[key] for key, (_, text) in entries.items()}
    shipped = json.loads("{" + search_compounds.dictionary_entries()["hkl"] + "}")["hkl"]
    assert words["hkl"] == sorted(shipped + ["klantbudget"])
    assert "xyzzyklant" in words["hxy"] and "xyzzyklant" in words["tant"]
    assert not any("42" in found for found in words.values())
