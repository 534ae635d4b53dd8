"""Findings of the checks per file, kept between builds: a warm build re-checks only what changed.

Why: every build checked every file (0.3-0.45 s of a warm ``make html`` at 1,000 posts). A file's
findings depend on its own bytes and place, on the "world" (the checks' code and messages, the
language, the settings, ``tags.txt``, the installed packages) and on a few facts about other files
that its links looked up: whether a file exists, whether an address is on the site, which post a
link points to (for its anchors). An entry records each of those lookups with its answer, and is
reused only when the file's bytes, the world and every recorded answer are still the same: so the
findings equal those of a full check (``tests/test_checks_cache.py``). Findings across files
(duplicate slugs) are computed on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
VERSION = 1
# Settings that differ between builds of the same site and that no check reads.
VOLATILE = frozenset({"OUTPUT_PATH", "RENDER_PREVIOUS_OUTPUT", "RENDER_RECORD", "LIVERELOAD_PORT", "SEARCH_INDEX_DEFERRED", "CACHE_PATH"})
_PLAIN = (str, int, float, bool, type(None), dt.date, dt.datetime, dt.time)


@dataclass
class Entry:
    """What checking one file found: its slug (None: the file could not be read as a post), its
    errors and writing advice as (line, message), and the lookups about other files it made."""

    slug: str | None
    problems: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    lookups: dict = field(default_factory=dict)  # (kind, key) -> answer


def _plain(value) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


def _code_digest() -> bytes:
    """The code and messages of the checks, and the pinned packages (Markdown makes the anchors)."""
    digest = hashlib.sha1(str(VERSION).encode())
    folder = ROOT / "coachsite"
    files = sorted((folder / "checks").glob("*.py")) + [folder / "new_post.py", folder / "i18n.py", ROOT / "requirements.txt"]
    files += sorted((folder / "locale").rglob("*.po"))
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def world_digest(root: Path, settings: dict, vocabulary: set[str]) -> str:
    """Everything every file's findings may depend on besides the files themselves."""
    from coachsite.i18n import language

    plain = sorted((k, repr(v)) for k, v in settings.items() if k not in VOLATILE and _plain(v))
    parts = repr((str(root), os.getcwd(), language(), plain, sorted(vocabulary)))
    return hashlib.sha1(_code_digest() + parts.encode("utf-8", "surrogatepass")).hexdigest()


def file_key(rel: str, kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{rel}\0{kind}\0".encode("utf-8", "surrogatepass") + data).hexdigest()


class FindingsCache:
    """The entries of the last run, by file key; ``path`` None keeps nothing (no cache folder)."""

    def __init__(self, path: Path | None, world: str):
        self.path, self.world = path, world
        self.old: dict[str, object] = {}
        self.new: dict[str, object] = {}
        if path is not None and path.is_file():
            try:
                with open(path, "rb") as handle:
                    stored = pickle.load(handle)
                if stored.get("world") == world:
                    self.old = stored["entries"]
            except Exception:  # a damaged or foreign cache file: check everything  # noqa: BLE001
                self.old = {}

    def get(self, key: str):
        return self.old.get(key)

    def put(self, key: str, value) -> None:
        self.new[key] = value

    def save(self) -> None:
        """Keep this run's entries (only those: deleted files leave); atomically, since ``make
        serve`` and ``make html`` may check the same content at once."""
        if self.path is None or self.new == self.old:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        pending = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            with open(pending, "wb") as handle:
                pickle.dump({"world": self.world, "entries": self.new}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(pending, self.path)
        except OSError:  # a read-only cache folder: the next run checks everything again
            pending.unlink(missing_ok=True)
