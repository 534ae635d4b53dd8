"""Search index step (filled in by the search issue)."""

from pathlib import Path


def build_search_index(site: Path, settings: dict) -> str:
    return "Search index: not built yet."
