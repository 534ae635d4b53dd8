"""Start a new post from a correctly formed draft, so the coach never starts from a blank file.

The example texts of the draft are defined once here: ``coachsite.checks`` refuses a post that
goes live while it still contains any of them.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from pelican.utils import slugify

from coachsite.i18n import _

PLACEHOLDER_SUMMARY = "Schrijf hier in één of twee zinnen waar dit artikel over gaat."
PLACEHOLDER_INTRO = "Schets hier een herkenbare situatie: wat loopt er mis, en bij wie?"
PLACEHOLDER_TIPS = ("## 1. Kop van je eerste tip", "## 2. Kop van je tweede tip", "## 3. Kop van je derde tip")
PLACEHOLDER_TIP_TEXT = "Leg de tip uit en geef een voorbeeld uit de praktijk."
PLACEHOLDER_CLOSING = (
    "Sluit af met een persoonlijke noot en een uitnodiging om [contact]({filename}/pages/contact.md) op te nemen."
)
PLACEHOLDER_LINES = (PLACEHOLDER_INTRO, *PLACEHOLDER_TIPS, PLACEHOLDER_TIP_TEXT, PLACEHOLDER_CLOSING)


def draft_text(title: str, date: dt.date, category: str, author: str) -> str:
    """The new file: metadata, then the example texts the coach replaces."""
    meta = [
        f"Title: {title}",
        f"Date: {date.isoformat()} 09:00",
        f"Category: {category}",
        "Tags: ",
        f"Authors: {author}",
        f"Summary: {PLACEHOLDER_SUMMARY}",
        "Status: draft",
    ]
    body = [PLACEHOLDER_INTRO]
    for heading in PLACEHOLDER_TIPS:
        body += [heading, PLACEHOLDER_TIP_TEXT]
    body.append(PLACEHOLDER_CLOSING)
    return "\n".join(meta) + "\n\n" + "\n\n".join(body) + "\n"


class NewPostError(Exception):
    pass


def new_post(content: Path, settings: dict, title: str, category: str, date: dt.date, author: str | None = None) -> Path:
    """Write ``content/<theme>/<slug>.md`` as a draft; refuse to overwrite anything."""
    title = " ".join(title.split())
    if not title:
        raise NewPostError(_("TITLE is empty: make post TITLE=\"Mijn nieuwe tip\" CATEGORY=\"Klantbeleving\""))
    themes = {t["name"].lower(): t["name"] for t in settings["THEMES"]}
    if category.strip().lower() not in themes:
        close = difflib.get_close_matches(category.lower(), list(themes), n=1)
        hint = _(" Did you mean '{theme}'?").format(theme=themes[close[0]]) if close else ""
        raise NewPostError(
            _("CATEGORY '{category}' is not a theme; choose one of: {themes}.{hint}").format(
                category=category, themes=", ".join(themes.values()), hint=hint
            )
        )
    category = themes[category.strip().lower()]
    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    folder = Path(content) / slugify(category, regex_subs=subs)
    slug = slugify(title, regex_subs=subs)
    if not slug:
        raise NewPostError(_("TITLE '{title}' gives no web address; use letters or digits in it").format(title=title))
    path = folder / f"{slug}.md"
    if path.exists():
        raise NewPostError(_("{path} already exists; choose another title or edit that file").format(path=path))
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(draft_text(title, date, category, author or settings["AUTHOR"]), encoding="utf-8")
    return path
