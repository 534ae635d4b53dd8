"""Signatures of what a page can show, for ``plugins/render_cache.py`` (see its docstring).

``Signatures`` describes values as hashable, process-independent data: a post as its card (every
field but its text, other posts by address) or, for the page's own post, the card with its text;
tags, themes and authors with their public fields; lists once per build. ``keys_used`` says which
of the few context values shown by few templates (``PAGE_KEYS``) a template needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import pickle
import re
from pathlib import Path

from pelican.contents import Content
from pelican.paginator import Page, Paginator
from pelican.urlwrappers import URLWrapper

ROOT = Path(__file__).resolve().parent.parent
BODY = {"_content", "word_count"}  # in the page's own part only (cards show neither)
# Plugins that only write files of their own and add nothing a page shows (the search page shows
# the index's descriptor, SEARCH_INDEX, which is part of the context and so of every signature).
PAGELESS_PLUGINS = {"search_index"}
# Context values that change with every content edit but are shown by few templates: the search
# index's descriptor names a folder hashed from the index, so a text edit changes it. They are in
# the signature only of pages whose templates (or the templates they extend/include) use them.
PAGE_KEYS = {"SEARCH_INDEX"}
_template_keys: dict[str, frozenset] = {}


_REFERENCE = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+(?:(["'])(?P<name>[^"']+)\1)?""")


def keys_used(environment, name: str) -> frozenset:
    """The PAGE_KEYS that template ``name`` and the templates it pulls in refer to: found in their
    source text (a superset: a comment naming a key counts too); a template pulled in by a name
    that is not a plain string counts as using every key. Read, not parsed: parsing all templates
    a second time cost more than the rest of this plugin on a cold build of a small site."""
    if name not in _template_keys:
        _template_keys[name] = frozenset()  # a template including itself ends here
        source = environment.loader.get_source(environment, name)[0]
        used = {key for key in PAGE_KEYS if re.search(rf"\b{key}\b", source)}
        for match in _REFERENCE.finditer(source):
            used |= keys_used(environment, match["name"]) if match["name"] else PAGE_KEYS
        _template_keys[name] = frozenset(used)
    return _template_keys[name]


_SCALARS = frozenset({str, int, float, bool, type(None)})


class Unknown(Exception):
    """A value whose content the signature cannot describe: render the page."""


class Signatures:
    def __init__(self, settings: dict):
        self.settings = settings
        self.cards: dict[int, str] = {}
        self.full: dict[int, str] = {}
        self.sites: dict[int, str] = {}
        self.describing = False
        self.lists: dict[tuple, tuple] = {}
        self.wrappers: dict[int, tuple] = {}
        self.wrapper_states: dict[tuple, tuple] = {}

    def value(self, value, full: bool):
        """A hashable description of ``value``; posts as their card signature, or, with ``full``,
        a post that *is* the value (the page's own post) with its text. Posts in lists and pages
        are cards: the theme shows a post's text only on its own page (a test keeps it so)."""
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        if isinstance(value, Content):
            if self.describing:  # a post inside a post (e.g. in a dict): by address, no cycles
                return ("post", value.source_path)
            return self.full_of(value) if full else self.card_of(value)
        if isinstance(value, URLWrapper):  # one per tag, theme and author, shown by every post
            known = self.wrappers.get(id(value))
            if known is None or known[0] is not value:
                known = self.wrappers[id(value)] = (value, self._wrapper(value))
            return known[1]
        if isinstance(value, Page):
            return ("page", value.number, value.paginator.num_pages, self.value(value.object_list, False))
        if isinstance(value, Paginator):  # its posts are in the page's own part as ``articles``
            return ("paginator", value.name, value.count, value.num_pages, value.per_page)
        if isinstance(value, (list, tuple)):
            # The same lists (all posts, a tag's posts) reach hundreds of pages: describe each once.
            # The memo holds the list itself, so its id cannot be reused by another during the build.
            key = (id(value), self.describing)
            known = self.lists.get(key)
            if known is None or known[0] is not value:
                described = repr(tuple(map(self._item, value)))
                known = self.lists[key] = (value, ("list", len(value), _digest(described)))
            return known[1]
        if isinstance(value, (set, frozenset)):
            return tuple(sorted(repr(self.value(item, False)) for item in value))
        if isinstance(value, dict):
            return tuple(sorted((repr(k), repr(self.value(v, False))) for k, v in value.items()))
        if isinstance(value, dt.tzinfo):
            return str(value)
        if callable(value):  # filters, functions in the settings
            return getattr(value, "__qualname__", type(value).__name__)
        raise Unknown(type(value).__name__)

    def _wrapper(self, value: URLWrapper) -> tuple:
        """A tag, theme or author described; Pelican makes one object per post for each, so equal
        ones (by their plain fields) share one description (4,400 objects at 1,000 posts)."""
        public = _public(value)
        state = None
        if all(type(v) in _SCALARS for v in public.values()):
            state = (type(value), value.name, value.slug, tuple(sorted((k, type(v), v) for k, v in public.items())))
            known = self.wrapper_states.get(state)
            if known is not None:
                return known
        described = (type(value).__name__, value.name, value.slug, self.value(public, False))
        if state is not None:
            self.wrapper_states[state] = described
        return described

    def _item(self, item):
        """``value(item, False)`` for an item of a list, with a shortcut for the common one: a
        post whose card is known (~40,000 items at 1,000 posts)."""
        if not self.describing:
            card = self.cards.get(id(item))
            if card is not None and isinstance(item, Content):  # alive all build: its id is its own
                return card
        return self.value(item, False)

    def card_of(self, content) -> str:
        """Everything about a post but its text; other posts it points to (related, neighbours)
        by address only (``_CardPickler``; ``value`` while ``describing``)."""
        key = id(content)
        if key not in self.cards:
            fields = {k: v for k, v in _public(content).items() if k not in BODY}
            self.describing = True
            try:
                self.cards[key] = self._pickled(fields) or _digest(repr(self.value(fields, full=False)))
            finally:
                self.describing = False
        return self.cards[key]

    def _pickled(self, fields: dict) -> str | None:
        """The digest of ``fields`` pickled (the walk through lists, dicts and dates runs in C, a
        third of the time of ``value``); posts, tags/themes/authors and sets are described as
        ``value`` does. None when something cannot be pickled: then ``value`` describes it."""
        buffer = io.BytesIO()
        try:
            _CardPickler(buffer, self).dump(fields)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return None
        return hashlib.sha1(buffer.getvalue()).hexdigest()

    def full_of(self, content) -> str:
        key = id(content)
        if key not in self.full:
            body = getattr(content, "_content", "") or ""
            self.full[key] = _digest(self.card_of(content) + body)
        return self.full[key]

    def site_of(self, context: dict) -> str:
        key = id(context)
        if key not in self.sites:
            skip = {"localsiteurl", "output_file", "OUTPUT_PATH", "RENDER_PREVIOUS_OUTPUT", "RENDER_RECORD", "SEARCH_INDEX_DEFERRED"} | PAGE_KEYS
            parts = []
            for name, value in sorted(context.items()):
                if name in skip:
                    continue
                try:
                    if name == "PLUGINS":
                        value = [plugin for plugin in value if plugin not in PAGELESS_PLUGINS]
                    if name == "staticfiles":  # found in a different order by every process
                        described = sorted(repr(self.value(item, full=False)) for item in value)
                    else:
                        described = self.value(value, full=False)
                    parts.append((name, repr(described)))
                except Unknown as unknown:
                    if name not in self.settings:  # content we cannot describe: render every page
                        raise
                    # a setting holding an object (Jinja's bytecode cache): settings live in
                    # pelicanconf.py, whose bytes key the cache folder this record is kept in
                    parts.append((name, str(unknown)))
            self.sites[key] = _digest(repr(parts) + _files_digest(self.settings))
        return self.sites[key]


