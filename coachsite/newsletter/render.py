"""Turn a selection into the email: Jinja2 -> MJML -> HTML (mjml-python), plus a plain-text part.

Templates live in ``newsletters/templates/`` so the coach's designer can change them without
touching code. Personal parts are left as placeholders that ``send`` fills per subscriber:
``%%GREETING%%`` ("Beste Anna," / "Hallo,") and ``%%UNSUBSCRIBE_URL%%``.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound, TemplateSyntaxError, select_autoescape
from mjml import mjml2html

from coachsite.dates import AMSTERDAM, nl_date
from coachsite.i18n import _

from .select import Selection

GMAIL_CLIP_BYTES = 102 * 1024
GREETING = "%%GREETING%%"
UNSUBSCRIBE_URL = "%%UNSUBSCRIBE_URL%%"
MONTHS_NL = "januari februari maart april mei juni juli augustus september oktober november december".split()
# Inboxes show about 60 characters of a subject and 100 of a preheader; far longer is a mistake.
MAX_CHARS = {"subject": 120, "preheader": 150}


class RenderError(Exception):
    pass


def campaign(issue_date: dt.date) -> str:
    return issue_date.strftime("%Y-%m")


def with_utm(url: str, issue_date: dt.date) -> str:
    """Add the newsletter's UTM parameters, keeping any query and fragment the URL has."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("utm_")]
    query += [("utm_source", "nieuwsbrief"), ("utm_medium", "email"), ("utm_campaign", campaign(issue_date))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def default_subject(selection: Selection) -> str:
    """"Tips van november: <first title>"; a dash instead when the title has a colon of its own."""
    month = MONTHS_NL[selection.issue_date.month - 1]
    title = selection.posts[0].title
    return f"Tips van {month} – {title}" if ":" in title else f"Tips van {month}: {title}"


def default_preheader(selection: Selection, limit: int = 110) -> str:
    text = selection.posts[0].summary
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def clean_header_text(value: str, field: str) -> str:
    """Subjects end up in a mail header: refuse line breaks, tabs and other control characters
    (a line break could inject headers, and ``send`` refuses them), and empty or overlong text."""
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        raise RenderError(_("--{field} contains a line break, tab or other control character; write it on one line").format(field=field))
    value = value.strip()
    if not value:
        raise RenderError(_("--{field} is empty").format(field=field))
    if len(value) > MAX_CHARS[field]:
        raise RenderError(
            _("--{field} is {count} characters; keep it under {limit} (inboxes cut it off)").format(field=field, count=len(value), limit=MAX_CHARS[field])
        )
    return value


class _TextFromHtml(HTMLParser):
    """Plain text of rendered Markdown: paragraphs kept, links as "text (address)", lists as "- "."""

    BLOCKS = {"p", "div", "blockquote", "h1", "h2", "h3", "h4", "ul", "ol", "pre"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "a":
            self.links.append(dict(attrs).get("href"))
            self.parts.append("")

    def handle_endtag(self, tag):
        if tag == "a" and self.links:
            href = self.links.pop()
            if href and not href.startswith("#") and href not in self.parts[-1]:
                self.parts.append(f" ({href})")

    def handle_data(self, data):
        if data.strip() or "\n" not in data:  # newlines between block tags are layout, not text
            self.parts.append(data)


def markdown_to_text(source: str) -> str:
    """The intro for the plain-text part: Markdown rendered, then its markup taken away."""
    if not source.strip():
        return ""
    parser = _TextFromHtml()
    parser.feed(markdown.markdown(source, output_format="html"))
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) if not line.startswith("- ") else "- " + " ".join(line[2:].split()) for line in text.split("\n")]
    paragraphs = "\n".join(lines).split("\n\n")
    return "\n\n".join(p.strip("\n") for p in paragraphs if p.strip()).strip()


def issue_data(
    selection: Selection,
    settings: dict,
    intro_markdown: str = "",
    subject: str | None = None,
    preheader: str | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Everything the email and the web copy show, as stored in ``issue.json``."""
    site = settings["PUBLIC_SITEURL"].rstrip("/")
    date = selection.issue_date
    return {
        "date": date.isoformat(),
        "date_nl": nl_date(date),
        "subject": clean_header_text(subject or default_subject(selection), "subject"),
        "preheader": clean_header_text(preheader or default_preheader(selection), "preheader"),
        "campaign": campaign(date),
        "web_url": f"{site}/nieuwsbrief/{date.isoformat()}/",
        "intro_markdown": intro_markdown,
        "intro_html": markdown.markdown(intro_markdown, output_format="html") if intro_markdown.strip() else "",
        "intro_text": markdown_to_text(intro_markdown),
        "posts": [
            {
                "slug": p.slug,
                "title": p.title,
                "url": p.url,
                "date": p.date.isoformat(),
                "date_nl": nl_date(p.date),
                "summary": p.summary,
                "image_url": p.image_url,
                "image_alt": p.image_alt,
            }
            for p in selection.posts
        ],
        "rolled_over": [p.slug for p in selection.rolled_over],
        "built_at": (now or dt.datetime.now(tz=AMSTERDAM)).isoformat(timespec="seconds"),
    }


def environment(templates: Path, issue_date: dt.date) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(enabled_extensions=("mjml.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["utm"] = lambda url: with_utm(url, issue_date)
    return env


def render_template(env: Environment, name: str, context: dict) -> str:
    """Render one template; a designer's mistake becomes one line naming file and line."""
    folder = Path(env.loader.searchpath[0])
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as error:
        raise RenderError(_("template {path} does not exist").format(path=folder / error.name)) from error
    except TemplateSyntaxError as error:
        where = folder / (error.name or name)
        raise RenderError(_("{path}, line {line}: {message}").format(path=where, line=error.lineno, message=error.message)) from error
    except TemplateError as error:
        raise RenderError(_("{path}: {message}").format(path=folder / name, message=error.message or error)) from error


def render_issue(issue: dict, settings: dict, templates: Path) -> dict[str, str]:
    """The issue folder's files: issue.json, email.mjml, email.html, email.txt."""
    env = environment(templates, dt.date.fromisoformat(issue["date"]))
    context = {
        "issue": issue,
        "site_name": settings["SITENAME"],
        "site_url": settings["PUBLIC_SITEURL"].rstrip("/"),
        "signup_page": settings["PUBLIC_SITEURL"].rstrip("/") + "/nieuwsbrief/",
        "greeting": GREETING,
        "unsubscribe_url": UNSUBSCRIBE_URL,
        "sender": settings.get("AUTHOR", ""),
    }
    mjml_source = render_template(env, "email.mjml.j2", context)
    try:
        html = mjml2html(mjml_source, fonts={}, disable_comments=True)
    except Exception as error:  # MRML raises its own error types for invalid MJML
        raise RenderError(_("{path}: the MJML is not valid ({error})").format(path=templates / "email.mjml.j2", error=error)) from error
    size = len(html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        raise RenderError(
            _("email.html is {size} KB; Gmail clips messages above 102 KB. Use fewer posts or a shorter intro.").format(size=size // 1024)
        )
    text = render_template(env, "email.txt.j2", context)
    return {
        "issue.json": json.dumps(issue, ensure_ascii=False, indent=2) + "\n",
        "email.mjml": mjml_source,
        "email.html": html,
        "email.txt": text,
    }
