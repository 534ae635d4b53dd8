"""The sample content itself: what the brief promises the coach's site starts with.

Advice about the coach's own writing (400 to 1000 words, three or more numbered tips, how many
posts carry the newsletter tag) is not asserted here: a long post must not turn CI red. The
length and the tips are warnings of ``make check`` (``coachsite.checks.writing``).
"""

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


def test_dates_and_authors_spread(articles):
    months = {a.date.strftime("%Y-%m") for a in articles}
    assert len(months) >= 8
    assert len({author.name for a in articles for author in a.authors}) >= 2


def test_every_article_has_image_with_alt_and_summary(articles):
    for article in articles:
        assert article.image_path and article.image_alt.strip(), article.slug
        assert 0 < len(article.summary_text) <= 200, article.slug


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
