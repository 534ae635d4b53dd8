"""Send benchmark for ``bench/run.py``: one real ``newsletter.py send`` to a local aiosmtpd.

The send runs as its own process, exactly as the coach runs it (settings, subscriber scan, send
log with an fsync per message, lock, sent marker), so its peak RSS is the send's alone. The
server runs in this process on another core and only counts messages. ``per_second`` is the
wall time of the whole command, start-up included; ``server_per_second`` is first to last message.

Run alone: ``.venv/bin/python bench/send_bench.py 10000``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
DATE = dt.date(2026, 11, 25)


class _Counter:
    def __init__(self):
        self.count = 0
        self.first = self.last = 0.0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        now = time.perf_counter()
        with self.lock:
            self.count += 1
            self.first = self.first or now
            self.last = now
        return "250 OK"


class _FreePortController(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def _issue(root: Path) -> None:
    from coachsite.newsletter.issue import build_issue
    from coachsite.newsletter.select import Post
    from coachsite.site import load_settings

    from coachsite.dates import AMSTERDAM

    settings = load_settings(ROOT / "pelicanconf.py")
    shutil.copytree(ROOT / "newsletters" / "templates", root / "templates")
    posts = [
        Post(
            slug=f"tip-{i}",
            title=f"Eén tip voor je team, deel {i}",
            url=f"https://www.klantgerichtwerkt.nl/tip-{i}/",
            date=dt.datetime(2026, 11, 20 - i, 9, tzinfo=AMSTERDAM),
            summary="Wat je morgen al kunt doen om klanten beter te helpen, met ideeën uit de praktijk. " * 2,
            tags=("nieuwsbrief",),
            image_url=f"https://www.klantgerichtwerkt.nl/images/email/tip-{i}.png",
            image_alt="Een illustratie",
        )
        for i in range(5)
    ]
    build_issue(DATE, settings, root, root / "templates", posts=posts)


# Runs the send command and writes its own peak RSS (VmHWM, in KiB) to a file. Not ru_maxrss from
# wait4: Linux carries the high-water mark of the memory a child was forked from across exec, so it
# reported the benchmark process itself (93-102 MB after the 10,000-article search runs; 48 MB alone).
_MEASURED = """
import re, runpy, sys
peak_file, script = sys.argv[1], sys.argv[2]
sys.argv = sys.argv[2:]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    status = open("/proc/self/status").read()
    open(peak_file, "w").write(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
"""


def measure_send(subscribers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="send-bench-") as tmp:
        work = Path(tmp)
        root = work / "newsletters"
        _issue(root)
        csv = work / "abonnees.csv"
        with open(csv, "w", encoding="utf-8") as fh:
            fh.write("email,name,status,subscribed_at\n")
            for i in range(subscribers):
                fh.write(f"lezer{i}@example.nl,Lezer {i},actief,2026-01-01\n")
        handler = _Counter()
        controller = _FreePortController(handler, hostname="127.0.0.1", port=0)
        controller.start()
        try:
            env = {
                **os.environ,
                "NEWSLETTER_SMTP_HOST": "127.0.0.1",
                "NEWSLETTER_SMTP_PORT": str(controller.port),
                "NEWSLETTER_SMTP_SECURITY": "none",
                "NEWSLETTER_SMTP_USER": "",
                "NEWSLETTER_UNSUBSCRIBE_SECRET": "bench-secret-0123456789abcdef",
            }
            peak_file = work / "peak.txt"
            command = [sys.executable, "-c", _MEASURED, str(peak_file), str(ROOT / "scripts" / "newsletter.py"), "--root", str(root),
                       "send", "--date", DATE.isoformat(), "--subscribers", str(csv)]
            start = time.perf_counter()
            proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if proc.returncode != 0 or handler.count != subscribers:
                raise RuntimeError(f"send failed ({proc.returncode}, {handler.count}/{subscribers}): {proc.stderr.read()[-2000:]!r}")
            proc.stderr.close()
            peak_kib = int(peak_file.read_text())
        finally:
            controller.stop()
        size = (root / DATE.isoformat() / "email.html").stat().st_size
    spread = handler.last - handler.first
    return {
        "subscribers": subscribers,
        "seconds": elapsed,
        "per_second": subscribers / elapsed,
        "server_per_second": (subscribers - 1) / spread if spread > 0 else float("nan"),
        "peak_mb": peak_kib / 1024,
        "send_cpu_seconds": usage.ru_utime + usage.ru_stime,
        "html_bytes": size,
    }


if __name__ == "__main__":
    result = measure_send(int(sys.argv[1]) if len(sys.argv) > 1 else 10000)
    print(
        f"{result['subscribers']} subscribers in {result['seconds']:.1f} s: {result['per_second']:.0f} msg/s overall, "
        f"{result['server_per_second']:.0f} msg/s first to last message, peak RSS {result['peak_mb']:.1f} MB, "
        f"email.html {result['html_bytes'] / 1024:.1f} KB, send process CPU {result['send_cpu_seconds']:.1f} s"
    )
