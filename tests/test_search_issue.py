"""Search that stays right across deploys and odd input (issue 14), and the query table (issue 17).

Real headless Chromium on real built sites served from 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest

from coachsite.search_table import CLASSES, evaluate, load_table

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
BROWSER_WIDTH = 1024


def _wait(driver, timeout: float = 20) -> dict:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.body.dataset.searchDone !== undefined"))
    return driver.execute_script(
        """return {
          status: document.getElementById('zoekstatus').textContent,
          error: document.body.dataset.searchError || null,
          themes: !document.getElementById('zoekthemas').hidden,
          results: [...document.querySelectorAll('#zoekresultaten > li')].map(li => ({
            href: li.querySelector('h2 a').getAttribute('href'), meta: li.querySelector('.meta').textContent})),
        }"""
    )


def _search(driver, url: str, query: str, extra: str = "") -> dict:
    driver.get(f"{url}/zoeken/?q={quote(query)}{extra}")
    return _wait(driver)


# --- the query table --------------------------------------------------------------------------

def test_query_table_has_every_class():
    rows = load_table()
    assert {row.kind for row in rows} == set(CLASSES)
    assert all(row.query for row in rows)


def test_query_table_top3_and_offtopic_empty(browser, indexed_site_url, capsys):
    rows = load_table()
    figures, misses = evaluate(browser, indexed_site_url, rows)
    found = sum(f["top3"] for f in figures.values())
    with capsys.disabled():  # the figures per class, also when the test passes
        print("\nquery table: " + ", ".join(f"{kind} {f['top1']}/{f['top3']}/{f['rows']}" for kind, f in figures.items())
              + f" (top-1/top-3/rows); all {found}/{len(rows)} in the top 3")
    offtopic = figures["offtopic"]
    assert offtopic["top3"] == offtopic["rows"], misses
    # Issue #17's goal is 95 % in the top 3; reached: 115 of 115. This guards what is reached
    # against regressions (two rows of slack); `make bench` reports the figure per class.
    assert found >= 113, f"{found}/{len(rows)} in the top 3; misses:\n" + "\n".join(misses)


# --- how a reader's words become concepts (search-rank.js `analyse`) -----------------------------

def _analyse(browser, url: str, query: str) -> list[dict]:
    browser.get(f"{url}/zoeken/")
    return browser.execute_async_script(
        "const [query, done] = arguments; const s = document.querySelector('script[data-index]').dataset;"
        "Promise.all([import('/theme/js/search-index.js'), import('/theme/js/search-rank.js')]).then(async ([m, r]) => {"
        "  const index = new m.SearchIndex({base: s.index, shards: s.shards.split(',').map(Number), articles: +s.articles});"
        "  const {concepts} = await r.analyse(index, query);"
        "  done(concepts.map((c) => ({label: c.label, share: c.share, corrected: c.corrected || null,"
        "    stems: c.alternatives.flatMap((a) => a.stems)})));"
        "})", query)


def test_a_verb_form_reaches_its_infinitive_before_the_typo_step(browser, indexed_site_url):
    # "splits" is one letter from "spits" (rush hour); as a verb it is "splitsen", grouped with "verdelen".
    concepts = _analyse(browser, indexed_site_url, "hoe splits ik het werk")
    splits = next(c for c in concepts if c["label"] == "splits")
    assert splits["corrected"] is None and "verdeel" in splits["stems"] and "spit" not in splits["stems"]


def test_a_separable_verb_is_joined(browser, indexed_site_url):
    labels = [c["label"] for c in _analyse(browser, indexed_site_url, "hoe houd ik het teamgevoel vast")]
    assert "vasthoud" in labels and "vast" not in labels and "houd" not in labels


def test_a_real_dutch_word_is_not_corrected_into_a_site_word(browser, indexed_site_url):
    kopen = next(c for c in _analyse(browser, indexed_site_url, "nieuwe telefoon kopen") if c["label"] == "kopen")
    assert kopen["corrected"] is None and kopen["stems"] == []  # not "komen"
    assert _search(browser, indexed_site_url, "nieuwe telefoon kopen")["results"] == []


def test_compound_parts_no_post_has_together_fall_back_to_the_longest(browser, indexed_site_url):
    concepts = _analyse(browser, indexed_site_url, "schademeldingsproces")
    assert [(c["label"], c["share"]) for c in concepts] == [("schademelding", 1)]
    hrefs = [r["href"] for r in _search(browser, indexed_site_url, "schademeldingsproces")["results"]]
    assert "/klanteigenaarschap-van-a-tot-z/" in hrefs[:3]


def test_a_three_part_compound_is_carried_by_the_group_term_it_starts_with(browser, indexed_site_url):
    # "klachtenafhandeling" is in the coach's group of "klacht"; "proces" is left out.
    [concept] = _analyse(browser, indexed_site_url, "klachtenafhandelingsproces")
    assert "klacht" in concept["stems"] and "proces" not in concept["stems"]


def test_the_summary_is_indexed_with_more_weight_than_the_body():
    from coachsite.search_index import Document, Section, Stems, score_documents

    def doc(summary: str, body: str) -> Document:
        return Document(url="x/", title="T", theme="T", date="", authors=[], tags=[], summary=summary,
                        sections=[Section(None, "", body)])

    postings, _, _ = score_documents([doc("regelzucht", "tekst"), doc("", "regelzucht tekst"), doc("", "andere")], Stems())
    scores = postings[Stems()("regelzucht")]
    assert scores[0] > scores[1] > 0


def test_offtopic_query_shows_niets_gevonden_with_the_themes(browser, indexed_site_url):
    found = _search(browser, indexed_site_url, "recept voor appeltaart")
    assert found["results"] == [] and found["status"].startswith("Niets gevonden")
    assert found["themes"]
    links = browser.execute_script("return [...document.querySelectorAll('#zoekthemas a')].map(a => a.textContent)")
    assert links == ["Hybride werken", "Regelruimte en vertrouwen", "Verwachtingsmanagement", "Klantbeleving"]


# --- odd input --------------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"])
def test_object_property_names_are_plain_words(browser, indexed_site_url, query):
    found = _search(browser, indexed_site_url, query)
    assert found["error"] is None and not found["status"].startswith("Zoeken")
    # The word itself is on no page: "constructor" may only be completed to a real site word
    # ("constructief"), never read from Object.prototype.
    word = query.lower().strip("_")
    missing = browser.execute_async_script(
        "const [word, done] = arguments; const s = document.querySelector('script[data-index]').dataset;"
        "import('/theme/js/search-index.js').then(async (m) => {"
        "  const index = new m.SearchIndex({base: s.index, shards: s.shards.split(',').map(Number), articles: +s.articles});"
        "  done([await index.posting(word), await index.posting(m.stemOf(word)), await index.correct(word)]);"
        "})", word)
    assert missing == [None, None, None]


@pytest.mark.parametrize("value", ["__proto__", "constructor", "toString"])
def test_object_property_names_as_filter_values_are_plain_values(browser, indexed_site_url, value):
    found = _search(browser, indexed_site_url, "vertrouwen", f"&tag={value}&thema={value}")
    assert found["error"] is None and found["results"]  # not an option of the page: no filter
    allowed = browser.execute_async_script(
        "const [value, done] = arguments; const s = document.querySelector('script[data-index]').dataset;"
        "import('/theme/js/search-index.js').then(async (m) => {"
        "  const index = new m.SearchIndex({base: s.index, shards: s.shards.split(',').map(Number), articles: +s.articles});"
        "  done([...await index.allowed(new Map([['tag', value], ['thema', value]]))]);"
        "})", value)
    assert allowed == []


def test_a_2000_character_query_is_capped(browser, indexed_site_url):
    query = ("thuiswerken " * 200)[:2000]
    found = _search(browser, indexed_site_url, query)
    assert found["error"] is None and found["results"]
    assert "eerste 10 woorden (200 tekens)" in found["status"]
    assert len(found["status"]) < 400


def test_a_300_letter_word_is_skipped_not_searched(browser, indexed_site_url):
    found = _search(browser, indexed_site_url, "x" * 300 + " kantoor")
    assert found["error"] is None
    assert "/medewerker-wil-niet-terug-naar-kantoor/" in [r["href"] for r in found["results"][:3]]


def test_tip_heading_and_text_stay_apart_in_excerpts(browser, indexed_site_url):
    browser.get(f"{indexed_site_url}/zoeken/")
    text = browser.execute_async_script(
        "const done = arguments[0]; import('/theme/js/search-excerpt.js').then((m) => done("
        "[m.sectionText('3. Voorkom onzekerheid', 'Wat gebeurt er?'), m.sectionText('Waarom?', 'Omdat.')]))"
    )
    assert text == ["3. Voorkom onzekerheid. Wat gebeurt er?", "Waarom? Omdat."]


def test_js_shard_and_stem_match_python(browser, indexed_site_url):
    from coachsite.search_files import shard
    from coachsite.search_index import Stems

    keys = ["a", "kantoor", "7k", "hkl", "tten", "verwachting"]
    browser.get(f"{indexed_site_url}/zoeken/")
    result = browser.execute_async_script(
        f"const done = arguments[0]; import('/theme/js/search-index.js').then((m) => done("
        f"[{json.dumps(keys)}.map((k) => m.shard(k, 97)), ['kpi', '2026', 'verwachtingen'].map(m.stemOf)]))"
    )
    stems = Stems()
    assert result == [[shard(k, 97) for k in keys], [stems(w) for w in ("kpi", "2026", "verwachtingen")]]


def test_unreachable_site_is_a_dutch_message_not_niets_gevonden(browser, indexed_site_url):
    browser.get(f"{indexed_site_url}/zoeken/")
    kind = browser.execute_async_script(
        "const done = arguments[0];"
        "Promise.all([import('/theme/js/search-index.js'), import('/theme/js/search-rank.js')]).then(async ([m, r]) => {"
        "  const index = new m.SearchIndex({base: 'http://127.0.0.1:9/zoeken/x/', shards: [1, 1, 1], articles: 1});"
        "  try { await r.search(index, 'kantoor'); done('no error'); } catch (e) { done(e instanceof m.Offline ? 'Offline' : String(e)); }"
        "})"
    )
    assert kind == "Offline"


# --- deploys and overlapping searches ---------------------------------------------------------

class _Gate(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; while ``gate`` is closed, posting shards wait (a slow server, made exact).
    Nothing may be kept in the browser's HTTP cache: a file it had fetched minutes after the site
    was built would count as fresh for a while (heuristic freshness from Last-Modified) and never
    reach the gate."""

    gate = threading.Event()

    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self):
        if "/p/" in self.path:
            type(self).gate.wait(20)
        super().do_GET()


