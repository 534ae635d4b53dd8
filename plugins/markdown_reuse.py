"""One Markdown converter per reader, reset between posts, instead of a new one per post.

Why: Pelican's ``MarkdownReader.read`` builds a new ``markdown.Markdown`` (loading every
extension again) for each file; with our extensions that set-up cost about a third of the
conversion itself on a cold build. Python-Markdown's ``reset()`` exists for converting many
documents with one instance: it clears the stash, references and every extension's state
(footnotes, abbreviations, the table of contents, the metadata). Pelican's reader also removes the
``meta`` preprocessor while converting formatted metadata (the summary); it is put back before
the next post. The HTML is byte for byte what a new instance gives (tests/test_markdown_reuse.py).

No settings: the converter is made from ``MARKDOWN`` as Pelican would.
"""

from __future__ import annotations

from markdown import Markdown
from pelican import signals
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open


class ReusedMarkdownReader(MarkdownReader):
    _converter: Markdown | None = None
    _meta = None

    def _markdown(self) -> Markdown:
        md = self._converter
        if md is None:
            md = self._converter = Markdown(**self.settings["MARKDOWN"])
            priority = next(item.priority for item in md.preprocessors._priority if item.name == "meta")
            self._meta = (md.preprocessors["meta"], priority)
            return md
        md.reset()
        if "meta" not in md.preprocessors:  # taken out by _parse_metadata for the last post
            md.preprocessors.register(self._meta[0], "meta", self._meta[1])
        return md

    def read(self, source_path):
        """As ``MarkdownReader.read``, with the kept converter."""
        self._source_path = source_path
        self._md = self._markdown()
        with pelican_open(source_path) as text:
            content = self._md.convert(text)
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return content, metadata


def use_reused_reader(readers) -> None:
    for extension, reader in list(readers.reader_classes.items()):
        if reader is MarkdownReader:
            readers.reader_classes[extension] = ReusedMarkdownReader


def register():
    signals.readers_init.connect(use_reused_reader)
