"""The search index built from the site: what is indexed, synonyms, compounds, typo vocabulary."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from coachsite.search import extra_terms, fold, load_synonyms, split_compound


def test_fold_removes_diacritics_and_case():
    assert fold("Creëren") == "creeren"
    assert fold("één VÓÓRDAT") == "een voordat"


def test_split_compound_against_vocabulary():
    vocabulary = Counter({"klant": 5, "budget": 2, "verwachting": 3, "management": 1, "kantoor": 4, "dag": 9})
    assert split_compound("klantbudget", vocabulary) == ["klant", "budget"]
    assert split_compound("verwachtingsmanagement", vocabulary) == ["verwachting", "management"]
    assert split_compound("kantoordag", vocabulary) == ["kantoor", "dag"]
    assert split_compound("zwaluwstaart", vocabulary) == []


def test_synonyms_are_added_both_ways(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("# comment\nthuiswerken, op afstand, hybride werken\n", encoding="utf-8")
    groups = load_synonyms(path)
    assert groups == [["thuiswerken", "op afstand", "hybride werken"]]
    assert extra_terms(["wij", "werken", "op", "afstand"], groups, Counter()) == ["thuiswerken", "hybride werken"]
    assert extra_terms(["thuiswerken", "mag"], groups, Counter()) == ["op afstand", "hybride werken"]
    assert extra_terms(["kantoor"], groups, Counter()) == []


def test_synonym_file_errors_name_the_line(tmp_path):
    path = tmp_path / "synonyms.txt"
    path.write_text("thuiswerken, op afstand\nalleen\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"synonyms.txt:2: a synonym group needs at least two phrases"):
        load_synonyms(path)


def test_project_synonyms_load(settings):
    groups = load_synonyms(settings["SEARCH_SYNONYMS_FILE"])
    assert ["regelruimte", "beslisruimte", "mandaat", "autonomie", "empowerment"] == groups[2][:5]


def _index(site, *parts):
    return json.loads(site.joinpath("zoeken", "index", *parts).read_text(encoding="utf-8"))


def test_only_published_articles_are_indexed(indexed_site, settings):
    from coachsite.content import published_articles

    docs = [_index(indexed_site, "d", p.name) for p in (indexed_site / "zoeken" / "index" / "d").glob("*.json")]
    assert sorted(d["u"] for d in docs) == sorted(a.url for a in published_articles(settings))
    assert not (indexed_site / "zoeken" / "index" / "p" / "zwaluwstaartofferte.json").exists()  # only in a draft


def test_every_result_file_has_what_a_result_shows(indexed_site):
    doc = next(d for d in map(lambda p: _index(indexed_site, "d", p.name), (indexed_site / "zoeken" / "index" / "d").glob("*.json"))
               if d["u"] == "klant-merkt-het-als-teamgevoel-verdwijnt/")
    assert doc["m"] == "Hybride werken" and doc["d"] == "1 juli 2026"
    tips = {anchor: heading for anchor, heading, _ in doc["s"] if anchor}
    assert tips["2-haal-het-gesprek-bij-de-koffieautomaat-terug"].startswith("2. Haal het gesprek")


def test_postings_are_gaps_and_scores_per_stem(indexed_site):
    posting = _index(indexed_site, "p", "kantoor.json")
    assert {"kantoor", "kantoren"} & set(posting["f"]) and "kantoor" in posting["f"]
    gaps, scores = posting["p"][0::2], posting["p"][1::2]
    assert gaps[0] >= 0 and all(g > 0 for g in gaps[1:]) and all(s > 0 for s in scores)


def test_title_weighs_more_than_body(tmp_path):
    from coachsite.search_index import Document, Section, Stems, score_documents

    def doc(title, body):
        return Document(url="x/", title=title, theme="T", date="", authors=[], tags=[], sections=[Section(None, "", body)])

    docs = [doc("Over kantoor", "Wij praten vandaag over werk."), doc("Over werk", "Wij praten vandaag over kantoor.")]
    postings, forms, vocabulary = score_documents(docs, Stems())
    assert postings["kantoor"][0] > postings["kantoor"][1] > 0
    assert vocabulary["kantoor"] == 2 and forms["praat"] == {"praten"}


def test_sections_split_at_headings():
    from coachsite.search_index import sections_of

    html = '<p>Intro &amp; meer.</p><h2 id="1-een">1. Eén</h2><p>Tekst <em>één</em>.</p>'
    assert [(s.anchor, s.heading, s.text) for s in sections_of(html)] == [
        (None, "", "Intro & meer."), ("1-een", "1. Eén", "Tekst één .")]


def test_synonyms_and_compound_parts_are_indexed_with_the_article(indexed_site):
    ids = {_index(indexed_site, "d", p.name)["u"]: int(p.stem) for p in (indexed_site / "zoeken" / "index" / "d").glob("*.json")}
    posting = _index(indexed_site, "p", "afstand.json")
    found, doc_id = set(), 0
    for gap in posting["p"][0::2]:
        doc_id += gap
        found.add(doc_id)
    assert ids["professioneel-bereikbaar-vanuit-huis/"] in found  # "op afstand" is a synonym of thuiswerken


def test_typo_vocabulary_maps_words_to_stems(indexed_site):
    folder = indexed_site / "zoeken" / "woorden"
    assert sorted(int(p.stem) for p in folder.glob("*.json")) == list(range(1, 41))
    seven = json.loads((folder / "7.json").read_text(encoding="utf-8"))
    assert seven["kantoor"][0] >= 3 and seven["kantoor"][1] == "kantoor"
    assert json.loads((folder / "13.json").read_text(encoding="utf-8"))["verwachtingen"][1] == "verwacht"
    assert "zwaluwstaartofferte" not in json.loads((folder / "19.json").read_text(encoding="utf-8"))


def test_tips_page_lists_every_tip_with_its_anchor(indexed_site, soup_of, settings):
    from coachsite.content import published_articles

    soup = soup_of("tips")
    links = {a["href"] for a in soup.select(".tips-list a")}
    expected = {f"/{a.slug}/#{tip.anchor}" for a in published_articles(settings) for tip in a.tips}
    assert links == expected and len(links) > 60
    assert [h.get_text() for h in soup.select("main h2")] == [t["name"] for t in settings["THEMES"]]


def test_search_page_works_without_javascript(soup_of):
    soup = soup_of("zoeken")
    form = soup.select_one("main form#zoekformulier")
    assert form["action"] == "/zoeken/" and form["method"] == "get"
    assert form.select_one("input[name=q]")
    assert soup.select("#bladeren a[href^='/thema/']") and soup.select("#bladeren a[href^='/tag/']")
    assert soup.select_one("#bladeren a[href='/tips/']")
    header = soup_of("index.html").select_one("header form[role=search]")
    assert header["action"] == "/zoeken/" and header.select_one("input[name=q]")


def test_filters_are_in_the_page_for_every_theme_author_and_tag(soup_of, settings):
    soup = soup_of("zoeken")
    themes = [o.get_text() for o in soup.select("#filter-thema option")][1:]
    assert themes == [t["name"] for t in settings["THEMES"]]
    assert "Samira El Amrani" in [o.get_text() for o in soup.select("#filter-auteur option")]
    assert "thuiswerken" in [o.get_text() for o in soup.select("#filter-tag option")]
