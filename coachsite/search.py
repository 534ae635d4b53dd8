"""The search index: Pagefind, plus what it lacks for Dutch readers.

Pagefind (the binary that ships in the ``pagefind[bin]`` wheel, run as ``python -m pagefind``) indexes the
article bodies (``data-pagefind-body``) of the built site: Dutch stemming from ``<html lang="nl">``,
diacritic folding, heading and title weights, sub-results per tip heading, filters.

It has no synonyms and no typo tolerance, so the ``search_terms`` plugin adds, with these functions:

- synonyms (``synonyms.txt``, a plain file the coach edits): a page that contains one phrase of a
  group also gets the other phrases as low-weight hidden terms, so "op afstand" finds "thuiswerken";
- compound parts: "klantbudget" also indexes "klant" and "budget" (split against the site's own
  vocabulary), so a search for "budget" finds it;
- a vocabulary for typo correction, sharded by word length (``zoeken/woorden/<n>.json``), which the
  search page fetches only for query words it needs (one typo in words of 5 letters or more).

Both are computed from the posts during the Pelican build, so no page is read back or rewritten.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

WORD_RE = re.compile(r"[a-z0-9]+")
MIN_PART = 3
MAX_WORD = 40


COMBINING_RE = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower case without diacritics: "Creëren" -> "creeren" (the same folding as search.js)."""
    return COMBINING_RE.sub("", unicodedata.normalize("NFKD", text.lower()))


def load_synonyms(path: Path) -> list[list[str]]:
    groups = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        phrases = [" ".join(WORD_RE.findall(fold(p))) for p in line.split(",")]
        phrases = [p for p in phrases if p]
        if len(phrases) < 2:
            raise ValueError(f"{path}:{number}: a synonym group needs at least two phrases separated by commas")
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


def extra_terms(words: list[str], groups: list[list[str]], vocabulary: Counter) -> list[str]:
    joined = " " + " ".join(words) + " "
    terms: list[str] = []
    for group in groups:
        if any(f" {phrase} " in joined for phrase in group):
            terms += [p for p in group if f" {p} " not in joined]
    for word in {w for w in words if len(w) >= 2 * MIN_PART + 1}:
        terms += split_compound(word, vocabulary)
    return terms


def write_vocabulary(vocabulary: Counter, folder: Path) -> int:
    """Words of 4+ letters with their page counts, one JSON file per word length."""
    folder.mkdir(parents=True, exist_ok=True)
    by_length: dict[int, dict[str, int]] = {}
    for word, count in vocabulary.items():
        if 4 <= len(word) <= MAX_WORD and not word.isdigit():
            by_length.setdefault(len(word), {})[word] = count
    for length in range(4, MAX_WORD + 1):  # every length, so the browser never asks for a missing file
        words = by_length.get(length, {})
        (folder / f"{length}.json").write_text(json.dumps(words, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    return sum(len(w) for w in by_length.values())


def build_search_index(site: Path, settings: dict) -> str:
    """Index the built site in place (``pagefind/``). Returns a summary line.

    The extra terms and the typo vocabulary were written during the Pelican build by the
    ``search_terms`` plugin; Pagefind only reads the finished pages.
    """
    site = Path(site)
    # The bundled binary as a command, not the async Python API: the API terminates the binary
    # right after its "files written" reply, and we measured an empty pagefind-entry.json from it
    # on a 1,000-article site. The command exits only when every file is on disk.
    result = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(site), "--output-subdir", "pagefind", "--force-language", "nl", "--quiet"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Pagefind failed: {result.stderr.strip() or result.stdout.strip()}")
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    pages = sum(language["page_count"] for language in entry["languages"].values())
    return f"Search index: {pages} articles."
