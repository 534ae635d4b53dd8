"""``make serve`` as the coach uses it: a real server process on a free port, a real browser.

A failed build replaces the page in the browser with a Dutch error page (file:line and message)
that the next good build replaces again; a missing page is the site's own 404 page; a busy port
is one Dutch line with the fix.
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
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
        self.url = self.wait_for("Site: http://localhost:").split("localhost:")[1].split("/")[0]
        self.url = f"http://127.0.0.1:{self.url}"
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

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=WAIT)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("serve"))
    yield running
    running.stop()


def test_missing_page_is_the_sites_own_404_page(server):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(server.url + "/bestaat-niet/")
    assert error.value.code == 404
    body = error.value.read().decode("utf-8")
    assert "Deze pagina bestaat niet (meer)" in body and '<html lang="nl">' in body
    assert "Not Found" not in body


@pytest.mark.browser
def test_failed_build_shows_in_the_browser_until_the_next_good_build(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    post = server.content / POST
    good = post.read_text(encoding="utf-8")
    browser.get(server.url + "/elk-contactmoment-telt/")
    def heading(driver) -> str:  # in one script: the page may reload between two WebDriver calls
        return driver.execute_script("const h = document.querySelector('h1'); return h ? h.textContent.trim() : ''")

    assert heading(browser).startswith("Elk contactmoment telt")
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(CONNECTED))
    try:
        post.write_text(good.replace("Tags: ", "Tags: bestaatniet, ", 1), encoding="utf-8")
        WebDriverWait(browser, WAIT, poll_frequency=0.05).until(lambda d: heading(d) == "De site kon niet worden gebouwd")
        page = browser.execute_script("return document.querySelector('main').innerText")
        assert "klantbeleving/elk-contactmoment-telt.md:4" in page
        assert "bestaatniet" in page
        assert browser.execute_script("return document.documentElement.lang") == "nl"
        # Every page shows the error while the build is broken, not only the edited one.
        browser.get(server.url + "/")
        assert heading(browser) == "De site kon niet worden gebouwd"
        WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(CONNECTED))
    finally:
        post.write_text(good.replace("Elk contactmoment telt,", "Elk gesprek telt,", 1), encoding="utf-8")
    WebDriverWait(browser, WAIT, poll_frequency=0.05).until(lambda d: heading(d) != "De site kon niet worden gebouwd")
    browser.get(server.url + "/elk-contactmoment-telt/")
    assert heading(browser).startswith("Elk gesprek telt,")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "500" not in e["message"]]
    assert errors == []  # no CSP violation: the error page loads livereload.js from the server


def test_busy_port_is_one_dutch_line_with_the_fix(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        env = {**os.environ}
        env.pop("COACHSITE_LANG", None)
        result = subprocess.run(
            SERVE + ["--port", str(port), "--output", str(tmp_path / "output")],
            capture_output=True,
            text=True,
            timeout=WAIT,
            env=env,
        )
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert f"Poort {port} is al in gebruik" in lines[0]
    assert f"make serve PORT={port + 1}" in lines[0]
    assert "Traceback" not in result.stderr and not (tmp_path / "output").exists()
