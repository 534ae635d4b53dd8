"""What ``make serve`` watches, and how it learns of a save at once.

Why: the coach saves and looks; every millisecond between the save and the build is waiting.
The truth is a snapshot of modification times and sizes of every file a build reads (a few
milliseconds even at 1,000 posts), compared with the previous one. The operating system's own
change notices (inotify on Linux, FSEvents on macOS, via ``watchfiles``) wake that comparison the
moment a file is written, instead of a poll every 0.1 s finding it 50 ms later on average. A slow
poll stays on as a safety net (a notice lost, a file replaced under a watch); without
``watchfiles`` or without notices (too many watches), the fast poll does it all.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.1  # without change notices
SAFETY_POLL_SECONDS = 0.5  # with them
STEP_MS = 20  # a save is several writes and a rename within milliseconds: wait this long for quiet
IGNORED = re.compile(r"^\.|~$|\.sw[a-p]$|^4913$|^__pycache__$|\.(pyc|mo|tmp)$")


def watched_paths(config: Path, content: Path) -> list[Path]:
    """Everything a build reads: posts, theme, plugins, code, settings and word lists."""
    extra = ["theme", "plugins", "coachsite", "tags.txt", "synonyms.txt", "thesaurus.txt", "newsletters"]
    return [content, config] + [ROOT / name for name in extra]


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """Modification time and size of every file under ``paths`` (editor swap files skipped)."""
    found: dict[str, tuple[int, int]] = {}
    folders = []
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if os.path.isdir(path):
            folders.append(str(path))
        else:
            found[str(path)] = (info.st_mtime_ns, info.st_size)
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if IGNORED.search(entry.name):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    else:
                        info = entry.stat()
                        found[entry.path] = (info.st_mtime_ns, info.st_size)
                except OSError:  # removed while we looked
                    continue
    return found


def changed_files(before: dict, after: dict) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


class Watcher:
    """Compares snapshots when told of a change (or by the poll) and hands the builder what changed:
    the files, whether code changed, and whether all of them are existing posts (the quick path)."""

    def __init__(self, config: Path, content: Path, request):
        self.paths = watched_paths(config, content)
        self.inside = str(content) + os.sep
        self.request = request
        self.seen = snapshot(self.paths)

    def check(self) -> None:
        now = snapshot(self.paths)
        if now == self.seen:
            return
        changed = changed_files(self.seen, now)
        posts = all(n.endswith(".md") and n.startswith(self.inside) and n in self.seen and n in now for n in changed)
        self.seen = now
        self.request(code_changed=any(n.endswith(".py") for n in changed), changed=changed, only_posts=posts)

    def start(self) -> None:
        from tornado.ioloop import IOLoop, PeriodicCallback

        loop = IOLoop.current()
        self.poll = PeriodicCallback(self.check, POLL_SECONDS * 1000)
        try:
            import watchfiles
        except ImportError:
            self.poll.start()
            return
        self.poll = PeriodicCallback(self.check, SAFETY_POLL_SECONDS * 1000)
        self.poll.start()
        existing = [str(p) for p in self.paths if p.exists()]

        def notices() -> None:
            try:
                for _changes in watchfiles.watch(*existing, step=STEP_MS, rust_timeout=0, yield_on_timeout=False):
                    loop.add_callback(self.check)
            except Exception:  # noqa: BLE001 - no notices (e.g. too many watches): poll fast instead
                loop.add_callback(self._poll_fast)

        threading.Thread(target=notices, name="serve-watch", daemon=True).start()

    def _poll_fast(self) -> None:
        from tornado.ioloop import PeriodicCallback

        self.poll.stop()
        self.poll = PeriodicCallback(self.check, POLL_SECONDS * 1000)
        self.poll.start()
