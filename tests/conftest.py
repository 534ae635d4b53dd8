"""Shared fixtures: one real Pelican build of the project's own content per test session."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from coachsite.site import build_site, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of the project's content/ that a test may edit (modules needing other posts define their own)."""
    return Path(shutil.copytree(ROOT / "content", tmp_path / "content"))


@pytest.fixture(scope="session")
def settings():
    return load_settings(ROOT / "pelicanconf.py")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The site built from content/ into a temporary folder (never the coach's output/)."""
    out = tmp_path_factory.mktemp("site")
    build_site(ROOT / "pelicanconf.py", out)
    return out


@pytest.fixture(scope="session")
def published_site(tmp_path_factory) -> Path:
    """The production build (``make publish``): absolute URLs in feeds and sitemap."""
    out = tmp_path_factory.mktemp("published")
    build_site(ROOT / "publishconf.py", out)
    return out


@pytest.fixture(scope="session")
def soup_of(site):
    @functools.lru_cache(maxsize=None)
    def parse(relative: str) -> BeautifulSoup:
        path = site / relative
        if path.is_dir():
            path = path / "index.html"
        return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")

    return parse


@pytest.fixture(scope="session")
def indexed_site(site) -> Path:
    """The built site with its search index (the index is part of every build, like ``make html``)."""
    return site


@pytest.fixture(scope="session")
def indexed_site_url(indexed_site, served_site) -> str:
    return served_site


@pytest.fixture(scope="module")
def browser(request):
    """Headless Debian Chromium for one test module, ``BROWSER_WIDTH`` px wide (default 1024)."""

    from coachsite.browser import chromium

    if not shutil.which("chromedriver"):
        pytest.fail("chromedriver missing: `make test` installs Debian's chromium-driver")
    with chromium(width=getattr(request.module, "BROWSER_WIDTH", 1024), height=900) as driver:
        yield driver


@pytest.fixture(scope="session")
def served_site(site):
    """The built site on http://127.0.0.1:<free port>/, as a browser would see it."""
    from coachsite.browser import serve_folder

    with serve_folder(site) as url:
        yield url


from business_helpers import BUSINESS_DETAILS  # noqa: E402


@pytest.fixture
def business_details(monkeypatch):
    """Filled-in business details, as a coach has them before she publishes (``make publish`` refuses placeholders)."""
    import sys

    for name, value in BUSINESS_DETAILS.items():
        monkeypatch.setenv(name, value)
    # publishconf.py imports pelicanconf.py, which reads the environment once per import
    monkeypatch.delitem(sys.modules, "pelicanconf", raising=False)
    yield BUSINESS_DETAILS
    sys.modules.pop("pelicanconf", None)
