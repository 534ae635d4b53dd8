"""Content checks: every mistake a coach can make in a post, as ``path:line: message`` (in Dutch).

Pelican is forgiving in ways that lose content silently (an unknown metadata key is kept and
never shown, an indented line ends the metadata block, a misspelled tag becomes a new tag,
``05-11-2026`` is read as 11 May). These checks run before every build (``make html``) and on
their own (``make check``). Errors stop the build; writing advice (``coachsite.checks.writing``)
comes back separately as warnings, which never fail a build.
"""

from __future__ import annotations

import calendar
import difflib
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from pelican.utils import slugify

from coachsite.i18n import _, ngettext
from coachsite.new_post import PLACEHOLDER_LINES, PLACEHOLDER_SUMMARY

MAX_FILE_BYTES = 1_000_000
MAX_SUMMARY_CHARS = 200
STATUSES = ("draft", "hidden", "published")
ARTICLE_KEYS = {"title", "date", "modified", "category", "tags", "authors", "summary", "slug", "status", "image", "imagealt"}
PAGE_KEYS = {"title", "slug", "summary", "status", "template", "save_as", "url", "date", "modified"}
REQUIRED = {"article": ("title", "date", "category", "summary", "authors"), "page": ("title",)}
META_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
META_MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)$")
LOOKS_LIKE_META = re.compile(r"^\s*(?P<key>[A-Za-z_-]+)\s*:\s*\S")
HTML_RE = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
# The one date form the README documents; Pelican's own parser would also take 05-11-2026 (as 11 May).
DATE_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?: (?P<hour>\d{2}):(?P<minute>\d{2}))?$")
PLACEHOLDERS = frozenset(PLACEHOLDER_LINES)
DAY_FIRST_RE = re.compile(r"^(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4})(?P<time> \d{1,2}:\d{2})?$")


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Source:
    """One Markdown file, read once: metadata with line numbers, body, rendered anchors."""

    path: Path
    rel: str
    kind: str  # "article" or "page"
    meta: dict[str, tuple[int, str]]
    body_start: int
    lines: list[str]
    slug: str = ""
    lost: frozenset = frozenset()
    markdown_config: dict | None = None

    @functools.cached_property
    def anchors(self) -> frozenset:
        """Heading ids as Pelican's Markdown renders them; only computed when a link needs them."""
        config = self.markdown_config or {}
        html = markdown.Markdown(extensions=list(config), extension_configs=config).convert(
            "\n".join(self.lines[self.body_start :])
        )
        return frozenset(re.findall(r'\sid="([^"]+)"', html))

    @property
    def is_draft(self) -> bool:
        return self.meta.get("status", (0, ""))[1].strip().lower() == "draft"

    def add(self, problems: list[Problem], line: int, message: str) -> None:
        problems.append(Problem(self.rel, line, message))


def suggestion(value: str, choices) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return _(" (did you mean '{value}'?)").format(value=close[0]) if close else ""


def read_source(path: Path, root: Path, kind: str, problems: list[Problem], data: bytes | None = None) -> Source | None:
    """``path`` parsed as a post or page (``data``: its bytes, if already read); None if unreadable."""
    rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    data = path.read_bytes() if data is None else data
    if not data.strip():
        problems.append(Problem(rel, 1, _("the file is empty; start with a 'Title:' line")))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(rel, 1, _("the file is {size} MB; posts over 1 MB are refused (images belong in content/images/)").format(size=f"{len(data) / 1e6:.1f}".replace(".", ","))))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(rel, line, _("not valid UTF-8 (byte {byte}); save the file as UTF-8").format(byte=error.start)))
        return None
    lines = text.splitlines()
    meta: dict[str, tuple[int, str]] = {}
    lost: set[str] = set()  # keys after a line that ended the metadata block
    last_key, number = None, 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            break
        match, more = META_RE.match(line), META_MORE_RE.match(line)
        if match:
            last_key = match["key"].lower()
            if last_key in meta:
                problems.append(Problem(rel, number, _("'{key}' appears twice (first on line {line})").format(key=match["key"], line=meta[last_key][0])))
            meta[last_key] = (number, match["value"].strip())
        elif more and last_key:
            meta[last_key] = (meta[last_key][0], f"{meta[last_key][1]} {more['value'].strip()}")
        else:
            first_word = line.split(maxsplit=1)[0].lower() if line.strip() else ""
            if LOOKS_LIKE_META.match(line) and line[:1].isspace():
                why = _("this line starts with a tab or spaces; metadata lines start at the left margin")
            elif first_word in ARTICLE_KEYS | PAGE_KEYS:
                why = _("missing ':' after '{word}'?").format(word=line.split()[0])
            else:
                why = _("this line is not a 'Key: value' line; put a blank line between the metadata and the text")
            problems.append(Problem(rel, number, _("the metadata stops here ({why}); the lines below it are read as text").format(why=why)))
            lost.update(m["key"].lower() for m in map(META_RE.match, lines[number - 1 :]) if m)
            lost.add(first_word.rstrip(":"))
            break
    else:
        number += 1
    if not any(l.strip() for l in lines[number:]):
        problems.append(Problem(rel, number, _("there is no text after the metadata")))
    slug = meta.get("slug", (0, path.stem))[1] or path.stem
    return Source(path, rel, kind, meta, number, lines, slug, lost=frozenset(lost))


