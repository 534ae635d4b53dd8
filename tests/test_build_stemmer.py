"""The build stems with PyStemmer (C), the browser with JS generated from snowballstemmer's Python.

Both are the Snowball project's Dutch algorithm; an upgrade of one without the other would make
the index and the browser disagree on stems, so the two are compared word for word here (the
browser test compares the JS with what the build uses).
"""

from __future__ import annotations

import sys
from pathlib import Path

import snowballstemmer
from snowballstemmer.dutch_stemmer import DutchStemmer

from coachsite.search import words
from coachsite.search_compounds import dictionary_words
from coachsite.search_index import Stems

ROOT = Path(__file__).resolve().parent.parent


def test_the_build_uses_the_c_stemmer():
    assert snowballstemmer.cext_available  # PyStemmer from requirements.txt: 10x faster builds
    assert type(Stems()._stemmer).__module__ == "Stemmer"


def test_c_and_python_stemmers_agree_on_the_dictionary_and_the_site():
    found = set(dictionary_words())
    for path in (ROOT / "content").rglob("*.md"):
        found |= set(words(path.read_text(encoding="utf-8")))
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import new_word  # noqa: PLC0415 - the benchmark's made-up compounds too

    found |= {word for k in range(3000) for word in words(new_word(k))}
    batch = sorted(found | {"creeren", "ideeen", "geinteresseerd", "uberhaupt"})
    python = [DutchStemmer().stemWord(word) for word in batch]
    c = snowballstemmer.stemmer("dutch").stemWords(batch)
    different = [(w, p, s) for w, p, s in zip(batch, python, c) if p != s]
    assert len(batch) > 40_000
    assert not different, different[:20]
