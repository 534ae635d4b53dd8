"""The browser's Dutch stemmer (stemmer-nl.js) equals snowballstemmer, which stems the index."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import snowballstemmer

from coachsite import snowball_js
from coachsite.search import words

ROOT = Path(__file__).resolve().parent.parent
BROWSER_WIDTH = 1024


def test_generated_stemmer_is_current():
    assert snowball_js.TARGET.read_text(encoding="utf-8") == snowball_js.generate(), "run: python -m coachsite.snowball_js"


def _site_words() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "content").rglob("*.md"):
        found |= set(words(path.read_text(encoding="utf-8")))
    return found


def _js_stems(browser, url: str, batch: list[str]) -> list[str]:
    browser.get(f"{url}/zoeken/")
    return browser.execute_async_script(
        "const [words, done] = arguments;"
        "import('/theme/js/stemmer-nl.js').then((m) => done(words.map(m.stem)), (e) => done(String(e)));",
        batch,
    )


def _assert_equal(browser, url: str, found: set[str]) -> None:
    batch = sorted(found)
    python = snowballstemmer.stemmer("dutch").stemWords(batch)
    js = _js_stems(browser, url, batch)
    different = [(w, p, j) for w, p, j in zip(batch, python, js) if p != j]
    assert not different, different[:20]


@pytest.mark.browser
def test_stems_every_word_of_the_site_like_snowballstemmer(browser, served_site):
    found = _site_words() | {"creëren", "ideeën", "geïnteresseerd", "België", "überhaupt"}
    assert len(found) > 2000
    _assert_equal(browser, served_site, found)


@pytest.mark.browser
def test_stems_every_word_of_a_generated_10000_article_site(browser, served_site, tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate

    content = generate(tmp_path / "content", 10_000)
    found: set[str] = set()
    for path in content.rglob("artikel-*.md"):
        found |= set(words(path.read_text(encoding="utf-8")))
    assert len(found) > 30_000  # the vocabulary of a real site that size, not of 17 articles
    _assert_equal(browser, served_site, found)
