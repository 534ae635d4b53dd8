"""Rebuilds are never stale: a warm rebuild writes the same bytes as a full build from nothing.

A warm rebuild reuses Pelican's reader cache and the compiled templates, and keeps every file whose
bytes did not change as the old file (hard link, same modification time). These tests edit a post,
rebuild, and compare every file with a full build into a fresh folder with an empty cache.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from coachsite.build import BuildError, build
from coachsite.search_index import Stems

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pelicanconf.py"
POST = Path("klantbeleving/elk-contactmoment-telt.md")
OLD_TITLE = "Elk contactmoment telt, en je medewerkers bepalen hoe het uitpakt"
NEW_TITLE = "Elk gesprek telt, en je medewerkers bepalen hoe het uitpakt"


def files_of(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def full_build(content: Path, tmp_path: Path, **override) -> dict[str, bytes]:
    """The files of a build from nothing (an empty cache folder, a new output folder)."""
    full = tmp_path / "full"
    build(CONFIG, full, PATH=str(content), CACHE_PATH=str(tmp_path / "empty-cache"), **override)
    return files_of(full)


def assert_equals_full_build(site: Path, content: Path, tmp_path: Path) -> None:
    warm, fresh = files_of(site), full_build(content, tmp_path)
    assert sorted(warm) == sorted(fresh)
    assert [name for name in warm if warm[name] != fresh[name]] == []


def showing(site: Path, title: str) -> set[str]:
    """Every file that shows ``title``: as text, HTML-escaped or URL-quoted (share links)."""
    forms = [title.encode(), title.replace(":", "&#58;").encode(), quote(title, safe="").encode()]
    return {name for name, data in files_of(site).items() if any(form in data for form in forms)}


def unhashed(names: set[str]) -> set[str]:
    """File names with the search index's hashed folder name left out (zoeken/<hash>/d/1.json)."""
    return {re.sub(r"^zoeken/[0-9a-f]+/", "zoeken/*/", name) for name in names}


def test_edited_title_is_rewritten_everywhere_and_equals_a_full_build(tmp_path, content):
    site = tmp_path / "site"
    build(CONFIG, site, PATH=str(content), CACHE_PATH=str(tmp_path / "cache"))
    before = showing(site, OLD_TITLE)
    # The pages a reader sees the title on: its own page, cards on listings, related posts and
    # neighbours, tag and theme pages, feeds, /tips/ and the search index data.
    for expected in ("elk-contactmoment-telt/index.html", "pagina/2/index.html", "archief/index.html", "tips/index.html"):
        assert expected in before
    for prefix in ("tag/", "thema/klantbeleving/", "themas/", "feeds/", "zoeken/", "auteur/"):
        assert any(name.startswith(prefix) for name in before), prefix
    listings = ("tag", "thema", "themas", "feeds", "zoeken", "auteur", "archief", "tips", "pagina")
    other_posts = {name for name in before if name.split("/")[0] not in listings} - {"elk-contactmoment-telt/index.html"}
    assert len(other_posts) >= 4  # related posts and previous/next

    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace(OLD_TITLE, NEW_TITLE), encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=str(tmp_path / "cache"))

    assert showing(site, OLD_TITLE) == set()
    assert unhashed(showing(site, NEW_TITLE)) == unhashed(before)  # the index folder is named by its content
    assert_equals_full_build(site, content, tmp_path)


def reused(tmp_path: Path) -> tuple[int, int]:
    """Pages the last build copied instead of rendering (plugins/render_cache.py), of all pages."""
    records = list((tmp_path / "cache").glob("render-*.json"))
    assert len(records) == 1
    record = json.loads(records[0].read_text(encoding="utf-8"))
    return record["reused"], len(record["pages"])


def test_an_unchanged_feed_is_copied_and_a_feed_showing_an_edited_post_is_written(tmp_path, content):
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    copied, pages = reused(tmp_path)
    assert copied == pages and "feeds/alles.atom.xml" in json.loads(next((tmp_path / "cache").glob("render-*.json")).read_text())["pages"]
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace("Ze had gelijk.", "Ze had gelijk, zei ze zacht.", 1), encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    assert "zei ze zacht" in (site / "feeds" / "alles.atom.xml").read_text(encoding="utf-8")
    assert_equals_full_build(site, content, tmp_path)


