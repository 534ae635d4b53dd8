"""The warm site behind ``make serve``'s quick path: a saved post on screen without a site build.

Why: a build of 1,000 articles spends seconds on work a one-post edit does not change (checking
every file, reading every post into Pelican's context, related posts, render signatures). The
build process of the last good full build stays alive as the *worker* and keeps what it built:
Pelican's articles, their derived values, the compiled templates and the parsed sources of the
checks. On a save of published posts it checks only those files (and the files that link to
them), reads them again, updates the existing article objects in place (every list and every
other post pointing at them sees the new values) and renders their own pages into ``output/``.
The full build follows right after, as before, and brings every other page up to date.

It only takes that path when the result is certain to be the page a full build would write: the
post is published and keeps its address, date, theme, tags and authors (what other posts' related
lists, neighbours and listings depend on). Anything else (a new or deleted file, a draft, a
page, a changed slug, date or tags, a Pelican error) answers ``fallback`` and the server runs a
normal build. ``tests/test_serve_worker.py`` compares the pages with full builds, byte for byte.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from coachsite.i18n import _

# Kept from the object of the last build: the shared objects every page uses (a tag, theme or
# author object carries values plugins set once per site, such as an author's bio).
SHARED = ("category", "tags", "authors", "author", "translations")


@dataclass
class WarmSite:
    """What the last good full build knew, kept in its process after the swap."""

    articles: object  # Pelican's ArticlesGenerator
    output: Path
    sources: dict = field(default_factory=dict)  # resolved path -> checks.Source
    vocabulary: set = field(default_factory=set)
    urls: set = field(default_factory=set)
    posts: dict = field(default_factory=dict)  # resolved path -> published Article
    problems: dict = field(default_factory=dict)  # file as the checks name it -> its open problems
    unshown: set = field(default_factory=set)  # saved while a check failed: shown with the next good save

    @property
    def settings(self) -> dict:
        return self.articles.settings


class Capture:
    """Keeps the generators of the Pelican run in this process (``all_generators_finalized``)."""

    def __init__(self):
        self.generators: list = []

    def __call__(self, generators):
        self.generators = list(generators)

    def __enter__(self):
        from pelican import signals

        signals.all_generators_finalized.connect(self, weak=False)
        return self

    def __exit__(self, *exc):
        from pelican import signals

        signals.all_generators_finalized.disconnect(self)

    def site(self, output: Path) -> WarmSite | None:
        from pelican.generators import ArticlesGenerator

        found = [g for g in self.generators if isinstance(g, ArticlesGenerator)]
        return WarmSite(found[0], Path(output)) if found else None


def load_sources(site: WarmSite) -> None:
    """Parse every content file the way the checks do, once, so a save re-checks only its file."""
    from coachsite.checks import read_sources, site_urls, vocabulary_of

    root = Path(site.settings["PATH"]).resolve()
    site.vocabulary = vocabulary_of(root, site.settings)
    site.sources = {src.path.resolve(): src for src in read_sources(root, site.settings, [])}
    site.urls = site_urls(list(site.sources.values()), site.settings, site.vocabulary)
    site.posts = {Path(a.source_path).resolve(): a for a in site.articles.articles}


def check_saved(site: WarmSite, paths: list[Path]) -> list[str]:
    """The checks of ``make html`` for the saved files and every file that links to them; returns
    every problem still open, also those of files saved earlier (as a build would report them)."""
    from coachsite.checks import check_metadata, read_source
    from coachsite.checks.links import check_body

    root = Path(site.settings["PATH"]).resolve()
    problems: list = []
    saved = []
    checked = {str(path.relative_to(root.parent)) for path in paths}
    for path in paths:
        src = read_source(path, root, site.sources[path].kind, problems)
        if src is None:
            continue
        check_metadata(src, site.settings, site.vocabulary, problems)
        src.markdown_config = site.sources[path].markdown_config
        site.sources[path] = src
        saved.append(src)
    by_path = dict(site.sources)
    by_url = {f"/{s.slug}/": s for s in site.sources.values()}
    names = {p.name for p in paths} | {f"/{s.slug}" for s in saved}
    saved_ids = {id(src) for src in saved}
    for src in site.sources.values():
        text = "\n".join(src.lines)
        if id(src) in saved_ids or any(name in text for name in names):
            check_body(src, root, site.settings, by_path, by_url, site.urls, problems)
            checked.add(src.rel)
    for rel in checked:
        site.problems.pop(rel, None)
    for problem in problems:
        site.problems.setdefault(problem.path, set()).add(problem)
    return [str(p) for p in sorted(set().union(*site.problems.values()))]


def structure(article) -> tuple:
    """What other pages depend on: a change here needs a full build first."""
    tags = tuple(t.name for t in article.metadata.get("tags", []))  # the hidden ones select the newsletter
    return (
        article.status, article.slug, article.url, article.save_as, article.lang, article.template,
        article.date.isoformat(), article.category.name, tags,
        tuple(a.name for a in getattr(article, "authors", [])), getattr(article, "translation", None),
    )


def forget_memos(article) -> None:
    """Pelican memoizes a post's HTML and summary per object: drop this post's entries."""
    from pelican.contents import Content

    for method in (Content.get_content, Content.get_summary):
        for key in [k for k in method.cache if k and k[0] is article]:
            del method.cache[key]


def reread(site: WarmSite, path: Path):
    """The saved post as Pelican reads it, or a reason why the quick path does not apply."""
    from pelican import signals
    from pelican.contents import Article

    generator = site.articles
    old = site.posts[path]
    rel = os.path.relpath(path, generator.path)
    new = generator.readers.read_file(
        base_path=generator.path, path=rel, content_class=Article, context=generator.context,
        preread_signal=signals.article_generator_preread, preread_sender=generator,
        context_signal=signals.article_generator_context, context_sender=generator,
    )
    if not isinstance(new, Article) or not new.is_valid():
        return None, "not a valid post"
    if structure(new) != structure(old):
        return None, "address, date, theme, tags or authors changed"
    return (old, new), ""


def apply(site: WarmSite, old, new) -> None:
    """Give the post of the last build the saved text and metadata, keeping its shared objects."""
    from article_extras import own_fields  # the plugin, as Pelican loaded it

    for name, value in vars(new).items():
        if name not in SHARED:
            setattr(old, name, value)
    forget_memos(old)
    own_fields(old, site.settings)  # in a build's order: plugins first, then Pelican's link refresh
    old.refresh_metadata_intersite_links()


def render(site: WarmSite, articles: list, folder: str) -> list[str]:
    """Write the posts' own pages into ``folder`` with Pelican's own call for them alone (the
    context, with every post, stays whole); return their names."""
    from pelican.writers import Writer

    generator = site.articles
    lists = ("translations", "articles", "hidden_translations", "hidden_articles")
    kept = [getattr(generator, name) for name in lists]
    for name in lists:
        setattr(generator, name, [])
    generator.articles = list(articles)
    try:
        generator.generate_articles(Writer(folder, settings=site.settings).write_file)
    finally:
        for name, value in zip(lists, kept):
            setattr(generator, name, value)
    return [a.save_as for a in articles]


def put_in_place(site: WarmSite, folder: str, names: list[str]) -> None:
    """Each page replaces the one in ``output/`` with one rename: a browser never reads half."""
    for name in names:
        target = site.output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(os.path.join(folder, name), target)


def quick_update(site: WarmSite, paths: list[str]) -> dict:
    """Show saved posts without a build: ``{"ok": True, "pages": [...]}``, a failed check as a
    build error, or ``{"fallback": reason}`` when only a build can be right."""
    started = time.perf_counter()
    resolved = [Path(p).resolve() for p in paths]
    if not resolved or any(p not in site.sources or p not in site.posts for p in resolved):
        return {"fallback": "not a published post of the last build"}
    problems = check_saved(site, resolved)
    site.unshown.update(resolved)
    if problems:
        message = _("problems in content/: {count}; the site was not rebuilt").format(count=len(problems))
        return {"ok": False, "message": message, "details": problems}
    resolved, site.unshown = sorted(site.unshown), set()  # also posts saved while the site was broken
    with pelican_warnings() as warned, tempfile.TemporaryDirectory(dir=site.output.parent, prefix=".quick-") as tmp:
        pairs = []
        for path in resolved:
            pair, reason = reread(site, path)
            if pair is None:
                return {"fallback": reason}
            pairs.append(pair)
        for old, new in pairs:
            apply(site, old, new)
        pages = render(site, [old for old, _new in pairs], tmp)
        if warned.messages:  # a full build fails on these: let it say so (the page may be wrong)
            return {"fallback": "Pelican warned: " + "; ".join(warned.messages)}
        put_in_place(site, tmp, pages)
    return {"ok": True, "pages": pages, "seconds": time.perf_counter() - started}


@contextlib.contextmanager
def pelican_warnings():
    """Pelican's warnings while the worker reads and renders, as ``coachsite.build`` collects them."""
    from coachsite.build import _Collector

    collector = _Collector()
    logger = logging.getLogger("pelican")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


def serve_requests(site: WarmSite, requests, replies) -> None:
    """The worker's loop: one JSON line per request (a list of saved paths), one JSON line back.
    (``load_sources`` first, before the build's result is reported.)"""
    for line in requests:
        try:
            reply = quick_update(site, json.loads(line))
        except Exception as error:  # noqa: BLE001 - the server then builds as usual, which reports it
            reply = {"fallback": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()
        if "fallback" in reply:  # its state may be half-updated: never ask it again
            return
