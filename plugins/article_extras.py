"""Everything an article page shows beyond Pelican's defaults, computed once so templates only present.

Per article it sets:

- ``reading_time``: minutes, at ``READING_WORDS_PER_MINUTE`` (default 200), at least 1;
- ``tips``: the numbered tips (``## 1. …`` headings) as ``Tip(number, title, anchor)``;
- ``image_path`` / ``image_url``: the ``Image:`` metadata resolved to a site path / absolute URL;
- ``href``: ``url`` computed once (Pelican formats it anew on every use); ``public_url``: the
  absolute URL on ``PUBLIC_SITEURL``;
- ``share_links``: LinkedIn, e-mail and WhatsApp as plain links (no third-party scripts);
- ``related``: up to ``RELATED_POSTS_MAX`` (default 3) other articles, by shared tags (ignoring
  ``NEWSLETTER_TAG``), then same theme, newest first;
- ``jsonld``: a schema.org ``Article`` dict for the page's JSON-LD block.

Tags in ``HIDDEN_TAGS`` (internal ones such as the newsletter tag) are taken off every article and out of
the tag list in a site build, so no page, tag page, feed, search index or sitemap shows them; posts read
for the newsletter (``SITE_BUILD`` False) keep them, because that is how the newsletter selects posts.

For the whole site it adds ``THEME_HUBS`` and ``ARCHIVE_MONTHS`` to the template context: the themes from ``THEMES``
(name, description, intro) in that order, each with its Pelican category and articles, and sets
``bio`` on each author from ``AUTHOR_BIOS``.

Settings: ``PUBLIC_SITEURL``, ``THEMES``, ``AUTHOR_BIOS``, ``READING_WORDS_PER_MINUTE``,
``RELATED_POSTS_MAX``, ``NEWSLETTER_TAG``, ``HIDDEN_TAGS``, ``SITENAME``, ``SITE_BUILD`` (False: posts are only
read, e.g. by the newsletter; share links, related posts and JSON-LD are skipped).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import pickle
import re
import sys
from collections import namedtuple
from pathlib import Path
from urllib.parse import quote

from pelican import signals
from pelican.contents import Content

from coachsite.content import resolve_image
from coachsite.related import RelatedIndex
from coachsite.search_index import html_text as plain_text

Tip = namedtuple("Tip", "number title anchor")

TIP_HEADING = re.compile(r'<h2 id="(?P<anchor>[^"]+)">\s*(?P<number>\d+)\.\s*(?P<title>.*?)</h2>', re.S)
WORD_RE = re.compile(r"\w+")


def find_tips(html: str) -> list[Tip]:
    return [
        Tip(int(m["number"]), plain_text(m["title"]), m["anchor"]) for m in TIP_HEADING.finditer(html)
    ]


def share_links(title: str, url: str) -> list[dict]:
    return [
        {
            "name": "LinkedIn",
            "label": "Deel op LinkedIn",
            "href": "https://www.linkedin.com/sharing/share-offsite/?url=" + quote(url, safe=""),
        },
        {
            "name": "E-mail",
            "label": "Deel via e-mail",
            "href": "mailto:?subject=" + quote(title, safe="") + "&body=" + quote(f"{title}\n{url}", safe=""),
        },
        {
            "name": "WhatsApp",
            "label": "Deel via WhatsApp",
            "href": "https://wa.me/?text=" + quote(f"{title} {url}", safe=""),
        },
    ]


def article_jsonld(article, settings) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.summary_text,
        "inLanguage": "nl",
        "datePublished": article.date.isoformat(),
        "dateModified": getattr(article, "modified", article.date).isoformat(),
        "author": [{"@type": "Person", "name": a.name} for a in article.authors],
        "publisher": {"@type": "Organization", "name": settings["SITENAME"]},
        "mainEntityOfPage": article.public_url,
        "articleSection": article.category.name,
        "keywords": [t.name for t in getattr(article, "tags", [])],
    }
    if article.image_url:
        data["image"] = article.image_url
    return data


def hide_tags(generator) -> None:
    """Internal tags leave the articles before Pelican makes its tag list (and its tag pages)
    from them (``article_generator_pretaxonomy``). ``PLUGINS`` lists this plugin before
    ``search_index``, which takes the posts at the same signal, so the index never sees them."""
    if not generator.settings.get("SITE_BUILD", True):
        return
    hidden = set(generator.settings.get("HIDDEN_TAGS", ()))
    for article in list(generator.articles) + list(generator.drafts) + list(generator.hidden_articles):
        if getattr(article, "tags", None):
            article.tags = [t for t in article.tags if t.name not in hidden]


def text_fields(html: str, summary: str, title: str, url: str) -> tuple:
    """Word count, tips (as plain tuples), summary text and share links: the costly part of
    ``own_fields`` (a regex over every word, URL quoting), a function of these four texts alone."""
    words = len(WORD_RE.findall(plain_text(html)))
    return words, tuple(tuple(tip) for tip in find_tips(html)), plain_text(summary or html)[:300], share_links(title, url)


class TextMemo:
    """``text_fields`` of the last build, by a digest of their inputs and of the code computing them,
    kept in the build's cache folder: a warm build computes them for the edited post only (they
    cost ~0.35 s of a warm build at 1,000 posts). Without a cache folder it only computes."""

    def __init__(self, settings: dict):
        cache = settings.get("CACHE_PATH") if settings.get("CACHE_CONTENT") else None
        self.path = Path(cache) / "article-text.pickle" if cache else None
        self.old: dict = {}
        self.new: dict = {}
        code = hashlib.sha1(Path(__file__).read_bytes() + Path(sys.modules[plain_text.__module__].__file__).read_bytes())
        self.code = code.digest()
        if self.path is not None and self.path.is_file():
            try:
                self.old = pickle.loads(self.path.read_bytes())
            except Exception:  # a damaged cache file: compute everything  # noqa: BLE001
                self.old = {}

    def fields(self, *texts: str) -> tuple:
        digest = hashlib.sha1(self.code)
        for text in texts:
            digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
        key = digest.digest()
        value = self.old.get(key)
        if value is None:
            value = text_fields(*texts)
        self.new[key] = value
        return value

    def save(self) -> None:
        if self.path is None or self.new.keys() == self.old.keys():
            return
        pending = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            pending.write_bytes(pickle.dumps(self.new, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(pending, self.path)


def own_fields(article, settings, memo: TextMemo | None = None) -> None:
    """The values an article derives from its own file alone; ``make serve`` recomputes them for
    a saved post without rebuilding the site (``coachsite.serve_worker``)."""
    site = settings.get("PUBLIC_SITEURL", "").rstrip("/")
    article.href = article.url  # Pelican formats ``url`` anew on every use: ~30 uses per article
    article.public_url = f"{site}/{article.href}"
    # The raw reader output: ``article.content`` would resolve {filename} links (and memoize
    # the result) before the pages are known.
    texts = (article._content, getattr(article, "_summary", "") or "", article.title, article.public_url)
    words, tips, summary_text, links = memo.fields(*texts) if memo is not None else text_fields(*texts)
    article.word_count = words
    article.reading_time = max(1, math.ceil(words / settings.get("READING_WORDS_PER_MINUTE", 200)))
    article.tips = [Tip(*tip) for tip in tips]
    article.summary_text = summary_text
    article.image_path = resolve_image(article.metadata.get("image"))
    article.image_url = f"{site}/{article.image_path}" if article.image_path else None
    article.image_alt = article.metadata.get("imagealt", "")
    if settings.get("SITE_BUILD", True):
        article.share_links = [dict(link) for link in links]
        article.jsonld = article_jsonld(article, settings)


def enrich(generator):
    settings = generator.settings
    newsletter_tag = settings.get("NEWSLETTER_TAG", "nieuwsbrief")
    limit = settings.get("RELATED_POSTS_MAX", 3)
    site_build = settings.get("SITE_BUILD", True)
    everything = list(generator.articles) + list(generator.drafts)
    related = RelatedIndex(
        sorted(generator.articles, key=lambda a: a.date, reverse=True),
        tags_of=lambda a: [t.name for t in getattr(a, "tags", []) if t.name != newsletter_tag],
        theme_of=lambda a: a.category.name,
    )
    memo = TextMemo(settings)
    for article in everything:
        own_fields(article, settings, memo)
        if site_build:  # only reading posts (the newsletter): skip what only pages show
            article.related = related.related(article, limit)
    memo.save()

    bios = settings.get("AUTHOR_BIOS", {})
    for author, _ in generator.authors:
        author.bio = bios.get(author.name, "")

    by_name = dict(generator.categories)
    hubs = []
    for theme in settings.get("THEMES", []):
        category = next((c for c in by_name if c.name == theme["name"]), None)
        hubs.append({**theme, "category": category, "articles": by_name.get(category, [])})
        if category is not None:
            category.description = theme.get("description", "")
            category.intro = theme.get("intro", "")
    generator.context["THEME_HUBS"] = hubs
    generator.context["ARCHIVE_MONTHS"] = archive_months(generator.articles)


def archive_months(articles) -> list[dict]:
    """Articles grouped per month, newest first, for the archive page."""
    months: dict[str, dict] = {}
    for article in sorted(articles, key=lambda a: a.date, reverse=True):
        key = article.date.strftime("%Y-%m")
        months.setdefault(key, {"key": key, "date": article.date, "articles": []})["articles"].append(article)
    return list(months.values())


EXTERNAL_LINK = re.compile(r'<a href="(https?://[^"]+)"(?![^>]*\brel=)')


def mark_external_links(html: str, site: str) -> str:
    """``rel="noopener noreferrer"`` on links to other sites: they get no handle on our page."""
    return EXTERNAL_LINK.sub(
        lambda m: m[0] if site and m[1].startswith(site) else f'{m[0]} rel="noopener noreferrer"', html
    )


def on_content_init(content):
    """Pages get an absolute URL (canonical, OpenGraph); every text gets its external links marked;
    URLs are kept from here on (``freeze``: everything they are made of is set once a post is made,
    and Pelican asks for ``save_as`` right away to check it)."""
    site = content.settings.get("PUBLIC_SITEURL", "").rstrip("/")
    if getattr(content, "_content", None):
        content._content = mark_external_links(content._content, site)
    freeze(content)
    if type(content).__name__ == "Page":
        content.public_url = f"{site}/{content.url}"


def _frozen(name: str) -> property:
    """Pelican's ``url``/``save_as``/``url_format``, answered from the value ``freeze`` kept, if any."""
    compute = getattr(Content, name).fget
    memo = f"_frozen_{name}"

    def get(self):
        value = self.__dict__.get(memo)
        return compute(self) if value is None else value

    get.frozen = True
    return property(get, doc=f"Pelican's {name}, kept once the generators finalized (article_extras.freeze_urls).")


