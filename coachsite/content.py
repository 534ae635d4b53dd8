"""Read the articles exactly as Pelican does (its readers, its settings, our plugins), without writing.

The newsletter and the tests select from "what the site would publish"; going through Pelican's
own ArticlesGenerator keeps one source of truth for metadata, drafts and future dates.
"""

from __future__ import annotations

from pelican import Pelican
from pelican.generators import ArticlesGenerator


def resolve_image(value: str | None) -> str | None:
    """``Image:`` metadata -> a path inside content/ and the site: ``{static}/images/x.svg`` -> ``images/x.svg``."""
    if not value:
        return None
    for prefix in ("{static}", "{filename}", "{attach}"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value.lstrip("/")


def read_articles(settings: dict) -> ArticlesGenerator:
    """Run Pelican's article generator (readers + plugins) and return it, nothing written."""
    settings = {**settings, "SITE_BUILD": False}  # plugins skip work only a site build needs
    Pelican(settings)  # registers the plugins' signal handlers
    context = settings.copy()
    context.update(generated_content={}, static_links=set(), static_content={}, localsiteurl=settings["SITEURL"])
    generator = ArticlesGenerator(
        context=context,
        settings=settings,
        path=settings["PATH"],
        theme=settings["THEME"],
        output_path=settings["OUTPUT_PATH"],
    )
    generator.generate_context()
    return generator


def published_articles(settings: dict) -> list:
    """Published articles, newest first (drafts, hidden and future-dated posts excluded)."""
    return sorted(read_articles(settings).articles, key=lambda a: a.date, reverse=True)
