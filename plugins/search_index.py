"""The site search index, computed from the posts during the build (see ``coachsite.search_files``).

A child process forked beside Pelican (``coachsite.side_jobs``) computes the index and writes it
into ``zoeken/<hash>/`` of the output. It is forked when the articles generator is made and reads
this build's caches (counts, entries, stems, sections) while Pelican reads the posts; when they
are read and ordered (``article_generator_pretaxonomy``) the build sends it the posts as plain values and
renders the pages on the other core. The search page, which must name the folder of its own
build, is rendered with markers in place of the folder and shard counts if the index is not done
yet (``SEARCH_INDEX`` is a ``PendingIndex``); once Pelican has finished and the rest of the new
site is compared with the old one, the build waits for the index (``coachsite.side_jobs.finish``)
and the markers are filled in; an error then fails the build ("search index failed: …") and
output/ is kept as it was. Where forking is not safe (not Linux, other threads running) the index
is computed in the build's own process when the posts are read, with the same bytes.

Only ``generator.articles`` are indexed: drafts, future posts, pages and listings never are.
Settings: ``SEARCH_SYNONYMS_FILE`` and ``SEARCH_THESAURUS_FILE`` (term groups, applied by the
browser at query time); ``SITE_BUILD`` (default True; False, when posts are only read, e.g. by
the newsletter, skips all of this). The page reads ``SEARCH_INDEX`` (folder, shard counts).
``SEARCH_INDEX_DEFERRED`` (set by ``make serve``'s quick build) writes no index and names the last one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import marshal
import os
import re
from pathlib import Path
from typing import NamedTuple

from pelican import signals

from coachsite.dates import nl_date
from coachsite.i18n import _
from coachsite.newsletter.archive import write_atomically
from coachsite.search import MAX_WORD, load_groups
from coachsite.search_cache import CountCache, _code_digest, preload
from coachsite import side_jobs
from coachsite.page_signatures import Unknown
from coachsite.search_files import SEARCH_DIR, STEMS_NAME, warm_up
from coachsite.search_folder import write_index
from coachsite.search_index import Document, Section, Stems, html_text, sections_of
from coachsite.side_jobs import SideJob

log = logging.getLogger(__name__)
_failed: dict[str, str] = {}  # output folder -> the error, raised when Pelican has finished
# What the search page gets when indexing failed (the build fails at the end anyway).
NO_INDEX = {"url": "", "shards": {"p": 1, "w": 1, "c": 1, "q": 1}, "articles": 0, "max_word": MAX_WORD}
LAST_INDEX = "search-index-last.json"  # in CACHE_PATH: the descriptor of the last index written


def _last_index(path: Path | None) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path else NO_INDEX
    except (OSError, ValueError):
        return NO_INDEX


class Source(NamedTuple):
    """What the index needs of a post, sent from the build to the child: plain values only."""

    url: str
    title: str
    theme: str
    date: str
    authors: list
    tags: list
    html: str
    summary: str


def source(article) -> Source:
    # The raw reader output: ``article.content`` would resolve {filename} links before pages exist.
    return Source(
        url=article.url,
        title=article.title,
        theme=article.category.name,
        date=nl_date(article.date),
        authors=[a.name for a in getattr(article, "authors", [])],
        tags=[t.name for t in getattr(article, "tags", [])],
        html=article._content,
        summary=article.metadata.get("summary") or "",
    )


def document(post: Source, sections=sections_of) -> Document:
    return Document(
        url=post.url, title=post.title, theme=post.theme, date=post.date, authors=post.authors, tags=post.tags,
        sections=sections(post.html), summary=html_text(post.summary),
    )


SECTIONS_NAME = "search-sections.marshal"  # in CACHE_PATH: each post's sections, by its HTML's hash


class KeptSections:
    """``sections_of`` of each post's HTML, kept between builds (splitting 1,000 posts' HTML into
    plain-text sections is ~0.1 s of every warm build). Keyed by the HTML's hash; the file is
    tied to the code that splits (``search_cache._code_digest``) and holds the last build's posts."""

    def __init__(self, cache: Path):
        self.path = Path(cache) / SECTIONS_NAME
        self.version = _code_digest()
        self.old: dict = {}
        self.new: dict = {}
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            data = marshal.loads(self.path.read_bytes())
            if data["version"] == self.version:
                self.old = data["sections"]

    def __call__(self, html: str) -> list[Section]:
        key = hashlib.sha1(html.encode("utf-8", "surrogatepass")).digest()
        kept = self.old.get(key)
        if kept is None:
            kept = [(s.anchor, s.heading, s.text) for s in sections_of(html)]
        self.new[key] = kept
        return [Section(*section) for section in kept]

    def save(self) -> None:
        if self.new.keys() != self.old.keys():
            CountCache._write(self.path, {"version": self.version, "sections": self.new})


