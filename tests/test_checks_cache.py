"""The checks' findings cache (coachsite/checks/cache.py) never hides a problem.

A file whose bytes did not change is not checked again, so every fact about *other* files that its
findings depend on must invalidate it: a heading it links to, a file or image it names, an address,
tags.txt, the settings. Each test edits something elsewhere and compares the cached run with a run
without cache, problem for problem and warning for warning.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coachsite.checks import check_content
from coachsite.checks import every_file

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).parent / "fixtures" / "bad"
LINKING = "klantbeleving/anchor-in-site-link.md"  # links to /lef-om-nee-te-zeggen/#bestaat-niet
TARGET = Path("verwachtingsmanagement/lef-om-nee-te-zeggen.md")


@pytest.fixture
def content(tmp_path) -> Path:
    """The sample content plus bad cases whose findings depend on other files."""
    copy = tmp_path / "content"
    shutil.copytree(ROOT / "content", copy)
    for case in ("anchor-in-site-link", "broken-filename-link", "broken-site-link", "missing-image", "misspelled-tag", "day-first-date"):
        shutil.copytree(BAD / case, copy, dirs_exist_ok=True)
    return copy


@pytest.fixture
def checked(monkeypatch):
    """How many files the last runs checked (not taken from the cache)."""
    calls: list[str] = []
    real = every_file.check_file
    monkeypatch.setattr(every_file, "check_file", lambda found, *args: calls.append(found.rel) or real(found, *args))
    return calls


def findings(content: Path, settings: dict, cache: Path | None) -> tuple[list[str], list[str]]:
    warnings: list = []
    problems = check_content(content, {**settings, "PATH": str(content)}, warnings, cache)
    return [str(p) for p in problems], [str(w) for w in warnings]


def same_as_uncached(content: Path, settings: dict, cache: Path) -> list[str]:
    cached = findings(content, settings, cache)
    assert cached == findings(content, settings, None)
    return cached[0]


def test_unchanged_files_come_from_the_cache_with_the_same_findings(content, settings, tmp_path, checked):
    cache = tmp_path / "checks.pickle"
    first = same_as_uncached(content, settings, cache)
    assert len(first) >= 6
    files = len(list(content.rglob("*.md")))
    assert len(checked) == 2 * files  # cached run and uncached run
    checked.clear()
    assert findings(content, settings, cache) == findings(content, settings, None)
    assert len(checked) == files  # only the uncached run checked
    post = content / "klantbeleving" / "elk-contactmoment-telt.md"
    post.write_text(post.read_text(encoding="utf-8") + "\nEen extra zin.\n", encoding="utf-8")
    checked.clear()
    findings(content, settings, cache)
    linking = {f"content/{p.relative_to(content)}" for p in content.rglob("*.md") if "elk-contactmoment-telt" in p.read_text(encoding="utf-8", errors="replace")}
    assert "content/klantbeleving/van-klant-naar-fan.md" in linking  # links to it: its anchors may be gone
    assert sorted(checked) == sorted(linking)


def test_a_heading_or_file_changed_elsewhere_reaches_the_unchanged_linking_post(content, settings, tmp_path):
    cache = tmp_path / "checks.pickle"
    linking = content / LINKING
    linking.write_text(linking.read_text(encoding="utf-8").replace("#bestaat-niet", "#3-geef-je-team-toestemming-om-eerlijk-te-zijn"), encoding="utf-8")
    links = lambda: [p for p in same_as_uncached(content, settings, cache) if LINKING in p and "link naar" in p]  # noqa: E731
    assert links() == []
    target = content / TARGET
    target.write_text(target.read_text(encoding="utf-8").replace("## 3. Geef je team", "## 3. Geef iedereen", 1), encoding="utf-8")
    assert "geen kop met anker" in " ".join(links())  # the anchor is gone
    target.unlink()  # the address itself is gone
    assert "geen pagina op de site" in " ".join(links())


def test_images_addresses_tags_and_duplicates_elsewhere_reach_cached_posts(content, settings, tmp_path):
    cache = tmp_path / "checks.pickle"
    same_as_uncached(content, settings, cache)
    (content / "images" / "elk-contactmoment-telt.svg").unlink()
    assert any("elk-contactmoment-telt.md:7: Image" in p for p in same_as_uncached(content, settings, cache))
    (content / "klantbeleving" / "archieven.md").write_text((content / LINKING).read_text(encoding="utf-8"), encoding="utf-8")
    assert not any("'/archieven/'" in p for p in same_as_uncached(content, settings, cache))  # now an address
    tags = tmp_path / "tags.txt"
    tags.write_text((ROOT / "tags.txt").read_text(encoding="utf-8").replace("\nmandaat\n", "\n"), encoding="utf-8")
    local = {**settings, "TAG_VOCABULARY_FILE": str(tags)}
    assert any("tag 'mandaat'" in p for p in same_as_uncached(content, local, cache))
    twin = content / "hybride-werken" / "lef-om-nee-te-zeggen.md"
    shutil.copyfile(content / TARGET, twin)
    assert any("lef-om-nee-te-zeggen.md:1: webadres (slug)" in p for p in same_as_uncached(content, settings, cache))


def test_a_damaged_cache_file_means_checking_everything(content, settings, tmp_path, checked):
    cache = tmp_path / "checks.pickle"
    cache.write_bytes(b"not a pickle")
    same_as_uncached(content, settings, cache)
    assert len(checked) == 2 * len(list(content.rglob("*.md")))
