"""The search index on disk: one folder per index, named by a hash of its files' contents.

Why a folder per index: article numbers are positions in one build, so a page of build N must
name the files of build N (see ``coachsite.search_files``). Most files of a warm build are those of
the last index: a file whose bytes are the same is a hard link to the old one (an edit to one post
changes a few files of ~2,300 at 1,000 posts), and a file whose inputs are the same
(``search_files.Unchanged``: an article's data, the typo and compound shards) is linked without
being made again. ``LastIndex`` is the record of the last folder that makes this safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path

from coachsite import search_compounds, search_files, search_index
from coachsite.search import TermGroup
from coachsite.search_cache import CountCache, _code_digest
from coachsite.search_files import SEARCH_DIR, STEMS_NAME, Unchanged, index_files
from coachsite.search_index import Document, Stems

def content_hash(digests: dict[str, bytes]) -> str:
    """The index folder's name: a hash of every file's path and SHA-256 digest."""
    digest = hashlib.sha256()
    for path in sorted(digests):
        digest.update(path.encode() + b"\0" + digests[path])
    return digest.hexdigest()[:12]


FILES_RECORD = "search-index-files.marshal"  # in the cache folder: the last index folder's files


def write_index(docs: list[Document], groups: list[TermGroup], site: Path, cache: Path | None = None, previous: Path | None = None) -> dict:
    """Write the index into ``site/zoeken/<hash>/``; return the page's view of it (``url`` etc.).
    ``cache``: a folder for what earlier builds computed (stems, per-document counts: see
    ``coachsite.search_cache``, and a record of the files written); ``previous``: the site being
    replaced. A file whose bytes equal those of the same file in the previous index folder is a
    hard link to it (an edit to one post changes a few files of ~2,000 at 1,000 posts); a file
    whose inputs did not change (``Unchanged``) is linked without being made again."""
    counts = CountCache(Path(cache)) if cache else None
    stems = Stems(Path(cache) / STEMS_NAME if cache else None, counts=counts)
    last = LastIndex(Path(cache) / FILES_RECORD if cache else None, previous, _files_version())
    files, meta = index_files(docs, groups, stems, Path(cache) if cache else None, last)
    stems.save()
    if counts is not None:
        counts.save()
    digests = {}
    for path, data in files.items():
        if isinstance(data, Unchanged):
            recorded = last.files.get(path)
            if recorded:
                digests[path] = recorded[0]
                continue
            data = files[path] = data.make()
        digests[path] = hashlib.sha256(data).digest()
    folder = Path(site) / SEARCH_DIR / content_hash(digests)
    for sub in {path.split("/")[0] for path in files if "/" in path}:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    record = {}
    for path, data in files.items():
        target = str(folder / path)
        recorded = last.files.get(path)
        if isinstance(data, Unchanged):
            info = _link_if_same(last.folder + path, target, recorded, None)
            data = data.make() if not info else None
        else:
            info = recorded and recorded[0] == digests[path] and _link_if_same(last.folder + path, target, recorded, data)
        if not info:
            with open(target, "wb") as handle:
                handle.write(data)
            info = os.stat(target)
        record[path] = (digests[path], info.st_size, info.st_mtime_ns, info.st_ino)
    last.save(f"{SEARCH_DIR}/{folder.name}/", record)
    return {**meta, "url": f"{SEARCH_DIR}/{folder.name}/", "files": len(files)}


def _files_version() -> str:
    """The code and constants that make the index's files: inputs of another version count for nothing
    (the constants as they are now: a test or the benchmark may set them at run time)."""
    parts = os.stat(search_compounds.PARTS)  # the compound entries: the shipped file and the code that reads it
    constants = (sorted(search_files.SHARD_BYTES.items()), search_files.HEAD, search_files.TYPO_MIN, search_index.K1,
                 search_index.B, search_index.LENGTH_GRID, search_compounds._header(), parts.st_size, parts.st_mtime_ns)
    return _code_digest(search_files, sys.modules[__name__], search_compounds) + repr(constants)


def _link_if_same(source: str, target: str, recorded: tuple | None, data: bytes | None) -> os.stat_result | None:
    """Hard-link ``source`` to ``target`` if it holds ``data``; return its ``stat``. Trusted
    without reading only while it is the very file recorded (inode, size, modification time);
    otherwise (replaced by ``keep_unchanged``, or changed by hand) its bytes are compared, or,
    with no ``data`` (an ``Unchanged`` file), it is not used."""
    if not recorded:
        return None
    try:
        info = os.stat(source)
        if (info.st_size, info.st_mtime_ns, info.st_ino) != tuple(recorded[1:]):
            if data is None or info.st_size != len(data):
                return None
            with open(source, "rb") as handle:
                if handle.read() != data:
                    return None
        os.link(source, target)
    except OSError:  # gone, or no hard links on this file system: written instead
        return None
    return info


def folder_stats(folder: Path) -> dict:
    """Files and bytes of an index folder, and its size as ``du`` counts it (whole blocks)."""
    paths = [p for p in Path(folder).rglob("*") if p.is_file()]
    blocks = sum(os.stat(p).st_blocks * 512 for p in paths)
    return {"files": len(paths), "bytes": sum(p.stat().st_size for p in paths), "du_bytes": blocks}


class LastIndex:
    """The index folder the last build wrote (``FILES_RECORD``): per file its digest
    and where it is, and the inputs of the files made from few inputs (an article's data, the
    typo and compound shards), so that a build links a file whose inputs did not change instead
    of making it again. Inputs count only under the same code and constants (``version``).
    ``same(name, inputs)`` records this build's inputs and says whether they are the last ones."""

    def __init__(self, record_path: Path | None, previous: Path | None, version: str):
        self.path, self.version = record_path, version
        self.folder, self.files, self.inputs, self.new = "", {}, {}, {}
        if not (record_path and previous):
            return
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, KeyError):
            data = marshal.loads(Path(record_path).read_bytes())
            self.folder, self.files = str(Path(previous) / data["folder"]) + os.sep, dict(data["files"])
            if data.get("version") == version:
                self.inputs = data.get("inputs", {})

    def same(self, name: str, inputs) -> bool:
        self.new[name] = inputs
        return bool(self.folder) and self.inputs.get(name) == inputs

    def save(self, folder: str, files: dict) -> None:
        if not self.path:
            return
        data = {"folder": folder, "files": files, "version": self.version, "inputs": self.new}
        with contextlib.suppress(OSError):
            tmp = Path(self.path).with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(marshal.dumps(data))
            os.replace(tmp, self.path)