def index_articles(posts: list[Source], groups: list, output: Path, cache: Path | None = None, previous: Path | None = None, sections=None) -> dict:
    sections = sections or (KeptSections(cache) if cache else sections_of)
    docs = [document(post, sections) for post in posts]
    if cache:
        sections.save()
    return write_index(docs, groups, output, cache, previous)


def _index_when_sent(receive, cache: Path | None, output: str) -> dict:
    """The child: read this build's caches while Pelican reads the posts, then index the posts."""
    sections = None
    warm_up()
    if cache:
        preload(cache)
        Stems(cache / STEMS_NAME)  # read into this process's memo
        sections = KeptSections(cache)
    posts, groups, previous = receive()
    return index_articles(posts, groups, Path(output), cache, previous and Path(previous), sections)


class PendingIndex:
    """``SEARCH_INDEX`` while the child computes it. A page rendered before the child is done
    (the search page) gets markers in place of the index's fields, and ``fill`` writes the values
    into it once the child is done, after the rest of the site is written and compared
    (``coachsite.side_jobs.finish``). Until then its ``repr`` (the page's signature) is unknown,
    so the render cache renders that page anew. A page rendered after the child finished gets
    the values at once."""

    def __init__(self, job: SideJob, last: Path | None):
        self._job, self._last, self._value = job, last, None
        self._token = os.urandom(6).hex()
        self._marked = False  # a marker was handed out for the page being rendered
        self._files: list[str] = []  # pages written with markers

    def send(self, posts_groups_previous: tuple) -> None:
        self._job.send(posts_groups_previous)

    def value(self) -> dict:
        """The index's descriptor, waiting for the child if need be."""
        if self._value is None:
            try:
                result = self._job.result()
            except Exception as error:  # noqa: BLE001 - reported as one line when Pelican has finished
                _failed[self._job.output] = str(error)
                result = NO_INDEX
            else:
                _done(result, self._last)
            self._value = result
        return self._value

    def _known(self) -> dict | None:
        if self._value is None and self._job.ready():
            self.value()
        return self._value

    def _field(self, name: str):
        known = self._known()
        if known is None:
            self._marked = True
            return _Marker(self._token, name)
        return known[name]

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._field(name)
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name):
        return self._field(name)

    def get(self, name, default=None):
        return self.value().get(name, default)

    def __repr__(self) -> str:
        known = self._known()
        if known is None:
            raise Unknown("the search index is still being computed")
        return repr(known)

    def written(self, path: str) -> None:
        if self._marked:
            self._files.append(path)
            self._marked = False

    def fill(self) -> None:
        """Put the index's values where the pages written before it was done have markers."""
        value = self.value()
        pattern = re.compile(rf"{_MARK}{self._token}:([\w.]+){_MARK}")

        def field(match: re.Match) -> str:
            found = value
            for part in match[1].split("."):
                found = found.get(part, "") if isinstance(found, dict) else ""
            return str(found)

        for path in self._files:
            page = Path(path)
            page.write_text(pattern.sub(field, page.read_text(encoding="utf-8")), encoding="utf-8")


