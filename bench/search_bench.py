"""Search figures in real headless Chromium: index size, bytes for the first and a typo query,
query latency, and the query table's top-1/top-3 per class.

The site is served from a local threaded HTTP server. Latency is measured in the page with
``performance.now()`` from a real form submission until the first results are on screen (and,
reported beside it, until all ten are), so it includes fetching, typo correction, ranking and
rendering. Bytes are those of a first visit (browser cache cleared): the search scripts and the
index files the query needed, gzipped as a web server would send them.
"""

from __future__ import annotations

import gzip
import http.server
import json
import re
import statistics
from pathlib import Path
from urllib.parse import quote, urlsplit

from coachsite.browser import serve_folder

QUERIES = [
    "thuiswerken", "kantoordag", "klantbudget", "verwachtingen", "klacht", "mandaat", "regels",
    "vertrouwen", "teamgevoel", "bereikbaarheid", "werkdruk", "verloop", "afspraak", "offerte",
    "planning", "overdracht", "eerste lijn", "tweede lijn", "beslisruimte", "persoonlijke aandacht",
    "kantor", "mandat", "verwachtingn", "klantbudjet", "vertrouwn", "op afstand", "empowerment",
    "autonomie", "budget", "klanttevredenheid", "de klant vraagt", "je team bespreekt",
    "medewerker wil niet naar kantoor", "klant boos omdat het later wordt", "monteur", "huurder",
    "receptionist", "schoonmaker", "evaluatiemoment", "eigenaarschap", "goede verhalen",
    "nee als informatie", "vaste dag", "gewone taal", "concreet voorbeeld", "oog voor de mens",
    "toestemming", "probleem", "creeren", "xylofoonorkest",
]
TYPO_QUERY = "klantbudjet"  # one typo: the typo vocabulary is fetched too


class _Recording(http.server.SimpleHTTPRequestHandler):
    """Serves quietly and records every path it served (the bytes of the first query).

    HTTP/1.1 keeps connections open, as every production web server does; the standard library's
    default (HTTP/1.0, a new connection per file) would measure this server, not the search."""

    served: list[str] = []
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # or each small reply waits ~40 ms for a delayed ACK

    def log_message(self, *args):
        pass

    def do_GET(self):
        type(self).served.append(urlsplit(self.path).path)
        super().do_GET()


def serve(folder: Path):
    return serve_folder(folder, _Recording)


def index_folder(site: Path) -> Path:
    """The index folder the search page of this build names (``zoeken/<hash>/``)."""
    html = (site / "zoeken" / "index.html").read_text(encoding="utf-8")
    return site / re.search(r'data-index="[^"]*?/(zoeken/[0-9a-f]+/)"', html)[1]


def index_figures(site: Path) -> dict:
    """Files, bytes and ``du`` of the index, and its files per distinct stem (goal: <= 3)."""
    from coachsite.search_folder import folder_stats

    folder = index_folder(site)
    # Distinct terms: a shard also carries term groups ("#<n>") and copies of grouped terms.
    terms: set[str] = set()
    for path in (folder / "p").glob("*.json"):
        terms.update(name for name in json.loads(path.read_text(encoding="utf-8")) if not name.startswith("#"))
    stems = len(terms)
    stats = folder_stats(folder)
    return {**stats, "stems": stems, "files_per_stem": stats["files"] / max(1, stems)}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)]


def _wait_for(driver, query: str, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body.dataset.searchDone") == query
    )


def cold_query_bytes(driver, url: str, site: Path, query: str) -> tuple[int, int, int]:
    """Raw and gzip bytes and files of the search scripts and index files for ``query`` on a first visit."""
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    _Recording.served.clear()
    driver.get(f"{url}/zoeken/?q={quote(query)}")
    _wait_for(driver, query)
    prefix = "/" + index_folder(site).relative_to(site).as_posix() + "/"
    paths = sorted({p for p in _Recording.served if p.startswith(prefix) or "/js/" in p})
    files = [site / p.lstrip("/") for p in paths if (site / p.lstrip("/")).is_file()]
    raw = sum(f.stat().st_size for f in files)
    gz = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)  # what a gzipping server sends
    return raw, gz, len(files)


