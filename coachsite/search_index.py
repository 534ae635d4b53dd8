"""The static search index: every score computed at build time, so the browser only adds numbers.

Why not Pagefind (which we used first): on a single-topic site the domain words ("klant", "team",
"medewerker") are on nearly every page, and Pagefind loads and scores the word positions of every
page that contains a query word in the browser. We measured 47 ms p95 at 1,000 articles and about
1 s at 10,000 (bench/RESULTS.md). Here the build does that work once:

- every word is folded ("Creëren" -> "creeren") and reduced to its Dutch Snowball stem;
- per stem, one file ``zoeken/index/p/<stem>.json`` lists the articles that contain it with a
  ready BM25 score, in which the title, tags and tip headings weigh more than the body text, and
  the synonyms and compound parts of the ``search`` module weigh less;
- the typo vocabulary (``zoeken/woorden/<length>.json``) maps every word to its stem and to the
  number of articles that use it, so the browser needs no stemmer of its own;
- per article, ``zoeken/index/d/<id>.json`` holds what a result shows (title, theme, date, the text
  by section for the excerpt and the matching tips), fetched only for the results on screen;
- per filter (theme, author, tag), ``zoeken/index/f/<name>.json`` lists the articles per value.

A query then costs one small file per word and one per result shown, whatever the size of the site.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import snowballstemmer

from coachsite.search import WORD_RE, fold

INDEX_DIR = Path("zoeken") / "index"
VOCABULARY_DIR = Path("zoeken") / "woorden"
MAX_WORD = 40
SHORT_WORD = 4  # shorter words are their own stem (and "kpi", "ja" stay findable)

# Field weights: a word in the title counts as five in the body (the issue: titles, tags and tip
# headings weigh more than body text; added synonyms and compound parts weigh less).
WEIGHTS = {"title": 5.0, "tags": 3.0, "headings": 3.0, "theme": 1.0, "body": 1.0, "terms": 0.5}
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
    terms: str = ""  # synonyms and compound parts (``search.extra_terms``)
    fields: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def field_words(self) -> dict[str, list[str]]:
        """Folded words per weighted field. The text fields are split once and kept; ``terms`` is
        split on every call, because it is set after the text has been read (from its words)."""
        if not self.fields:
            self.fields = {
                "title": _words(self.title),
                "tags": _words(" ".join(self.tags)),
                "headings": _words(" ".join(s.heading for s in self.sections)),
                "theme": _words(self.theme),
                "body": _words(" ".join(s.text for s in self.sections)),
            }
        return {**self.fields, "terms": _words(self.terms)}

    def text_words(self) -> list[str]:
        """The words a reader sees: title, tags, headings and body (synonyms are looked up in these)."""
        fields = self.field_words()
        return fields["title"] + fields["tags"] + fields["headings"] + fields["body"]


def _words(text: str) -> list[str]:
    return WORD_RE.findall(fold(text))


def sections_of(html: str) -> list[Section]:
    """The article body split at its ``<h2 id=…>`` headings (the tips, in our articles)."""
    sections, anchor, heading, start = [], None, "", 0
    for match in H2_RE.finditer(html):
        sections.append(Section(anchor, heading, html_text(html[start : match.start()])))
        anchor, heading, start = match["anchor"], html_text(match["heading"]), match.end()
    sections.append(Section(anchor, heading, html_text(html[start:])))
    return [s for s in sections if s.text or s.heading]


class Stems:
    """Folded word -> Dutch Snowball stem, memoised (a site has far fewer words than tokens)."""

    def __init__(self):
        self._stemmer = snowballstemmer.stemmer("dutch")
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = word if len(word) < SHORT_WORD or word.isdigit() else self._stemmer.stemWord(word)
            self._cache[word] = stem or word
            stem = stem or word
        return stem


def score_documents(docs: list[Document], stems: Stems) -> tuple[dict[str, dict[int, float]], dict[str, set[str]], Counter]:
    """BM25 per (stem, document) with field weights; also the words per stem and the vocabulary.

    Words are counted per field first (in C, by ``Counter``), so stemming and weighting run once
    per distinct word of a document rather than once per word."""
    weighted: list[dict[str, float]] = []
    lengths: list[int] = []
    vocabulary: Counter = Counter()
    for doc in docs:
        tf: dict[str, float] = {}
        seen: set[str] = set()
        for name, words in doc.field_words().items():
            weight = WEIGHTS[name]
            counts = Counter(words)
            seen.update(counts)
            for word, count in counts.items():
                stem = stems(word)
                tf[stem] = tf.get(stem, 0.0) + weight * count
        vocabulary.update(seen)
        weighted.append(tf)
        lengths.append(max(1, len(doc.fields["body"])))
    forms: dict[str, set[str]] = {}
    for word in vocabulary:
        forms.setdefault(stems(word), set()).add(word)
    n = len(docs)
    average = sum(lengths) / n if n else 1.0
    df = Counter(stem for tf in weighted for stem in tf)
    idf = {stem: math.log(1 + (n - count + 0.5) / (count + 0.5)) for stem, count in df.items()}
    postings: dict[str, dict[int, float]] = {stem: {} for stem in df}
    for doc_id, tf in enumerate(weighted):
        norm = K1 * (1 - B + B * lengths[doc_id] / average)
        for stem, f in tf.items():
            postings[stem][doc_id] = idf[stem] * f * (K1 + 1) / (f + norm)
    return postings, forms, vocabulary


def _dump(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _delta(ids: list[int]) -> list[int]:
    """Sorted ids as gaps: small numbers are fewer bytes, before and after gzip."""
    return [b - a for a, b in zip([0] + ids, ids)]


def write_vocabulary(vocabulary: Counter, stems: Stems, folder: Path) -> int:
    """``{word: [articles using it, stem]}``, one file per word length (1..40), for typo correction."""
    folder.mkdir(parents=True, exist_ok=True)
    by_length: dict[int, dict[str, list]] = {}
    for word, count in vocabulary.items():
        if len(word) <= MAX_WORD:
            by_length.setdefault(len(word), {})[word] = [count, stems(word)]
    for length in range(1, MAX_WORD + 1):  # every length, so the browser never asks for a missing file
        _dump(folder / f"{length}.json", dict(sorted(by_length.get(length, {}).items())))
    return sum(len(words) for words in by_length.values())


def write_index(docs: list[Document], site: Path) -> dict:
    """Write the whole index into the built ``site``; returns counts for the build summary."""
    site = Path(site)
    stems = Stems()
    postings, forms, vocabulary = score_documents(docs, stems)
    folder = site / INDEX_DIR
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("p", "d", "f"):
        (folder / sub).mkdir(parents=True)
    for stem, scores in postings.items():
        ids = sorted(scores)
        pairs = [x for gap, doc_id in zip(_delta(ids), ids) for x in (gap, max(1, round(scores[doc_id] * 100)))]
        _dump(folder / "p" / f"{stem}.json", {"n": len(docs), "f": sorted(forms[stem]), "p": pairs})
    filters: dict[str, dict[str, list[int]]] = {"thema": {}, "auteur": {}, "tag": {}}
    for doc_id, doc in enumerate(docs):
        sections = [[s.anchor, s.heading, s.text] for s in doc.sections]
        _dump(folder / "d" / f"{doc_id}.json", {"u": doc.url, "t": doc.title, "m": doc.theme, "d": doc.date, "s": sections})
        filters["thema"].setdefault(doc.theme, []).append(doc_id)
        for author in doc.authors:
            filters["auteur"].setdefault(author, []).append(doc_id)
        for tag in doc.tags:
            filters["tag"].setdefault(tag, []).append(doc_id)
    for name, values in filters.items():
        _dump(folder / "f" / f"{name}.json", {value: _delta(ids) for value, ids in sorted(values.items())})
    words = write_vocabulary(vocabulary, stems, site / VOCABULARY_DIR)
    return {"documents": len(docs), "stems": len(postings), "words": words}
