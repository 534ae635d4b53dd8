"""Building real issues from the project's own posts: the email, the text part, the archive, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from newsletter_helpers import posts, root  # noqa: F401  (fixtures)

from coachsite.newsletter.issue import IssueError, build_issue, newsletter_posts
from coachsite.newsletter.render import GMAIL_CLIP_BYTES, RenderError
from coachsite.newsletter.schedule import issue_dates

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)


def build(date: str, settings, root, posts, **kw):
    return build_issue(dt.date.fromisoformat(date), settings, root, root / "templates", posts=posts, now=NOW, **kw)


def test_every_2026_issue_in_order_covers_each_tagged_post_exactly_once(settings, root, posts):
    seen = []
    for date in issue_dates(2026):
        try:
            built = build(date.isoformat(), settings, root, posts)
        except IssueError as error:
            assert "Geen artikelen voor de nieuwsbrief" in str(error)
            continue
        seen += [p.slug for p in built.selection.posts]
    tagged = {p.slug for p in posts if settings["NEWSLETTER_TAG"] in p.tags}
    assert len(tagged) >= 8
    assert sorted(seen) == sorted(tagged)


def test_november_issue_files_and_json(settings, root, posts):
    built = build("2026-11-25", settings, root, posts)
    folder = root / "2026-11-25"
    assert {p.name for p in folder.iterdir()} == {"issue.json", "email.mjml", "email.html", "email.txt", "images"}
    data = json.loads((folder / "issue.json").read_text(encoding="utf-8"))
    assert data["date"] == "2026-11-25"
    assert data["subject"] == "Tips van november – Van klacht naar vertrouwen: eerlijk zijn over wat kan"  # one colon
    assert [p["slug"] for p in data["posts"]] == [
        "van-klacht-naar-vertrouwen",
        "dienend-leiderschap-het-antwoord-is-ja",
    ]
    assert all(p["url"].startswith(settings["PUBLIC_SITEURL"] + "/") for p in data["posts"])
    assert built.data["preheader"]


def test_email_html_links_utm_images_and_size(settings, root, posts):
    build("2026-11-25", settings, root, posts)
    html = (root / "2026-11-25" / "email.html").read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < GMAIL_CLIP_BYTES
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "nl"
    site = settings["PUBLIC_SITEURL"]
    links = [a["href"] for a in soup.find_all("a", href=True)]
    site_links = [h for h in links if h.startswith(site)]
    assert len(site_links) >= 6
    for href in site_links:
        query = parse_qs(urlsplit(href).query)
        assert query == {"utm_source": ["nieuwsbrief"], "utm_medium": ["email"], "utm_campaign": ["2026-11"]}, href
    assert "%%UNSUBSCRIBE_URL%%" in links
    assert any(h.startswith(f"{site}/nieuwsbrief/2026-11-25/") for h in links)  # "Bekijk in je browser"
    assert soup.find(string=lambda s: s and "Bekijk in je browser" in s)
    for a in soup.find_all("a", string=lambda s: s and "Lees verder" in s):
        assert a["href"].startswith(site)
    images = soup.find_all("img")
    assert images
    for img in images:
        assert img["src"].startswith(f"{site}/nieuwsbrief/2026-11-25/images/") and img["src"].endswith(".png")
        assert img["alt"].strip()
    # Nothing else from elsewhere: no external stylesheets, fonts or scripts.
    assert not soup.find("script")
    assert not soup.find("link", rel="stylesheet")
    assert "googleapis" not in html
    assert "%%GREETING%%" in html


def test_email_text_has_every_title_and_url(settings, root, posts):
    built = build("2026-11-25", settings, root, posts)
    text = (root / "2026-11-25" / "email.txt").read_text(encoding="utf-8")
    for post in built.data["posts"]:
        assert post["title"] in text
        assert post["url"] + "?utm_source=nieuwsbrief&utm_medium=email&utm_campaign=2026-11" in text
    assert "<" not in text  # plain text, no markup
    assert "Afmelden: %%UNSUBSCRIBE_URL%%" in text


def test_intro_markdown_is_used_in_both_parts(settings, root, posts):
    (root / "2026-11-25").mkdir()
    (root / "2026-11-25" / "intro.md").write_text("Fijn dat je er **weer** bent.\n", encoding="utf-8")
    build("2026-11-25", settings, root, posts)
    assert "<strong>weer</strong>" in (root / "2026-11-25" / "email.html").read_text(encoding="utf-8")
    text = (root / "2026-11-25" / "email.txt").read_text(encoding="utf-8")
    assert "Fijn dat je er weer bent." in text and "**" not in text


def test_subject_override_and_header_injection_refused(settings, root, posts):
    built = build("2026-11-25", settings, root, posts, subject="Speciale editie")
    assert built.data["subject"] == "Speciale editie"
    with pytest.raises(RenderError, match="regeleinde, tab of ander stuurteken"):
        build("2026-11-25", settings, root, posts, subject="Hoi\r\nBcc: iedereen@example.org")


def test_wrong_weekday_refused_unless_forced(settings, root, posts):
    with pytest.raises(IssueError, match="niet de laatste woensdag.*2026-11-25.*--force"):
        build("2026-11-24", settings, root, posts)
    assert not (root / "2026-11-24").exists()
    assert build("2026-11-24", settings, root, posts, force=True).data["date"] == "2026-11-24"


def test_sent_issue_is_never_overwritten(settings, root, posts):
    build("2026-11-25", settings, root, posts)
    before = (root / "2026-11-25" / "email.html").read_bytes()
    (root / "2026-11-25" / "sent.json").write_text('{"finished_at": "2026-11-25T10:00:00+01:00"}', encoding="utf-8")
    with pytest.raises(IssueError, match="al verstuurd"):
        build("2026-11-25", settings, root, posts, subject="Anders")
    assert (root / "2026-11-25" / "email.html").read_bytes() == before


def test_no_eligible_post_names_dates_and_tag(settings, root, posts):
    build("2026-11-25", settings, root, posts)
    with pytest.raises(IssueError) as error:
        build("2026-12-30", settings, root, posts)
    message = str(error.value)
    assert "'nieuwsbrief'" in message and "2026-10-28" in message and "2026-12-30" in message


# --- the command line -------------------------------------------------------------------


def run(root, *args):
    from scripts.newsletter import cli

    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


def test_cli_schedule_prints_dutch_dates(root):
    result = run(root, "schedule", "--year", "2026")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 12
    assert "2026-11-25  woensdag 25 november 2026" in lines


def test_cli_build_list_and_errors(root):
    bad = run(root, "build", "--date", "2026-11-24")
    assert bad.exit_code == 1 and "is een dinsdag, niet de laatste woensdag" in bad.output
    nonsense = run(root, "build", "--date", "25-11-2026")
    assert nonsense.exit_code == 2 and "is geen datum zoals 2026-11-25" in nonsense.output
    ok = run(root, "build", "--today", "2026-11-20")  # default date: next issue date
    assert ok.exit_code == 0, ok.output
    assert "Nieuwsbrief van 25 november 2026" in ok.output
    listing = run(root, "list")
    assert "2026-11-25  niet verstuurd" in listing.output
    assert "van-klacht-naar-vertrouwen" in listing.output
    empty = run(root, "build", "--date", "2026-12-30")
    assert empty.exit_code == 1 and "Fout: Geen artikelen voor de nieuwsbrief van 30 december 2026" in empty.output


def test_cli_preview_makes_screenshots(root):
    assert run(root, "build", "--date", "2026-11-25").exit_code == 0
    result = run(root, "preview", "--date", "2026-11-25")
    assert result.exit_code == 0, result.output
    for name in ("preview-desktop.png", "preview-mobile.png"):
        png = root / "2026-11-25" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    preview = (root / "2026-11-25" / "preview.html").read_text(encoding="utf-8")
    assert "Beste Anna," in preview and "%%" not in preview
    # The pictures come from the issue folder itself: no site build needed before a preview.
    assert preview.count(f'src="{(root / "2026-11-25" / "images").resolve().as_uri()}/') == 2


def test_cli_preview_of_an_issue_not_built_is_one_dutch_line(root):
    result = run(root, "preview", "--date", "2026-10-28")
    assert result.exit_code == 1
    assert "bestaat niet" in result.output and "make newsletter DATE=2026-10-28" in result.output
    assert "Traceback" not in result.output
