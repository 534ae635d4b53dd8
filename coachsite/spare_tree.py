"""Reuse the folders of a replaced site for the next build, instead of deleting and re-creating them.

Why: a build writes the site into a new folder next to ``output/``; at 1,000 posts that is ~1,500
folders, and on this project's VM each ``mkdir`` and each ``rmdir`` costs ~0.1 ms (ext4 journal):
0.15 s of a warm ``make html`` to create them and as much again to delete the replaced site. Here
the replaced site is emptied of its files only (unlinking the hard links is cheap), then renamed
to ``.output-spare-<name>``; the next build renames that to its temporary folder, where writing a
file into an existing folder needs no ``mkdir``. Only when a spare is already there is the
replaced site deleted (by ``coachsite.build.discard_later`` in a separate process). The next build takes a spare only after checking
it holds no file at all, and removes the folders it left empty before the swap, so the new site
is exactly what a build into a fresh folder makes (``tests/test_build_incremental.py``).
``make clean`` removes a spare (``.output-*``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def spare_of(output: Path) -> Path:
    return output.with_name(f".output-spare-{output.name}")


def _files_left(root: str) -> bool:
    """True when anything but a folder is anywhere under ``root`` (symlinks count as files)."""
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if not entry.is_dir(follow_symlinks=False):
                    return True
                stack.append(entry.path)
    return False


def take_spare(output: Path, target: Path) -> bool:
    """Move the spare folder tree of ``output`` to ``target`` (which must not exist); False when
    there is none, or it holds a file (then it is deleted: it is no longer known to be empty)."""
    spare = spare_of(output)
    try:
        os.rename(spare, target)
    except OSError:  # none, or another build took it first
        return False
    try:
        if not _files_left(str(target)):
            return True
    except OSError:
        pass
    shutil.rmtree(target, ignore_errors=True)
    return False


def empty(root: str) -> None:
    """Unlink every file under ``root``, keeping the folders; raises OSError if one stays."""
    for folder, dirs, files in os.walk(root):
        for name in files:
            os.unlink(os.path.join(folder, name))
        for name in dirs:  # a symlink to a folder is listed as a folder: remove the link itself
            path = os.path.join(folder, name)
            if os.path.islink(path):
                os.unlink(path)


def keep_as_spare(old: Path, spare: Path) -> bool:
    """Empty the replaced site ``old`` and rename it to ``spare``; False (``old`` left for
    deletion) if a spare is already there or anything fails. Done in the build's own process
    (~40 ms at 1,000 posts: unlinking hard links is cheap), never in the background: a process
    renaming folders after ``make html`` returned could race whoever deletes the parent folder
    (a test's or benchmark's temporary folder)."""
    if spare.exists():
        return False
    try:
        empty(str(old))
        os.rename(old, spare)  # fails if another build made a spare meanwhile: keep that one
    except OSError:
        return False
    return True


def recycle(old: Path, spare: Path) -> None:
    """Turn the replaced site ``old`` into the spare tree, else delete it here."""
    if not keep_as_spare(old, spare):
        shutil.rmtree(old, ignore_errors=True)


def drop_empty_folders(root: Path, skip: set[str] = frozenset()) -> None:
    """Remove the folders under ``root`` that this build left empty (bottom-up); ``root`` stays.
    ``skip``: top-level folders left alone (a side job may still be writing there)."""
    with os.scandir(root) as entries:
        tops = [entry.path for entry in entries if entry.is_dir(follow_symlinks=False) and entry.name not in skip]
    for top in tops:
        for folder, _dirs, files in os.walk(top, topdown=False):
            if not files:
                try:
                    os.rmdir(folder)  # fails (and is kept) if a subfolder stayed
                except OSError:
                    pass
