"""The benchmark's content generator: any valid post as input, and a vocabulary that grows with N."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

ODD_POST = """Title: Een post zoals ze echt geschreven worden
Date: 2026-03-01 09:00
Category: Klantbeleving
Tags: klantbeleving
Authors: Marieke Jansen
Summary: Koppen met direct tekst eronder, lijsten, citaten en links.

Een inleiding met **vet**, _schuin_ en een [link](https://example.org) naar buiten.
## 1. Een kop met direct tekst op de volgende regel
Deze zin staat meteen onder de kop, zonder witregel ertussen, en dat mag in Markdown.

- Een opsomming met een eerste punt dat lang genoeg is om te tellen.
- Een tweede punt met een `code` woord erin dat niet mag blijven staan.

> Een citaat van een teamleider die iets zinnigs zegt over klanten en vertrouwen.

### Een kleinere kop {: #eigen-anker }
1) Een genummerde lijst met een zin die ook weer lang genoeg is.

```
code die nooit tekst wordt
```
"""


def _words(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("artikel-*.md"):
        found |= set(re.findall(r"[a-z0-9]+", path.read_text(encoding="utf-8").lower()))
    return found


def test_any_valid_post_as_input_gives_content_that_builds(tmp_path, settings):
    from generate import generate

    from coachsite.checks import check_content
    from coachsite.site import build_site

    source = tmp_path / "source"
    (source / "klantbeleving").mkdir(parents=True)
    (source / "klantbeleving" / "echt.md").write_text(ODD_POST, encoding="utf-8")
    content = generate(tmp_path / "content", 12, source=source)
    titles = [line for p in content.rglob("artikel-*.md") for line in p.read_text(encoding="utf-8").splitlines()[:1]]
    assert all(t.startswith("Title: ") and "{" not in t and "#" not in t for t in titles)
    text = "\n".join(p.read_text(encoding="utf-8") for p in content.rglob("artikel-*.md"))
    assert "code die nooit" not in text and "`" not in text and "](" not in text
    assert check_content(content, {**settings, "PATH": str(content)}) == []
    build_site(ROOT / "pelicanconf.py", tmp_path / "out", PATH=str(content))
    assert len(list((tmp_path / "out").glob("artikel-*/index.html"))) == 12


def test_vocabulary_grows_with_the_number_of_articles(tmp_path):
    from generate import generate

    small = len(_words(generate(tmp_path / "a", 100)))
    large = len(_words(generate(tmp_path / "b", 800)))
    # Heaps' law with beta ~0.55: eight times the text, about three times the words (not the same).
    assert large > 2 * small
    assert 300 < small < 5000
