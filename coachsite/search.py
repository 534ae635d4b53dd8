"""What the search adds for Dutch readers: folding, synonyms and compound parts.

- ``fold``: lower case without diacritics, the same folding as ``search.js``, so "creeren" finds
  "creëren" and "een" finds "één";
- synonyms (``synonyms.txt``, a plain file the coach edits): a page that contains one phrase of a
  group also gets the other phrases as low-weight terms, so "op afstand" finds "thuiswerken";
- compound parts: "klantbudget" also indexes "klant" and "budget" (split against the site's own
  vocabulary), so a search for "budget" finds it.

``search_index`` turns these into the static index; the ``search_index`` plugin runs both during
the Pelican build, from the posts, so no page is read back or rewritten.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

WORD_RE = re.compile(r"[a-z0-9]+")
MIN_PART = 3


COMBINING_RE = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower case without diacritics: "Creëren" -> "creeren" (the same folding as search.js)."""
    return COMBINING_RE.sub("", unicodedata.normalize("NFKD", text.lower()))


class SynonymError(ValueError):
    """A line of the synonym file that cannot be used; ``str()`` is ``path:line: message``."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def load_synonyms(path: Path) -> list[list[str]]:
    if not Path(path).is_file():
        raise SynonymError(path, 0, "the synonym file is missing (SEARCH_SYNONYMS_FILE in pelicanconf.py)")
    groups = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        phrases = [" ".join(WORD_RE.findall(fold(p))) for p in line.split(",")]
        phrases = [p for p in phrases if p]
        if len(phrases) < 2:
            raise SynonymError(path, number, "a synonym group needs at least two phrases separated by commas")
        groups.append(phrases)
    return groups


def split_compound(word: str, vocabulary: Counter) -> list[str]:
    """Two known words that make up ``word`` (with an optional linking s/e/en), or nothing."""
    for i in range(len(word) - MIN_PART, MIN_PART - 1, -1):
        left, right = word[:i], word[i:]
        if right not in vocabulary or len(right) < MIN_PART:
            continue
        for link in ("", "s", "e", "en"):
            if link and left.endswith(link) and left[: -len(link)] in vocabulary and len(left) - len(link) >= MIN_PART:
                return [left[: -len(link)], right]
            if not link and left in vocabulary:
                return [left, right]
    return []


def extra_terms(words: list[str], groups: list[list[str]], vocabulary: Counter, parts: dict | None = None) -> list[str]:
    """Synonyms of the phrases in ``words`` and the parts of its compounds (``parts``: a cache of
    ``split_compound`` results to share between the articles of one build)."""
    parts = {} if parts is None else parts
    joined = " " + " ".join(words) + " "
    terms: list[str] = []
    for group in groups:
        if any(f" {phrase} " in joined for phrase in group):
            terms += [p for p in group if f" {p} " not in joined]
    for word in {w for w in words if len(w) >= 2 * MIN_PART + 1}:
        if word not in parts:
            parts[word] = split_compound(word, vocabulary)
        terms += parts[word]
    return terms
