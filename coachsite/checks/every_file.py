"""Run the checks over the whole content folder, re-checking only files whose findings may differ.

Every file is read (its bytes are its key); a file with an entry in the findings cache
(``checks.cache``) whose recorded lookups still get the same answers is not parsed or checked
again. Files it links to are parsed only when a link check needs them (their anchors).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from coachsite.i18n import _

from . import Problem, Source, _shown, check_metadata, markdown_config, markdown_files, read_source, site_urls, vocabulary_of
from .cache import Entry, FindingsCache, file_key, world_digest


class File:
    """One Markdown file of the content folder: bytes read once, parsed only when needed."""

    def __init__(self, path: Path, kind: str, root: Path):
        self.path, self.kind = path, kind
        self.rel = str(path.relative_to(root.parent))
        self.data = path.read_bytes()
        self.key = file_key(self.rel, kind, self.data)
        self.slug: str | None = None
        self.entry: Entry | None = None
        self._parsed: tuple | None = None

    def parse(self, root: Path, config: dict) -> tuple[Source | None, list[Problem]]:
        if self._parsed is None:
            problems: list[Problem] = []
            src = read_source(self.path, root, self.kind, problems, self.data)
            if src is not None:
                src.markdown_config = config
            self._parsed = (src, problems)
        return self._parsed


class Catalog:
    """The files by path and by address, as the link checks look them up."""

    def __init__(self, root: Path, settings: dict):
        self.root, self.config = root, markdown_config(settings)
        self.files = [File(path, kind, root) for path, kind in markdown_files(root, settings)]
        self.by_text = {str(f.path): f for f in self.files}
        self._resolved: dict[str, File] | None = None
        self.by_url: dict[str, File] = {}
        self.urls: set[str] = set()

    def index(self, settings: dict, vocabulary: set[str]) -> None:
        posts = [f for f in self.files if f.slug is not None]
        self.by_url = {f"/{f.slug}/": f for f in posts}
        self.urls = site_urls(posts, settings, vocabulary)

    def at_path(self, file) -> File | None:
        """The post at resolved path ``file`` (paths under a resolved root are resolved, except
        through a symlink: resolve them all, once, only when a Markdown file is not found)."""
        found = self.by_text.get(str(file))
        if found is None and str(file).endswith(".md"):
            if self._resolved is None:
                self._resolved = {str(f.path.resolve()): f for f in self.files}
            found = self._resolved.get(str(file))
        return found if found is not None and found.slug is not None else None

    def source(self, found: File | None) -> Source | None:
        return None if found is None else found.parse(self.root, self.config)[0]

    def answer(self, kind: str, key: str):
        """The answer to one lookup a link check makes, as recorded in an entry."""
        if kind == "exists":
            return os.path.exists(key)
        if kind == "in":
            return key in self.urls
        found = self.at_path(key) if kind == "path" else self.by_url.get(key)
        return None if found is None else found.key


class _Lookups:
    """``by_path``, ``by_url``, ``site_urls`` and ``exists`` for ``check_body``, noting every answer."""

    def __init__(self, catalog: Catalog, noted: dict):
        self.catalog, self.noted = catalog, noted

    def _post(self, kind: str, key: str) -> Source | None:
        found = self.catalog.at_path(key) if kind == "path" else self.catalog.by_url.get(key)
        self.noted[(kind, key)] = None if found is None else found.key
        return self.catalog.source(found)

    def exists(self, path) -> bool:
        answer = self.noted[("exists", str(path))] = os.path.exists(path)
        return answer


class _ByPath(_Lookups):
    def get(self, file, default=None):
        return self._post("path", str(file)) or default


class _ByUrl(_Lookups):
    def get(self, url, default=None):
        return self._post("url", url) or default


class _Urls(_Lookups):
    def __contains__(self, url) -> bool:
        answer = self.noted[("in", url)] = url in self.catalog.urls
        return answer


def check_file(found: File, catalog: Catalog, settings: dict, vocabulary: set[str]) -> Entry:
    """Every finding about one file, with the lookups about other files it took."""
    from .links import check_body
    from .writing import writing_advice

    src, read_problems = found.parse(catalog.root, catalog.config)
    if src is None:
        return Entry(None, [(p.line, p.message) for p in read_problems])
    problems, warnings, noted = list(read_problems), [], {}
    check_metadata(src, settings, vocabulary, problems)
    check_body(src, catalog.root, settings, _ByPath(catalog, noted), _ByUrl(catalog, noted), _Urls(catalog, noted), problems,
               exists=_Lookups(catalog, noted).exists)
    writing_advice(src, warnings)
    return Entry(src.slug, [(p.line, p.message) for p in problems], [(p.line, p.message) for p in warnings], noted)


def still_true(entry: Entry, catalog: Catalog) -> bool:
    return all(catalog.answer(kind, key) == answer for (kind, key), answer in entry.lookups.items())


def term_problems(settings: dict, store: FindingsCache) -> list[Problem]:
    """Problems of ``synonyms.txt`` and ``thesaurus.txt``, kept by their bytes and the code reading them."""
    from coachsite.search import SynonymError, load_synonyms, meaning_problems, term_files

    files = term_files(settings)
    digest = hashlib.sha1()
    for path in [*files, Path(__file__).parent.parent / "search.py", Path(__file__).parent.parent / "search_index.py"]:
        digest.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    key = f"terms:{digest.hexdigest()}"
    known = store.get(key)
    if known is None:
        known = []
        for terms_file in files:  # synonyms.txt and thesaurus.txt, one format
            try:
                load_synonyms(terms_file)
            except SynonymError as error:
                known.append(Problem(_shown(Path(error.path)), error.line, error.message))
        for error in meaning_problems(files):
            known.append(Problem(_shown(Path(error.path)), error.line, error.message))
    store.put(key, known)
    return list(known)


def check_every_file(root: Path, settings: dict, warnings: list[Problem] | None, cache: Path | None) -> list[Problem]:
    vocab_file = Path(settings.get("TAG_VOCABULARY_FILE", root.parent / "tags.txt"))
    if not vocab_file.is_file():
        return [Problem(_shown(vocab_file), 0, _("the tag list is missing: create it with one allowed tag per line"))]
    vocabulary = vocabulary_of(root, settings)
    store = FindingsCache(cache, world_digest(root, settings, vocabulary) if cache else "")
    problems = term_problems(settings, store)
    catalog = Catalog(root, settings)
    for found in catalog.files:
        found.entry = store.get(found.key)
        if found.entry is not None:
            found.slug = found.entry.slug
        else:
            src = found.parse(root, catalog.config)[0]
            found.slug = src.slug if src is not None else None
    catalog.index(settings, vocabulary)
    advice: list[Problem] = []
    for found in catalog.files:
        entry = found.entry
        if entry is None or not still_true(entry, catalog):
            entry = check_file(found, catalog, settings, vocabulary)
        store.put(found.key, entry)
        problems += [Problem(found.rel, line, message) for line, message in entry.problems]
        advice += [Problem(found.rel, line, message) for line, message in entry.warnings]
    problems += duplicate_slugs(catalog)
    store.save()
    if warnings is not None:
        warnings += advice
        warnings.sort()
    return sorted(set(problems))


def duplicate_slugs(catalog: Catalog) -> list[Problem]:
    by_slug: dict[str, list[File]] = {}
    for found in catalog.files:
        if found.slug is not None:
            by_slug.setdefault(found.slug, []).append(found)
    problems: list[Problem] = []
    for same in (group for group in by_slug.values() if len(group) > 1):
        for found in same:
            others = ", ".join(o.rel for o in same if o is not found)
            src = catalog.source(found)
            line = src.meta.get("slug", (1, ""))[0]
            src.add(problems, line, _("slug '{slug}' is also used by {others}; rename one file or set 'Slug:'").format(slug=found.slug, others=others))
    return problems
