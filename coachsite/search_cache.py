"""Per-document counts of the search index, kept between builds in Pelican's cache folder.

Why: counting (folding, splitting, stemming, phrase scanning) is most of the index's work and
depends on nothing but the document itself, the term groups' phrases and the code. A warm build
after editing one post counts that post only; BM25 weights (which depend on every document) are
still computed afresh from the counts, so the index is the same as a full build's, byte for byte
(``tests/test_build_incremental.py``).

A document's key is a hash of all its fields (so a field added to ``Document`` is covered
without a change here), the phrases, the stemmer version and the source of the counting code.
The file holds only the documents of the last build and is replaced atomically; a damaged or
foreign file counts everything. ``marshal``: the counts are plain dicts, sets, floats and ints,
and it loads several times faster than ``pickle`` or JSON (it is tied to the Python version,
which is in the key).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path

from coachsite import search, search_index

CACHE_NAME = "search-counts.marshal"


def _code_digest() -> str:
    """The counting code itself: an edit to it must never reuse counts made by the old code."""
    digest = hashlib.sha1(sys.version.encode() + search_index.STEM_CACHE_VERSION.encode())
    for module in (search, search_index):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def document_key(doc) -> bytes:
    fields = [(f.name, getattr(doc, f.name)) for f in dataclasses.fields(doc) if f.name != "fields"]
    return hashlib.sha1(repr(fields).encode("utf-8", "surrogatepass")).digest()


class CountCache:
    """``count(docs, count_one, phrases)``: the counts of ``docs`` in order, from the cache where
    the document and the phrases are unchanged, else from ``count_one(doc)``; then ``save()``."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / CACHE_NAME
        self.old: dict = {}
        self.new: dict = {}
        self.counted = 0  # documents counted (not found) in the last ``count``
        self.version = ""

    def count(self, docs, count_one, phrases) -> list:
        self.version = _code_digest() + repr(sorted(phrases))
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            data = marshal.loads(self.path.read_bytes())
            if data["version"] == self.version:
                self.old = data["docs"]
        self.new, self.counted, result = {}, 0, []
        for doc in docs:
            key = document_key(doc)
            counts = self.old.get(key)
            if counts is None:
                counts = count_one(doc)
                self.counted += 1
            self.new[key] = counts
            result.append(counts)
        return result

    def save(self) -> None:
        """Keep this build's counts for the next build (only when something was counted)."""
        if not self.counted and len(self.new) == len(self.old):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump({"version": self.version, "docs": self.new}, handle)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
