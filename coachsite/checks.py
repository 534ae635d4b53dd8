"""Content checks: every mistake a coach can make in a post, as ``path:line: message``.

Pelican is forgiving in ways that lose content silently (an unknown metadata key is kept and
never shown, an indented line ends the metadata block, a misspelled tag becomes a new tag).
These checks run before every build (``make html``) and on their own (``make check``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from pelican.utils import get_date, slugify

from coachsite.search import SynonymError, load_synonyms, term_files

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
DANGEROUS_HTML = re.compile(r"<\s*(script|iframe|object|embed|style)\b|\son[a-z]+\s*=", re.I)
LINK_RE = re.compile(r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


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


def suggestion(value: str, choices) -> str:
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def read_source(path: Path, root: Path, kind: str, problems: list[Problem]) -> Source | None:
    rel = str(path.relative_to(root.parent)) if root.parent in path.parents else str(path)
    data = path.read_bytes()
    if not data.strip():
        problems.append(Problem(rel, 1, "the file is empty; start with a 'Title:' line"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(rel, 1, f"the file is {len(data) / 1e6:.1f} MB; posts over 1 MB are refused (images belong in content/images/)"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        problems.append(Problem(rel, line, f"not valid UTF-8 (byte {error.start}); save the file as UTF-8"))
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
                problems.append(Problem(rel, number, f"'{match['key']}' appears twice (first on line {meta[last_key][0]})"))
            meta[last_key] = (number, match["value"].strip())
        elif more and last_key:
            meta[last_key] = (meta[last_key][0], f"{meta[last_key][1]} {more['value'].strip()}")
        else:
            first_word = line.split(maxsplit=1)[0].lower() if line.strip() else ""
            if LOOKS_LIKE_META.match(line) and line[:1].isspace():
                why = "this line starts with a tab or spaces; metadata lines start at the left margin"
            elif first_word in ARTICLE_KEYS | PAGE_KEYS:
                why = f"missing ':' after '{line.split()[0]}'?"
            else:
                why = "this line is not a 'Key: value' line; put a blank line between the metadata and the text"
            problems.append(Problem(rel, number, f"the metadata stops here ({why}); the lines below it are read as text"))
            lost.update(m["key"].lower() for m in map(META_RE.match, lines[number - 1 :]) if m)
            lost.add(first_word)
            break
    else:
        number += 1
    if not any(l.strip() for l in lines[number:]):
        problems.append(Problem(rel, number, "there is no text after the metadata"))
    slug = meta.get("slug", (0, path.stem))[1] or path.stem
    return Source(path, rel, kind, meta, number, lines, slug, lost=frozenset(lost))


def check_metadata(src: Source, settings: dict, vocabulary: set[str], problems: list[Problem]) -> None:
    add = lambda line, msg: problems.append(Problem(src.rel, line, msg))  # noqa: E731
    known = ARTICLE_KEYS if src.kind == "article" else PAGE_KEYS
    for key, (line, value) in src.meta.items():
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0].capitalize()}'?)" if close else ""
            add(line, f"unknown metadata '{key.capitalize()}'{hint}: Pelican would ignore it")
        if key in ("title", "summary", "tags", "authors", "category", "imagealt") and HTML_RE.search(value):
            add(line, f"{key.capitalize()} contains HTML ('{HTML_RE.search(value)[0]}'); write plain text")
    for key in REQUIRED[src.kind]:
        if key not in src.lost and not src.meta.get(key, (0, ""))[1]:
            add(src.meta.get(key, (1, ""))[0], f"'{key.capitalize()}:' is missing or empty")
    if "date" in src.meta and src.meta["date"][1]:
        line, value = src.meta["date"]
        try:
            get_date(value)
        except (ValueError, OverflowError):
            parts = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", value)
            reason = "not a date"
            if parts:
                try:
                    dt.date(*map(int, parts.groups()))
                except ValueError as error:
                    reason = f"not a valid date: {error}"
            add(line, f"Date '{value}' is {reason}; write it like 2026-11-25 09:00")
    if "status" in src.meta and src.meta["status"][1].lower() not in STATUSES:
        line, value = src.meta["status"]
        add(line, f"Status '{value}' is not one of {', '.join(STATUSES)}{suggestion(value.lower(), STATUSES)}")
    if src.kind != "article":
        return
    themes = [t["name"] for t in settings.get("THEMES", [])]
    line, category = src.meta.get("category", (0, ""))
    if category and category not in themes:
        add(line, f"Category '{category}' is not one of the themes: {', '.join(themes)}{suggestion(category, themes)}")
    line, tags = src.meta.get("tags", (0, ""))
    for tag in filter(None, (t.strip() for t in tags.split(","))):
        if tag not in vocabulary and not HTML_RE.search(tag):
            add(line, f"tag '{tag}' is not in tags.txt{suggestion(tag, vocabulary)}; add it there first if it is new")
    line, summary = src.meta.get("summary", (0, ""))
    if len(summary) > MAX_SUMMARY_CHARS:
        add(line, f"Summary is {len(summary)} characters; keep it under {MAX_SUMMARY_CHARS} so it fits the newsletter")
    bios = settings.get("AUTHOR_BIOS", {})
    line, authors = src.meta.get("authors", (0, ""))
    for author in filter(None, (a.strip() for a in authors.split(","))):
        if author not in bios and suggestion(author, bios):
            add(line, f"author '{author}' is unknown{suggestion(author, bios)}")
    if src.meta.get("image", (0, ""))[1] and not src.meta.get("imagealt", (0, ""))[1]:
        add(src.meta["image"][0], "Image has no ImageAlt: describe the image for readers who cannot see it")


def resolve(target: str, src: Source, root: Path) -> Path:
    for prefix in ("{filename}", "{static}", "{attach}"):
        if target.startswith(prefix):
            target = target[len(prefix) :]
    return (root / target.lstrip("/")) if target.startswith("/") else (src.path.parent / target)


def check_body(src: Source, root: Path, by_path: dict, site_urls: set[str], problems: list[Problem]) -> None:
    for number, line in enumerate(src.lines[src.body_start :], start=src.body_start + 1):
        add = lambda msg: problems.append(Problem(src.rel, number, msg))  # noqa: E731,B023
        if DANGEROUS_HTML.search(line):
            add(f"'{DANGEROUS_HTML.search(line)[0].strip()}' is not allowed in a post (no scripts or embedded HTML)")
        for match in LINK_RE.finditer(line):
            target, is_image = match["target"], bool(match["image"])
            if is_image and not match["text"].strip():
                add(f"image '{target}' has no alt text: write it between the brackets, ![like this]({target})")
            if re.match(r"^(https?:|mailto:|tel:)", target):
                continue
            path_part, _, anchor = target.partition("#")
            if not path_part:
                if anchor and anchor not in src.anchors:
                    add(f"link to '#{anchor}': no heading with that anchor in this post{suggestion(anchor, src.anchors)}")
                continue
            if path_part.startswith(("{filename}", "{static}", "{attach}")) or is_image or not path_part.startswith("/"):
                file = resolve(path_part, src, root).resolve()
                if not file.exists():
                    add(f"link to '{path_part}': no such file in content/")
                elif anchor and file in by_path and anchor not in by_path[file].anchors:
                    add(f"link to '{target}': that post has no heading with anchor '#{anchor}'")
            elif path_part.rstrip("/") + "/" not in site_urls and not (root / path_part.lstrip("/")).exists():
                add(f"link to '{path_part}': no page on the site has that address")


def _shown(path: Path) -> str:
    """A path as the coach typed it: relative to the current folder when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check_content(root: Path, settings: dict) -> list[Problem]:
    """Check every Markdown file under ``root`` (the content folder); return the problems, sorted."""
    root = Path(root).resolve()
    problems: list[Problem] = []
    vocab_file = Path(settings.get("TAG_VOCABULARY_FILE", root.parent / "tags.txt"))
    if not vocab_file.is_file():
        return [Problem(_shown(vocab_file), 0, "the tag list is missing: create it with one allowed tag per line")]
    vocabulary = {l.strip() for l in vocab_file.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#")}
    for terms_file in term_files(settings):  # synonyms.txt and thesaurus.txt, one format
        try:
            load_synonyms(terms_file)
        except SynonymError as error:
            problems.append(Problem(_shown(Path(error.path)), error.line, error.message))
    page_dirs = [root / p for p in settings.get("PAGE_PATHS", ["pages"])]
    sources = []
    for path in sorted(root.rglob("*.md")):
        kind = "page" if any(d in path.parents for d in page_dirs) else "article"
        src = read_source(path, root, kind, problems)
        if src:
            check_metadata(src, settings, vocabulary, problems)
            src.markdown_config = settings.get("MARKDOWN", {}).get("extension_configs", {})
            sources.append(src)
    by_slug: dict[str, list[Source]] = {}
    for src in sources:
        by_slug.setdefault(src.slug, []).append(src)
    for same in (group for group in by_slug.values() if len(group) > 1):
        for src in same:
            others = ", ".join(o.rel for o in same if o is not src)
            problems.append(Problem(src.rel, src.meta.get("slug", (1, ""))[0], f"slug '{src.slug}' is also used by {others}; rename one file or set 'Slug:'"))
    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    site_urls = {f"/{s.slug}/" for s in sources} | {"/", "/themas/", "/tags/", "/auteurs/", "/archief/", "/zoeken/", "/tips/"}
    site_urls |= {f"/thema/{slugify(t['name'], regex_subs=subs)}/" for t in settings.get("THEMES", [])}
    site_urls |= {f"/tag/{slugify(t, regex_subs=subs)}/" for t in vocabulary}
    by_path = {s.path.resolve(): s for s in sources}
    for src in sources:
        check_body(src, root, by_path, site_urls, problems)
        line, image = src.meta.get("image", (0, ""))
        if image and not resolve(image, src, root).exists():
            problems.append(Problem(src.rel, line, f"Image '{image}' does not exist in content/"))
    return sorted(set(problems))
