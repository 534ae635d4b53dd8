"""Writing advice for the coach: shown by ``make check`` and ``make html`` as warnings, never errors.

Why here and not in the tests: the length of a post or the number of tips is the coach's own
choice. A test that asserted it turned CI red when she wrote a long post; as a warning with
file:line she sees the advice where she works, and the build still goes through.
"""

from __future__ import annotations

import re

from coachsite.i18n import _, ngettext

from . import Problem, Source

MIN_WORDS, MAX_WORDS = 400, 1000
MIN_TIPS = 3
MIN_SUMMARY_CHARS = 20
TIP_RE = re.compile(r"^##\s+(?P<number>\d+)\.\s")
LINK_TARGET_RE = re.compile(r"\]\([^)]*\)")


def count_words(lines: list[str]) -> int:
    """Words a reader sees, roughly (advice, not a measurement): link targets do not count."""
    text = "\n".join(lines)
    if "](" in text:
        text = LINK_TARGET_RE.sub("]", text)
    return len(text.split())  # a regex per word costs more than the whole check at 1,000 posts


def writing_advice(src: Source, warnings: list[Problem]) -> None:
    """Advice for a post that is (about to be) published; drafts and pages are left alone."""
    if src.kind != "article" or src.is_draft:
        return
    body = src.lines[src.body_start :]
    words = count_words(body)
    first_line = src.body_start + 1
    if words < MIN_WORDS:
        src.add(warnings, first_line, _("the post has {words} words; readers get most from {low} to {high}").format(words=words, low=MIN_WORDS, high=MAX_WORDS))
    elif words > MAX_WORDS:
        src.add(warnings, first_line, _("the post has {words} words; above {high} many readers stop (could it be two posts?)").format(words=words, high=MAX_WORDS))
    headings = ((n, line) for n, line in enumerate(body, start=first_line) if line.startswith("##"))
    tips = [(n, int(m["number"])) for n, line in headings if (m := TIP_RE.match(line))]
    if 0 < len(tips) < MIN_TIPS:  # no numbered tips at all: a case, Q&A or interview, on purpose
        src.add(warnings, first_line, ngettext("the post has {count} numbered tip ('## 1. …'); {low} or more make it easy to use",
                                               "the post has {count} numbered tips ('## 1. …'); {low} or more make it easy to use",
                                               len(tips)).format(count=len(tips), low=MIN_TIPS))
    for expected, (line, number) in enumerate(tips, start=1):
        if number != expected:
            src.add(warnings, line, _("tip {number} should be tip {expected}; number the tips 1, 2, 3 …").format(number=number, expected=expected))
            break
    line, summary = src.meta.get("summary", (0, ""))
    if summary and len(summary) < MIN_SUMMARY_CHARS:
        src.add(warnings, line, _("Summary is only {count} characters; one or two sentences make readers curious").format(count=len(summary)))