def freeze(content) -> None:
    """Keep ``content``'s ``url`` and ``save_as`` (see ``freeze_urls``), both formatted from one
    ``url_format`` (Pelican builds that dict, with two path computations, for each)."""
    for name in ("url", "save_as", "url_format"):
        if not getattr(getattr(Content, name).fget, "frozen", False):
            setattr(Content, name, _frozen(name))
    kinds = type(content)
    if kinds.url is Content.url and kinds.save_as is Content.save_as and kinds.url_format is Content.url_format and "_frozen_url" not in vars(content):
        content._frozen_url_format = content.url_format
        try:
            content._frozen_url = content.get_url_setting("url")
            content._frozen_save_as = content.get_url_setting("save_as")
        finally:
            del content._frozen_url_format


def freeze_urls(generators) -> None:
    """Keep every post's and page's ``url`` and ``save_as`` once all content is read (most are
    kept already when they are made, see ``on_content_init``): Pelican formats them anew on every
    use (~6,000 times at 1,000 posts, a tenth of a warm build), and nothing they are made of
    (slug, date, theme, language, settings) changes after this point.
    ``tests/test_build_urls.py`` compares them with Pelican's own at the end of a build."""
    lists = ("articles", "translations", "drafts", "drafts_translations", "hidden_articles", "hidden_translations",
             "pages", "hidden_pages", "draft_pages", "draft_translations")
    for generator in generators:
        for name in lists:
            for content in getattr(generator, name, ()):
                if isinstance(content, Content):
                    freeze(content)


def register():
    signals.article_generator_pretaxonomy.connect(hide_tags)
    signals.article_generator_finalized.connect(enrich)
    signals.content_object_init.connect(on_content_init)
    signals.all_generators_finalized.connect(freeze_urls)
