"""Frozen URLs (plugins/article_extras.py, ``freeze_urls``) are the URLs Pelican would compute.

Every post's and page's ``url`` and ``save_as`` are kept once all content is read. At the end of
a build each kept value must still equal Pelican's own formatting of it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pelican import signals

from coachsite.site import build_site

ROOT = Path(__file__).resolve().parent.parent
LISTS = ("articles", "translations", "drafts", "hidden_articles", "pages", "hidden_pages", "draft_pages")


def test_frozen_urls_equal_pelicans_at_the_end_of_the_build(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    post = content / "klantbeleving" / "elk-contactmoment-telt.md"
    post.write_text(post.read_text(encoding="utf-8").replace("Title:", "Status: draft\nTitle:", 1), encoding="utf-8")
    seen: list = []

    def keep(generators):
        seen.extend(generators)

    signals.all_generators_finalized.connect(keep)
    try:
        build_site(ROOT / "pelicanconf.py", tmp_path / "site", PATH=str(content), CACHE_PATH=str(tmp_path / "cache"))
    finally:
        signals.all_generators_finalized.disconnect(keep)
    contents = [c for g in seen for name in LISTS for c in getattr(g, name, ())]
    assert {type(c).__name__ for c in contents} >= {"Article", "Page"}
    assert any(c.status == "draft" for c in contents)
    frozen = [c for c in contents if "_frozen_url" in vars(c)]
    assert len(frozen) == len(contents)
    for item in frozen:
        assert (item.url, item.save_as) == (item.get_url_setting("url"), item.get_url_setting("save_as"))
        assert (tmp_path / "site" / item.save_as).is_file() or not item.save_as
