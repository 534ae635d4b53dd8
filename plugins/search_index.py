"""The site search index, computed from the posts during the build (see ``coachsite.search_index``).

When the articles are read, a child process starts indexing them while Pelican renders the pages
(the two took turns before: about 1 s of a 1,000-article build on two cores); when Pelican has
finished, the build waits for the child and fails if it failed. The index goes into
``zoeken/index/`` and the typo vocabulary into ``zoeken/woorden/`` of the output folder. Every
article is indexed with extra low-weight terms: synonyms of phrases it contains (from
``SEARCH_SYNONYMS_FILE``) and the parts of its compound words ("klantbudget" -> "klant budget").
Drafts, future posts, pages and listings are never indexed: only ``generator.articles``.

Settings: ``SEARCH_SYNONYMS_FILE``; ``SITE_BUILD`` (default True; False, when posts are only
read, e.g. by the newsletter, skips all of this).
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import Counter
from pathlib import Path

from pelican import signals

from coachsite.dates import nl_date
from coachsite.search import extra_terms, load_synonyms
from coachsite.search_index import Document, sections_of, write_index

log = logging.getLogger(__name__)
_jobs: dict[str, tuple] = {}


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


def index_articles(articles: list, groups: list[list[str]], output: Path) -> dict:
    docs = [document(article) for article in articles]
    words = [doc.text_words() for doc in docs]
    vocabulary = Counter(word for found in words for word in set(found))
    parts: dict = {}
    for doc, found in zip(docs, words):
        doc.terms = " ".join(extra_terms(found, groups, vocabulary, parts))
    return write_index(docs, output)


def _child(connection, articles, groups, output) -> None:
    try:
        connection.send(("ok", index_articles(articles, groups, output)))
    except Exception as error:  # noqa: BLE001 - reported by the parent, which fails the build
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def start(generator):
    if not generator.settings.get("SITE_BUILD", True):
        return
    path = generator.settings.get("SEARCH_SYNONYMS_FILE")
    groups = load_synonyms(Path(path)) if path else []  # errors name the file and line, before any work
    output = Path(generator.settings["OUTPUT_PATH"])
    articles = list(generator.articles)
    if "fork" not in multiprocessing.get_all_start_methods():  # no fork (Windows): index in turn
        _jobs[str(output)] = (None, index_articles(articles, groups, output))
        return
    context = multiprocessing.get_context("fork")  # the child shares the read articles, unpickled
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, articles, groups, output), daemon=True)
    process.start()
    sender.close()
    _jobs[str(output)] = (process, receiver)


def finish(pelican):
    job = _jobs.pop(str(pelican.settings["OUTPUT_PATH"]), None)
    if job is None:
        return
    process, result = job
    if process is not None:
        try:
            status, result = result.recv()
        except EOFError:
            status, result = "error", f"the indexing process stopped (exit code {process.exitcode})"
        process.join()
        if status != "ok":
            raise RuntimeError(f"search index failed: {result}")
    log.info("Search index: %(documents)d articles, %(stems)d stems, %(words)d words.", result)


def register():
    signals.article_generator_finalized.connect(start)
    signals.finalized.connect(finish)
