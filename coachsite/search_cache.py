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
from collections import Counter
from pathlib import Path

from coachsite import search, search_index

CACHE_NAME = "search-counts.marshal"  # every document's counts (rewritten now and then)
DELTA_NAME = "search-counts-delta.marshal"  # the documents counted since (rewritten each build)
DELTA_MAX = 0.1  # share of the documents the delta may hold before the whole file is rewritten
TOTALS_NAME = "search-totals.marshal"  # the site's vocabulary and document frequencies, of the last build


def _code_digest(*more) -> str:
    """The counting code itself: an edit to it must never reuse counts made by the old code."""
    digest = hashlib.sha1(sys.version.encode() + search_index.STEM_CACHE_VERSION.encode())
    for module in (search, search_index, *more):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


_preloaded: dict[str, tuple[tuple[int, int], object]] = {}  # path -> (size, mtime), its data


def _read(path: Path):
    """A marshal file's data: read ahead by ``preload`` if the file is still that version."""
    info = os.stat(path)
    kept = _preloaded.pop(str(path), None)
    if kept is not None and kept[0] == (info.st_size, info.st_mtime_ns):
        return kept[1]
    return marshal.loads(Path(path).read_bytes())


def preload(folder: Path) -> None:
    """Read the cache files of ``folder`` now (``plugins/search_index.py`` does it in its child
    while Pelican still reads the posts); ``CountCache`` and ``EntryCache`` then find them read."""
    for name in (CACHE_NAME, DELTA_NAME, ENTRIES_NAME, TOTALS_NAME):
        path = Path(folder) / name
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            info = os.stat(path)
            _preloaded[str(path)] = ((info.st_size, info.st_mtime_ns), marshal.loads(path.read_bytes()))


def document_key(doc) -> bytes:
    fields = [(f.name, getattr(doc, f.name)) for f in dataclasses.fields(doc) if f.name != "fields"]
    return hashlib.sha1(repr(fields).encode("utf-8", "surrogatepass")).digest()