_PLAIN = frozenset({str, int, float, bool, type(None), tuple, list, dict})


class _CardPickler(pickle.Pickler):
    """Pickles what a card holds in C, and asks back only for the objects whose pickle would not
    describe them: posts (by address) and tags/themes/authors (as ``Signatures.value``).
    ``reducer_override`` is called only for objects the C pickler has no fast path for (not for
    the ~90% that are strings, numbers, lists, dicts and tuples). Sets do have a fast path, in
    their iteration order, which differs between processes: a card holding one would get another
    signature in every build (its pages rendered each time, never stale); cards hold none."""

    def __init__(self, file, signatures: Signatures):
        super().__init__(file, protocol=4)
        self.signatures = signatures
        # No memo: with it, the bytes would depend on which equal values are one object, which
        # differs between a post read from Markdown and the same post from the reader cache.
        self.fast = True

    def reducer_override(self, obj):
        if isinstance(obj, Content):
            return _described, ("post", obj.source_path)
        if isinstance(obj, URLWrapper):
            return _described, (self.signatures.value(obj, False),)
        # By value, in one call: their own pickling would ask back for their class and its parts.
        if isinstance(obj, dt.datetime):
            return _described, ("datetime", obj.isoformat(), str(obj.tzinfo))
        if isinstance(obj, dt.tzinfo):
            return _described, ("tz", str(obj))
        if isinstance(obj, tuple):  # a named tuple (a tip): plain tuples never reach here
            return _described, (type(obj).__qualname__, tuple(obj))
        return NotImplemented


def _described(*description):
    """Stands in a card's pickle for an object described by ``_CardPickler`` (never called)."""
    return description


def _public(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if (not k.startswith("_") or k in BODY) and k != "settings"}


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _files_digest(settings: dict) -> str:
    """Templates and code by content; static files by name, size and date."""
    digest = hashlib.sha1()
    for folder in (Path(settings["THEME"]) / "templates", ROOT / "coachsite", ROOT / "plugins"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".html", ".py", ".xml", ".txt", ".j2"):
                digest.update(str(path).encode() + path.read_bytes())
    static = []  # the folder listings say which entries are files: only the non-posts are stat'ed
    for folder, _dirs, files in os.walk(settings["PATH"]):
        static += [os.path.join(folder, name) for name in files if not name.endswith(".md")]
    for path in sorted(static):
        info = os.stat(path)
        digest.update(f"{path}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()
