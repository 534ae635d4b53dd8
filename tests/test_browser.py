"""Real headless Chromium (Debian's chromium + chromium-driver) on the served site."""

from __future__ import annotations


import pytest

pytestmark = pytest.mark.browser


BROWSER_WIDTH = 375  # the shared `browser` fixture (conftest.py) opens Chromium this wide


@pytest.mark.parametrize("path", ["/", "/lef-om-nee-te-zeggen/", "/thema/regelruimte-en-vertrouwen/", "/nieuwsbrief/"])
def test_phone_width_has_no_horizontal_scroll_and_no_console_errors(browser, served_site, path):
    browser.get_log("browser")  # drop anything from earlier pages
    browser.get(served_site + path)
    assert browser.execute_script("return document.documentElement.lang") == "nl"
    assert browser.execute_script("return window.innerWidth") == 375
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    assert browser.execute_script("return getComputedStyle(document.body).fontFamily") != ""
    stylesheet_rules = browser.execute_script("return document.styleSheets[0].cssRules.length")
    assert stylesheet_rules > 20  # our CSS loaded
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_skip_link_is_first_focus_and_visible(browser, served_site):
    from selenium.webdriver.common.keys import Keys

    browser.get(served_site + "/")
    browser.find_element("tag name", "body").send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("class") == "skip-link"
    assert active.rect["y"] >= 0  # moved into view when focused
