"""Every page kind at 320 CSS px (WCAG 1.4.10, reflow): no sideways scrolling, the header search usable."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BROWSER_WIDTH = 320

PAGES = [
    "/",  # home
    "/lef-om-nee-te-zeggen/",  # article
    "/thema/regelruimte-en-vertrouwen/",  # theme hub
    "/themas/", "/tags/", "/auteurs/", "/archief/", "/tips/",  # listings
    "/tag/thuiswerken/",
    "/auteur/marieke-jansen/",
    "/zoeken/?q=medewerker%20wil%20niet%20naar%20kantoor",  # search with results
    "/zoeken/?q=recept%20voor%20appeltaart",  # search, nothing found
    "/nieuwsbrief/", "/over/", "/contact/", "/privacy/", "/afmelden/",  # pages
    "/nieuwsbrief/2026-11-25/",  # web copy of a newsletter issue
    "/pagina/2/",  # second page of the home listing
    "/404.html",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scroll_at_320_px(browser, served_site, path):
    browser.get(served_site + path)
    if path.startswith("/zoeken/"):
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.searchDone !== undefined"))
    assert browser.execute_script("return document.documentElement.clientWidth") == 320
    overflow = browser.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
    button = browser.find_element("css selector", ".site-search button").rect
    assert button["x"] + button["width"] <= 320


def test_header_search_field_keeps_a_usable_width(browser, served_site):
    browser.get(served_site + "/")
    field = browser.find_element("id", "zoekveld-kop").rect
    assert field["width"] >= 150
