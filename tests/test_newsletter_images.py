"""The email's pictures (#16): made when an issue is built, kept with it, copied (never rendered) by the site build."""

from __future__ import annotations

import datetime as dt
import email
import json
import subprocess
import sys
from pathlib import Path
from email import policy
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from newsletter_helpers import post, posts, root  # noqa: F401  (fixtures)
from send_helpers import config_for, smtp  # noqa: F401  (fixture)

from coachsite.newsletter.issue import IssueError, build_issue
from coachsite.newsletter.archive import list_issues
from coachsite.site import build_site

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)
NOVEMBER = dt.date(2026, 11, 25)
PNG = b"\x89PNG\r\n\x1a\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20"><rect width="40" height="20" fill="{colour}"/></svg>'


def build(settings, root, posts, **kw):
    return build_issue(NOVEMBER, settings, root, root / "templates", posts=posts, now=NOW, **kw)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def site_file(site: Path, url: str, settings) -> Path:
    """The file in the built site that an absolute URL on the public site names."""
    public = settings["PUBLIC_SITEURL"].rstrip("/")
    assert url.startswith(public + "/"), url
    return site / urlsplit(url).path.lstrip("/")


def test_build_makes_a_png_of_each_selected_posts_svg_and_only_those(settings, root, posts):
    built = build(settings, root, posts)
    folder = root / "2026-11-25" / "images"
    slugs = [p.slug for p in built.selection.posts]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{slug}.png" for slug in slugs)
    assert len(slugs) < len([p for p in posts if p.image_source])  # not every post of the site
    for slug in slugs:
        assert png_size((folder / f"{slug}.png").read_bytes())[0] == settings["EMAIL_IMAGE_WIDTH"]
    data = json.loads((root / "2026-11-25" / "issue.json").read_text(encoding="utf-8"))
    site = settings["PUBLIC_SITEURL"]
    assert [p["image_url"] for p in data["posts"]] == [f"{site}/nieuwsbrief/2026-11-25/images/{slug}.png" for slug in slugs]


def test_raster_image_is_kept_as_it_is_and_a_rebuild_drops_pictures_it_no_longer_shows(settings, root, tmp_path):
    photo = tmp_path / "foto.JPG"
    photo.write_bytes(b"\xff\xd8\xff\xe0 een jpeg die niemand opnieuw codeert")
    drawing = tmp_path / "tekening.svg"
    drawing.write_text(SVG.format(colour="#0f5c63"), encoding="utf-8")
    first = [post("met-foto", "2026-11-10", image_source=str(photo)), post("met-tekening", "2026-11-11", image_source=str(drawing))]
    build(settings, root, first)
    images = root / "2026-11-25" / "images"
    assert (images / "met-foto.jpg").read_bytes() == photo.read_bytes()
    assert png_size((images / "met-tekening.png").read_bytes())[0] == 1200
    build(settings, root, first[:1] + [post("zonder-beeld", "2026-11-12")])
    assert sorted(p.name for p in images.iterdir()) == ["met-foto.jpg"]
    build(settings, root, [post("zonder-beeld", "2026-11-12")])
    assert not images.exists()


def test_an_image_the_email_cannot_show_is_one_clear_line_and_changes_nothing(settings, root, tmp_path):
    broken = tmp_path / "kapot.svg"
    broken.write_text("<svg dit is geen svg", encoding="utf-8")
    with pytest.raises(IssueError, match=r"kapot\.svg: van deze SVG kan geen PNG"):
        build(settings, root, [post("kapot", "2026-11-10", image_source=str(broken))])
    tiff = tmp_path / "scan.tiff"
    tiff.write_bytes(b"II*\x00")
    with pytest.raises(IssueError, match=r"scan\.tiff: dit soort afbeelding tonen mailprogramma's niet"):
        build(settings, root, [post("scan", "2026-11-10", image_source=str(tiff))])
    assert not (root / "2026-11-25").exists()


