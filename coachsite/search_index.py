"""The static search index: every score computed at build time, so the browser only adds numbers.

Why not Pagefind (which we used first): on a single-topic site the domain words ("klant", "team",
"medewerker") are on nearly every page, and Pagefind loads and scores the word positions of every
page that contains a query word in the browser. We measured 47 ms p95 at 1,000 articles and about
1 s at 10,000 (bench/RESULTS.md). Here the build does that work once: every word is folded
("Creëren" -> "creeren") and reduced to its Dutch Snowball stem, and per (stem, article) a BM25
score is computed in which the title, tags and tip headings weigh more than the body text.
The browser stems query words with the same algorithm (``stemmer-nl.js``), so it looks a stem up
directly. ``search_files`` turns the scores into the files of the index.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import os
import re
import tempfile
from collections import Counter
from itertools import chain
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

from coachsite.search import words as _words

try:  # PyStemmer: the Snowball project's C build; importing it alone skips snowballstemmer's 30 modules
    import Stemmer as _c_stemmer
except ImportError:  # pragma: no cover - requirements.txt installs it
    _c_stemmer = None

SHORT_WORD = 4  # shorter words are their own stem (and "kpi", "ja" stay findable)

# Field weights: a word in the title counts as five in the body (the issue: titles, tags and tip
# headings weigh more than body text). The summary is the author's own one-line description of the
# post, often in the reader's words ("procedures en formulieren"), so it weighs as a tip heading.
# Synonyms and compound parts are the browser's business.
WEIGHTS = {"title": 5.0, "summary": 3.0, "tags": 3.0, "headings": 3.0, "theme": 1.0, "body": 1.0}
K1, B = 1.2, 0.75  # BM25, the usual values

H2_RE = re.compile(r'<h2 id="(?P<anchor>[^"]+)">(?P<heading>.*?)</h2>', re.S)
TAG_RE = re.compile(r"<[^>]+>")


def html_text(html: str) -> str:
    """The text of an HTML fragment on one line (also for word counts and meta descriptions)."""
    return " ".join(unescape(TAG_RE.sub(" ", html)).split())


@dataclass
class Section:
    anchor: str | None  # None for the text before the first heading
    heading: str
    text: str


@dataclass
class Document:
    """One published article as the index sees it."""

    url: str  # relative to the site root: "slug/"
    title: str
    theme: str
    date: str  # as the reader sees it: "1 juli 2026"
    authors: list[str]
    tags: list[str]
    sections: list[Section]
    summary: str = ""  # the post's Summary metadata as plain text (not shown in results)
    fields: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def field_words(self) -> dict[str, list[str]]:
        """Folded words per weighted field, split once and kept."""
        if not self.fields:
            self.fields = {
                "title": _words(self.title),
                "summary": _words(self.summary),
                "tags": _words(" ".join(self.tags)),
                "headings": _words(" ".join(s.heading for s in self.sections)),
                "theme": _words(self.theme),
                "body": _words(" ".join(s.text for s in self.sections)),
            }
        return self.fields


def sections_of(html: str) -> list[Section]:
    """The article body split at its ``<h2 id=…>`` headings (the tips, in our articles)."""
    sections, anchor, heading, start = [], None, "", 0
    for match in H2_RE.finditer(html):
        sections.append(Section(anchor, heading, html_text(html[start : match.start()])))
        anchor, heading, start = match["anchor"], html_text(match["heading"]), match.end()
    sections.append(Section(anchor, heading, html_text(html[start:])))
    return [s for s in sections if s.text or s.heading]


_STEMS: dict[str, str] = {}  # shared by every build of one process (``make serve`` rebuilds)
STEM_CACHE_VERSION = f"snowballstemmer {importlib.metadata.version('snowballstemmer')} dutch"


_LOADED: dict[str, dict] = {}  # stem cache file -> the memo it was read into (once per process)


class Stems:
    """Folded word -> Dutch Snowball stem, memoised (a site has far fewer words than tokens).
    PyStemmer is the C build of snowballstemmer's Snowball algorithm (about 10x
    faster than the pure-Python one, which costs about 0.2 ms a word; a test checks that both stem
    alike). With ``cache_file`` (in Pelican's cache folder) the stems of earlier builds are reused."""

    def __init__(self, cache_file: Path | None = None, counts=None):
        if _c_stemmer is not None:
            self._stemmer = _c_stemmer.Stemmer("dutch")
        else:  # pragma: no cover
            import snowballstemmer

            self._stemmer = snowballstemmer.stemmer("dutch")
        self.counts = counts  # the per-document count cache of this build (or None)
        self._cache = _STEMS
        self._file = cache_file
        # Read once per process, also when the checks have already stemmed the term groups
        # (earlier, the file was skipped whenever the memo held anything: never read in make html).
        if cache_file and _LOADED.get(str(cache_file)) is not self._cache:
            _LOADED[str(cache_file)] = self._cache
            with contextlib.suppress(OSError, ValueError):
                data = json.loads(Path(cache_file).read_text(encoding="utf-8"))
                if data.get("version") == STEM_CACHE_VERSION:
                    for word, stem in data["stems"].items():
                        self._cache.setdefault(word, stem)
        self._known = len(self._cache)

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = word if len(word) < SHORT_WORD or word.isdigit() else self._stemmer.stemWord(word)
            self._cache[word] = stem or word
            stem = stem or word
        return stem

    def of(self, words) -> dict[str, str]:
        """The stems of many words: a dict lookup each, only unknown words go through the stemmer."""
        cache = self._cache
        for word in [w for w in words if w not in cache]:
            self(word)
        return {word: cache[word] for word in words}

    def save(self) -> None:
        """Write the cache file when this build stemmed new words (atomically: builds may overlap)."""
        if not self._file or len(self._cache) == self._known:
            return
        folder = Path(self._file).parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": STEM_CACHE_VERSION, "stems": self._cache}, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, self._file)
        self._known = len(self._cache)


def phrase_starts(phrases) -> dict[str, dict[str, list[tuple[str, ...]]]]:
    """Multi-word phrases (tuples of stems) by their first and second stem, for ``phrase_counts``
    (first stems such as "van" or "u" are everywhere; the second one rules most places out)."""
    starts: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    for phrase in phrases:
        if len(phrase) > 1:
            starts.setdefault(phrase[0], {}).setdefault(phrase[1], []).append(tuple(phrase))
    return starts


def phrase_counts(words: list[str], stem_of: dict[str, str], starts: dict) -> dict[str, tuple[int, set[str]]]:
    """Where a term-group phrase stands as consecutive stems ("u of je", "first time right"):
    phrase key -> (occurrences, the words that made it). The index has no word positions, so this
    is the one place where word order is known."""
    found: dict[str, tuple[int, set[str]]] = {}
    stemmed = [stem_of[w] for w in words]
    stemmed.append("")  # a last word starts no phrase: every phrase has a second stem
    for i in [i for i, stem in enumerate(stemmed) if stem in starts]:  # the loop in C: few starts
        for phrase in starts[stemmed[i]].get(stemmed[i + 1], ()):
            if tuple(stemmed[i : i + len(phrase)]) == phrase:
                key = " ".join(phrase)
                count, forms = found.get(key, (0, set()))
                found[key] = (count + 1, forms | set(words[i : i + len(phrase)]))
    return found


def count_document(doc: Document, stems: Stems, starts: dict) -> tuple[dict[str, float], set[str], dict[str, set[str]], int]:
    """One document's share of the index, independent of every other document (so it can be
    cached per document, ``coachsite.search_cache``): weighted term frequencies per stem and
    phrase, its distinct words, the words that made each phrase, and its body length."""
    tf: dict[str, float] = {}
    seen: set[str] = set()
    phrase_forms: dict[str, set[str]] = {}
    for name, words in doc.field_words().items():
        weight = WEIGHTS[name]
        counts = Counter(words)
        seen.update(counts)
        stem_of = stems.of(counts)
        for word, count in counts.items():
            stem = stem_of[word]
            tf[stem] = tf.get(stem, 0.0) + weight * count
        if starts and not starts.keys().isdisjoint(stem_of.values()):
            for key, (count, words_used) in phrase_counts(words, stem_of, starts).items():
                tf[key] = tf.get(key, 0.0) + weight * count
                phrase_forms.setdefault(key, set()).update(words_used)
    return tf, seen, phrase_forms, max(1, len(doc.fields["body"]))


# BM25's lengths are rounded to a grid of 1/16 of a binary order of magnitude (steps of ~4.4%):
# the average, so that an edit to one post almost never moves it and the scores of the other posts
# stay the same between builds; and each post's own length, so that a small edit (a typo, a
# sentence: under ~4% of a post) usually changes the scores of the words it touched only, not of
# every word of the post. A warm build then re-serialises only those terms
# (``search_cache.EntryCache``). The error (at most ~2.2% of a length, so ~1.7% of BM25's length
# norm) moves scores far less than the field weights do; the query table of
# ``tests/test_search_issue.py`` ranks alike with steps of 2.2% and 4.4%.
LENGTH_GRID = 16


def on_grid(length: float) -> float:
    return 2.0 ** (round(math.log2(length) * LENGTH_GRID) / LENGTH_GRID)


def average_length(lengths: list[int]) -> float:
    if not lengths:
        return 1.0
    return on_grid(sum(lengths) / len(lengths))


@dataclass
class Counted:
    """What BM25 needs of the whole site, before any score: per document its weighted term
    frequencies and body length, per term its document frequency and idf."""

    weighted: list[dict[str, float]]
    lengths: list[float]  # on the grid (``on_grid``)
    average: float
    df: Counter
    idf: dict[str, float]
    forms: dict[str, set[str]]
    vocabulary: Counter


def count_documents(docs: list[Document], stems: Stems, phrases=()) -> Counted:
    """Count every document (with ``stems.counts``, a ``search_cache.CountCache``, only those
    whose text changed since the last build), then the site-wide figures of BM25.

    Words are counted per field first (in C, by ``Counter``), so stemming and weighting run once
    per distinct word of a document rather than once per word; a field is scanned for phrases
    only when it has the first word of one."""
    weighted: list[dict[str, float]] = []
    lengths: list[int] = []
    vocabulary: Counter = Counter()
    starts = phrase_starts(phrases)
    forms: dict[str, set[str]] = {}
    if stems.counts is not None:  # a warm build: only changed documents are counted
        counted = stems.counts.count(docs, lambda doc: count_document(doc, stems, starts), phrases)
    else:
        counted = [count_document(doc, stems, starts) for doc in docs]
    for tf, _seen, phrase_forms, length in counted:
        for key, words_used in phrase_forms.items():
            forms.setdefault(key, set()).update(words_used)
        weighted.append(tf)
        lengths.append(length)
    totals = stems.counts.totals() if stems.counts is not None else None
    if totals is None:
        vocabulary.update(chain.from_iterable(seen for _tf, seen, _forms, _length in counted))
        df = Counter(chain.from_iterable(weighted))
    else:
        vocabulary, df = totals
    if stems.counts is not None:
        stems.counts.keep_totals(vocabulary, df)
    for word, stem in stems.of(vocabulary).items():
        forms.setdefault(stem, set()).add(word)
    n = len(docs)
    idf = {stem: math.log(1 + (n - count + 0.5) / (count + 0.5)) for stem, count in df.items()}
    return Counted(weighted, [on_grid(length) for length in lengths], average_length(lengths), df, idf, forms, vocabulary)


def term_postings(counted: Counted, terms: set[str] | None = None) -> dict[str, dict[int, float]]:
    """BM25 per (term, document) of ``terms`` (every term if None): the same arithmetic either
    way, so a term scored alone equals the term scored in a full build."""
    k1_plus_1 = K1 + 1
    average, lengths, idf = counted.average, counted.lengths, counted.idf
    if terms is None or len(terms) > len(counted.df) // 4:  # most terms: one pass is cheaper
        postings: dict[str, dict[int, float]] = {stem: {} for stem in counted.df}
        for doc_id, tf in enumerate(counted.weighted):
            norm = K1 * (1 - B + B * lengths[doc_id] / average)
            for stem, f in tf.items():
                postings[stem][doc_id] = idf[stem] * f * k1_plus_1 / (f + norm)
        return postings if terms is None else {term: postings[term] for term in terms if term in postings}
    postings = {term: {} for term in terms if term in counted.df}
    for doc_id, tf in enumerate(counted.weighted):
        hits = tf.keys() & postings.keys()
        if hits:
            norm = K1 * (1 - B + B * lengths[doc_id] / average)
            for stem in hits:
                f = tf[stem]
                postings[stem][doc_id] = idf[stem] * f * k1_plus_1 / (f + norm)
    return postings


def score_documents(docs: list[Document], stems: Stems, phrases=()) -> tuple[dict[str, dict[int, float]], dict[str, set[str]], Counter]:
    """BM25 per (stem, document) with field weights; also the words per stem and the vocabulary.
    ``phrases`` (tuples of stems, from the term groups) are scored like words where they stand
    as consecutive stems, under the key "stem stem"."""
    counted = count_documents(docs, stems, phrases)
    return term_postings(counted), counted.forms, counted.vocabulary
