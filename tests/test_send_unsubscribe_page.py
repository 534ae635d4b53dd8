"""The unsubscribe confirmation page /afmelden/: opening it changes nothing (RFC 8058); its form
POSTs the token from the address to the coach's mailing endpoint; no inline script."""

from __future__ import annotations

import shutil

import pytest


def test_page_has_a_post_form_to_the_endpoint_with_a_hidden_token(site, soup_of, settings):
    soup = soup_of("afmelden")
    assert soup.h1.get_text(strip=True) == "Afmelden"
    (form,) = soup.select("form.unsubscribe-form")
    assert form["method"] == "post"
    assert form["action"] == settings["NEWSLETTER_UNSUBSCRIBE_ACTION"]
    assert form["action"].startswith("https://")  # allowed by the CSP's form-action
    token = form.select_one("input[name=token]")
    assert token["type"] == "hidden" and token["value"] == ""
    assert form.select_one("button[type=submit]").get_text(strip=True) == "Afmelden"
    assert settings["NEWSLETTER_UNSUBSCRIBE_MAILTO"] in soup.select_one(".unsubscribe-mail").get_text()
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_token_is_filled_by_a_same_origin_script_file(site, soup_of):
    soup = soup_of("afmelden")
    scripts = soup.find_all("script")
    assert [s.get("src") for s in scripts if s.get("type") != "application/ld+json"] == ["/theme/js/afmelden.js"]
    assert all(not s.string for s in scripts if s.get("src"))
    js = (site / "theme" / "js" / "afmelden.js").read_text(encoding="utf-8")
    assert "URLSearchParams" in js and "token" in js


def test_page_is_hidden_from_menus_and_sitemap(published_site, soup_of):
    assert "/afmelden/" not in [a["href"] for a in soup_of("index.html").find_all("a", href=True)]
    assert "afmelden" not in (published_site / "sitemap.xml").read_text(encoding="utf-8")


@pytest.mark.browser
def test_browser_copies_the_token_and_disables_the_button_without_one(served_site):
    from coachsite.browser import chromium

    if not shutil.which("chromedriver"):
        pytest.fail("chromedriver missing: `make test` installs Debian's chromium-driver")
    with chromium(width=375, height=800) as browser:
        browser.get(served_site + "/afmelden/?token=YW5uYUBleGFtcGxlLm5s.abc-_DEF123")
        value = browser.execute_script("return document.querySelector('form.unsubscribe-form').elements.token.value")
        assert value == "YW5uYUBleGFtcGxlLm5s.abc-_DEF123"
        assert browser.execute_script("return document.querySelector('form.unsubscribe-form button').disabled") is False
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []  # no CSP violations

        browser.get(served_site + "/afmelden/")
        assert browser.execute_script("return document.querySelector('form.unsubscribe-form button').disabled") is True
        assert browser.execute_script("return document.querySelector('.unsubscribe-missing').hidden") is False
