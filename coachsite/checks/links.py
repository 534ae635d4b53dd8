"""Checks of a post's text: links, anchors, images and raw HTML.

The README promises that HTML and scripts in a post are refused, so every raw HTML tag outside
code is an error, with a sharper message for the ones that run code or send readers elsewhere
(``<script>``, ``javascript:``, ``<meta http-equiv=refresh>``, ``<form>``). Links to the site's
own address (``https://www.klantgerichtwerkt.nl/slug/#anchor``) are checked like ``/slug/#anchor``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from coachsite.i18n import _

from . import HTML_RE, Problem, Source, suggestion

LINK_RE = re.compile(r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
REF_DEF_RE = re.compile(r"^[ ]{0,3}\[[^\]]+\]:\s*<?(?P<target>[^\s>]+)>?")
DANGEROUS_HTML = re.compile(
    r"<\s*(script|iframe|frame|object|embed|style|form|input|button|meta|link|base|svg|math)\b"
    r"|\son[a-z]+\s*=|(?:javascript|vbscript|data)\s*:",
    re.I,
)
ALLOWED_SCHEMES = re.compile(r"^(https?:|mailto:|tel:)", re.I)
SCHEME_RE = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)
CODE_SPAN_RE = re.compile(r"(`+).+?\1")
FENCE_RE = re.compile(r"^\s{0,3}(```|~~~)")
LINK_PREFIXES = ("{filename}", "{static}", "{attach}")


def resolve(target: str, src: Source, root: Path) -> Path:
    for prefix in LINK_PREFIXES:
        if target.startswith(prefix):
            target = target[len(prefix) :]
    return (root / target.lstrip("/")) if target.startswith("/") else (src.path.parent / target)


def own_site_path(target: str, settings: dict) -> str | None:
    """``/path/#anchor`` for an absolute link to the site's own domain, else None."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https"):
        return None
    hosts = {urlsplit(settings.get(key) or "").netloc.lower() for key in ("SITEURL", "PUBLIC_SITEURL")} - {""}
    host = parts.netloc.lower()
    if host not in hosts and host.removeprefix("www.") not in {h.removeprefix("www.") for h in hosts}:
        return None
    return (parts.path or "/") + (f"#{parts.fragment}" if parts.fragment else "")


def html_problem(line: str) -> str | None:
    """The message for raw HTML on this line (code spans removed), or None."""
    if "<" not in line:  # the common case, and every pattern below needs a tag
        return None
    dangerous = DANGEROUS_HTML.search(line)
    if dangerous and (HTML_RE.search(line) or dangerous[0].startswith("<")):
        if re.match(r"<\s*meta\b", dangerous[0], re.I):
            return _("'<meta' is not allowed in a post: it could send readers to another page (no scripts or embedded HTML)")
        if re.match(r"<\s*form\b", dangerous[0], re.I):
            return _("'<form' is not allowed in a post: forms belong in the theme (no scripts or embedded HTML)")
        return _("'{html}' is not allowed in a post (no scripts or embedded HTML)").format(html=dangerous[0].strip())
    tag = HTML_RE.search(line)
    if tag and not re.match(r"<\s*(https?|mailto|ftp)s?:", tag[0], re.I) and "@" not in tag[0].split()[0]:
        return _("HTML ('{html}') is not allowed in a post; write Markdown instead, like **bold** or [text](address)").format(html=tag[0])
    return None


def check_link(src: Source, target: str, is_image: bool, root: Path, settings: dict, by_path: dict, by_url: dict, site_urls: set[str],
               exists=os.path.exists) -> str | None:
    """What is wrong with one link target, or None. ``by_path``, ``by_url``, ``site_urls`` and
    ``exists`` are all it learns about other files (``checks.every_file`` records their answers)."""
    written = target
    own = own_site_path(target, settings)
    if own is not None:
        target = own
    elif SCHEME_RE.match(target) and not ALLOWED_SCHEMES.match(target):
        shown = target.split(":", 1)[0] + ":…"
        return _("link to '{target}': only web addresses (https://…), mailto: and tel: links are allowed in a post").format(target=shown)
    elif ALLOWED_SCHEMES.match(target):
        return None
    path_part, _sep, anchor = target.partition("#")
    if not path_part:
        if anchor and anchor not in src.anchors:
            return _("link to '#{anchor}': no heading with that anchor in this post{hint}").format(anchor=anchor, hint=suggestion(anchor, src.anchors))
        return None
    if path_part.startswith(LINK_PREFIXES) or is_image or not path_part.startswith("/"):
        file = resolve(path_part, src, root).resolve()
        if not exists(file):
            return _("link to '{target}': no such file in content/").format(target=path_part)
        linked = by_path.get(file)
    else:
        url = path_part.rstrip("/") + "/"
        if url not in site_urls and not exists(root / path_part.lstrip("/")):
            return _("link to '{target}': no page on the site has that address").format(target=written.partition("#")[0])
        linked = by_url.get(url)
    if anchor and linked is not None and anchor not in linked.anchors:
        return _("link to '{target}': that post has no heading with anchor '#{anchor}'{hint}").format(target=written, anchor=anchor, hint=suggestion(anchor, linked.anchors))
    return None


def check_body(src: Source, root: Path, settings: dict, by_path: dict, by_url: dict, site_urls: set[str], problems: list[Problem],
               exists=os.path.exists) -> None:
    in_fence = False
    for number, line in enumerate(src.lines[src.body_start :], start=src.body_start + 1):
        if FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        text = CODE_SPAN_RE.sub("", line) if "`" in line else line
        message = html_problem(text)
        if message:
            src.add(problems, number, message)
        if "]" not in text:
            continue
        targets = [(m["target"], bool(m["image"]), m["text"]) for m in LINK_RE.finditer(text)]
        ref = REF_DEF_RE.match(text)
        if ref:
            targets.append((ref["target"], False, "-"))
        for target, is_image, label in targets:
            if is_image and not label.strip():
                src.add(problems, number, _("image '{target}' has no alt text: write it between the brackets, ![like this]({target})").format(target=target))
            message = check_link(src, target, is_image, root, settings, by_path, by_url, site_urls, exists)
            if message:
                src.add(problems, number, message)
    line, image = src.meta.get("image", (0, ""))
    if image and not exists(resolve(image, src, root)):
        src.add(problems, line, _("Image '{image}' does not exist in content/").format(image=image))
