"""Start a new post from a correctly formed draft, so the coach never starts from a blank file."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

from pelican.utils import slugify

TEMPLATE = """\
Title: {title}
Date: {date} 09:00
Category: {category}
Tags: {tags}
Authors: {author}
Summary: Schrijf hier in één of twee zinnen waar dit artikel over gaat.
Status: draft

Schets hier een herkenbare situatie: wat loopt er mis, en bij wie?

## 1. Eerste tip

Leg de tip uit en geef een voorbeeld uit de praktijk.

## 2. Tweede tip

Leg de tip uit en geef een voorbeeld uit de praktijk.

## 3. Derde tip

Leg de tip uit en geef een voorbeeld uit de praktijk.

Sluit af met een persoonlijke noot en een uitnodiging om [contact]({{filename}}/pages/contact.md) op te nemen.
"""


class NewPostError(Exception):
    pass


def new_post(content: Path, settings: dict, title: str, category: str, date: dt.date, author: str | None = None) -> Path:
    """Write ``content/<theme>/<slug>.md`` as a draft; refuse to overwrite anything."""
    title = " ".join(title.split())
    if not title:
        raise NewPostError("TITLE is empty: make post TITLE=\"Mijn nieuwe tip\" CATEGORY=\"Klantbeleving\"")
    themes = {t["name"].lower(): t["name"] for t in settings["THEMES"]}
    if category.strip().lower() not in themes:
        close = difflib.get_close_matches(category.lower(), list(themes), n=1)
        hint = f" Did you mean '{themes[close[0]]}'?" if close else ""
        raise NewPostError(f"CATEGORY '{category}' is not a theme; choose one of: {', '.join(themes.values())}.{hint}")
    category = themes[category.strip().lower()]
    subs = settings.get("SLUG_REGEX_SUBSTITUTIONS", [])
    folder = Path(content) / slugify(category, regex_subs=subs)
    path = folder / f"{slugify(title, regex_subs=subs)}.md"
    if path.exists():
        raise NewPostError(f"{path} already exists; choose another title or edit that file")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(
        TEMPLATE.format(
            title=title, date=date.isoformat(), category=category, tags="", author=author or settings["AUTHOR"]
        ),
        encoding="utf-8",
    )
    return path
