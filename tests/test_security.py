"""Escaping, external links and secrets: text from posts can never become markup or a leak."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from coachsite.build import build

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pelicanconf.py"

HOSTILE = """\
Title: Tips <script>alert('titel')</script> & meer
Date: 2026-05-06 09:00
Category: Klantbeleving
Tags: klantbeleving, <b>vet</b>
Authors: Marieke Jansen
Summary: Samenvatting met <img src=x onerror=alert(1)>

Tekst met een [externe link](https://example.org/pagina) en een [interne](/over/).

## 1. Eerste tip

Uitleg.
"""


def test_post_text_is_escaped_everywhere_and_external_links_get_noopener(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    (content / "klantbeleving" / "vijandig.md").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "output"
    build(CONFIG, out, run_checks=False, PATH=str(content))  # the checks would refuse it; the theme must hold too
    for path in out.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert "<script>alert" not in html, path
        assert "onerror=alert" not in html or "&lt;img" in html, path
    article = (out / "vijandig" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<h1[^>]*>Tips &lt;script&gt;alert\(&#39;titel&#39;\)&lt;/script&gt; &amp; meer</h1>", article)
    assert re.search(r'<a href="https://example.org/pagina" rel="noopener noreferrer">', article)
    assert '<a href="/over/">' in article


SECRET_PATTERNS = [
    re.compile(r"(?i)(password|passwd|secret|api[_-]?key|token)\s*[=:]\s*['\"][^'\"\s{}%]{8,}['\"]"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"(?i)smtp://[^:\s]+:[^@\s]+@"),
]


FAKE = re.compile(r"(?i)test|example|dummy|fake|placeholder|changeme")


def test_no_credentials_in_tracked_files():
    if not shutil.which("git") or not (ROOT / ".git").exists():
        files = [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    else:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True)
        files = [ROOT / line for line in listed.stdout.splitlines()]
    assert len(files) > 50
    for path in files:
        if not path.is_file() or path.suffix in {".png", ".svg"} or "fixtures" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in SECRET_PATTERNS:
            for match in pattern.finditer(text):
                if path.name == "test_security.py" or FAKE.search(match[0]):
                    continue  # obviously fake values in tests and docs
                raise AssertionError(f"{path}: looks like a credential: {match[0]}")
