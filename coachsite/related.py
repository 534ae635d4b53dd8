"""Related posts: most shared tags first, then the same theme, then the newest.

A post scores 2 per shared tag (the newsletter tag says nothing about the topic and is left out)
plus 1 for the same theme. Scoring every pair is quadratic: 115 s of a 10,000-article build
(bench/RESULTS.md). Here every tag and theme is a bit set over the posts (newest = lowest bit);
per post, a bit-sliced counter adds its tags' sets, and the best posts are read off level by level
from the highest possible score, lowest bit first. A handful of big-integer operations per post.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


class RelatedIndex:
    def __init__(self, items: Sequence, tags_of, theme_of):
        """``items`` newest first; ``tags_of(item)`` its topic tags; ``theme_of(item)`` its theme."""
        self.items = list(items)
        self.position = {id(item): i for i, item in enumerate(self.items)}
        self.tags_of, self.theme_of = tags_of, theme_of
        self.tag_sets: dict[Hashable, int] = {}
        self.theme_sets: dict[Hashable, int] = {}
        for i, item in enumerate(self.items):
            for tag in set(tags_of(item)):
                self.tag_sets[tag] = self.tag_sets.get(tag, 0) | 1 << i
            theme = theme_of(item)
            self.theme_sets[theme] = self.theme_sets.get(theme, 0) | 1 << i
        self.everything = (1 << len(self.items)) - 1

    def related(self, item, limit: int = 3) -> list:
        tags = [self.tag_sets[t] for t in set(self.tags_of(item)) if t in self.tag_sets]
        counter: list[int] = []  # bit i of every post's shared-tag count
        for bits in tags:
            carry = bits
            for level, slice_ in enumerate(counter):
                counter[level], carry = slice_ ^ carry, slice_ & carry
            if carry:
                counter.append(carry)
        theme = self.theme_sets.get(self.theme_of(item), 0)
        own = self.position.get(id(item))  # a draft is not among the items
        others = self.everything if own is None else self.everything & ~(1 << own)
        found: list = []
        for shared in range(len(tags), -1, -1):
            exactly = others
            for level, slice_ in enumerate(counter):
                exactly &= slice_ if shared >> level & 1 else ~slice_
            for group in (exactly & theme, exactly & ~theme if shared else 0):
                while group and len(found) < limit:
                    lowest = group & -group
                    found.append(self.items[lowest.bit_length() - 1])
                    group ^= lowest
                if len(found) == limit:
                    return found
        return found
