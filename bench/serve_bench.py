"""Save-to-reload in ``make serve``, measured as the coach sees it: from writing a changed post to
headless Chromium showing the change on the reloaded page.

The server runs as ``scripts/serve.py --port 0`` on a copy of the content (never the coach's own);
each round appends a new sentence to one post and polls the page (every ~10 ms) until it shows it.
"""

from __future__ import annotations

import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAIT = 120


def _lines(process, sink: queue.Queue) -> None:
    for line in process.stdout:
        sink.put(line)
    sink.put(None)


def _wait_for(lines: queue.Queue, text: str) -> str:
    while True:
        line = lines.get(timeout=WAIT)
        if line is None:
            raise RuntimeError(f"make serve stopped before printing {text!r}")
        if text in line:
            return line


def measure_reload(content: Path, output: Path, post: Path, rounds: int = 7) -> dict:
    """Seconds from saving ``post`` to the browser showing the edit: median, min, max."""
    from coachsite.browser import chromium

    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COACHSITE_LANG": "en"}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "serve.py"), "--port", "0", "--content", str(content), "--output", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process, lines), daemon=True).start()
    try:
        port = _wait_for(lines, "Site: http://localhost:").split("localhost:")[1].split("/")[0]
        _wait_for(lines, "Search index up to date")  # the first full build: the worker is ready
        url = f"http://127.0.0.1:{port}/{post.stem}/"
        times, builds = [], []
        with chromium() as driver:
            driver.get(url)
            for round_ in range(rounds):
                _wait_until(driver, "return !!(window.LiveReload && window.LiveReload.connector.protocol >= 7)")
                marker = f"Meting{round_}x{time.time_ns()}"
                with post.open("a", encoding="utf-8") as handle:
                    handle.write(f"\nEen zin voor de meting: {marker}.\n")
                started = time.perf_counter()
                _wait_until(driver, f"return document.body && document.body.innerText.includes({marker!r})")
                times.append(time.perf_counter() - started)
                shown = _wait_for(lines, "the browser reloads")  # "Shown in 0.05 s: …" or "Built in 0.46 s; …"
                builds.append(float(shown.split(" in ", 1)[1].split(" s")[0]))
                _wait_for(lines, "Search index up to date")  # idle again before the next round
    finally:
        process.terminate()
        process.wait(timeout=WAIT)
    return {
        "p50": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "rounds": rounds,
        "build_p50": statistics.median(builds),
    }


def _wait_until(driver, script: str) -> None:
    deadline = time.monotonic() + WAIT
    while not driver.execute_script(script):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the page never satisfied: {script}")
        time.sleep(0.01)  # polling interval of the measurement, not a timing assumption
