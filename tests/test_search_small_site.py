"""The search index's fixed costs on a small site: shipped compound entries, few posting files."""

from __future__ import annotations

import json
import math

import pytest

from coachsite import search_compounds, search_files
from coachsite.search_files import SHARD_MIN, SHARDS_PER_ARTICLE, shard_count


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


@pytest.mark.parametrize("size, articles, count", [
    (4_491_969, 1_000, 1_123),  # raw posting bytes of 1,000 articles of bench/generate.py: the byte rule
    (7_541_404, 10_000, 1_886),  # 10,000 articles: the byte rule (#14's download sizes depend on it)
    (1_539_325, 22, 33),  # the project's own 22 posts: 1.5 per article instead of 385
    (1_539_325, 2, SHARD_MIN),
    (3_000, 2, 1),  # fewer bytes than one shard: one file
])
def test_posting_shards_grow_with_the_articles_on_a_small_site(size, articles, count):
    assert shard_count("p", size, articles) == count


def test_other_prefixes_and_unknown_article_counts_keep_the_byte_rule():
    assert shard_count("p", 1_539_325) == 385
    assert shard_count("c", 880_116, 22) == 56
    assert shard_count("w", 109_598, 22) == 14


def test_the_own_site_has_tens_of_posting_files(indexed_site):
    (folder,) = (path for path in (indexed_site / "zoeken").iterdir() if path.is_dir())
    articles = len(list((folder / "d").iterdir()))
    posting = len(list((folder / "p").iterdir()))
    assert posting == max(SHARD_MIN, math.ceil(SHARDS_PER_ARTICLE["p"] * articles)) < 100
    assert sum(1 for path in folder.rglob("*") if path.is_file()) < 150


def test_the_index_child_reads_the_word_list_before_the_posts_arrive(monkeypatch):
    """``warm_up`` (called by plugins/search_index.py's child while Pelican reads): afterwards the
    word list's entries and their shard keys' hashes are in memory, not work after the posts."""
    monkeypatch.setattr(search_files, "FNV", {})
    search_compounds.dictionary_entries.cache_clear()
    search_files.warm_up()
    assert search_compounds.dictionary_entries.cache_info().currsize == 1
    assert set(search_compounds.dictionary_entries()) <= set(search_files.FNV)