class CountCache:
    """``count(docs, count_one, phrases)``: the counts of ``docs`` in order, from the cache where
    the document and the phrases are unchanged, else from ``count_one(doc)``; then ``save()``.

    Writing every document's counts after each edit would cost more than counting the edited
    post: a warm build writes only a small delta file of the documents the main file lacks, and
    rewrites the main file when the delta grows past ``DELTA_MAX`` of the site."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / CACHE_NAME
        self.delta_path = Path(folder) / DELTA_NAME
        self.base: dict = {}
        self.token = ""  # names the main file the delta belongs to
        self.new: dict = {}
        self.counted = 0  # documents counted (not found) in the last ``count``
        self.version = ""
        self.known: dict = {}  # key -> counts, of the last builds (for ``EntryCache``)
        self.keys: list[bytes] = []  # this build's document keys, in order
        self._totals: dict | None = None  # this build's vocabulary and document frequencies, to save

    def _load(self) -> dict:
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            data = _read(self.path)
            if data["version"] == self.version:
                self.base, self.token = data["docs"], data["token"]
        known = dict(self.base)
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            delta = _read(self.delta_path)
            if self.token and delta["version"] == self.version and delta["token"] == self.token:
                known.update(delta["docs"])
        return known

    def count(self, docs, count_one, phrases) -> list:
        self.version = _code_digest() + repr(sorted(phrases))
        known = self.known = self._load()
        self.new, self.counted, result = {}, 0, []
        self.keys = [document_key(doc) for doc in docs]
        for doc, key in zip(docs, self.keys):
            counts = known.get(key)
            if counts is None:
                counts = count_one(doc)
                self.counted += 1
            self.new[key] = counts
            result.append(counts)
        return result

    def totals(self) -> tuple[Counter, Counter] | None:
        """The site's vocabulary (word -> documents) and document frequencies (term -> documents)
        of this build's ``count``, made from the last build's by the documents that came and went
        (summing them over every document is a tenth of a warm index); None when not known."""
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            data = _read(self.path.with_name(TOTALS_NAME))
            if data["version"] != self.version:
                return None
            changed = Counter(data["keys"])
            changed.subtract(self.keys)  # > 0: gone since, < 0: new
            vocabulary, df = Counter(data["vocabulary"]), Counter(data["df"])
            for key, times in changed.items():
                counts = self.known.get(key) if times > 0 else self.new.get(key)
                if times and counts is None:
                    return None
                for _ in range(abs(times)):
                    (df.subtract if times > 0 else df.update)(counts[0].keys())
                    (vocabulary.subtract if times > 0 else vocabulary.update)(counts[1])
            return +vocabulary, +df
        return None

    def keep_totals(self, vocabulary: Counter, df: Counter) -> None:
        self._totals = {"version": self.version, "keys": self.keys, "vocabulary": dict(vocabulary), "df": dict(df)}

    def save(self) -> None:
        """Keep this build's counts for the next build: the documents the main file lacks go into
        the delta file, or everything into a new main file once the delta is too big."""
        if self._totals is not None:
            self._write(self.path.with_name(TOTALS_NAME), self._totals)
        missing = {key: counts for key, counts in self.new.items() if key not in self.base}
        if self.token and len(missing) <= DELTA_MAX * len(self.new):
            self._write(self.delta_path, {"version": self.version, "token": self.token, "docs": missing})
            return
        token = os.urandom(8).hex()
        self._write(self.path, {"version": self.version, "token": token, "docs": self.new})
        self.base, self.token = self.new, token
        with contextlib.suppress(OSError):
            self.delta_path.unlink()

    @staticmethod
    def _write(path: Path, data: dict) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                marshal.dump(data, handle)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


ENTRIES_NAME = "search-entries.marshal"  # per term its serialised head and tail, of the last build


class EntryCache:
    """Per term the serialised posting entries (head, tail) of the last build, reused for every
    term no changed document has: its postings are then the same, because BM25's average length
    and each post's length are on a grid (``search_index.on_grid``) and its idf depends only on the term's
    document frequency and the number of documents. Anything else (another number of documents,
    another average, a document moved, code or phrases changed, a lost count) reuses nothing.

    ``unchanged(counted)``: term -> (forms, groups, entry, tail) of the last build for the terms
    whose postings are unchanged; ``save(counted, records)`` keeps this build's."""

    def __init__(self, folder: Path, counts: CountCache):
        self.path = Path(folder) / ENTRIES_NAME
        self.counts = counts
        self.version = ""

    def unchanged(self, counted) -> dict:
        from coachsite import search_files  # noqa: PLC0415 - it imports this module

        # the code, and the values a test (or the benchmark) may set at run time: HEAD, BM25's k1 and b
        constants = (search_files.HEAD, search_index.K1, search_index.B, search_index.LENGTH_GRID)
        self.version = _code_digest(search_files) + self.counts.version + repr(constants)
        try:
            data = _read(self.path)
            if data["version"] != self.version or data["average"] != counted.average:
                return {}
            old_keys, terms = data["keys"], data["terms"]
            search_files.FNV.update(data["fnv"])
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            return {}
        keys = self.counts.keys
        if len(old_keys) != len(keys):
            return {}
        dirty: set[str] = set()
        for position, (old, new) in enumerate(zip(old_keys, keys)):
            if old != new:
                before = self.counts.known.get(old)
                if before is None:  # the old document's terms are unknown: nothing is safe
                    return {}
                old_tf, new_tf = before[0], counted.weighted[position]
                if search_index.on_grid(before[3]) != counted.lengths[position]:  # every score of the post changed
                    dirty.update(old_tf, new_tf)
                else:  # only the terms whose frequency changed (or that came or went)
                    dirty.update(term for term in old_tf.keys() | new_tf.keys() if old_tf.get(term) != new_tf.get(term))
        for term in dirty:
            terms.pop(term, None)
        return terms

    def save(self, counted, records: dict) -> None:
        from coachsite.search_files import FNV  # noqa: PLC0415 - it imports this module

        data = {"version": self.version, "average": counted.average, "keys": self.counts.keys, "terms": records, "fnv": FNV}
        CountCache._write(self.path, data)