def test_edited_text_rerenders_what_shows_it_and_equals_a_full_build(tmp_path, content):
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    assert reused(tmp_path)[0] == 0
    post = content / POST
    text = post.read_text(encoding="utf-8")
    post.write_text(text.replace("Ze had gelijk.", "Ze had volkomen gelijk, en iedereen wist het.", 1), encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    copied, pages = reused(tmp_path)
    assert pages // 2 < copied < pages  # most pages copied, the post's own page rendered
    assert "Ze had volkomen gelijk, en iedereen wist het." in (site / POST.stem / "index.html").read_text(encoding="utf-8")
    assert_equals_full_build(site, content, tmp_path)


def test_a_page_changed_by_hand_is_rendered_again(tmp_path, content):
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    page = site / "over" / "index.html"
    good = page.read_text(encoding="utf-8")
    page.unlink()  # never write through a hard link: the file may be shared with an older build
    page.write_text(good.replace("<h1", "<h1 data-hand-edit", 1), encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    assert page.read_text(encoding="utf-8") == good


def test_unchanged_files_keep_inode_and_mtime_changed_ones_do_not(tmp_path, content):
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    # the search index lives in a folder named by its content hash: a changed index is a new
    # folder by design (a page can never mix two builds' files), so it is left out here
    first = {p: p.stat() for p in site.rglob("*") if p.is_file() and "zoeken" not in p.relative_to(site).parts[:1]}
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8") + "\nEen nieuwe slotzin over aandacht.\n", encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)

    page = site / "elk-contactmoment-telt" / "index.html"
    assert "Een nieuwe slotzin over aandacht." in page.read_text(encoding="utf-8")
    assert page.stat().st_ino != first[page].st_ino
    about = site / "over" / "index.html"  # shows no article: untouched
    assert (about.stat().st_ino, about.stat().st_mtime_ns) == (first[about].st_ino, first[about].st_mtime_ns)
    kept = sum(1 for p, old in first.items() if p.exists() and p.stat().st_ino == old.st_ino)
    assert kept > len(first) // 2


def test_failed_rebuild_changes_nothing_in_output(tmp_path, content):
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    before = {str(p): (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*")}
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace("Tags: ", "Tags: bestaatniet, ", 1), encoding="utf-8")
    with pytest.raises(BuildError) as error:
        build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    assert any("elk-contactmoment-telt.md:4: tag 'bestaatniet'" in line for line in error.value.details)
    assert {str(p): (p.stat().st_ino, p.stat().st_mtime_ns) for p in site.rglob("*")} == before
    assert not list(tmp_path.glob(".output-*"))


def test_template_error_names_template_file_and_line(tmp_path, content):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    template = theme / "templates" / "article.html"
    lines = template.read_text(encoding="utf-8").splitlines()
    lines[4] += " {% if %}"
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BuildError) as error:
        build(CONFIG, tmp_path / "site", PATH=str(content), THEME=str(theme), CACHE_PATH=str(tmp_path / "cache"))
    assert len(error.value.details) == 1
    assert error.value.details[0].startswith(f"{template}:5: TemplateSyntaxError: ")
    assert not (tmp_path / "site").exists()


def test_only_a_posts_own_page_shows_its_text():
    """plugins/render_cache.py re-renders a listing when a listed post's card changes, not its
    text: a template showing the text of a post that is not the page's own would go stale."""
    import re

    uses = set()
    for template in (ROOT / "theme" / "templates").rglob("*.html"):
        for found in re.findall(r"(\w+)\.(content|summary|_content|get_content)\b", template.read_text(encoding="utf-8")):
            uses.add((template.name, found[0]))
    assert uses <= {("article.html", "article"), ("page.html", "page"), ("newsletter_issue.html", "post")}


def _add_post(content: Path) -> None:
    source = (content / POST).read_text(encoding="utf-8")
    new = source.replace(OLD_TITLE, "Een nieuwe tip over elk contactmoment", 1).replace("2026-01-28", "2026-02-03", 1)
    (content / "klantbeleving" / "nieuwe-tip-over-contact.md").write_text(new, encoding="utf-8")


def _delete_post(content: Path) -> None:
    (content / "klantbeleving" / "medewerkers-betrekken-bij-beleid.md").unlink()  # no post links to it


def _change_tags(content: Path) -> None:
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace("Tags: klantbeleving, ", "Tags: ", 1), encoding="utf-8")


@pytest.mark.parametrize("edit", [_add_post, _delete_post, _change_tags], ids=["add", "delete", "tags"])
def test_other_edits_equal_a_full_build(tmp_path, content, edit):
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    edit(content)
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    assert_equals_full_build(site, content, tmp_path)


def _index_folder(site: Path) -> Path:
    folders = [p for p in (site / "zoeken").iterdir() if p.is_dir()]
    assert len(folders) == 1
    return folders[0]


def test_search_index_counts_only_the_edited_post_and_links_unchanged_index_files(tmp_path, content, monkeypatch):
    """coachsite/search_cache.py keeps each post's counts; write_index hard-links index files whose
    bytes did not change. Both must give the index a full build gives, byte for byte."""
    from coachsite import search_cache, side_jobs

    monkeypatch.setattr(side_jobs, "can_fork", lambda: False)  # counted in this process, to be seen here
    counted = []
    save = search_cache.CountCache.save
    monkeypatch.setattr(search_cache.CountCache, "save", lambda self: (counted.append(self.counted), save(self))[1])
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    old_folder = _index_folder(site)
    old_files = {p.relative_to(old_folder): p.stat().st_ino for p in old_folder.rglob("*") if p.is_file()}
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace("Ze had gelijk.", "Ze had gelijk, zei de teamleider.", 1), encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    published = len(list(_index_folder(site).glob("d/*.json")))
    assert counted == [published, 1]  # the first build counted every post, the second only the edited one
    assert (tmp_path / "cache" / search_cache.DELTA_NAME).is_file()  # only the edited post's counts written
    other = content / "klantbeleving" / "medewerkers-betrekken-bij-beleid.md"
    other.write_text(other.read_text(encoding="utf-8") + "\nNog een zin over beleid.\n", encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    assert counted == [published, 1, 1]  # the first edited post came from the delta file
    new_folder = _index_folder(site)
    assert new_folder.name != old_folder.name
    inodes = {p.relative_to(new_folder): p.stat().st_ino for p in new_folder.rglob("*") if p.is_file()}
    same = [name for name, ino in inodes.items() if old_files.get(name) == ino]
    # every other post's data linked; on this small site an edited post's terms reach about half the
    # posting shards (its length changes all its scores); those two edits leave a quarter alone
    assert len([name for name in same if name.parts[0] == "d"]) == published - 2
    assert published < len(same) < len(inodes)  # index files linked too
    assert_equals_full_build(site, content, tmp_path)


def test_changed_thesaurus_phrases_recount_and_equal_a_full_build(tmp_path, content):
    """Phrase postings ("eerste lijn") are counted per post: new phrases must reach every post."""
    thesaurus = tmp_path / "thesaurus.txt"
    thesaurus.write_text((ROOT / "thesaurus.txt").read_text(encoding="utf-8"), encoding="utf-8")
    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache, SEARCH_THESAURUS_FILE=str(thesaurus))
    with thesaurus.open("a", encoding="utf-8") as handle:
        handle.write("\n# a test group\neerlijk antwoord, duidelijk antwoord ; eerlijkheid\n")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache, SEARCH_THESAURUS_FILE=str(thesaurus))
    warm, fresh = files_of(site), full_build(content, tmp_path, SEARCH_THESAURUS_FILE=str(thesaurus))
    phrase = " ".join(Stems()(word) for word in ("eerlijk", "antwoord")).encode()
    assert any(b'"' + phrase + b'"' in data for name, data in fresh.items() if name.startswith("zoeken/"))
    assert sorted(warm) == sorted(fresh)
    assert [name for name in warm if warm[name] != fresh[name]] == []


