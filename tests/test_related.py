"""Related posts from bit sets, checked against scoring every pair."""

from __future__ import annotations

import random

from coachsite.related import RelatedIndex


def brute_force(items, item, limit):
    def score(other):
        return 2 * len(set(item["tags"]) & set(other["tags"])) + (item["theme"] == other["theme"])

    ranked = sorted((o for o in items if o is not item and score(o) > 0), key=lambda o: (-score(o), o["age"]))
    return ranked[:limit]


def test_matches_brute_force_on_random_posts():
    rng = random.Random(7)
    tags, themes = [f"t{i}" for i in range(12)], ["a", "b", "c", "d"]
    items = [{"age": i, "tags": rng.sample(tags, rng.randint(0, 5)), "theme": rng.choice(themes)} for i in range(400)]
    index = RelatedIndex(items, tags_of=lambda x: x["tags"], theme_of=lambda x: x["theme"])
    for item in items:
        assert index.related(item, 3) == brute_force(items, item, 3), item


def test_shared_tags_beat_the_same_theme_and_a_draft_gets_related_posts_too():
    a = {"tags": ["x", "y"], "theme": "t1"}
    b = {"tags": ["x", "y"], "theme": "t2"}
    c = {"tags": [], "theme": "t1"}
    d = {"tags": ["z"], "theme": "t3"}
    index = RelatedIndex([a, b, c, d], tags_of=lambda x: x["tags"], theme_of=lambda x: x["theme"])
    assert index.related(a) == [b, c]
    assert index.related(d) == []
    draft = {"tags": ["z"], "theme": "t1"}
    assert index.related(draft) == [d, a, c]