def measure_search(site: Path, queries: list[str] = QUERIES) -> dict:
    """Index size, first-query and typo-query bytes (raw and gzip) and latency percentiles."""
    from coachsite.browser import chromium

    index = index_figures(site)
    with serve(site) as url, chromium(width=1024, height=900) as driver:
        typo_raw, typo_gz, _ = cold_query_bytes(driver, url, site, TYPO_QUERY)
        raw, gz, files = cold_query_bytes(driver, url, site, queries[0])
        durations, complete = [], []
        for query in queries:
            elapsed = driver.execute_async_script(
                """const [query, done] = arguments;
                   const input = document.getElementById('zoekveld');
                   const start = performance.now();
                   let first = null;
                   const observer = new MutationObserver(() => {
                     if (first === null && document.body.dataset.firstResults === query) first = performance.now() - start;
                     if (document.body.dataset.searchDone === query) {
                       observer.disconnect();
                       const all = performance.now() - start;
                       requestAnimationFrame(() => done([first === null ? all : first, all]));
                     }
                   });
                   observer.observe(document.body, {attributes: true});
                   input.value = query;
                   document.getElementById('zoekformulier').requestSubmit();""",
                query,
            )
            durations.append(elapsed[0])
            complete.append(elapsed[1])
    return {
        "index_bytes": index["bytes"],
        "index_du_bytes": index["du_bytes"],
        "index_files": index["files"],
        "index_stems": index["stems"],
        "files_per_stem": index["files_per_stem"],
        "first_query_raw_bytes": raw,
        "first_query_gzip_bytes": gz,
        "first_query_files": files,
        "typo_query_raw_bytes": typo_raw,
        "typo_query_gzip_bytes": typo_gz,
        "latency_median_ms": statistics.median(durations),
        "latency_p95_ms": percentile(durations, 0.95),
        "complete_p95_ms": percentile(complete, 0.95),
        "queries": len(durations),
    }


def measure_table(site: Path) -> dict[str, dict[str, int]]:
    """Top-1 and top-3 per class of ``tests/data/search_queries.tsv`` on ``site`` (the project's own)."""
    from coachsite.browser import chromium
    from coachsite.search_table import evaluate, load_table

    with serve(site) as url, chromium(width=1024, height=900) as driver:
        figures, _ = evaluate(driver, url, load_table())
    return figures


def search_rows(s: dict, count: int, label: str = "") -> list[tuple[str, str, str, str]]:
    """The search figures as rows of bench/RESULTS.md: (figure, measured, ratio, goal)."""
    kb = lambda b: f"{b / 1024:.1f} KB"  # noqa: E731
    return [
        (f"Search index{label}, {count} articles: size; du; files per distinct stem",
         f"{kb(s['index_bytes'])}; {kb(s['index_du_bytes'])}; {s['index_files']} files / {s['index_stems']} stems",
         f"{s['files_per_stem']:.2f}× stems", "files ≤ 3× stems"),
        (f"First query bytes{label} (gzip; raw)", f"{kb(s['first_query_gzip_bytes'])}; {kb(s['first_query_raw_bytes'])}", f"{s['first_query_gzip_bytes'] / (60 * 1024):.2f}× of goal", "≤ 60 KB"),
        (f"Typo query bytes{label}, first visit (gzip; raw)", f"{kb(s['typo_query_gzip_bytes'])}; {kb(s['typo_query_raw_bytes'])}", f"{s['typo_query_gzip_bytes'] / (100 * 1024):.2f}× of goal", "≤ 100 KB"),
        (f"Query latency p95{label}, first results on screen, {s['queries']} queries (median)", f"{s['latency_p95_ms']:.1f} ms ({s['latency_median_ms']:.1f} ms)", f"{s['latency_p95_ms'] / 30:.2f}× of goal", "≤ 30 ms"),
        (f"Query latency p95{label}, all 10 results on screen", f"{s['complete_p95_ms']:.1f} ms", "", ""),
    ]


def table_rows(figures: dict[str, dict[str, int]]) -> list[tuple[str, str, str, str]]:
    rows, total, top3 = [], 0, 0
    for kind, f in figures.items():
        goal = "all empty" if kind == "offtopic" else ""
        rows.append((f"Query table, {kind} ({f['rows']} queries): top-1; top-3", f"{f['top1']}; {f['top3']}", f"{f['top3'] / f['rows']:.0%} in top 3", goal))
        total, top3 = total + f["rows"], top3 + f["top3"]
    rows.append((f"Query table, all {total} queries in the top 3", f"{top3}", f"{top3 / max(1, total):.0%}", "≥ 95 %"))
    return rows


if __name__ == "__main__":
    import sys
    import tempfile

    import click

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from generate import generate

    from coachsite.site import build_site

    @click.command()
    @click.option("--n", default=1000, show_default=True, help="Generated articles (0: only the query table).")
    def main(n: int) -> None:
        """Search figures for N generated articles and the query table on the project's own site."""
        root = Path(__file__).resolve().parent.parent
        with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
            rows = []
            build_site(root / "pelicanconf.py", Path(tmp) / "own")
            rows += table_rows(measure_table(Path(tmp) / "own"))
            if n:
                content = generate(Path(tmp) / "content", n)
                build_site(root / "pelicanconf.py", Path(tmp) / "site", PATH=str(content))
                rows += search_rows(measure_search(Path(tmp) / "site"), n)
        for row in rows:
            click.echo(" | ".join(row))

    main()
