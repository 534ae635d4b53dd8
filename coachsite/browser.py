"""Headless Debian Chromium through chromedriver, for browser tests and newsletter previews, and
a local static server (``serve_folder``) for the pages it opens.

Flags: no sandbox (CI runs as root), no background networking (the machine has no internet and
Chromium would otherwise try to reach Google at every start), a throw-away profile.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import tempfile
import threading


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
        try:
            driver.set_window_size(width, height)
            yield driver
        finally:
            driver.quit()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without a log line per request (keeps test and bench output readable)."""

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve_folder(folder, handler=QuietHandler):
    """``folder`` on http://127.0.0.1:<free port>, in a thread, as a browser would see a static site."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
