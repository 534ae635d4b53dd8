"""sitemap.xml: every page a reader can land on, with the date its content last changed.

Why not pelican-sitemap (which we used first): it dates every listing page (home, themes, tips)
by the moment the plugin was imported, so sitemap.xml changed on every build (every deploy
uploaded it, and it told search engines that every listing had changed); it kept its state
across builds of one process (``make serve``), so a failed build left the next one without a
sitemap; and it cost ~40 ms of a warm build at 1,000 posts (a path computation and a regex per
page). Here a listing page carries the newest date of the posts (the last time a listing can
have changed), and the file is written once per build from what the writer wrote.

Settings, as pelican-sitemap read them: ``SITEMAP = {"exclude": [regex, ...], "priorities":
{...}, "changefreqs": {...}}`` with the keys ``articles``, ``pages`` and ``indexes`` (per post
metadata for them, which pelican-sitemap read, is refused by the content checks). Private, hidden
and draft pages and addresses matching an ``exclude`` pattern are left out.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from pelican import contents, signals

HEADER = """<?xml version="1.0" encoding="utf-8"?>
<urlset xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
xsi:schemaLocation="http://www.sitemaps.org/schemas/sitemap/0.9 http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd"
xmlns:xhtml="http://www.w3.org/1999/xhtml"
xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
"""
ENTRY = "\n<url>\n<loc>{loc}</loc>\n<lastmod>{lastmod}</lastmod>\n<changefreq>{changefreq}</changefreq>\n<priority>{priority}</priority>\n</url>\n"
FOOTER = "\n</urlset>\n"
DEFAULTS = {"changefreqs": {"articles": "monthly", "pages": "monthly", "indexes": "daily"},
            "priorities": {"articles": 0.5, "pages": 0.5, "indexes": 0.5}}

_written: dict[str, list[tuple[str, object]]] = {}  # output folder -> (file written, its post or page)


def started(pelican) -> None:
    _written[os.fspath(pelican.output_path)] = []


def written(path, context) -> None:
    queue = _written.get(os.fspath(context.get("OUTPUT_PATH", "")))
    if queue is not None:
        queue.append((os.fspath(path), context.get("article") or context.get("page")))


def _address(path: str, output: str, obj) -> str:
    """The page's address below the site root, without a trailing ``index.html``."""
    url = obj.url if obj is not None else quote(path[len(output) + 1 :].replace(os.sep, "/"))
    return url[: -len("index.html")] if url == "index.html" or url.endswith("/index.html") else url


def _kind(obj) -> str:
    return "articles" if isinstance(obj, contents.Article) else "pages" if isinstance(obj, contents.Page) else "indexes"


def _changed(obj):
    """When a post or page last changed: its ``Modified`` date, else its date (None: neither)."""
    return getattr(obj, "modified", None) or getattr(obj, "date", None)


def _shown(obj) -> bool:
    return getattr(obj, "private", "") != "True" and getattr(obj, "status", "published") == "published"


def write(pelican) -> None:
    """Write ``sitemap.xml`` once Pelican has written every page."""
    output = os.fspath(pelican.output_path)
    queue = _written.pop(output, None)
    if queue is None:
        return
    settings = pelican.settings
    config = settings.get("SITEMAP", {})
    excluded = re.compile("|".join(f"(?:{pattern})" for pattern in config.get("exclude", ()))) if config.get("exclude") else None
    changefreqs = {**DEFAULTS["changefreqs"], **config.get("changefreqs", {})}
    priorities = {**DEFAULTS["priorities"], **config.get("priorities", {})}
    newest = max(filter(None, (_changed(obj) for _path, obj in queue if obj is not None and _shown(obj))), default=None)
    pages = sorted(((_address(path, output, obj), obj) for path, obj in queue if obj is None or _shown(obj)), key=lambda page: page[0])
    parts = [HEADER]
    for address, obj in pages:
        if excluded and excluded.search(address):
            continue
        kind = _kind(obj)
        date = _changed(obj) if obj is not None else newest
        parts.append(ENTRY.format(
            loc=f"{settings['SITEURL']}/{address}",
            lastmod=_iso(date) if date else "",
            changefreq=changefreqs[kind],
            priority=float(priorities[kind]),
        ))
    parts.append(FOOTER)
    with open(os.path.join(output, "sitemap.xml"), "w", encoding="utf-8") as handle:
        handle.write("".join(parts))


def _iso(date) -> str:
    """``2026-09-02T01:00:00+02:00`` (a date without a zone: ``-00:00``, as the sitemap format allows)."""
    text = date.isoformat(timespec="seconds")
    return text if date.tzinfo is not None else text + "-00:00"


def register():
    signals.initialized.connect(started)
    signals.content_written.connect(written)
    signals.finalized.connect(write)
