"""Skip rendering pages whose inputs did not change since the last build into the same folder.

Why: Pelican renders every page on every build (it records no dependencies), and rendering is
most of a warm build. Here every page gets a signature of everything it can show:

- the site-wide part: every post's and page's metadata and the values plugins derived from it
  (title, date, tags, summary, reading time, tips, related posts, neighbours, ...), every other
  context value (settings, themes, newsletter issues), the theme's templates, the project's own
  code and the names and dates of the static files. A changed title anywhere changes it, so
  every page renders again: correct first, fast for the common edit;
- the page's own part: every value the writer passes for this page alone (the post with its
  full text, the listed posts with their full text, the pagination), compared with the
  site-wide context by identity, so nothing is missed by name.

A feed's own part is its posts with their text. A page or feed whose signature equals the one recorded for the file in the previous output, and whose
old file still has the recorded bytes (hash), is copied from there instead of rendered. The
record is written next to the build (``RENDER_RECORD``) and only becomes the record of the
output after the build swapped in (``coachsite.build``), so a failed build leaves the old one.
A value the signature cannot describe makes the page render. ``tests/test_build_incremental.py``
compares warm rebuilds after edits with full builds, byte for byte.

The signatures themselves are in ``coachsite/page_signatures.py``.

Settings (set by ``coachsite.build``): ``RENDER_PREVIOUS_OUTPUT`` (the output being replaced),
``RENDER_RECORD`` (where this build's record goes). Without them every page renders.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import operator
import os
import shutil
from pathlib import Path

from pelican import signals
from pelican.utils import sanitised_join
from pelican.writers import Writer

from coachsite.page_signatures import Signatures, Unknown, _digest, _template_keys, keys_used

_MISSING = object()


def own_keys(localcontext: dict, context: dict):
    """The keys whose value in ``localcontext`` is not the site-wide one (by identity), looped in
    C: ~250 keys on each of ~1,450 pages at 1,000 posts."""
    keys = list(localcontext)
    differs = map(operator.is_not, localcontext.values(), map(context.get, keys, itertools.repeat(_MISSING)))
    return itertools.compress(keys, differs)


class RecordingTemplate:
    """A template that renders only when the page's signature changed."""

    def __init__(self, template, writer: CachingWriter, context: dict):
        self.template, self.writer, self.context = template, writer, context

    def render(self, localcontext: dict) -> str:
        writer = self.writer
        name = localcontext["output_file"]
        try:
            mine = sorted(own_keys(localcontext, self.context))
            own = [
                (k, repr(writer.signatures.value(localcontext[k], full=True)))
                for k in mine
                if k not in ("output_file", "localsiteurl")
            ]
            page_keys = [(k, repr(self.context.get(k))) for k in sorted(keys_used(self.template.environment, self.template.name))]
            signature = _digest(writer.signatures.site_of(self.context) + self.template.name + name + repr(own) + repr(page_keys))
        except Unknown:
            return self.template.render(localcontext)
        reused = writer.reuse(name, signature)
        if reused is not None:
            return reused
        text = self.template.render(localcontext)
        writer.record[name] = [signature, _digest(text)]
        return text


class LinkedPage(str):
    """An empty "text" standing for the previous build's file of the page, which is hard-linked
    into the new site instead of written (``CachingWriter._open_w``): no bytes written, and the
    file keeps its inode and date, so ``keep_unchanged`` and rsync skip it at once."""

    source: str


