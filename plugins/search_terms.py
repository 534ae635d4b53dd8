"""Extra search terms per article and the typo vocabulary, computed from the posts at build time.

For every published article sets ``article.search_terms``: synonyms of phrases it contains
(from ``SEARCH_SYNONYMS_FILE``) and the parts of its compound words ("klantbudget" -> "klant
budget"). The article template puts them in a hidden, low-weight block inside the indexed body.
After the build it writes ``zoeken/woorden/<length>.json``: every searchable word with the
number of articles that contain it, for typo correction on the search page.

Settings: ``SEARCH_SYNONYMS_FILE``; ``SITE_BUILD`` (default True; False, when posts are only
read, e.g. by the newsletter, skips all of this).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pelican import signals

from coachsite.search import WORD_RE, extra_terms, fold, load_synonyms, write_vocabulary

_searchable: dict[str, Counter] = {}


def article_words(article) -> list[str]:
    from article_extras import plain_text  # sibling plugin module (PLUGIN_PATHS is on sys.path)

    tags = " ".join(t.name for t in getattr(article, "tags", []))
    return WORD_RE.findall(fold(f"{article.title} {tags} {plain_text(article._content)}"))


def add_search_terms(generator):
    if not generator.settings.get("SITE_BUILD", True):
        return
    path = generator.settings.get("SEARCH_SYNONYMS_FILE")
    groups = load_synonyms(Path(path)) if path else []
    words = {article: article_words(article) for article in generator.articles}
    vocabulary = Counter(word for found in words.values() for word in set(found))
    searchable = Counter(vocabulary)
    for article, found in words.items():
        terms = extra_terms(found, groups, vocabulary)
        searchable.update(set(WORD_RE.findall(" ".join(terms))) - set(found))
        article.search_terms = " ".join(terms)
    _searchable[generator.settings["OUTPUT_PATH"]] = searchable


def write_words(pelican):
    searchable = _searchable.pop(pelican.settings["OUTPUT_PATH"], None)
    if searchable is not None:
        write_vocabulary(searchable, Path(pelican.settings["OUTPUT_PATH"]) / "zoeken" / "woorden")


def register():
    signals.article_generator_finalized.connect(add_search_terms)
    signals.finalized.connect(write_words)
