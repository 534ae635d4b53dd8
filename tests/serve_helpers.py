"""``scripts/serve.py`` as a real process on a free port, for the ``make serve`` tests."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVE = [sys.executable, str(ROOT / "scripts" / "serve.py")]
POST = Path("klantbeleving/elk-contactmoment-telt.md")
WAIT = 60  # seconds: a generous bound for a slow machine, never a timing assertion
# livereload.js has done its handshake: the server will tell this page to reload.
CONNECTED = "return !!(window.LiveReload && window.LiveReload.connector.protocol >= 7)"


class Server:
    """``scripts/serve.py`` in its own process; its output lines arrive in a queue."""

    def __init__(self, tmp: Path):
        self.config = ROOT / "pelicanconf.py"
        self.content = tmp / "content"
        shutil.copytree(ROOT / "content", self.content)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("COACHSITE_LANG", None)
        self.process = subprocess.Popen(
            SERVE + ["--port", "0", "--content", str(self.content), "--output", str(tmp / "output")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.output = tmp / "output"
        self.port = self.wait_for("Site: http://localhost:").split("localhost:")[1].split("/")[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.wait_for("Gebouwd in")

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, text: str) -> str:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=WAIT)
            except queue.Empty:
                pytest.fail(f"no line with {text!r} from make serve; got: {seen}")
            if line is None:
                pytest.fail(f"make serve stopped before printing {text!r}; got: {seen}")
            seen.append(line)
            if text in line:
                return line

    def after_change(self) -> str:
        """The first line about a change (the saved page shown, a build, or its error), then
        waits for the full build; returns the first line."""
        while True:
            first = self.wait_for("")
            if first.startswith(("Getoond in", "Gebouwd in", "Bouwen mislukt")):
                break
        if not first.startswith("Bouwen mislukt"):
            self.wait_for("Zoekindex bijgewerkt")
        return first

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=WAIT)
