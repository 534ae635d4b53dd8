"""The bad-input corpus (tests/fixtures/bad/): every mistake gets its exact message and line,
a non-zero exit, and the previous good output/ stays exactly as it was."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from coachsite.build import BuildError, build
from coachsite.checks import check_content

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).parent / "fixtures" / "bad"
CONFIG = ROOT / "pelicanconf.py"

EXPECTED = {
    "missing-title": ("klantbeleving/missing-title.md", 1, "'Title:' ontbreekt of is leeg"),
    "missing-summary": ("klantbeleving/missing-summary.md", 1, "'Summary:' ontbreekt of is leeg"),
    "unparsable-date": ("klantbeleving/unparsable-date.md", 2, "Date 'volgende week dinsdag' is geen datum; schrijf hem zo: 2026-11-25 09:00"),
    "date-31-02": ("klantbeleving/date-31-02.md", 2, "Date '2026-02-31' bestaat niet: die maand heeft 28 dagen; schrijf hem zo: 2026-11-25 09:00"),
    "day-first-date": ("klantbeleving/day-first-date.md", 2, "Date '05-11-2026 09:00' begint met de dag; zet het jaar voorop: 2026-11-05 09:00"),
    "unknown-category": ("klantbeleving/unknown-category.md", 3, "Category 'Klantbelevng' is niet een van de thema's: Hybride werken, Regelruimte en vertrouwen, Verwachtingsmanagement, Klantbeleving (bedoel je 'Klantbeleving'?)"),
    "misspelled-tag": ("klantbeleving/misspelled-tag.md", 4, "tag 'thuiswerkn' staat niet in tags.txt (bedoel je 'thuiswerken'?); zet hem daar eerst bij als hij nieuw is"),
    "no-tags": ("klantbeleving/no-tags.md", 1, "'Tags:' ontbreekt of is leeg; geef minstens één tag uit tags.txt (of laat 'Status: draft' staan tot het bericht klaar is)"),
    "make-post-undrafted": ("klantbeleving/make-post-undrafted.md", 6, "dit is nog de voorbeeldtekst van 'make post' (9 regels, de eerste hier); schrijf je eigen tekst, of zet 'Status: draft' terug tot het bericht klaar is"),
    "duplicate-slug": ("klantbeleving/lef-om-nee-te-zeggen.md", 1, "webadres (slug) 'lef-om-nee-te-zeggen' wordt ook gebruikt door content/verwachtingsmanagement/lef-om-nee-te-zeggen.md; geef één bestand een andere naam of zet 'Slug:'"),
    "broken-filename-link": ("klantbeleving/broken-filename-link.md", 18, "link naar '{filename}/klantbeleving/bestaat-niet.md': dat bestand staat niet in content/"),
    "broken-anchor": ("klantbeleving/broken-anchor.md", 18, "link naar '#1-eerste-tp': geen kop met dat anker in dit bericht (bedoel je '1-eerste-tip'?)"),
    "broken-site-link": ("klantbeleving/broken-site-link.md", 18, "link naar '/archieven/': geen pagina op de site heeft dat adres"),
    "anchor-in-site-link": ("klantbeleving/anchor-in-site-link.md", 18, "link naar '/lef-om-nee-te-zeggen/#bestaat-niet': dat bericht heeft geen kop met anker '#bestaat-niet'"),
    "own-domain-link": ("klantbeleving/own-domain-link.md", 18, "link naar 'https://www.klantgerichtwerkt.nl/bestaat-niet/': geen pagina op de site heeft dat adres"),
    "javascript-link": ("klantbeleving/javascript-link.md", 18, "link naar 'javascript:…': in een bericht mogen alleen webadressen (https://…), mailto:- en tel:-links"),
    "html-javascript-link": ("klantbeleving/html-javascript-link.md", 18, "'javascript:' mag niet in een bericht (geen scripts of ingebouwde HTML)"),
    "meta-refresh": ("klantbeleving/meta-refresh.md", 18, "'<meta' mag niet in een bericht: het kan lezers naar een andere pagina sturen (geen scripts of ingebouwde HTML)"),
    "form-in-body": ("klantbeleving/form-in-body.md", 18, "'<form' mag niet in een bericht: formulieren horen in het thema (geen scripts of ingebouwde HTML)"),
    "raw-html": ("klantbeleving/raw-html.md", 18, "HTML ('<div class=\"kader\">') mag niet in een bericht; schrijf Markdown, zoals **vet** of [tekst](adres)"),
    "missing-image": ("klantbeleving/missing-image.md", 7, "Image '{static}/images/bestaat-niet.svg' bestaat niet in content/"),
    "image-without-alt": ("klantbeleving/image-without-alt.md", 18, "afbeelding '{static}/images/logo.svg' heeft geen alt-tekst: zet die tussen de haken, ![zoals hier]({static}/images/logo.svg)"),
    "image-metadata-without-alt": ("klantbeleving/image-metadata-without-alt.md", 7, "Image heeft geen ImageAlt: beschrijf de afbeelding voor lezers die hem niet kunnen zien"),
    "latin-1": ("klantbeleving/latin-1.md", 6, "geen geldige UTF-8 (byte 168); sla het bestand op als UTF-8"),
    "empty-file": ("klantbeleving/empty-file.md", 1, "het bestand is leeg; begin met een regel 'Title:'"),
    "script-in-title": ("klantbeleving/script-in-title.md", 1, "Title bevat HTML ('<script>'); schrijf gewone tekst"),
    "script-in-tag": ("klantbeleving/script-in-tag.md", 4, "Tags bevat HTML ('<script>'); schrijf gewone tekst"),
    "script-in-summary": ("klantbeleving/script-in-summary.md", 6, "Summary bevat HTML ('<script>'); schrijf gewone tekst"),
    "script-in-body": ("klantbeleving/script-in-body.md", 18, "'<script' mag niet in een bericht (geen scripts of ingebouwde HTML)"),
    "front-matter-only": ("klantbeleving/front-matter-only.md", 7, "er staat geen tekst na de gegevens"),
    "tab-indented-metadata": ("klantbeleving/tab-indented-metadata.md", 4, "de gegevens stoppen hier (deze regel begint met een tab of spaties; gegevensregels beginnen helemaal links); de regels eronder worden als tekst gelezen"),
    "missing-colon": ("klantbeleving/missing-colon.md", 1, "de gegevens stoppen hier (ontbreekt de ':' na 'Title'?); de regels eronder worden als tekst gelezen"),
    "unknown-metadata": ("klantbeleving/unknown-metadata.md", 7, "onbekend gegeven 'Catgory' (bedoel je 'Category'?): Pelican zou het negeren"),
    "bad-status": ("klantbeleving/bad-status.md", 7, "Status 'concept' is niet een van draft, hidden, published"),
    "summary-too-long": ("klantbeleving/summary-too-long.md", 6, "Summary is 249 tekens; houd hem onder de 200, dan past hij in de nieuwsbrief"),
    "duplicate-key": ("klantbeleving/duplicate-key.md", 7, "'Title' staat er twee keer (eerst op regel 1)"),
    "unknown-author-typo": ("klantbeleving/unknown-author-typo.md", 5, "auteur 'Marieke Janssen' is onbekend (bedoel je 'Marieke Jansen'?)"),
}
# Editors on Windows add these; Pelican reads them correctly, so they are accepted, not errors.
ACCEPTED = {"bom-at-start", "windows-line-endings"}


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def good_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("good") / "output"
    build(CONFIG, out)
    return out


def content_with(case: str, tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    if case == "huge-file":
        big = content / "klantbeleving" / "huge-file.md"
        big.write_text("Title: Groot\n\n" + "Heel veel tekst. " * 130_000, encoding="utf-8")
    else:
        shutil.copytree(BAD / case, content, dirs_exist_ok=True)
    return content


def test_corpus_is_complete():
    cases = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert cases == set(EXPECTED) | ACCEPTED
    assert len(EXPECTED) >= 20


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_exact_message_and_output_unchanged(case, tmp_path, good_output, settings):
    content = content_with(case, tmp_path)
    rel, line, message = EXPECTED[case]
    problems = check_content(content, {**settings, "PATH": str(content)})
    found = [(p.path.split("content/", 1)[1], p.line, p.message) for p in problems]
    assert (rel, line, message) in found
    assert len(found) <= 2, found  # one mistake, one message (duplicate slugs name both files)

    output = tmp_path / "output"
    shutil.copytree(good_output, output)
    before = tree_digest(output)
    with pytest.raises(BuildError) as error:
        build(CONFIG, output, PATH=str(content))
    assert any(d.endswith(f"{rel}:{line}: {message}") for d in error.value.details)
    assert tree_digest(output) == before


def test_huge_file_refused(tmp_path, settings):
    content = content_with("huge-file", tmp_path)
    problems = check_content(content, {**settings, "PATH": str(content)})
    assert [(p.line, p.message[:41]) for p in problems] == [(1, "het bestand is 2,2 MB; berichten boven 1 ")]


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_bom_and_crlf_are_read_correctly(case, tmp_path, settings):
    content = content_with(case, tmp_path)
    assert check_content(content, {**settings, "PATH": str(content)}) == []
    out = tmp_path / "output"
    build(CONFIG, out, PATH=str(content))
    html = (out / case / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<h1[^>]*>Een voorbeeld om te testen</h1>", html)


def test_cli_reports_path_line_and_exits_nonzero(tmp_path, good_output):
    from scripts.build import main

    content = content_with("misspelled-tag", tmp_path)
    output = tmp_path / "output"
    shutil.copytree(good_output, output)
    before = tree_digest(output)
    result = CliRunner().invoke(main, ["--content", str(content), "--output", str(output)])
    assert result.exit_code == 1
    assert "content/klantbeleving/misspelled-tag.md:4: tag 'thuiswerkn'" in result.output
    assert "is niet veranderd" in result.output and "Traceback" not in result.output
    assert tree_digest(output) == before
    checked = CliRunner().invoke(main, ["--content", str(content), "--check-only"])
    assert checked.exit_code == 1 and "Fout: Gevonden problemen: 1." in checked.output


def test_pelican_warning_fails_the_build_and_keeps_output(tmp_path, good_output):
    content = content_with("missing-title", tmp_path)  # Pelican itself would skip this post with a warning
    output = tmp_path / "output"
    shutil.copytree(good_output, output)
    before = tree_digest(output)
    with pytest.raises(BuildError, match="inhoud die verloren zou gaan"):
        build(CONFIG, output, run_checks=False, PATH=str(content))
    assert tree_digest(output) == before


def test_project_content_passes_all_checks(settings):
    assert check_content(Path(settings["PATH"]), settings) == []


def test_failing_search_index_fails_the_build_and_keeps_output(tmp_path, good_output, monkeypatch):
    import sys

    output = tmp_path / "output"
    shutil.copytree(good_output, output)
    before = tree_digest(output)

    def broken(*args):
        raise OSError("disk full")

    # The index is computed in this process, so the build sees the patched function.
    monkeypatch.setattr(sys.modules["search_index"], "index_articles", broken)
    with pytest.raises(BuildError, match="de zoekindex kon niet worden gemaakt: OSError: disk full"):
        build(CONFIG, output)
    assert tree_digest(output) == before


def test_bad_synonym_file_names_file_and_line(tmp_path, good_output):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("thuiswerken, op afstand\nalleen\n", encoding="utf-8")
    output = tmp_path / "output"
    shutil.copytree(good_output, output)
    before = tree_digest(output)
    with pytest.raises(BuildError) as error:
        build(CONFIG, output, SEARCH_SYNONYMS_FILE=str(synonyms))
    assert error.value.details == [f"{synonyms}:2: een groep heeft minstens twee termen nodig, gescheiden door komma's"]
    assert tree_digest(output) == before


def test_missing_tag_list_is_a_clear_problem(tmp_path, settings):
    missing = tmp_path / "tags.txt"
    problems = check_content(Path(settings["PATH"]), {**settings, "TAG_VOCABULARY_FILE": str(missing)})
    assert [str(p) for p in problems] == [f"{missing}:0: de lijst met tags ontbreekt: maak hem aan met één toegestane tag per regel"]


# --- make post, writing advice, the command line in Dutch ---------------------------------


def test_make_post_draft_passes_but_goes_live_only_when_written(tmp_path, settings):
    import datetime as dt

    from coachsite.new_post import new_post

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    local = {**settings, "PATH": str(content)}
    path = new_post(content, local, "Mijn nieuwe tip", "klantbeleving", dt.date(2026, 5, 6))
    assert check_content(content, local) == []  # a draft may hold the example text
    path.write_text(path.read_text(encoding="utf-8").replace("Status: draft\n", ""), encoding="utf-8")
    found = [(p.line, p.message.split(";")[0]) for p in check_content(content, local)]
    assert found == [(4, "'Tags:' ontbreekt of is leeg"), (6, "dit is nog de voorbeeldtekst van 'make post' (9 regels, de eerste hier)")]


def test_writing_advice_warns_with_file_and_line_but_never_fails(tmp_path, good_output, settings):
    from scripts.build import main

    content = content_with("broken-anchor", tmp_path)
    post = content / "klantbeleving" / "broken-anchor.md"
    text = post.read_text(encoding="utf-8").replace("Zie [de eerste tip](#1-eerste-tp).", "## 4. Vierde tip\n\n" + "woord " * 1100)
    post.write_text(text, encoding="utf-8")
    warnings = []
    assert check_content(content, {**settings, "PATH": str(content)}, warnings) == []
    assert [str(w).split("content/", 1)[1] for w in warnings] == [
        "klantbeleving/broken-anchor.md:8: het bericht heeft 1128 woorden; boven de 1000 haken veel lezers af (kunnen het twee berichten worden?)",
        "klantbeleving/broken-anchor.md:18: tip 4 moet tip 3 zijn; nummer de tips 1, 2, 3 …",
    ]
    output = tmp_path / "output"
    result = CliRunner().invoke(main, ["--content", str(content), "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "broken-anchor.md:18: waarschuwing: tip 4 moet tip 3 zijn" in result.output
    assert (output / "broken-anchor" / "index.html").exists()
    indexed = len(list((output / "zoeken").glob("*/d/*.json")))
    assert indexed > 0 and f"Zoekindex: {indexed} artikelen." in result.output


def test_new_post_cli_errors_are_one_dutch_line(tmp_path):
    from scripts.new_post import main

    wrong = CliRunner().invoke(main, ["--title", "Iets", "--category", "Klantbelevng"])
    assert wrong.exit_code == 1
    assert wrong.output.strip() == (
        "Fout: CATEGORY 'Klantbelevng' is geen thema; kies uit: Hybride werken, Regelruimte en vertrouwen, "
        "Verwachtingsmanagement, Klantbeleving. Bedoel je 'Klantbeleving'?"
    )
    day_first = CliRunner().invoke(main, ["--title", "Iets", "--category", "Klantbeleving", "--date", "05-11-2026"])
    assert day_first.exit_code == 2 and "'05-11-2026' is geen datum zoals 2026-11-25" in day_first.output
    assert "Ongeldige waarde voor '--date'" in day_first.output and "Traceback" not in day_first.output
    missing = CliRunner().invoke(main, ["--title", "Iets"])
    assert missing.exit_code == 2 and "Fout: Ontbrekende optie '--category'" in missing.output
    assert "Gebruik:" in missing.output
    symbols = CliRunner().invoke(main, ["--title", "?!", "--category", "Klantbeleving"])
    assert symbols.exit_code == 1 and "Fout: TITLE '?!' levert geen webadres op" in symbols.output
    helped = CliRunner().invoke(main, ["--help"])
    assert "Opties:" in helped.output and "Een van de vier thema's" in helped.output


def test_a_post_without_numbered_tips_is_another_format_not_a_warning(tmp_path, settings):
    content = content_with("broken-anchor", tmp_path)
    post = content / "klantbeleving" / "broken-anchor.md"
    text = post.read_text(encoding="utf-8").replace("## 1. Eerste tip", "## Eerste vraag").replace("## 2. Tweede tip", "## Tweede vraag")
    post.write_text(text.replace("Zie [de eerste tip](#1-eerste-tp).", "woord " * 500), encoding="utf-8")
    warnings = []
    assert check_content(content, {**settings, "PATH": str(content)}, warnings) == []
    assert warnings == []


def test_a_synonym_group_that_breaks_the_search_is_refused(tmp_path, settings):
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("klantvriendelijk, vriendelijk, telefoon\nremote werken, afstandswerk\nvriendelijk, hartelijk\n", encoding="utf-8")
    local = {**settings, "SEARCH_SYNONYMS_FILE": str(synonyms), "SEARCH_THESAURUS_FILE": ""}
    found = [(p.line, p.message) for p in check_content(Path(settings["PATH"]), local)]
    assert found == [
        (1, "'telefoon' staat in bijna elk bericht: een groep met dit woord vindt alles"),
        (3, "'vriendelijk' staat al als gelijke term in synonyms.txt:1: één woord, één betekenis"),
    ]


@pytest.mark.parametrize("second, expected", [
    ("## Tweede vraag", "het bericht heeft 1 genummerde tip ('## 1. …'); met 3 of meer"),
    ("## 2. Tweede tip", "het bericht heeft 2 genummerde tips ('## 1. …'); met 3 of meer"),
])
def test_counted_advice_is_proper_dutch_singular_or_plural(tmp_path, settings, second, expected):
    content = content_with("broken-anchor", tmp_path)
    post = content / "klantbeleving" / "broken-anchor.md"
    post.write_text(post.read_text(encoding="utf-8").replace("## 2. Tweede tip", second), encoding="utf-8")
    warnings = []
    check_content(content, {**settings, "PATH": str(content)}, warnings)
    tips = [str(w).split(": ", 1)[1] for w in warnings if "genummerde" in str(w)]
    assert len(tips) == 1 and tips[0].startswith(expected) and "(s)" not in tips[0]
