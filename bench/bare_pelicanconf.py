"""Baseline for the benchmark: bare Pelican, its default theme, no plugins, the same articles."""

PATH = "content"
TIMEZONE = "Europe/Amsterdam"
DEFAULT_LANG = "nl"
PLUGINS = []
ARTICLE_EXCLUDES = ["pages", "images", "extra"]
PAGE_PATHS = []
STATIC_PATHS = ["images"]
SLUGIFY_SOURCE = "basename"
DELETE_OUTPUT_DIRECTORY = True