def test_an_index_file_changed_by_hand_or_a_damaged_cache_is_never_reused(tmp_path, content):
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(CONFIG, site, PATH=str(content), CACHE_PATH=str(cache))
    folder = _index_folder(site)
    changed = folder / "t.json"
    good = changed.read_bytes()
    changed.unlink()  # never write through a hard link
    changed.write_bytes(good.replace(b"[", b"[ ", 1))
    (cache / "search-counts.marshal").write_bytes(b"\x00damaged")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=str(cache))
    assert (_index_folder(site) / "t.json").read_bytes() == good
    assert files_of(site) == full_build(content, tmp_path)


def test_index_files_whose_inputs_did_not_change_are_linked_unless_changed_by_hand(tmp_path, content):
    """An article's data file and the typo and compound shards are not made again when their inputs
    are the last build's (``search_files.Unchanged``): linked, or made anyway if the old file changed."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    build(CONFIG, site, PATH=str(content), CACHE_PATH=str(cache))
    folder = _index_folder(site)
    article, typo = folder / "d" / "0.json", folder / "w" / "0.json"
    good = article.read_bytes()
    inode = typo.stat().st_ino
    article.unlink()  # never write through a hard link
    article.write_bytes(good.replace(b"{", b"{ ", 1))
    post = content / POST
    post.write_text(post.read_text(encoding="utf-8").replace("Ze had gelijk.", "Ze had gelijk, zei ze.", 1), encoding="utf-8")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=str(cache))
    folder = _index_folder(site)
    assert (folder / "d" / "0.json").read_bytes() == good
    assert (folder / "w" / "0.json").stat().st_ino == inode  # no new word: the typo shards are the old files
    assert files_of(site) == full_build(content, tmp_path)


def test_the_replaced_site_is_kept_as_spare_folders_or_deleted_by_another_process(tmp_path, content):
    """make html (scripts/build.py) returns once the new site is in place; the old one becomes the
    next build's folders (coachsite/spare_tree.py), or, when a spare is already there, is removed
    beside it (on this VM deleting ~1,500 folders took seconds)."""
    from coachsite.build import discard_later

    site, cache = tmp_path / "site", str(tmp_path / "cache")
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache)
    children = []
    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache, discard=lambda old, spare: children.append(discard_later(old, spare)))
    assert children == [None] and (site / "index.html").is_file()
    assert [p.name for p in tmp_path.glob(".output-*")] == [".output-spare-site"]  # its folders, for the next build
    assert [p for p in (tmp_path / ".output-spare-site").rglob("*") if not p.is_dir()] == []

    def another_spare_appeared(old, spare):
        spare.mkdir()  # e.g. made by a build of make serve meanwhile
        children.append(discard_later(old, spare))

    build(CONFIG, site, PATH=str(content), CACHE_PATH=cache, discard=another_spare_appeared)
    assert len(children) == 2 and children[1].wait(timeout=60) == 0
    assert [p.name for p in tmp_path.glob(".output-*")] == [".output-spare-site"]
