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


def test_only_published_articles_are_indexed(indexed_site, settings):
    from coachsite.content import published_articles

    entry = json.loads((indexed_site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["nl"]["page_count"] == len(published_articles(settings))
    body_pages = [p for p in indexed_site.rglob("*.html") if "data-pagefind-body" in p.read_text(encoding="utf-8")]
    assert {p.parent.name for p in body_pages} == {a.slug for a in published_articles(settings)}


def test_extra_terms_are_hidden_in_the_article(soup_of):
    block = soup_of("professioneel-bereikbaar-vanuit-huis").select_one("article .search-terms")
    assert block.has_attr("hidden") and block["data-pagefind-weight"] == "0.5"
    assert "op afstand" in block.get_text()


def test_typo_vocabulary_shards(indexed_site):
    folder = indexed_site / "zoeken" / "woorden"
    assert sorted(int(p.stem) for p in folder.glob("*.json")) == list(range(4, 41))
    seven = json.loads((folder / "7.json").read_text(encoding="utf-8"))
    assert seven["kantoor"] >= 3
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
