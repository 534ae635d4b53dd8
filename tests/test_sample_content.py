"""The sample content itself: what the brief promises the coach's site starts with."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from coachsite.content import published_articles


@pytest.fixture(scope="module")
def articles(settings):
    return published_articles(settings)


def test_sixteen_articles_four_per_theme(articles, settings):
    per_theme = Counter(a.category.name for a in articles)
    assert set(per_theme) == {t["name"] for t in settings["THEMES"]}
    assert min(per_theme.values()) >= 4
    assert len(articles) >= 16


def test_articles_vary_in_length_and_number_their_tips(articles):
    counts = []
    for article in articles:
        assert 400 <= article.word_count <= 1150, (article.slug, article.word_count)  # body + headings
        numbers = [tip.number for tip in article.tips]
        assert numbers == list(range(1, len(numbers) + 1)), article.slug
        counts.append(article.word_count)
    assert max(counts) - min(counts) >= 300  # not one template
    with_tips = [a for a in articles if len(a.tips) >= 3]
    assert len(articles) // 3 <= len(with_tips) < len(articles)  # tips lists, and other formats too


def test_every_used_tag_is_on_two_articles_and_no_tag_repeats_a_theme(articles, settings):
    uses = Counter(t.name for a in articles for t in a.tags)
    assert all(n >= 2 for n in uses.values()), [t for t, n in uses.items() if n < 2]
    themes = {t["name"].lower() for t in settings["THEMES"]}
    assert not set(uses) & themes


def test_dates_authors_and_newsletter_tag_spread(articles, settings):
    months = {a.date.strftime("%Y-%m") for a in articles}
    assert len(months) >= 8
    assert len({author.name for a in articles for author in a.authors}) >= 2
    tagged = [a for a in articles if settings["NEWSLETTER_TAG"] in {t.name for t in a.tags}]
    assert 0.35 <= len(tagged) / len(articles) <= 0.65


def test_every_article_has_image_with_alt_and_summary(articles):
    for article in articles:
        assert article.image_path and article.image_alt.strip(), article.slug
        assert 20 <= len(article.summary_text) <= 200, article.slug


def test_tags_come_from_the_vocabulary(articles, settings):
    with open(settings["TAG_VOCABULARY_FILE"], encoding="utf-8") as fh:
        vocabulary = {line.strip() for line in fh if line.strip() and not line.startswith("#")}
    for article in articles:
        for tag in article.tags:
            assert tag.name in vocabulary, (article.slug, tag.name)


def test_no_raw_html_in_articles(articles):
    for article in articles:
        with open(article.source_path, encoding="utf-8") as fh:
            assert not re.search(r"<(script|div|span|iframe)\b", fh.read()), article.slug
