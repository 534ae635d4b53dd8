"""Small things the coach saw in the browser (issue #15, item 8), checked in real headless Chromium at 1366 px."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BROWSER_WIDTH = 1366  # a common laptop width, where the coach saw them


def test_lees_ook_leaves_no_empty_grid_cell(browser, served_site):
    browser.get(served_site + "/lef-om-nee-te-zeggen/")
    rows = browser.execute_script(
        """const grid = document.querySelector('.related .cards');
           const cols = getComputedStyle(grid).gridTemplateColumns.split(' ').length;
           const cards = [...grid.children];
           const right = Math.max(...cards.map(c => c.getBoundingClientRect().right));
           const last = cards[cards.length - 1].getBoundingClientRect();
           return {cols, count: cards.length, lastRight: last.right, right};"""
    )
    assert abs(rows["lastRight"] - rows["right"]) < 1, rows  # the last card reaches the right edge: no hole


def test_theme_card_breaks_a_long_word_with_a_hyphen(browser, served_site):
    browser.get(served_site + "/")
    heading = browser.execute_script(
        """const a = [...document.querySelectorAll('.hub h3 a')].find(a => a.textContent.includes('Verwachtings'));
           return {text: a.textContent, fits: a.scrollWidth <= a.parentElement.clientWidth};"""
    )
    assert heading["text"] == "Verwachtings\u00admanagement" and heading["fits"]
    assert browser.execute_script("return document.documentElement.lang") == "nl"


def test_disabled_unsubscribe_button_does_not_look_clickable(browser, served_site):
    browser.get(served_site + "/afmelden/")  # no token in the address: the button is disabled
    enabled_background = browser.execute_script(
        "const b = document.createElement('button'); document.body.append(b);"
        "const c = getComputedStyle(b).backgroundColor; b.remove(); return c;"
    )
    state = browser.execute_script(
        """const b = document.querySelector('form.unsubscribe-form button');
           const s = getComputedStyle(b); return [b.disabled, s.cursor, s.backgroundColor];"""
    )
    assert state[0] is True
    assert state[1] == "not-allowed" and state[2] != enabled_background
