"""The kept text fields of posts (plugins/article_extras.py, ``TextMemo``) equal computed ones.

A warm build takes word counts, tips, summary texts and share links from the last build's cache
folder, keyed by the texts they are computed from; whatever the cache holds, the fields must be
what ``text_fields`` computes now.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

HTML = '<p>Een inleiding.</p>\n<h2 id="1-vraag-eerst-waarom">1. Vraag eerst waarom</h2>\n<p>Uitleg met <a href="/x/">een link</a>.</p>'
TEXTS = (HTML, "", "Vraag eerst waarom", "https://www.klantgerichtwerkt.nl/vraag/")


@pytest.fixture
def extras(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "plugins"))
    import article_extras

    return article_extras


def test_kept_fields_equal_computed_ones_and_follow_every_input(extras, tmp_path):
    settings = {"CACHE_CONTENT": True, "CACHE_PATH": str(tmp_path)}
    first = extras.TextMemo(settings)
    assert first.fields(*TEXTS) == extras.text_fields(*TEXTS)
    first.save()
    assert (tmp_path / "article-text.pickle").is_file()
    second = extras.TextMemo(settings)
    assert second.fields(*TEXTS) == extras.text_fields(*TEXTS)
    words, tips, summary, links = extras.text_fields(*TEXTS)
    assert (words, tips, summary[:14]) == (10, ((1, "Vraag eerst waarom", "1-vraag-eerst-waarom"),), "Een inleiding.")
    assert "Vraag%20eerst%20waarom" in links[1]["href"]
    for i, changed in enumerate(("<p>Anders.</p>", "Een eigen samenvatting.", "Een andere titel", "https://elders.nl/x/")):
        texts = TEXTS[:i] + (changed,) + TEXTS[i + 1 :]
        assert second.fields(*texts) == extras.text_fields(*texts) != extras.text_fields(*TEXTS)


def test_a_damaged_or_foreign_cache_file_is_recomputed(extras, tmp_path):
    settings = {"CACHE_CONTENT": True, "CACHE_PATH": str(tmp_path)}
    (tmp_path / "article-text.pickle").write_bytes(b"niet te lezen")
    assert extras.TextMemo(settings).fields(*TEXTS) == extras.text_fields(*TEXTS)
    (tmp_path / "article-text.pickle").write_bytes(pickle.dumps({b"x": (1, (), "", [])}))
    assert extras.TextMemo(settings).fields(*TEXTS) == extras.text_fields(*TEXTS)
    assert extras.TextMemo({"CACHE_CONTENT": False, "CACHE_PATH": str(tmp_path)}).path is None