class _PageFile:
    """What ``Writer._open_w`` returns for a page the render cache reuses: the previous build's
    file is hard-linked into place (no empty file is created first); any other text is written."""

    def __init__(self, target: str):
        self.target = target

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def write(self, text: str) -> None:
        target = self.target
        if not isinstance(text, LinkedPage):
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(text)
            return
        try:
            os.link(text.source, target)
            return
        except FileExistsError:  # written before in this build (an override): replace it
            pass
        except OSError:  # no hard links here: copy the old bytes
            shutil.copyfile(text.source, target)
            return
        link = f"{target}.link"
        try:
            os.link(text.source, link)
            os.replace(link, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(link)
            shutil.copyfile(text.source, target)


class CachingWriter(Writer):
    def __init__(self, output_path, settings=None):
        super().__init__(output_path, settings=settings)
        _template_keys.clear()  # templates may have changed since the last build in this process
        self.previous = Path(settings["RENDER_PREVIOUS_OUTPUT"])
        self.record_path = Path(settings["RENDER_RECORD"])
        self.signatures = Signatures(settings)
        self.record: dict[str, list] = {}
        self.reused = 0
        self.linking: set[str] = set()  # files to be written as links (``LinkedPage``)
        self.old: dict = {}
        _writers[os.fspath(output_path)] = self
        with_record = self.record_path.with_suffix(".json")
        if with_record.is_file():
            try:
                self.old = json.loads(with_record.read_text(encoding="utf-8"))["pages"]
            except (ValueError, KeyError, TypeError):  # a damaged record: render everything
                self.old = {}

    def reuse(self, name: str, signature: str) -> LinkedPage | None:
        """The previous build's file for ``name`` if its signature is unchanged and the file is
        still what was recorded: trusted by inode, size and date, else by the hash of its bytes."""
        recorded = self.old.get(name)
        if not recorded or recorded[0] != signature:
            return None
        source = os.path.join(self.previous, name)
        try:
            info = os.stat(source)
            if [info.st_size, info.st_mtime_ns, info.st_ino] != recorded[2:]:
                with open(source, "rb") as handle:
                    if hashlib.sha1(handle.read()).hexdigest() != recorded[1]:
                        return None  # changed by hand or by another build
        except OSError:
            return None
        self.reused += 1
        self.record[name] = [signature, recorded[1], info.st_size, info.st_mtime_ns, info.st_ino]
        self.linking.add(sanitised_join(self.output_path, name))
        page = LinkedPage()
        page.source = source
        return page

    def _open_w(self, filename, encoding, override=False):
        if filename not in self.linking:
            return super()._open_w(filename, encoding, override)
        if filename in self._written_files or filename in self._overridden_files:
            handle = super()._open_w(filename, encoding, override)  # its checks and messages
            if handle.name == os.devnull:  # Pelican skips this write
                return handle
            handle.close()
            return _PageFile(filename)
        if override:  # Pelican's bookkeeping, without opening (creating) the file
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return _PageFile(filename)

    def write_file(self, name, template, context, *args, **kwargs):
        if name:
            template = RecordingTemplate(template, self, context)
        return super().write_file(name, template, context, *args, **kwargs)

    def write_feed(self, elements, context, path=None, url=None, feed_type="atom", override_output=False, feed_title=None):
        """A feed is written again only when the site or one of its posts (with its text) changed."""
        signature = None
        if path:
            try:
                posts = [self.signatures.full_of(post) for post in elements[: self.settings["FEED_MAX_ITEMS"]]]
                signature = _digest(self.signatures.site_of(context) + "\0feed\0" + path + repr((url, feed_type, override_output, feed_title, posts)))
            except Unknown:
                pass
        target = sanitised_join(self.output_path, path) if path else None
        if signature and (linked := self.reuse(path, signature)) is not None:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with self._open_w(target, "utf-8", override_output) as handle:
                handle.write(linked)
            return None
        feed = super().write_feed(elements, context, path, url, feed_type, override_output, feed_title)
        if signature:
            with open(target, "rb") as handle:
                self.record[path] = [signature, hashlib.sha1(handle.read()).hexdigest()]
        return feed

    def save(self) -> None:
        """This build's record, beside the final one; ``coachsite.build`` promotes it after the swap."""
        for name, entry in self.record.items():  # rendered pages: how to trust them next time
            if len(entry) == 2:
                with contextlib.suppress(OSError):
                    info = os.stat(os.path.join(self.output_path, name))
                    entry += [info.st_size, info.st_mtime_ns, info.st_ino]
        pending = self.record_path.with_suffix(".pending")
        pending.parent.mkdir(parents=True, exist_ok=True)
        pending.write_text(json.dumps({"pages": self.record, "reused": self.reused}), encoding="utf-8")


_writers: dict[str, CachingWriter] = {}


def get_writer(pelican):
    if pelican.settings.get("RENDER_PREVIOUS_OUTPUT") and pelican.settings.get("RENDER_RECORD"):
        return CachingWriter
    return None


def save_record(pelican):
    writer = _writers.pop(os.fspath(pelican.output_path), None)
    if writer is not None:
        writer.save()


def register():
    signals.get_writer.connect(get_writer)
    signals.finalized.connect(save_record)
