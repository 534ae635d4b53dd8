"""Real Chromium submits the site's own sign-up form to the real service, then confirms from the email."""

from __future__ import annotations

import functools
import http.server
import shutil
import sqlite3
import threading

import pytest
from bs4 import BeautifulSoup

from coachsite.site import build_site
from send_helpers import SmtpServer
from subscription_helpers import ROOT, ServiceProcess, confirm_link, free_port, wait_for

pytestmark = pytest.mark.browser


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """aiosmtpd + the service + the site built with NEWSLETTER_SERVICE_URL pointing at that service."""
    port = free_port()
    service_url = f"http://127.0.0.1:{port}"
    site = tmp_path_factory.mktemp("site-met-service")
    patch = pytest.MonkeyPatch()
    patch.setenv("NEWSLETTER_SERVICE_URL", service_url)
    try:
        build_site(ROOT / "pelicanconf.py", site)
    finally:
        patch.undo()
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    with SmtpServer() as smtp, ServiceProcess(tmp_path_factory.mktemp("db") / "abonnees.sqlite3", smtp.port, port=port) as service:
        yield {"site": site, "site_url": f"http://127.0.0.1:{httpd.server_address[1]}", "service": service, "smtp": smtp}
    httpd.shutdown()
    httpd.server_close()


def test_built_form_posts_to_the_service_and_csp_allows_exactly_its_origin(stack):
    soup = BeautifulSoup((stack["site"] / "nieuwsbrief" / "index.html").read_text(encoding="utf-8"), "html.parser")
    form = soup.select_one(".signup form")
    assert form["action"] == stack["service"].url + "/aanmelden"
    assert form.select_one("input[name=website][tabindex='-1']") is not None  # honeypot
    assert form.select_one("input[name=page]")["value"].endswith("/nieuwsbrief/")
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    form_action = next(part.split()[1:] for part in csp.split(";") if part.split()[0] == "form-action")
    assert form_action == ["'self'", stack["service"].url]


def test_reader_signs_up_in_chromium_confirms_from_the_email_and_is_active(stack):
    from coachsite.browser import chromium

    if not shutil.which("chromedriver"):
        pytest.fail("chromedriver missing: `make test` installs Debian's chromium-driver")
    service, smtp = stack["service"], stack["smtp"]
    with chromium(width=375, height=800) as browser:
        browser.get(stack["site_url"] + "/nieuwsbrief/")
        form = browser.find_element("css selector", ".signup form")
        form.find_element("name", "name").send_keys("Femke")
        form.find_element("name", "email").send_keys("femke@example.nl")
        button = form.find_element("css selector", "button[type=submit]")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", button)
        button.click()
        wait_for(lambda: "/controleer-je-mail" in browser.current_url)
        assert browser.find_element("tag name", "h1").text == "Check je mail"
        assert browser.execute_script("return document.styleSheets[0].cssRules.length") > 20  # the site's CSS

        message = wait_for(lambda: smtp.handler.received("femke@example.nl"))[0]
        browser.get(confirm_link(message))
        with sqlite3.connect(service.db) as conn:
            row = conn.execute("SELECT status, name, consent, source FROM subscribers WHERE email = 'femke@example.nl'").fetchone()
        assert row[:2] == ("wachtend", "Femke")  # opening the link changed nothing
        assert "privacyvoorwaarden" in row[2] and row[3].endswith("/nieuwsbrief/")
        browser.find_element("css selector", "form button[type=submit]").click()
        wait_for(lambda: "/bevestigd" in browser.current_url)
        assert browser.find_element("tag name", "h1").text == "Je bent aangemeld"
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    with sqlite3.connect(service.db) as conn:
        assert conn.execute("SELECT status FROM subscribers WHERE email = 'femke@example.nl'").fetchone()[0] == "actief"
