"""The built site, read back with BeautifulSoup: pages, Dutch dates, feeds, sitemap, links, metadata."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlparse

import pytest

from coachsite.content import published_articles

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="session")
def articles(settings):
    return published_articles(settings)


def html_pages(site):
    return sorted(p for p in site.rglob("*.html"))


def test_every_published_article_has_a_page(site, articles):
    assert len(articles) >= 16
    for article in articles:
        assert (site / article.slug / "index.html").is_file(), article.slug


def test_drafts_appear_nowhere(site):
    # The draft in content/verwachtingsmanagement uses a word no published text has.
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".xml", ".txt", ".json"}:
            assert "zwaluwstaartofferte" not in path.read_text(encoding="utf-8"), path
    assert not (site / "verwachtingen-in-offertes").exists()


def test_every_page_is_dutch_and_has_one_h1(site):
    pages = html_pages(site)
    assert len(pages) > 40
    for path in pages:
        html = path.read_text(encoding="utf-8")
        assert '<html lang="nl">' in html, path
        assert html.count("<h1") == 1, path


def test_headings_never_skip_a_level(site, soup_of):
    for path in html_pages(site):
        soup = soup_of(str(path.relative_to(site)))
        levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
        for before, after in zip(levels, levels[1:]):
            assert after <= before + 1, f"{path}: h{before} followed by h{after}"


def test_article_shows_dutch_date_author_reading_time(soup_of):
    soup = soup_of("lef-om-nee-te-zeggen")
    byline = soup.select_one(".byline").get_text(" ", strip=True)
    assert "4 maart 2026" in byline
    assert "Marieke Jansen" in byline
    assert re.search(r"\d+ min\. leestijd", byline)
    assert soup.select_one(".byline time")["datetime"].startswith("2026-03-04T09:00:00+01:00")


def test_dutch_dates_use_dutch_month_names_everywhere(site):
    english = re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December)\b")
    for path in html_pages(site):
        assert not english.search(path.read_text(encoding="utf-8")), path


def test_article_has_tips_toc_with_working_anchors(soup_of):
    soup = soup_of("medewerker-wil-niet-terug-naar-kantoor")
    toc = [a["href"][1:] for a in soup.select(".toc a")]
    assert len(toc) >= 3
    for anchor in toc:
        assert soup.find(id=anchor) is not None, anchor
    assert soup.find(id=toc[0]).get_text(strip=True) == "1. Niet oordelen, maar vragen stellen"


def test_canonical_share_links_and_jsonld(soup_of, settings):
    public = settings["PUBLIC_SITEURL"]
    url = f"{public}/lef-om-nee-te-zeggen/"
    soup = soup_of("lef-om-nee-te-zeggen")
    assert soup.find("link", rel="canonical")["href"] == url
    assert soup.find("meta", property="og:url")["content"] == url
    shares = {a.get_text(strip=True): a["href"] for a in soup.select(".share a")}
    assert shares["Deel op LinkedIn"] == "https://www.linkedin.com/sharing/share-offsite/?url=" + quote(url, safe="")
    assert shares["Deel via e-mail"].startswith("mailto:?subject=Lef%20om%20nee")
    assert quote(url, safe="") in shares["Deel via WhatsApp"]
    for a in soup.select(".share a"):
        assert "noopener" in a["rel"]
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["@type"] == "Article"
    assert data["headline"] == soup.h1.get_text(strip=True)
    assert data["mainEntityOfPage"] == url
    assert data["author"] == [{"@type": "Person", "name": "Marieke Jansen"}]
    assert data["inLanguage"] == "nl"


def test_related_articles_and_neighbours(soup_of, articles):
    for article in articles:
        soup = soup_of(article.slug)
        related = [a["href"] for a in soup.select(".related .card-title a")]
        assert 1 <= len(related) <= 3, article.slug
        assert f"/{article.slug}/" not in related
    newest, oldest = articles[0], articles[-1]
    assert soup_of(newest.slug).select_one(".neighbors .next") is None
    assert soup_of(oldest.slug).select_one(".neighbors .prev") is None
    assert soup_of(oldest.slug).select_one(".neighbors .next") is not None


def test_theme_hubs_have_intro_and_all_their_articles(soup_of, settings, articles):
    for theme in settings["THEMES"]:
        slug = theme["name"].lower().replace(" ", "-")
        soup = soup_of(f"thema/{slug}")
        assert soup.h1.get_text(strip=True) == theme["name"]
        assert theme["intro"][:40] in soup.select_one(".lead").get_text()
        listed = {a["href"] for a in soup.select(".card-title a")}
        expected = {f"/{a.slug}/" for a in articles if a.category.name == theme["name"]}
        assert len(expected) >= 4
        assert listed == expected


def test_every_tag_and_author_has_a_page(site, articles, settings):
    for article in articles:
        for tag in article.tags:
            if tag.name in settings["HIDDEN_TAGS"]:
                continue
            assert (site / tag.url / "index.html").is_file(), tag.url
        for author in article.authors:
            assert (site / author.url / "index.html").is_file(), author.url
    for listing in ("tags", "auteurs", "archief", "themas"):
        assert (site / listing / "index.html").is_file()


def test_hidden_tags_select_posts_but_readers_never_see_them(site, published_site, articles, settings):
    hidden = settings["NEWSLETTER_TAG"]
    assert hidden in settings["HIDDEN_TAGS"]
    tagged = [a for a in articles if hidden in {t.name for t in a.tags}]
    assert tagged  # the newsletter still reads the tag
    assert not (site / "tag" / hidden).exists()
    for page in (f"{tagged[0].slug}/index.html", "tags/index.html", "zoeken/index.html", "index.html"):
        html = (site / page).read_text(encoding="utf-8")
        assert f'/tag/{hidden}/"' not in html and f">{hidden}<" not in html, page
    feed = (published_site / "feeds" / "alles.atom.xml").read_text(encoding="utf-8")
    assert f'term="{hidden}"' not in feed
    assert not (site / "zoeken" / "index" / "f").exists() or hidden not in "".join(
        p.read_text(encoding="utf-8") for p in (site / "zoeken" / "index" / "f").glob("*.json")
    )


def test_article_without_numbered_tips_has_no_empty_tips_box(site, soup_of, articles):
    without = [a for a in articles if not a.tips]
    assert without  # the sample content has other formats than tips lists
    for article in without:
        assert soup_of(article.slug).select_one(".toc") is None, article.slug
    listed = {a["href"].strip("/").split("/")[-1] for a in soup_of("tips").select(".tips-article a")}
    assert not listed & {a.slug for a in without}


def test_archive_groups_articles_by_dutch_month(soup_of, articles):
    soup = soup_of("archief")
    months = [h.get_text(strip=True) for h in soup.select("main h2")]
    assert "november 2026" in months and "januari 2026" in months
    assert len(soup.select("main li a")) == len(articles)


def test_feeds_list_every_published_article(published_site, articles, settings):
    site = published_site
    public = settings["PUBLIC_SITEURL"]
    tree = ET.parse(site / "feeds" / "alles.atom.xml")
    links = {e.get("href") for e in tree.iter(f"{ATOM}link") if e.get("rel") == "alternate"}
    for article in articles:
        assert f"{public}/{article.slug}/" in links
    for theme in settings["THEMES"]:
        slug = theme["name"].lower().replace(" ", "-")
        assert (site / "feeds" / f"thema-{slug}.atom.xml").is_file()


def test_sitemap_lists_every_article_and_no_draft(published_site, articles, settings):
    site = published_site
    text = (site / "sitemap.xml").read_text(encoding="utf-8")
    locs = set(re.findall(r"<loc>([^<]+)</loc>", text))
    for article in articles:
        assert f"{settings['PUBLIC_SITEURL']}/{article.slug}/" in locs, article.slug
    assert not any("offertes" in loc for loc in locs)
    robots = (site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {settings['PUBLIC_SITEURL']}/sitemap.xml" in robots


def test_sitemap_dates_a_post_by_its_date_and_a_listing_by_its_newest_post(published_site, articles, settings):
    """Not by the time of the build: an unchanged site has the same sitemap.xml (plugins/sitemap_xml.py)."""
    text = (published_site / "sitemap.xml").read_text(encoding="utf-8")
    dated = dict(re.findall(r"<loc>([^<]+)</loc>\n<lastmod>([^<]+)</lastmod>", text))
    newest = max(articles, key=lambda a: a.date)
    assert dated[f"{settings['PUBLIC_SITEURL']}/"] == newest.date.isoformat(timespec="seconds")
    for article in articles:
        assert dated[f"{settings['PUBLIC_SITEURL']}/{article.slug}/"] == article.date.isoformat(timespec="seconds")


def test_pages_and_404_exist(site, soup_of):
    for slug in ("over", "nieuwsbrief", "contact", "privacy"):
        assert (site / slug / "index.html").is_file(), slug
    assert "niet" in soup_of("404.html").h1.get_text()


def test_signup_form_posts_to_setting_and_links_privacy(soup_of, settings):
    for page in ("index.html", "lef-om-nee-te-zeggen", "nieuwsbrief"):
        form = soup_of(page).select_one(".signup form")
        assert form["action"] == settings["NEWSLETTER_SIGNUP_ACTION"]
        assert form["method"] == "post"
        assert form.select_one("input[type=email][required]") is not None
        consent = form.select_one(".consent")
        assert "ga je akkoord met de privacyvoorwaarden" in consent.get_text()
        assert consent.a["href"] == "/privacy/"


def test_images_have_alt_text_and_exist(site, soup_of):
    for path in html_pages(site):
        for img in soup_of(str(path.relative_to(site))).find_all("img"):
            assert img.has_attr("alt"), path
            src = img["src"]
            assert src.startswith("/"), src
            assert (site / src.lstrip("/")).is_file(), src
    soup = soup_of("lef-om-nee-te-zeggen")
    assert soup.select_one(".post-image img")["alt"].strip()


def test_nothing_loads_from_other_hosts(site, soup_of):
    for path in html_pages(site):
        soup = soup_of(str(path.relative_to(site)))
        for tag, attr in (("script", "src"), ("img", "src"), ("link", "href"), ("iframe", "src")):
            for element in soup.find_all(tag):
                value = element.get(attr)
                if not value or (tag == "link" and element.get("rel") in (["canonical"], ["alternate"])):
                    continue
                assert not urlparse(value).netloc, f"{path}: {tag} {value}"
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert not soup.find("script", src=False, type=lambda t: t != "application/ld+json")


def test_skip_link_and_landmarks(soup_of):
    soup = soup_of("index.html")
    skip = soup.find("a", class_="skip-link")
    assert skip["href"] == "#inhoud" and soup.find("main", id="inhoud")
    assert soup.find("header") and soup.find("footer") and soup.find("nav")


def test_newsletter_web_archive(site, soup_of):
    issues = sorted(p.parent.name for p in (site / "nieuwsbrief").glob("*/index.html"))
    assert "2026-11-25" in issues
    page = soup_of("nieuwsbrief/2026-11-25")
    assert page.h1.get_text(strip=True).startswith("Tips van november")
    assert "25 november 2026" in page.select_one(".meta").get_text()
    assert {a["href"] for a in page.select(".card-title a")} >= {"/van-klacht-naar-vertrouwen/"}
    listed = [a["href"] for a in soup_of("nieuwsbrief").select(".issues a")]
    assert "/nieuwsbrief/2026-11-25/" not in listed  # not sent yet (tests/test_newsletter_coach.py covers sent)