def date_problem(key: str, value: str) -> str | None:
    """Why ``value`` is not a date in the documented form YYYY-MM-DD[ HH:MM], or None."""
    example = "2026-11-25 09:00"
    match = DATE_RE.match(value)
    if not match:
        day_first = DAY_FIRST_RE.match(value)
        if day_first:
            d, m, y = int(day_first["day"]), int(day_first["month"]), day_first["year"]
            fixed = f"{y}-{m:02d}-{d:02d}{day_first['time'] or ''}"
            return _("{key} '{value}' puts the day first; write the year first: {fixed}").format(key=key.capitalize(), value=value, fixed=fixed)
        return _("{key} '{value}' is not a date; write it like {example}").format(key=key.capitalize(), value=value, example=example)
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not 1 <= month <= 12:
        return _("{key} '{value}' does not exist: there is no month {month}; write it like {example}").format(key=key.capitalize(), value=value, month=month, example=example)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return _("{key} '{value}' does not exist: that month has {days} days; write it like {example}").format(key=key.capitalize(), value=value, days=days, example=example)
    if match["hour"] and (int(match["hour"]) > 23 or int(match["minute"]) > 59):
        return _("{key} '{value}': the time does not exist; write it like {example}").format(key=key.capitalize(), value=value, example=example)
    return None


def check_metadata(src: Source, settings: dict, vocabulary: set[str], problems: list[Problem]) -> None:
    add = functools.partial(src.add, problems)
    known = ARTICLE_KEYS if src.kind == "article" else PAGE_KEYS
    for key, (line, value) in src.meta.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
            hint = _(" (did you mean '{value}'?)").format(value=close[0].capitalize()) if close else ""
            add(line, _("unknown metadata '{key}'{hint}: Pelican would ignore it").format(key=key.capitalize(), hint=hint))
        if key in ("title", "summary", "tags", "authors", "category", "imagealt") and HTML_RE.search(value):
            add(line, _("{key} contains HTML ('{html}'); write plain text").format(key=key.capitalize(), html=HTML_RE.search(value)[0]))
    for key in REQUIRED[src.kind]:
        if key not in src.lost and not src.meta.get(key, (0, ""))[1]:
            add(src.meta.get(key, (1, ""))[0], _("'{key}:' is missing or empty").format(key=key.capitalize()))
    for key in ("date", "modified"):
        line, value = src.meta.get(key, (0, ""))
        reason = date_problem(key, value) if value else None
        if reason:
            add(line, reason)
    if "status" in src.meta and src.meta["status"][1].lower() not in STATUSES:
        line, value = src.meta["status"]
        add(line, _("Status '{value}' is not one of {choices}{hint}").format(value=value, choices=", ".join(STATUSES), hint=suggestion(value.lower(), STATUSES)))
    if src.kind != "article":
        return
    themes = [t["name"] for t in settings.get("THEMES", [])]
    line, category = src.meta.get("category", (0, ""))
    if category and category not in themes:
        add(line, _("Category '{value}' is not one of the themes: {choices}{hint}").format(value=category, choices=", ".join(themes), hint=suggestion(category, themes)))
    line, tags = src.meta.get("tags", (0, ""))
    for tag in filter(None, (t.strip() for t in tags.split(","))):
        if tag not in vocabulary and not HTML_RE.search(tag):
            add(line, _("tag '{tag}' is not in tags.txt{hint}; add it there first if it is new").format(tag=tag, hint=suggestion(tag, vocabulary)))
    line, summary = src.meta.get("summary", (0, ""))
    if len(summary) > MAX_SUMMARY_CHARS:
        add(line, _("Summary is {count} characters; keep it under {limit} so it fits the newsletter").format(count=len(summary), limit=MAX_SUMMARY_CHARS))
    bios = settings.get("AUTHOR_BIOS", {})
    line, authors = src.meta.get("authors", (0, ""))
    for author in filter(None, (a.strip() for a in authors.split(","))):
        if author not in bios and suggestion(author, bios):
            add(line, _("author '{author}' is unknown{hint}").format(author=author, hint=suggestion(author, bios)))
    if src.meta.get("image", (0, ""))[1] and not src.meta.get("imagealt", (0, ""))[1]:
        add(src.meta["image"][0], _("Image has no ImageAlt: describe the image for readers who cannot see it"))
    if not src.is_draft:
        check_unfinished(src, problems)


