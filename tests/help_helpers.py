"""Checks that a Click command's help reads as Dutch: texts from the catalog, Dutch metavars."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

# Click's and our English placeholders; none may show in a help page the coach reads.
ENGLISH_METAVARS = re.compile(r"\b(TEXT|EMAIL|ADDRESS|FILE|PATH|INTEGER|NUMBER|DAYS|NAME|YEAR|OPTIONS|COMMAND|ARGS)\b")


def dutch_texts() -> set[str]:
    """Every Dutch text (msgstr) of the catalogs."""
    from babel.messages.pofile import read_po

    from coachsite import i18n

    texts = set()
    for source in i18n.catalog_sources("nl"):
        with source.open("rb") as handle:
            texts |= {m.string for m in read_po(handle, locale="nl") if m.id and isinstance(m.string, str)}
    return texts


def english_help(command: click.Command, name: str) -> list[str]:
    """Where ``command`` (and its subcommands) has help that is not Dutch: missing, English, or English metavars."""
    dutch, problems = dutch_texts(), []
    if command.help not in dutch:
        problems.append(f"{name}: {command.help!r}")
    for param in command.params:
        if isinstance(param, click.Option) and param.help not in dutch:
            problems.append(f"{name} {param.name}: {param.help!r}")
    page = CliRunner().invoke(command, ["--help"], prog_name=name).output
    problems += [f"{name} --help shows {word}" for word in ENGLISH_METAVARS.findall(page)]
    for sub_name, sub in getattr(command, "commands", {}).items():
        problems += english_help(sub, f"{name} {sub_name}")
    return problems