_MARK = "@@zoekindex@@"  # around a field's name in a page rendered before the index was done


class _Marker(str):
    """A field of the index not known yet, as rendered text: ``@@zoekindex@@<token>:shards.p@@zoekindex@@``.
    A field inside it is a marker too (``shards.p``), except where ``str`` has a method of that name
    (``count``, ``index``): the index's fields have none of those names."""

    def __new__(cls, token: str, name: str):
        marker = super().__new__(cls, f"{_MARK}{token}:{name}{_MARK}")
        marker.token, marker.name = token, name
        return marker

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _Marker(self.token, f"{self.name}.{name}")

    def __getitem__(self, name):
        return self.__getattr__(name)


def _done(result: dict, last: Path | None) -> None:
    if last:  # only a hint for make serve's next quick build: never a reason to fail this one
        with contextlib.suppress(OSError):
            write_atomically(last, json.dumps(result))
    log.info("Search index: %(articles)d articles, %(stems)d stems, %(words)d words, %(files)d files.", result)


def prepare(generator):
    """When the articles generator is made: fork the child, which reads the caches meanwhile."""
    settings = generator.settings
    if not settings.get("SITE_BUILD", True) or settings.get("SEARCH_INDEX_DEFERRED"):
        return
    output = settings["OUTPUT_PATH"]
    _failed.pop(output, None)  # left by an earlier build that failed before ``finish``
    cache = Path(settings["CACHE_PATH"]) if settings.get("CACHE_PATH") else None
    job = SideJob(output, functools.partial(_index_when_sent, cache=cache, output=output), inbox=True, folder=SEARCH_DIR)
    _pending[output] = PendingIndex(job, cache / LAST_INDEX if cache else None)


def start(generator):
    """When the posts are read: send them to the child; the search page will wait for it."""
    settings = generator.settings
    if not settings.get("SITE_BUILD", True):
        return
    cache = settings.get("CACHE_PATH")
    if settings.get("SEARCH_INDEX_DEFERRED"):
        # make serve's quick build: the previous index is carried over, so the search page names it
        generator.context["SEARCH_INDEX"] = _last_index(Path(cache) / LAST_INDEX if cache else None)
        return
    groups = load_groups(settings)  # errors name the file and line
    if settings["OUTPUT_PATH"] not in _pending:
        prepare(generator)
    output = settings["OUTPUT_PATH"]
    pending = _pending[output]
    previous = settings.get("RENDER_PREVIOUS_OUTPUT")  # the site this build replaces
    pending.send(([source(article) for article in generator.articles], groups, previous))
    generator.context["SEARCH_INDEX"] = pending
    side_jobs.when_finishing(output, functools.partial(finish, output))


_pending: dict[str, PendingIndex] = {}  # output folder -> the index being computed for it


def written(path, context):
    """A page is written: if it got markers, ``fill`` will rewrite it."""
    pending = context.get("SEARCH_INDEX")
    if isinstance(pending, PendingIndex):
        pending.written(path)


def finish(output: str) -> None:
    """Once every page is written (``coachsite.side_jobs.finish``, after Pelican returned): wait
    for the index, fill in the pages rendered before it was done, and fail the build if it
    failed. Not earlier: other plugins (the sitemap) keep state between builds of one process
    and would be left half-way by an error raised inside Pelican."""
    pending = _pending.pop(output, None)
    if pending is not None:
        pending.value()
    error = _failed.pop(output, None)
    if error:
        raise RuntimeError(_("the search index could not be made: {error}").format(error=error))
    if pending is not None:
        pending.fill()


def register():
    signals.article_generator_init.connect(prepare)
    signals.article_generator_pretaxonomy.connect(start)
    signals.content_written.connect(written)
