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
    "missing-title": ("klantbeleving/missing-title.md", 1, "'Title:' is missing or empty"),
    "missing-summary": ("klantbeleving/missing-summary.md", 1, "'Summary:' is missing or empty"),
    "unparsable-date": ("klantbeleving/unparsable-date.md", 2, "Date 'volgende week dinsdag' is not a date; write it like 2026-11-25 09:00"),
    "date-31-02": ("klantbeleving/date-31-02.md", 2, "Date '2026-02-31' is not a valid date: day is out of range for month; write it like 2026-11-25 09:00"),
    "unknown-category": ("klantbeleving/unknown-category.md", 3, "Category 'Klantbelevng' is not one of the themes: Hybride werken, Regelruimte en vertrouwen, Verwachtingsmanagement, Klantbeleving (did you mean 'Klantbeleving'?)"),
    "misspelled-tag": ("klantbeleving/misspelled-tag.md", 4, "tag 'thuiswerkn' is not in tags.txt (did you mean 'thuiswerken'?); add it there first if it is new"),
    "duplicate-slug": ("klantbeleving/lef-om-nee-te-zeggen.md", 1, "slug 'lef-om-nee-te-zeggen' is also used by content/verwachtingsmanagement/lef-om-nee-te-zeggen.md; rename one file or set 'Slug:'"),
    "broken-filename-link": ("klantbeleving/broken-filename-link.md", 18, "link to '{filename}/klantbeleving/bestaat-niet.md': no such file in content/"),
    "broken-anchor": ("klantbeleving/broken-anchor.md", 18, "link to '#1-eerste-tp': no heading with that anchor in this post (did you mean '1-eerste-tip'?)"),
    "broken-site-link": ("klantbeleving/broken-site-link.md", 18, "link to '/archieven/': no page on the site has that address"),
    "missing-image": ("klantbeleving/missing-image.md", 7, "Image '{static}/images/bestaat-niet.svg' does not exist in content/"),
    "image-without-alt": ("klantbeleving/image-without-alt.md", 18, "image '{static}/images/logo.svg' has no alt text: write it between the brackets, ![like this]({static}/images/logo.svg)"),
    "image-metadata-without-alt": ("klantbeleving/image-metadata-without-alt.md", 7, "Image has no ImageAlt: describe the image for readers who cannot see it"),
    "latin-1": ("klantbeleving/latin-1.md", 6, "not valid UTF-8 (byte 168); save the file as UTF-8"),
    "empty-file": ("klantbeleving/empty-file.md", 1, "the file is empty; start with a 'Title:' line"),
    "script-in-title": ("klantbeleving/script-in-title.md", 1, "Title contains HTML ('<script>'); write plain text"),
    "script-in-tag": ("klantbeleving/script-in-tag.md", 4, "Tags contains HTML ('<script>'); write plain text"),
    "script-in-summary": ("klantbeleving/script-in-summary.md", 6, "Summary contains HTML ('<script>'); write plain text"),
    "script-in-body": ("klantbeleving/script-in-body.md", 18, "'<script' is not allowed in a post (no scripts or embedded HTML)"),
    "front-matter-only": ("klantbeleving/front-matter-only.md", 7, "there is no text after the metadata"),
    "tab-indented-metadata": ("klantbeleving/tab-indented-metadata.md", 4, "the metadata stops here (this line starts with a tab or spaces; metadata lines start at the left margin); the lines below it are read as text"),
    "missing-colon": ("klantbeleving/missing-colon.md", 1, "the metadata stops here (missing ':' after 'Title'?); the lines below it are read as text"),
    "unknown-metadata": ("klantbeleving/unknown-metadata.md", 7, "unknown metadata 'Catgory' (did you mean 'Category'?): Pelican would ignore it"),
    "bad-status": ("klantbeleving/bad-status.md", 7, "Status 'concept' is not one of draft, hidden, published"),
    "summary-too-long": ("klantbeleving/summary-too-long.md", 6, "Summary is 249 characters; keep it under 200 so it fits the newsletter"),
    "duplicate-key": ("klantbeleving/duplicate-key.md", 7, "'Title' appears twice (first on line 1)"),
    "unknown-author-typo": ("klantbeleving/unknown-author-typo.md", 5, "author 'Marieke Janssen' is unknown (did you mean 'Marieke Jansen'?)"),
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
    assert [(p.line, p.message[:40]) for p in problems] == [(1, "the file is 2.2 MB; posts over 1 MB are ")]


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
    assert "is unchanged" in result.output
    assert tree_digest(output) == before
    checked = CliRunner().invoke(main, ["--content", str(content), "--check-only"])
    assert checked.exit_code == 1 and "1 problem(s) found." in checked.output


def test_pelican_warning_fails_the_build_and_keeps_output(tmp_path, good_output):
    content = content_with("missing-title", tmp_path)  # Pelican itself would skip this post with a warning
    output = tmp_path / "output"
    shutil.copytree(good_output, output)
    before = tree_digest(output)
    with pytest.raises(BuildError, match="lost content"):
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
    with pytest.raises(BuildError, match="search index failed: OSError: disk full"):
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
    assert [str(p) for p in problems] == [f"{missing}:0: the tag list is missing: create it with one allowed tag per line"]
