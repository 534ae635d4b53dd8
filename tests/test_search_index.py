"""The search index built from the site: what is indexed, term groups, shards, the hashed folder."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from coachsite.search import SynonymError, TermGroup, fold, load_synonyms, words
from coachsite.search_files import index_files, shard
from coachsite.search_folder import content_hash
from coachsite.search_index import Document, Section, Stems, score_documents

ROOT = Path(__file__).resolve().parent.parent


def test_fold_removes_diacritics_and_case():
    assert fold("Creëren") == "creeren"
    assert fold("één VÓÓRDAT") == "een voordat"


def test_words_skip_tokens_over_the_length_limit():
    assert words("Klant " + "a" * 41 + " kantoor " + "b" * 40) == ["klant", "kantoor", "b" * 40]


def test_groups_have_equivalent_and_related_terms(tmp_path):
    path = tmp_path / "thesaurus.txt"
    path.write_text("# source: the posts\n\nRegels, protocollen, bureaucratie ; controle, Vertrouwen\nop afstand, thuiswerken\n", encoding="utf-8")
    assert load_synonyms(path) == [
        TermGroup(("regels", "protocollen", "bureaucratie"), ("controle", "vertrouwen")),
        TermGroup(("op afstand", "thuiswerken")),
    ]


@pytest.mark.parametrize("line, message", [
    ("alleen", "a synonym group needs at least two phrases"),
    ("a, b ; c ; d", "a group has at most one ';'"),
    (" ; controle, regels", "a group starts with at least one term before the ';'"),
    ("a, , b", "an empty term"),
    ("a, b,", "an empty term"),
    ("a, ---", "the term '---' has no letters or digits"),
])
def test_malformed_group_lines_name_file_and_line(tmp_path, monkeypatch, line, message):
    monkeypatch.setenv("COACHSITE_LANG", "en")
    path = tmp_path / "thesaurus.txt"
    path.write_text("a, b\n" + line + "\n", encoding="utf-8")
    with pytest.raises(SynonymError, match=re.escape(f"{path}:2: {message}")):
        load_synonyms(path)


def test_group_errors_are_dutch_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("COACHSITE_LANG", raising=False)
    path = tmp_path / "synonyms.txt"
    path.write_text("a ; b ; c\n", encoding="utf-8")
    with pytest.raises(SynonymError, match="synonyms.txt:1: een groep heeft hoogstens één ';'"):
        load_synonyms(path)


def test_check_reports_a_malformed_thesaurus_line(tmp_path, settings, monkeypatch):
    from coachsite.checks import check_content

    monkeypatch.setenv("COACHSITE_LANG", "en")
    thesaurus = tmp_path / "thesaurus.txt"
    thesaurus.write_text("# ok\nregels, protocollen\nfout ;\n", encoding="utf-8")
    problems = check_content(Path(settings["PATH"]), {**settings, "SEARCH_THESAURUS_FILE": str(thesaurus)})
    assert [str(p) for p in problems] == [f"{thesaurus}:3: a synonym group needs at least two phrases separated by commas"]


def test_project_term_files_load(settings):
    from coachsite.search import load_groups

    groups = load_groups(settings)
    assert any("regelruimte" in g.equivalent and "empowerment" in g.equivalent for g in groups)
    assert len(groups) >= 10


def _doc(title, body, url="x/"):
    return Document(url=url, title=title, theme="T", date="", authors=["A"], tags=["t"], sections=[Section(None, "", body)])


def test_title_weighs_more_than_body():
    docs = [_doc("Over kantoor", "Wij praten vandaag over werk."), _doc("Over werk", "Wij praten vandaag over kantoor.")]
    postings, forms, vocabulary = score_documents(docs, Stems())
    assert postings["kantoor"][0] > postings["kantoor"][1] > 0
    assert vocabulary["kantoor"] == 2 and forms["praat"] == {"praten"}


def test_shard_is_fnv1a():
    # FNV-1a 32 bit of "a" is 0xe40c292c; search-index.js computes the same (tests/test_search_issue.py).
    assert shard("a", 2**32) == 0xE40C292C
    assert {shard("kantoor", 7) for _ in range(3)} == {shard("kantoor", 7)}


def test_index_files_hash_changes_with_content_only():
    docs = [_doc("Over kantoor", "Thuiswerken en kantoor."), _doc("Regels", "Minder regels.")]
    files, meta = index_files(docs, [TermGroup(("regels", "protocollen"))])
    again, _ = index_files([_doc("Over kantoor", "Thuiswerken en kantoor."), _doc("Regels", "Minder regels.")], [TermGroup(("regels", "protocollen"))])
    other, _ = index_files(docs[:1], [])
    def name(found):
        return content_hash({path: hashlib.sha256(data).digest() for path, data in found.items()})

    assert name(files) == name(again) != name(other)
    assert meta["articles"] == 2 and set(meta["shards"]) == {"p", "q", "w", "c"}
    assert _postings(files)["#0"] == [["protocol", "regel"], []] and "de" in json.loads(files["t.json"])["s"]


def test_term_groups_nothing_on_the_site_can_match_are_left_out():
    files, _ = index_files([_doc("Over kantoor", "Kantoor.")], [TermGroup(("appeltaart", "taart")), TermGroup(("kantoor", "bureau"))])
    assert _postings(files)["#0"] == [["bureau", "kantoor"], []] and "#1" not in _postings(files)
    assert _postings(files)["bureau"] == {"g": [[0, 0]]}  # on no article, but its group is known


def _folder(site: Path) -> Path:
    html = (site / "zoeken" / "index.html").read_text(encoding="utf-8")
    return site / re.search(r'data-index="/(zoeken/[0-9a-f]{12}/)"', html)[1]


def _load(folder: Path, relative: str):
    return json.loads((folder / relative).read_text(encoding="utf-8"))


def _shards(folder: Path) -> list[int]:
    html = (folder.parent / "index.html").read_text(encoding="utf-8")
    return [int(x) for x in re.search(r'data-shards="([\d,]+)"', html)[1].split(",")]


def _posting_shard(folder: Path, stem: str, count: int) -> int:
    """Where search-index.js looks: every term in the shard of its own key."""
    return shard(stem, count)


def test_a_query_word_needs_one_posting_file(indexed_site):
    """The shard of "thuiswerk" holds its groups and the posting heads of every term in them."""
    folder = _folder(indexed_site)
    p = _shards(folder)[0]
    file = _load(folder, f"p/{_posting_shard(folder, 'thuiswerk', p)}.json")
    groups = [file[f"#{number}"] for number, _ in file["thuiswerk"]["g"]]
    terms = {term for equivalent, related in groups for term in equivalent + related}
    assert len(groups) >= 2 and "op afstand" in terms
    postings = _postings({f"p/{n}.json": path.read_bytes() for n, path in enumerate((folder / "p").glob("*.json"))})
    on_site = {term for term in terms if "p" in postings.get(term, {})}
    assert len(on_site) >= 3 and all(file[term] == postings[term] for term in on_site)
    assert json.loads((folder / "t.json").read_text(encoding="utf-8"))["m"]  # multi-word phrases, for the query


def test_search_page_names_its_own_index_folder(indexed_site):
    folder = _folder(indexed_site)
    assert folder.is_dir() and [p.name for p in (indexed_site / "zoeken").iterdir() if p.is_dir()] == [folder.name]
    assert not (indexed_site / "zoeken" / "index").exists()


def test_only_published_articles_are_indexed(indexed_site, settings):
    from coachsite.content import published_articles

    folder = _folder(indexed_site)
    docs = [_load(folder, f"d/{p.name}") for p in (folder / "d").glob("*.json")]
    assert sorted(d["u"] for d in docs) == sorted(a.url for a in published_articles(settings))
    postings = {}
    for path in (folder / "p").glob("*.json"):
        postings.update(_load(folder, f"p/{path.name}"))
    assert "zwaluwstaartofferte" not in postings  # only in a draft
    assert {"kantoor", "kantoren"} & set(postings["kantoor"]["f"])


def test_every_result_file_has_what_a_result_shows(indexed_site):
    folder = _folder(indexed_site)
    doc = next(d for d in (_load(folder, f"d/{p.name}") for p in (folder / "d").glob("*.json"))
               if d["u"] == "klant-merkt-het-als-teamgevoel-verdwijnt/")
    assert doc["m"] == "Hybride werken" and doc["d"] == "1 juli 2026"
    tips = {anchor: heading for anchor, heading, _ in doc["s"] if anchor}
    assert tips["2-haal-het-gesprek-bij-de-koffieautomaat-terug"].startswith("2. Haal het gesprek")


def test_postings_and_typo_words_are_in_their_shards(indexed_site):
    folder = _folder(indexed_site)
    p, w, _, _ = _shards(folder)
    posting = _load(folder, f"p/{_posting_shard(folder, 'kantoor', p)}.json")["kantoor"]
    gaps, scores = posting["p"][0::2], posting["p"][1::2]
    assert gaps[0] >= 0 and all(g > 0 for g in gaps[1:]) and all(s > 0 for s in scores)
    seven = _load(folder, f"w/{shard('7k', w)}.json")
    assert seven["kantoor"][0] >= 3 and seven["kantoor"][1] == "kantoor"
    assert _load(folder, f"w/{shard('13v', w)}.json")["verwachtingen"][1] == "verwacht"


def test_synonyms_are_not_added_to_articles(indexed_site):
    # "op afstand" is a synonym of thuiswerken: the browser expands the query, the index stays literal.
    folder = _folder(indexed_site)
    p = _shards(folder)[0]
    posting = _load(folder, f"p/{_posting_shard(folder, 'afstand', p)}.json").get("afstand", {"p": []})
    ids = [sum(posting["p"][0:i + 1:2]) for i in range(0, len(posting["p"]), 2)]
    urls = {_load(folder, f"d/{i}.json")["u"] for i in ids}
    text = (ROOT / "content" / "hybride-werken").glob("*.md")
    assert all("afstand" in fold(_path.read_text(encoding="utf-8")) for _path in text if f"{_path.stem}/" in urls)


def test_index_files_stay_few(indexed_site):
    folder = _folder(indexed_site)
    files = [p for p in folder.rglob("*") if p.is_file()]
    articles = len(list((folder / "d").glob("*.json")))
    terms = set()
    for path in (folder / "p").glob("*.json"):
        terms.update(name for name in _load(folder, f"p/{path.name}") if not name.startswith("#"))
    # Per article one file; shards, not one file per word (a shard also carries copies of the
    # posting heads of the terms its terms are grouped with, so there are more than by size alone).
    assert len(files) < articles + len(terms) / 4


def test_a_300_letter_word_does_not_break_the_build(tmp_path):
    from coachsite.site import build_site

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    post = next((content / "klantbeleving").glob("*.md"))
    post.write_text(post.read_text(encoding="utf-8") + "\n\nEen heel lang woord: " + "x" * 300 + ".\n", encoding="utf-8")
    build_site(ROOT / "pelicanconf.py", tmp_path / "out", PATH=str(content))
    folder = _folder(tmp_path / "out")
    assert all("x" * 41 not in p.read_text(encoding="utf-8") for p in (folder / "p").glob("*.json"))


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


def test_stems_are_cached_between_builds(tmp_path, monkeypatch):
    import coachsite.search_index as module

    monkeypatch.setattr(module, "_STEMS", {})
    cache = tmp_path / "search-stems.json"
    stems = module.Stems(cache)
    assert stems("verwachtingen") == "verwacht"
    stems.save()
    monkeypatch.setattr(module, "_STEMS", {})
    again = module.Stems(cache)
    assert again._cache["verwachtingen"] == "verwacht"  # read from the file, not stemmed again
    cache.write_text('{"version": "other", "stems": {"kantoor": "x"}}', encoding="utf-8")
    monkeypatch.setattr(module, "_STEMS", {})
    assert module.Stems(cache)("kantoor") == "kantoor"  # another stemmer version: ignored


def test_a_failed_index_fails_the_build_and_leaves_the_next_build_whole(indexed_site, tmp_path, monkeypatch):
    """The error is raised when Pelican has finished: the sitemap plugin keeps state between the
    builds of one process (``make serve``) and lost sitemap.xml after an error raised mid-build."""
    import sys

    from coachsite.site import build_site

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(sys.modules["search_index"], "index_articles", broken)
    with pytest.raises(RuntimeError, match="de zoekindex kon niet worden gemaakt: OSError: disk full"):
        build_site(ROOT / "pelicanconf.py", tmp_path / "first")
    monkeypatch.undo()
    build_site(ROOT / "pelicanconf.py", tmp_path / "second")
    assert (tmp_path / "second" / "sitemap.xml").is_file()
    assert _folder(tmp_path / "second").is_dir()


def _postings(files: dict[str, bytes]) -> dict:
    found = {}
    for name, data in files.items():
        if name.startswith("p/"):
            found.update(json.loads(data))
    return found


def test_term_group_phrases_are_indexed_where_their_words_stand_together():
    docs = [_doc("A", "Zeg je u of je tegen klanten?"), _doc("B", "Of je het weet: u bent welkom.")]
    files, _ = index_files(docs, [TermGroup(("aanspreekvorm", "u of je"))])
    entry = _postings(files)["u of je"]
    assert entry["p"][0::2] == [0]  # article 0 only: in B the three words are not together
    assert entry["f"] == ["je", "of", "u"]


def test_a_term_in_two_groups_is_in_the_shard_of_every_term_it_is_grouped_with(monkeypatch):
    import coachsite.search_files as search_files

    monkeypatch.setitem(search_files.SHARD_BYTES, "p", 40)  # many shards for a tiny site
    docs = [_doc("A", "Regels en protocollen."), _doc("B", "Controle en toezicht, ook op regels.")]
    groups = [TermGroup(("regels", "protocollen")), TermGroup(("controle", "toezicht"), ("regels",))]
    files, meta = index_files(docs, groups)
    count = meta["shards"]["p"]
    assert count > 2
    for term in ("protocol", "controol", "toezicht"):  # one file per query word: its groups' terms are in it
        file = json.loads(files[f"p/{shard(term, count)}.json"])
        assert "regel" in file and all(f"#{group}" in file for group, _ in file[term]["g"])
    assert _postings(files)["regel"]["g"] == [[0, 0], [1, 1]]  # equivalent in group 0, related in group 1


def test_a_posting_head_holds_the_best_articles_and_the_tail_the_rest(monkeypatch):
    import coachsite.search_files as search_files

    monkeypatch.setattr(search_files, "HEAD", 2)
    docs = [_doc(f"Titel {i}", "Kantoor. " * (i % 3 + 1) + "Een tekst over iets anders. " * i) for i in range(6)]
    files, meta = index_files(docs, [])
    postings, _, _ = score_documents(docs, Stems())
    best = sorted(postings["kantoor"], key=lambda i: (-postings["kantoor"][i], i))
    entry = _postings(files)["kantoor"]
    tail = {}
    for name, data in files.items():
        if name.startswith("q/"):
            tail.update(json.loads(data))
    ids = lambda pairs: [sum(pairs[0:i + 1:2]) for i in range(0, len(pairs), 2)]  # noqa: E731
    assert entry["n"] == 6 and ids(entry["p"]) == sorted(best[:2])
    assert tail["kantoor"] and ids(tail["kantoor"]) == sorted(best[2:])
    assert min(entry["p"][1::2]) >= max(tail["kantoor"][1::2])
    assert meta["shards"]["q"] >= 1 and "0" in _postings(files) and "0" not in tail  # a head that holds all: no tail