@pytest.fixture()
def server():
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_Gate, directory=str(folder))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    _Gate.gate.set()
    yield start
    _Gate.gate.set()
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def test_filter_change_during_a_slow_search_shows_only_the_new_search(browser, indexed_site, server):
    from selenium.webdriver.support.ui import Select

    url = server(indexed_site)
    expected = _search(browser, url, "vertrouwen", "&thema=" + quote("Verwachtingsmanagement"))["results"]
    assert expected
    browser.execute_script("window.open('about:blank')")  # a fresh page: nothing cached in memory
    browser.switch_to.window(browser.window_handles[-1])
    try:
        _Gate.gate.clear()
        browser.get(f"{url}/zoeken/?q=vertrouwen")  # the first search waits for its postings
        assert browser.execute_script("return document.getElementById('zoekstatus').textContent") == "Zoeken…"
        Select(browser.find_element("id", "filter-thema")).select_by_visible_text("Verwachtingsmanagement")
        _Gate.gate.set()
        found = _wait(browser)
        assert found["results"] == expected
        assert not found["status"].startswith("Zoeken")
    finally:
        browser.close()
        browser.switch_to.window(browser.window_handles[0])


def test_page_of_an_old_build_never_shows_articles_of_the_new_one(browser, tmp_path, server):
    from coachsite.build import build

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    site = tmp_path / "site"
    build(ROOT / "pelicanconf.py", site, PATH=str(content))
    url = server(site)
    browser.get(f"{url}/zoeken/")  # build 1, left open
    # Build 2: one article removed, one added (the article numbers of build 1 now mean others).
    # The removed one is linked from no other article, so build 2 passes the link check.
    (content / "hybride-werken" / "thuiswerkplek-arbo-en-kosten.md").unlink()
    (content / "hybride-werken" / "vaste-kantoordag.md").write_text(
        "Title: Een vaste kantoordag werkt beter dan een vrije keuze\nDate: 2026-08-01 09:00\nCategory: Hybride werken\n"
        "Tags: thuiswerken\nAuthors: Marieke Jansen\nSummary: Kies samen een vaste dag op kantoor.\n\n"
        "Een vaste kantoordag maakt het kantoor weer levendig.\n", encoding="utf-8")
    build(ROOT / "pelicanconf.py", site, PATH=str(content))
    browser.execute_script(
        "const input = document.getElementById('zoekveld'); input.value = 'kantoor';"
        "document.getElementById('zoekformulier').requestSubmit();"
    )
    found = _wait(browser)
    assert found["results"] == []
    assert found["error"] == "IndexGone" and "Laad deze pagina opnieuw" in found["status"]
    fresh = _search(browser, url, "kantoordag")  # reloaded: the new build's folder
    hrefs = [r["href"] for r in fresh["results"]]
    assert "/vaste-kantoordag/" in hrefs and "/thuiswerkplek-arbo-en-kosten/" not in hrefs
