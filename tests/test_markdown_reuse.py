"""plugins/markdown_reuse.py: one converter reset between posts gives the HTML and metadata a new
converter per post gives, in any order of posts (state of one post must never leak into the next)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from pelican.readers import MarkdownReader

from coachsite.site import load_settings

ROOT = Path(__file__).resolve().parent.parent

TRICKY = {
    "voetnoot.md": "Title: Met voetnoot\nSummary: Een *korte* samenvatting[^a].\n\nTekst[^1] en meer[^a].\n\n[^1]: Eerste noot.\n[^a]: Tweede noot.\n",
    "afkorting.md": "Title: Afkorting\nTags: klant, team\n\nDe KCC belt terug.\n\n*[KCC]: Klantcontactcentrum\n",
    "koppen.md": "Title: Koppen\n\n## 1. Tip\n\nTekst.\n\n## 1. Tip\n\nNog eens.\n\n[ref]: https://example.org\n",
    "zonder-meta.md": "Gewoon tekst zonder kopregels, met een [link][ref].\n",
    "tabel.md": "Title: Tabel\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n> Een citaat\n\n- een\n- twee\n",
}


def _plugin():
    sys.path.insert(0, str(ROOT / "plugins"))
    try:
        return sys.modules.get("markdown_reuse") or importlib.import_module("markdown_reuse")
    finally:
        sys.path.remove(str(ROOT / "plugins"))


def test_reused_converter_reads_like_a_new_one(tmp_path):
    settings = load_settings(ROOT / "pelicanconf.py", CACHE_PATH=str(tmp_path / "cache"))
    files = sorted((ROOT / "content").rglob("*.md"))
    for name, text in TRICKY.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    files += sorted(tmp_path.glob("*.md"))
    # twice, the tricky ones between real posts, so every post follows one with other state
    order = [files[i // 2] if i % 2 == 0 else files[-1 - i // 2 % len(TRICKY)] for i in range(2 * len(files))]
    reused = _plugin().ReusedMarkdownReader(settings)
    for path in order:
        assert reused.read(str(path)) == MarkdownReader(settings).read(str(path)), path
    assert reused._converter is not None  # one converter served them all


def test_the_plugin_replaces_only_pelicans_markdown_reader():
    plugin = _plugin()

    class Readers:
        reader_classes = {"md": MarkdownReader, "markdown": MarkdownReader, "html": object}

    plugin.use_reused_reader(Readers)
    assert Readers.reader_classes == {"md": plugin.ReusedMarkdownReader, "markdown": plugin.ReusedMarkdownReader, "html": object}
