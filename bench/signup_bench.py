"""Sign-up benchmark for ``bench/run.py``: one real service process, sustained sign-ups.

The service runs as ``make listserver`` runs it (uvicorn, one process, outbox worker thread) on a
fresh database. ``CLIENTS`` threads in this process each keep one HTTP connection and post
sign-ups with unique addresses back to back for ``seconds``: sign-ups per second is what the
service sustained, latency is per request as the client saw it (p50/p99), an error is any reply
but 303. Run twice: with aiosmtpd receiving the confirmation emails, and with no SMTP server at
all (sign-ups must still be accepted); in the second run the server is then started and the time
until the outbox has drained is measured. The client shares the CPU with the service, so the
figures are a lower bound. The per-client rate limit is off here (one client address).

Run alone: ``.venv/bin/python bench/signup_bench.py --seconds 30``.
"""

from __future__ import annotations

import http.client
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import click
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from subscription_helpers import ServiceProcess, free_port  # noqa: E402

CLIENTS = 4


class _Count:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _client(url_port: int, prefix: str, stop_at: float, latencies: list[float], errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=10)
    i = 0
    while time.perf_counter() < stop_at:
        body = urlencode({"email": f"{prefix}-{i}@example.nl", "name": "Lezer"})
        start = time.perf_counter()
        try:
            conn.request("POST", "/aanmelden", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            if response.status != 303:
                errors.append(str(response.status))
        except (OSError, http.client.HTTPException) as error:
            errors.append(type(error).__name__)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=10)
        latencies.append(time.perf_counter() - start)
        i += 1
    conn.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc): less noisy than wall time on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _burst(service: ServiceProcess, seconds: float, clients: int, label: str) -> dict:
    cpu_before = _cpu_seconds(service.proc.pid)
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds
    threads = [
        threading.Thread(target=_client, args=(service.port, f"{label}{n}", stop_at, latencies, errors))
        for n in range(clients)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    cpu = _cpu_seconds(service.proc.pid) - cpu_before
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0  # noqa: E731
    return {
        "signups": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else 0.0,
        "p99_ms": pick(0.99),
        "errors": len(errors),
        "cpu_ms": cpu * 1000 / max(len(latencies), 1),
    }


def _pending(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL").fetchone()[0]


def measure_signup(seconds: float = 30, clients: int = CLIENTS) -> dict:
    with tempfile.TemporaryDirectory(prefix="signup-bench-") as tmp:
        counter = _Count()
        smtp = Controller(counter, hostname="127.0.0.1", port=free_port())
        smtp.start()
        try:
            with ServiceProcess(Path(tmp) / "up.sqlite3", smtp.port) as service:
                up = _burst(service, seconds, clients, "up")
        finally:
            smtp.stop()
        port = free_port()
        with ServiceProcess(Path(tmp) / "down.sqlite3", port) as service:
            down = _burst(service, seconds, clients, "down")
            waiting = _pending(service.db)
            late = _Count()
            back = Controller(late, hostname="127.0.0.1", port=port)
            back.start()
            start = time.perf_counter()
            try:
                while _pending(service.db) and time.perf_counter() - start < 600:
                    time.sleep(0.2)
                down["drain_seconds"] = time.perf_counter() - start
                down["queued"] = waiting
                down["delivered"] = late.count
                down["left"] = _pending(service.db)
            finally:
                back.stop()
    return {"up": up, "down": down, "seconds": seconds, "clients": clients}


def rows(result: dict) -> list[tuple[str, str, str, str]]:
    """Rows for bench/RESULTS.md: (figure, measured, ratio, goal)."""
    up, down, s = result["up"], result["down"], result["seconds"]
    return [
        (f"Sign-ups sustained, one service process, {s:.0f} s, {result['clients']} clients", f"{up['per_second']:.0f}/s ({up['errors']} errors)", f"{up['per_second'] / 500:.2f}× of goal", "≥ 500/s, 0 errors"),
        ("Service CPU per sign-up (incl. its confirmation email)", f"{up['cpu_ms']:.2f} ms", "", ""),
        ("Sign-up latency p50 / p99", f"{up['p50_ms']:.1f} / {up['p99_ms']:.1f} ms", f"{up['p99_ms'] / 50:.2f}× of goal", "p99 ≤ 50 ms"),
        (f"Sign-ups with SMTP down, {s:.0f} s", f"{down['per_second']:.0f}/s ({down['errors']} errors), p99 {down['p99_ms']:.1f} ms", f"{down['per_second'] / 500:.2f}× of goal", "≥ 500/s, 0 errors"),
        ("Outbox drain after SMTP is back", f"{down['queued']} emails in {down['drain_seconds']:.1f} s ({down['left']} left)", "", "all delivered"),
    ]


@click.command()
@click.option("--seconds", type=float, default=30, show_default=True, help="Duration of each sustained run.")
@click.option("--clients", type=int, default=CLIENTS, show_default=True, help="Concurrent client connections.")
def main(seconds: float, clients: int) -> None:
    """Measure sustained sign-ups per second with SMTP up and with SMTP down."""
    for row in rows(measure_signup(seconds, clients)):
        click.echo(" | ".join(row))


if __name__ == "__main__":
    main()
