"""The quick path of ``make serve`` (``coachsite.serve_worker``) writes exactly what a full build writes.

The warm site is captured from a real build in this process; a saved post's page is rendered from it
and compared, byte for byte, with the same page of a full build with an empty cache. Whatever the
quick path cannot be sure of (a changed slug, tags or date, a new file, a draft) must be refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coachsite.build import build
from coachsite.serve_worker import Capture, load_sources, quick_update

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pelicanconf.py"
POST = Path("klantbeleving/elk-contactmoment-telt.md")
PAGE = "elk-contactmoment-telt/index.html"
OLD_TITLE = "Elk contactmoment telt, en je medewerkers bepalen hoe het uitpakt"


@pytest.fixture
def warm(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    output = tmp_path / "output"
    with Capture() as capture:
        build(CONFIG, output, PATH=str(content), CACHE_PATH=str(tmp_path / "cache"))
    site = capture.site(output)
    load_sources(site)
    return site, content, output


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def full_build(tmp_path: Path, content: Path) -> Path:
    fresh = tmp_path / "fresh"
    build(CONFIG, fresh, PATH=str(content), CACHE_PATH=str(tmp_path / "empty-cache"))
    return fresh


def test_saved_body_and_title_give_the_page_of_a_full_build(tmp_path, warm):
    site, content, output = warm
    post = content / POST
    with post.open("a", encoding="utf-8") as handle:
        handle.write("\nEen nieuwe alinea met een [link naar de tips](/tips/) erin.\n\n## 9. Een extra tip\n\nMet uitleg.\n")
    result = quick_update(site, [str(post)])
    assert result["ok"] and result["pages"] == [PAGE]
    assert "Een extra tip" in (output / PAGE).read_text(encoding="utf-8")
    assert (output / PAGE).read_bytes() == (full_build(tmp_path, content) / PAGE).read_bytes()

    edit(post, OLD_TITLE, "Elk gesprek telt")  # a second save: the worker keeps its state
    result = quick_update(site, [str(post)])
    assert result["ok"]
    shutil.rmtree(tmp_path / "fresh")
    assert (output / PAGE).read_bytes() == (full_build(tmp_path, content) / PAGE).read_bytes()


def test_a_post_showing_the_saved_post_gets_its_new_title_on_its_next_save(tmp_path, warm):
    site, content, output = warm
    edit(content / POST, OLD_TITLE, "Elk gesprek telt")
    assert quick_update(site, [str(content / POST)])["ok"]
    fresh = full_build(tmp_path, content)
    # A page whose related posts or neighbours show the edited post, saved without a change.
    other = next(
        p for p in sorted(content.rglob("*.md"))
        if "pages" not in p.parts and p != content / POST and "Elk gesprek telt" in (fresh / p.stem / "index.html").read_text(encoding="utf-8")
    )
    other.touch()
    result = quick_update(site, [str(other)])
    assert result["ok"]
    assert (output / other.stem / "index.html").read_bytes() == (fresh / other.stem / "index.html").read_bytes()


@pytest.mark.parametrize(
    "old, new",
    [
        ("Tags: ", "Tags: klachten, "),  # tags: related posts and tag pages of others
        ("Date: 2026-", "Date: 2025-"),  # neighbours and order
        ("Title: ", "Slug: een-ander-adres\nTitle: "),  # the address
        ("Title: ", "Status: draft\nTitle: "),  # leaves the site
    ],
)
def test_what_changes_other_pages_first_needs_a_build(warm, old, new):
    site, content, output = warm
    before = (output / PAGE).read_bytes()
    edit(content / POST, old, new)
    assert "fallback" in quick_update(site, [str(content / POST)])
    assert (output / PAGE).read_bytes() == before


def test_new_and_unknown_files_need_a_build(warm):
    site, content, _output = warm
    new = content / "klantbeleving" / "nieuw.md"
    shutil.copy(content / POST, new)
    assert "fallback" in quick_update(site, [str(new)])
    assert "fallback" in quick_update(site, [str(content / "pages" / "over.md")])


def test_a_failed_check_is_a_build_error_naming_file_and_line(warm):
    site, content, output = warm
    before = (output / PAGE).read_bytes()
    edit(content / POST, "Tags: ", "Tags: bestaatniet, ")
    result = quick_update(site, [str(content / POST)])
    assert result["ok"] is False
    assert any(line.startswith(f"content/{POST}:4: ") and "bestaatniet" in line for line in result["details"])
    assert (output / PAGE).read_bytes() == before


def test_removing_an_anchor_another_post_links_to_is_caught(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    target = content / POST
    heading = next(line for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("## 1."))
    other = next(p for p in sorted((content / "klantbeleving").glob("*.md")) if p != target)
    output = tmp_path / "output"
    build(CONFIG, tmp_path / "probe", PATH=str(content), CACHE_PATH=str(tmp_path / "cache"))
    page = (tmp_path / "probe" / PAGE).read_text(encoding="utf-8")
    anchor = page.split(f">{heading[3:].strip()}</h2>")[0].rsplit('id="', 1)[1].split('"')[0]
    with other.open("a", encoding="utf-8") as handle:
        handle.write(f"\nLees ook [de eerste tip](/elk-contactmoment-telt/#{anchor}).\n")
    with Capture() as capture:
        build(CONFIG, output, PATH=str(content), CACHE_PATH=str(tmp_path / "cache"))
    site = capture.site(output)
    load_sources(site)
    edit(target, heading, "## 1. Een andere kop")
    result = quick_update(site, [str(target)])
    assert result["ok"] is False
    assert any(line.startswith(f"content/klantbeleving/{other.name}:") and anchor in line for line in result["details"])


def test_a_post_pelican_warns_about_needs_a_build(warm, monkeypatch):
    """A full build fails on Pelican's warnings (lost content); the quick path must not show the page."""
    import logging

    import article_extras

    site, content, output = warm
    before = (output / PAGE).read_bytes()
    plain = article_extras.own_fields

    def warning(article, settings):
        logging.getLogger("pelican.readers").warning("Skipping %s: something is lost", article.source_path)
        plain(article, settings)

    monkeypatch.setattr(article_extras, "own_fields", warning)
    with (content / POST).open("a", encoding="utf-8") as handle:
        handle.write("\nNog een zin.\n")
    result = quick_update(site, [str(content / POST)])
    assert "something is lost" in result.get("fallback", ""), result
    assert (output / PAGE).read_bytes() == before


def test_a_problem_stays_until_its_file_is_fixed_whatever_is_saved_meanwhile(warm):
    site, content, output = warm
    edit(content / POST, "Tags: ", "Tags: bestaatniet, ")
    assert quick_update(site, [str(content / POST)])["ok"] is False
    other = next(p for p in sorted((content / "klantbeleving").glob("*.md")) if p != content / POST)
    with other.open("a", encoding="utf-8") as handle:
        handle.write("\nEen goede zin.\n")
    result = quick_update(site, [str(other)])  # a good save elsewhere: the site is still broken
    assert result["ok"] is False and any(f"content/{POST}:4: " in line for line in result["details"])
    edit(content / POST, "Tags: bestaatniet, ", "Tags: ")
    result = quick_update(site, [str(content / POST)])
    assert result["ok"] is True  # and the post saved meanwhile is shown too
    assert sorted(result["pages"]) == sorted([PAGE, f"{other.stem}/index.html"])
    assert "Een goede zin." in (output / other.stem / "index.html").read_text(encoding="utf-8")
