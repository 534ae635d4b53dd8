"""The site search index, computed from the posts during the build (see ``coachsite.search_index``).

After the articles are read, every published article is indexed with extra low-weight terms:
synonyms of phrases it contains (from ``SEARCH_SYNONYMS_FILE``) and the parts of its compound
words ("klantbudget" -> "klant budget"). When Pelican has written the site, the index goes into
``zoeken/index/`` and the typo vocabulary into ``zoeken/woorden/`` of the output folder.
Drafts, future posts, pages and listings are never indexed: only ``generator.articles``.

Settings: ``SEARCH_SYNONYMS_FILE``; ``SITE_BUILD`` (default True; False, when posts are only
read, e.g. by the newsletter, skips all of this).
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from pelican import signals

from coachsite.dates import nl_date
from coachsite.search import WORD_RE, extra_terms, fold, load_synonyms
from coachsite.search_index import Document, sections_of, write_index

log = logging.getLogger(__name__)
_documents: dict[str, list[Document]] = {}


def document(article) -> Document:
    # The raw reader output: ``article.content`` would resolve {filename} links before pages exist.
    return Document(
        url=article.url,
        title=article.title,
        theme=article.category.name,
        date=nl_date(article.date),
        authors=[a.name for a in getattr(article, "authors", [])],
        tags=[t.name for t in getattr(article, "tags", [])],
        sections=sections_of(article._content),
    )


def collect(generator):
    if not generator.settings.get("SITE_BUILD", True):
        return
    path = generator.settings.get("SEARCH_SYNONYMS_FILE")
    groups = load_synonyms(Path(path)) if path else []
    docs = [document(article) for article in generator.articles]
    words = [WORD_RE.findall(fold(" ".join([d.title, *d.tags, *(f"{s.heading} {s.text}" for s in d.sections)]))) for d in docs]
    vocabulary = Counter(word for found in words for word in set(found))
    parts: dict = {}
    for doc, found in zip(docs, words):
        doc.terms = " ".join(extra_terms(found, groups, vocabulary, parts))
    _documents[generator.settings["OUTPUT_PATH"]] = docs


def write(pelican):
    docs = _documents.pop(pelican.settings["OUTPUT_PATH"], None)
    if docs is not None:
        counts = write_index(docs, Path(pelican.settings["OUTPUT_PATH"]))
        log.info("Search index: %(documents)d articles, %(stems)d stems, %(words)d words.", counts)


def register():
    signals.article_generator_finalized.connect(collect)
    signals.finalized.connect(write)
