"""Search in real headless Chromium through the real page /zoeken/?q=… over the project's own articles."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

# (query, what it tests, slug that must be in the top 3, optional tip anchor that must be offered)
QUERIES = [
    ("thuiswerken", "plain word", "professioneel-bereikbaar-vanuit-huis", None),
    ("medewerker wil niet naar kantoor", "reader's question", "medewerker-wil-niet-terug-naar-kantoor", "1-niet-oordelen-maar-vragen-stellen"),
    ("klant boos omdat het later wordt", "long question, fallback per word", "te-laat-geleverd-laat-de-klant-kiezen", None),
    ("verwachting", "stem: singular finds plural", "lef-om-nee-te-zeggen", None),
    ("kantoren", "stem: plural not in the text", "medewerker-wil-niet-terug-naar-kantoor", None),
    ("klachten", "stem", "van-klacht-naar-vertrouwen", None),
    ("creeren", "diacritics: creeren finds creëren", "lef-om-nee-te-zeggen", None),
    ("vóórdat je besluit", "diacritics typed where the text has them", "medewerkers-betrekken-bij-beleid", "1-vraag-het-voordat-je-besluit-niet-erna"),
    ("kantor", "typo: missing letter", "medewerker-wil-niet-terug-naar-kantoor", None),
    ("mandat", "typo: missing letter", "mandaat-om-het-goed-te-maken", None),
    ("verrtrouwen", "typo: extra letter", "minder-regels-meer-vertrouwen", None),
    ("klnatbudget", "typo: swapped letters", "klantbudget-geef-medewerkers-mandaat", None),
    ("rollenspelen", "typo: wrong letter", "klant-merkt-het-als-teamgevoel-verdwijnt", "4-oefen-samen-met-rollenspellen"),
    ("budget", "compound part: klantbudget", "klantbudget-geef-medewerkers-mandaat", None),
    ("koffieautomaat", "compound word", "klant-merkt-het-als-teamgevoel-verdwijnt", "2-haal-het-gesprek-bij-de-koffieautomaat-terug"),
    ("op afstand", "synonym of thuiswerken", "professioneel-bereikbaar-vanuit-huis", None),
    ("beslisruimte", "synonym group regelruimte", "minder-regels-meer-vertrouwen", None),
    ("empowerment", "synonym group regelruimte", "dienend-leiderschap-het-antwoord-is-ja", None),
    ("verwachtingen managen", "synonym of verwachtingsmanagement", "lef-om-nee-te-zeggen", None),
    ("doorverbinden", "synonym of klanteigenaarschap", "klanteigenaarschap-van-a-tot-z", None),
    ("blaffende hond", "multi-word, exact tip", "professioneel-bereikbaar-vanuit-huis", "3-maak-een-plan-voor-de-blaffende-hond-en-het-huilende-kind"),
    ("duurzame producten te laat", "multi-word scenario", "te-laat-geleverd-laat-de-klant-kiezen", None),
    ("het antwoord is ja", "title phrase", "dienend-leiderschap-het-antwoord-is-ja", None),
    ("gesprekstijd", "tip heading weighs more", "van-klant-naar-fan", "1-stuur-niet-blind-op-gesprekstijd"),
    ("taxi", "example in the story", "mandaat-om-het-goed-te-maken", "4-vier-de-verhalen-van-het-goedmaken"),
    ("verloop kost geld", "multi-word", "afspraak-is-afspraak", "4-onderschat-niet-wat-verloop-je-kost"),
    ("eerste lijn tweede lijn", "multi-word", "eerste-lijn-op-kantoor-tweede-lijn-thuis", None),
    ("KPI klanttevredenheid", "upper case", "klanteigenaarschap-van-a-tot-z", "4-meet-wat-de-klant-merkt-niet-alleen-hoe-snel-het-gaat"),
]
NOTHING = [
    "zwaluwstaartofferte",  # only in a draft
    "qwrtzplk",  # nonsense
    "xylofoonorkest",  # not on the site, no near word either
]


BROWSER_WIDTH = 1024  # the shared `browser` fixture (conftest.py) opens Chromium this wide


@pytest.fixture(scope="module")
def search(browser, indexed_site_url):
    from selenium.webdriver.support.ui import WebDriverWait

    def run(query: str, extra: str = "") -> dict:
        browser.get(f"{indexed_site_url}/zoeken/?q={quote(query)}{extra}")
        WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.searchDone !== undefined"))
        return browser.execute_script(
            """return {
              status: document.getElementById('zoekstatus').textContent,
              results: [...document.querySelectorAll('#zoekresultaten > li')].map(li => ({
                href: li.querySelector('h2 a').getAttribute('href'),
                meta: li.querySelector('.meta').textContent,
                excerpt: li.querySelector('.excerpt').innerHTML,
                tips: [...li.querySelectorAll('.search-tips a')].map(a => a.getAttribute('href')),
              })),
              inMain: !!document.querySelector('main #zoekresultaten'),
            }"""
        )

    return run


@pytest.mark.parametrize("query, kind, slug, tip", QUERIES, ids=[q[0] for q in QUERIES])
def test_query_finds_the_right_article_in_top_3(search, query, kind, slug, tip):
    found = search(query)
    top3 = [r["href"] for r in found["results"][:3]]
    assert f"/{slug}/" in top3, f"{kind}: {query!r} gave {top3}"
    if tip:
        result = next(r for r in found["results"][:3] if r["href"] == f"/{slug}/")
        assert f"/{slug}/#{tip}" in result["tips"], f"{query!r}: tips offered {result['tips']}"


def test_query_table_is_big_enough():
    assert len(QUERIES) >= 25


@pytest.mark.parametrize("query", NOTHING)
def test_query_finds_nothing(search, query):
    found = search(query)
    assert found["results"] == []
    assert "Niets gevonden" in found["status"]


def test_results_show_title_theme_date_and_highlighted_excerpt(search):
    found = search("koffieautomaat")
    assert found["inMain"]
    first = found["results"][0]
    assert first["meta"] == "Hybride werken · 1 juli 2026"
    assert "<mark>" in first["excerpt"]
    # The two articles with the word itself, then the one that says "koffieapparaat" (same term
    # group). Articles that merely share a related term ("teamgevoel") or a part ("koffie") are
    # not results when the reader's own word is on the site.
    hrefs = [r["href"] for r in found["results"]]
    assert set(hrefs[:2]) == {"/klant-merkt-het-als-teamgevoel-verdwijnt/", "/medewerker-wil-niet-terug-naar-kantoor/"}
    assert hrefs[2:] == ["/eerste-lijn-op-kantoor-tweede-lijn-thuis/"]
    assert found["status"].startswith("3 resultaten voor")


def test_typo_correction_is_announced(search):
    assert "Ook gezocht op: kantoor" in search("kantor")["status"]


def test_filter_by_theme_from_the_url(search):
    found = search("vertrouwen", "&thema=" + quote("Verwachtingsmanagement"))
    assert found["results"]
    assert all(r["meta"].startswith("Verwachtingsmanagement") for r in found["results"])


def test_excerpt_text_is_escaped(search):
    # Every excerpt is rebuilt from text nodes: only <mark> elements can appear in it.
    for r in search("regels")["results"]:
        tags = {t.split(">")[0].split()[0] for t in r["excerpt"].split("<")[1:]}
        assert tags <= {"mark", "/mark"}, r["excerpt"]


@pytest.fixture(scope="module")
def js(browser, indexed_site_url):
    """Runs an expression against search-index.js and search-excerpt.js (imported together as `m`)."""
    browser.get(f"{indexed_site_url}/zoeken/")

    def run(expression: str):
        result = browser.execute_async_script(
            "const done = arguments[0];"
            "Promise.all([import('/theme/js/search-index.js'), import('/theme/js/search-excerpt.js')])"
            f".then(([a, b]) => {{ const m = {{...a, ...b}}; done({{value: {expression}}}); }})"
            ".catch((e) => done({error: String(e)}));"
        )
        assert "error" not in result, result["error"]
        return result["value"]

    return run


def test_within_one_edit(js):
    pairs = [["kantor", "kantoor"], ["klnat", "klant"], ["mandat", "mandaat"], ["kantoor", "kantoor"],
             ["kantor", "kanton"], ["kantoor", "kantoren"], ["abc", "cab"]]
    assert js(f"{pairs}.map(([a, b]) => m.withinOneEdit(a, b))") == [True, True, True, True, True, False, False]


def test_words_fold_case_and_accents(js):
    assert js("m.words('Vóórdat je CREËERT: één KPI')") == ["voordat", "je", "creeert", "een", "kpi"]


DOC = {"u": "x/", "t": "T", "m": "M", "d": "", "s": [
    [None, "", "Een opening zonder iets. " + "vul " * 40 + "Hier staat de koffieautomaat, echt."],
    ["1-een", "1. Een koffieautomaat", "Tekst over kantoor."],
    ["2-twee", "2. Over kantoor", "Kantoor kantoor kantoor, en de koffieautomaat. Daarna nog veel meer woorden zonder iets."],
]}


def test_excerpt_marks_query_words_around_the_best_window(js):
    runs = js(f"m.excerpt({json.dumps(DOC)}, new Map([['koffieautomaat', 0], ['kantoor', 1]]), 8)")
    text = "".join(r["text"] for r in runs)
    assert text.startswith("… ") and text.endswith(" …")
    marked = [r["text"] for r in runs if r["mark"]]
    assert "koffieautomaat" in marked and "kantoor" in [w.lower() for w in marked]


def test_excerpt_without_matches_is_the_opening(js):
    runs = js(f"m.excerpt({json.dumps(DOC)}, new Map(), 4)")
    assert "".join(r["text"] for r in runs) == "Een opening zonder iets …"


def test_matching_tips_weigh_headings_and_rare_words(js):
    # koffieautomaat is rare (weight 3), kantoor common (weight 0.1): the heading with the rare word wins.
    tips = js(f"m.matchingTips({json.dumps(DOC)}, new Map([['koffieautomaat', 0], ['kantoor', 1]]), [3, 0.1])")
    assert [t["anchor"] for t in tips] == ["1-een", "2-twee"]
    assert js(f"m.matchingTips({json.dumps(DOC)}, new Map([['kantoor', 0]]), [1], 1)")[0]["anchor"] == "2-twee"


# --- posting heads and tails (a site of thousands of articles, in small) ---------------------

HEAD_QUERIES = ["klant", "team", "kantoor", "medewerker", "thuiswerken kantoor", "medewerker wil niet naar kantoor", "klant boos omdat het later wordt"]


@pytest.fixture(scope="module")
def cut_and_whole(tmp_path_factory):
    """The own site built twice without term groups (so every list is a reader's own word): posting
    heads of 16 articles with the rest in tails, and heads that hold every article."""
    from pathlib import Path

    import coachsite.search_files as search_files
    from coachsite.browser import serve_folder
    from coachsite.site import build_site

    root = Path(__file__).resolve().parent.parent
    sites = {}
    for name, head in (("cut", 16), ("whole", 10_000)):
        sites[name] = tmp_path_factory.mktemp(name)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search_files, "HEAD", head)
            build_site(root / "pelicanconf.py", sites[name], SEARCH_SYNONYMS_FILE="", SEARCH_THESAURUS_FILE="")
    with serve_folder(sites["cut"]) as cut, serve_folder(sites["whole"]) as whole:
        yield cut, whole


def _results_and_tails(browser, url: str, query: str) -> dict:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{url}/zoeken/?q={quote(query)}")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.searchDone !== undefined"))
    return browser.execute_script(
        """return {
          status: document.getElementById('zoekstatus').textContent,
          hrefs: [...document.querySelectorAll('#zoekresultaten h2 a')].map(a => a.getAttribute('href')),
          tails: performance.getEntriesByType('resource').filter(e => e.name.includes('/q/')).length,
        }"""
    )


def test_posting_heads_rank_the_first_page_as_the_whole_lists_do(browser, cut_and_whole):
    cut, whole = cut_and_whole
    tails = {}
    for query in HEAD_QUERIES:
        expected = _results_and_tails(browser, whole, query)
        found = _results_and_tails(browser, cut, query)
        assert found["hrefs"] == expected["hrefs"] and found["hrefs"], query
        assert expected["tails"] == 0 and not expected["status"].startswith("Ten minste")
        # Settled on the heads alone (no tail fetched, the count a lower bound), or the tails fetched.
        tails[query] = "heads" if found["status"].startswith("Ten minste ") else found["tails"]
        assert tails[query] == "heads" or found["status"] == expected["status"], tails
    # Some queries settle on their heads, others need the tails of their words.
    assert "heads" in tails.values() and any(n not in ("heads", 0) for n in tails.values()), tails


def test_a_search_from_the_form_gets_a_shareable_address(browser, indexed_site_url):
    """The address is updated once the search has run (not before: it blocks the page)."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{indexed_site_url}/zoeken/?q=klant")
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.searchDone === 'klant'"))
    browser.execute_script(
        "document.getElementById('filter-thema').value = 'Klantbeleving';"
        "document.getElementById('zoekveld').value = 'vertrouwen';"
        "document.getElementById('zoekformulier').requestSubmit();"
    )
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return document.body.dataset.searchDone === 'vertrouwen'"))
    assert browser.current_url.endswith("/zoeken/?q=vertrouwen&thema=Klantbeleving")