def check_unfinished(src: Source, problems: list[Problem]) -> None:
    """A post about to go live must not carry ``make post``'s example text, and needs tags."""
    if "tags" not in src.lost and not src.meta.get("tags", (0, ""))[1].strip(", "):
        line = src.meta.get("tags", (1, ""))[0]
        src.add(problems, line, _("'Tags:' is missing or empty; give at least one tag from tags.txt (or keep 'Status: draft' until the post is ready)"))
    found = [src.meta["summary"][0]] if src.meta.get("summary", (0, ""))[1] == PLACEHOLDER_SUMMARY else []
    found += [n for n, line in enumerate(src.lines[src.body_start :], start=src.body_start + 1) if line.strip() in PLACEHOLDERS]
    if found:
        src.add(problems, found[0], ngettext(
            "this is still the example text of 'make post' ({count} line, here); write your own text, or put 'Status: draft' back until the post is ready",
            "this is still the example text of 'make post' ({count} lines, the first here); write your own text, or put 'Status: draft' back until the post is ready",
            len(found)).format(count=len(found)))


def _shown(path: Path) -> str:
    """A path as the coach typed it: relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def site_urls(sources: list[Source], settings: dict, vocabulary: set[str]) -> set[str]:
    """Every address the built site has (posts, pages, listings) as ``/path/``."""
    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    urls = {f"/{s.slug}/" for s in sources} | {"/", "/themas/", "/tags/", "/auteurs/", "/archief/", "/zoeken/", "/tips/"}
    urls |= {f"/thema/{slugify(t['name'], regex_subs=subs)}/" for t in settings.get("THEMES", [])}
    urls |= {f"/tag/{slugify(t, regex_subs=subs)}/" for t in vocabulary}
    return urls


def vocabulary_of(root: Path, settings: dict) -> set[str]:
    """The allowed tags (``tags.txt``); an empty set when the file is missing."""
    vocab_file = Path(settings.get("TAG_VOCABULARY_FILE", root.parent / "tags.txt"))
    if not vocab_file.is_file():
        return set()
    return {l.strip() for l in vocab_file.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#")}


def markdown_files(root: Path, settings: dict) -> list[tuple[Path, str]]:
    """Every Markdown file under ``root`` (resolved), sorted, with its kind: a page if it is in a
    folder of ``PAGE_PATHS``, else a post (compared as text: ``Path.parents`` cost 0.06 s at 1,000)."""
    page_dirs = tuple(str(root / p) + os.sep for p in settings.get("PAGE_PATHS", ["pages"]))
    return [(path, "page" if str(path).startswith(page_dirs) else "article") for path in sorted(root.rglob("*.md"))]


def markdown_config(settings: dict) -> dict:
    return settings.get("MARKDOWN", {}).get("extension_configs", {})


def read_sources(root: Path, settings: dict, problems: list[Problem]) -> list[Source]:
    """Every Markdown file under ``root`` (resolved), read as a post or a page (``PAGE_PATHS``)."""
    config = markdown_config(settings)
    sources = []
    for path, kind in markdown_files(root, settings):
        src = read_source(path, root, kind, problems)
        if src:
            src.markdown_config = config
            sources.append(src)
    return sources


def check_content(root: Path, settings: dict, warnings: list[Problem] | None = None, cache: Path | None = None) -> list[Problem]:
    """Check every Markdown file under ``root`` (the content folder); return the errors, sorted.

    Pass a list as ``warnings`` to also collect writing advice (never an error). ``cache``: a file
    keeping each file's findings, so an unchanged file is not checked again (``checks.every_file``).
    """
    from coachsite.checks.every_file import check_every_file

    return check_every_file(Path(root).resolve(), settings, warnings, cache)
