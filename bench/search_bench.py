"""Search figures in real headless Chromium: index size, bytes for the first query, query latency.

The site is served from a local threaded HTTP server. Latency is measured in the page with
``performance.now()`` from a real form submission until the first results are on screen (and,
reported beside it, until all ten are), so it includes fetching, typo correction, ranking and
rendering.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import statistics
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

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


@contextlib.contextmanager
def serve(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Recording, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(q * len(ordered)) - 1)]


def _wait_for(driver, query: str, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body.dataset.searchDone") == query
    )


def measure_search(site: Path, queries: list[str] = QUERIES) -> dict:
    """Index size, first-query bytes (raw and gzip) and latency percentiles over ``queries``."""
    from coachsite.browser import chromium

    index_bytes = folder_bytes(site / "zoeken" / "index") + folder_bytes(site / "zoeken" / "woorden")
    with serve(site) as url, chromium(width=1024, height=900) as driver:
        _Recording.served.clear()
        driver.get(f"{url}/zoeken/?q={quote(queries[0])}")
        _wait_for(driver, queries[0])
        search_files = sorted(
            {p for p in _Recording.served if p.startswith(("/zoeken/index/", "/zoeken/woorden/")) or "/js/search" in p}
        )
        files = [site / p.lstrip("/") for p in search_files if (site / p.lstrip("/")).is_file()]
        raw = sum(f.stat().st_size for f in files)
        gz = sum(len(gzip.compress(f.read_bytes(), 6)) for f in files)  # what a gzipping server sends
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
    p95 = percentile(durations, 0.95)
    return {
        "index_bytes": index_bytes,
        "first_query_raw_bytes": raw,
        "first_query_gzip_bytes": gz,
        "first_query_files": len(search_files),
        "latency_median_ms": statistics.median(durations),
        "latency_p95_ms": p95,
        "complete_p95_ms": percentile(complete, 0.95),
        "queries": len(durations),
    }