def test_the_site_publishes_the_issues_own_picture_even_after_the_post_image_changes(settings, root, tmp_path):
    drawing = tmp_path / "tekening.svg"
    drawing.write_text(SVG.format(colour="#0f5c63"), encoding="utf-8")
    built = build(settings, root, [post("met-tekening", "2026-11-10", image_source=str(drawing))])
    kept = (root / "2026-11-25" / "images" / "met-tekening.png").read_bytes()
    drawing.write_text(SVG.format(colour="#e8590c"), encoding="utf-8")  # the coach draws a new one later
    out = tmp_path / "site"
    build_site(ROOT / "pelicanconf.py", out, NEWSLETTER_DIR=str(root))
    url = built.data["posts"][0]["image_url"]
    assert site_file(out, url, settings).read_bytes() == kept


def test_the_site_build_never_renders_an_image(tmp_path):
    """resvg is the newsletter's: a site build does not even import it."""
    script = (
        "import sys; from coachsite.site import build_site; "
        f"build_site({str(ROOT / 'pelicanconf.py')!r}, {str(tmp_path / 'site')!r}); "
        "print('resvg_py' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
    assert not (tmp_path / "site" / "images" / "email").exists()


def test_every_image_of_every_issue_in_the_repository_is_in_the_site(site, settings):
    """Issues built before #16 were migrated: their emails and web copies point at files that exist."""
    issues = list_issues(ROOT / "newsletters")
    assert issues
    for issue in issues:
        html = (issue.folder / "email.html").read_text(encoding="utf-8")
        sources = [img["src"] for img in BeautifulSoup(html, "html.parser").find_all("img")]
        assert sources == [p["image_url"] for p in issue.data["posts"] if p.get("image_url")]
        for url in sources:
            published = site_file(site, url, settings)
            assert published.is_file(), f"{issue.folder.name}: {url}"
            assert published.read_bytes() == (issue.folder / "images" / published.name).read_bytes()


def test_a_test_copy_carries_its_pictures_the_real_email_links_them(settings, root, tmp_path, smtp):
    """The test copy often goes out before the site with the pictures is deployed (auto: two days before)."""
    from coachsite.newsletter.archive import load_issue
    from coachsite.newsletter.message import to_bytes
    from coachsite.newsletter.sendsettings import newsletter_for
    from coachsite.newsletter.subscribers import Subscriber
    from coachsite.newsletter.testcopy import send_test_copy

    drawing = tmp_path / "tekening.svg"
    drawing.write_text(SVG.format(colour="#0f5c63"), encoding="utf-8")
    build(settings, root, [post("met-tekening", "2026-11-10", image_source=str(drawing)), post("zonder-beeld", "2026-11-11")])
    issue = load_issue(root / "2026-11-25")
    config = config_for(smtp, settings)
    assert send_test_copy(issue.folder, ["Marieke <coach@example.nl>"], config).sent == 1
    (received,) = smtp.handler.received("coach@example.nl")
    real = newsletter_for(issue, config).message(Subscriber(line=1, email="coach@example.nl", name="Marieke"), NOW)
    real = email.message_from_bytes(to_bytes(real), policy=policy.default)

    url = issue.data["posts"][1]["image_url"]
    assert f'src="{url}"' in real.get_body(("html",)).get_content()  # subscribers: linked, as published
    assert received["List-Unsubscribe"] == real["List-Unsubscribe"] and received["Subject"] == "[TEST] " + real["Subject"]
    assert received.get_body(("plain",)).get_content() == real.get_body(("plain",)).get_content()
    assert [part.get_content_type() for part in received.walk()] == [
        "multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"]
    html = received.get_body(("html",)).get_content()
    assert url not in html and 'src="cid:met-tekening.png@nieuwsbrief"' in html
    picture = list(received.walk())[-1]
    assert picture["Content-ID"] == "<met-tekening.png@nieuwsbrief>"
    assert picture.get_content() == (root / "2026-11-25" / "images" / "met-tekening.png").read_bytes()
