"""The query table (``tests/data/search_queries.tsv``): readers' queries with the post they expect.

A header row ``class, query, expected``, then per row: the class (concept, question, typo,
compound, short, offtopic), the query, and the expected slug or ``-`` for a query that must find
nothing. The browser test and ``make bench`` both run every
row through the real search page and count top-1 and top-3 hits per class, with this one runner.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

TABLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "search_queries.tsv"
CLASSES = ("concept", "question", "typo", "compound", "short", "offtopic")


@dataclass(frozen=True)
class Row:
    kind: str
    query: str
    slug: str | None  # None: must find nothing


def load_table(path: Path = TABLE) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for fields in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not fields or not fields[0].strip() or fields[0].startswith("#") or fields[0] == "class":
                continue  # blank, comment or the header row
            kind, query, slug = (f.strip() for f in fields[:3])
            rows.append(Row(kind, query, None if slug == "-" else slug.strip("/")))
    return rows


def search_page(driver, site_url: str, query: str, timeout: float = 20) -> list[str]:
    """The result addresses the real page shows for ``query``, in order."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{site_url}/zoeken/?q={quote(query)}")
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.body.dataset.searchDone !== undefined"))
    return driver.execute_script("return [...document.querySelectorAll('#zoekresultaten h2 a')].map(a => a.getAttribute('href'))")


def evaluate(driver, site_url: str, rows: list[Row]) -> tuple[dict[str, dict[str, int]], list[str]]:
    """Per class: rows, top-1 and top-3 hits (an off-topic row hits when nothing is found); misses."""
    figures: dict[str, dict[str, int]] = {}
    misses = []
    for row in rows:
        found = search_page(driver, site_url, row.query)
        hit1 = hit3 = not found if row.slug is None else None
        if row.slug is not None:
            slugs = [href.strip("/").split("/")[-1] for href in found]
            hit1, hit3 = slugs[:1] == [row.slug], row.slug in slugs[:3]
        counts = figures.setdefault(row.kind, {"rows": 0, "top1": 0, "top3": 0})
        counts["rows"] += 1
        counts["top1"] += hit1
        counts["top3"] += hit3
        if not hit3:
            misses.append(f"{row.kind}: {row.query!r} expected {row.slug or 'nothing'}, got {found[:3]}")
    return figures, misses
