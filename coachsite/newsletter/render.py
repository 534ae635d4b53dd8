"""Turn a selection into the email: Jinja2 -> MJML -> HTML (mjml-python), plus a plain-text part.

Templates live in ``newsletters/templates/`` so the coach's designer can change them without
touching code. Personal parts are left as placeholders that ``send`` fills per subscriber:
``%%GREETING%%`` ("Beste Anna," / "Hallo,") and ``%%UNSUBSCRIBE_URL%%``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from mjml import mjml2html

from coachsite.dates import AMSTERDAM, nl_date

from .select import Selection

GMAIL_CLIP_BYTES = 102 * 1024
GREETING = "%%GREETING%%"
UNSUBSCRIBE_URL = "%%UNSUBSCRIBE_URL%%"
MONTHS_NL = "januari februari maart april mei juni juli augustus september oktober november december".split()


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
    month = MONTHS_NL[selection.issue_date.month - 1]
    return f"Tips van {month}: {selection.posts[0].title}"


def default_preheader(selection: Selection, limit: int = 110) -> str:
    text = selection.posts[0].summary
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def clean_header_text(value: str, field: str) -> str:
    """Subjects end up in a mail header: refuse line breaks rather than let them inject headers."""
    if "\r" in value or "\n" in value:
        raise RenderError(f"{field} contains a line break; write it on one line")
    return value.strip()


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
    mjml_source = env.get_template("email.mjml.j2").render(context)
    html = mjml2html(mjml_source, fonts={}, disable_comments=True)
    size = len(html.encode("utf-8"))
    if size > GMAIL_CLIP_BYTES:
        raise RenderError(
            f"email.html is {size // 1024} KB; Gmail clips messages above 102 KB. Use fewer posts or a shorter intro."
        )
    text = env.get_template("email.txt.j2").render(context)
    return {
        "issue.json": json.dumps(issue, ensure_ascii=False, indent=2) + "\n",
        "email.mjml": mjml_source,
        "email.html": html,
        "email.txt": text,
    }
