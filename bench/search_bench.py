"""Search figures in real headless Chromium: index size, bytes for the first query, query latency.

The site is served from a local threaded HTTP server. Latency is measured in the page with
``performance.now()`` around a real form submission until the results are on screen, so it
includes our typo correction, the fallback searches and rendering, not just Pagefind.
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


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _wait_for(driver, query: str, timeout: float = 30) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: d.execute_script("return document.body.dataset.searchDone") == query
    )


def measure_search(site: Path, queries: list[str] = QUERIES) -> dict:
    """Index size, first-query bytes (raw and gzip) and latency percentiles over ``queries``."""
    from coachsite.browser import chromium

    index_bytes = folder_bytes(site / "pagefind") + folder_bytes(site / "zoeken" / "woorden")
    with serve(site) as url, chromium(width=1024, height=900) as driver:
        driver.get(f"{url}/zoeken/?q={quote(queries[0])}")
        _wait_for(driver, queries[0])
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => [e.name, e.transferSize || e.encodedBodySize])"
        )
        search_files = [
            (name, size) for name, size in fetched
            if "/pagefind/" in name or "/zoeken/woorden/" in name or name.endswith("/search.js")
        ]
        raw = sum(size for _, size in search_files)
        gz = 0
        for name, _ in search_files:
            path = site / urlsplit(name).path.lstrip("/")
            if path.is_file():
                gz += len(gzip.compress(path.read_bytes(), 6))
        durations = []
        for query in queries:
            elapsed = driver.execute_async_script(
                """const [query, done] = arguments;
                   const input = document.getElementById('zoekveld');
                   const start = performance.now();
                   const observer = new MutationObserver(() => {
                     if (document.body.dataset.searchDone === query) {
                       observer.disconnect();
                       requestAnimationFrame(() => done(performance.now() - start));
                     }
                   });
                   observer.observe(document.body, {attributes: true});
                   input.value = query;
                   document.getElementById('zoekformulier').requestSubmit();""",
                query,
            )
            durations.append(elapsed)
    durations.sort()
    p95 = durations[max(0, round(0.95 * len(durations)) - 1)]
    return {
        "index_bytes": index_bytes,
        "first_query_raw_bytes": raw,
        "first_query_gzip_bytes": gz,
        "first_query_files": len(search_files),
        "latency_median_ms": statistics.median(durations),
        "latency_p95_ms": p95,
        "queries": len(durations),
    }
