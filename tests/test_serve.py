"""``make serve`` as the coach uses it: a real server process on a free port, a real browser.

A failed build replaces the page in the browser with a Dutch error page (file:line and message)
that the next good build replaces again; a missing page is the site's own 404 page; a busy port
is one Dutch line with the fix.
"""

from __future__ import annotations

import os
import socket
import subprocess
import urllib.error
import urllib.request

import pytest
from serve_helpers import CONNECTED, POST, SERVE, WAIT, Server


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
