"""What the search knows about Dutch words, shared by the index (Python) and the page (JS).

- ``fold``: lower case without diacritics, the same folding as ``search-index.js``, so "creeren"
  finds "creëren" and "een" finds "één";
- ``STOPWORDS``: small words that only count when a query has nothing else (the browser reads
  this list from the index, so there is one definition);
- term groups from ``synonyms.txt`` (the coach's own small list) and ``thesaurus.txt`` (the
  maintained domain thesaurus), one parser for both. They are applied by the browser at query
  time, on stems: a document never "contains" a synonym, so editing a group changes no scores.

File format, one group per line: ``term, term, multi word term ; related, related``. Terms before
``;`` are equivalents (found with nearly full weight), terms after it broader or narrower related
terms (half weight). ``#`` starts a comment line; blank lines are ignored.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from coachsite.i18n import _

WORD_RE = re.compile(r"[a-z0-9]+")
COMBINING_RE = re.compile("[\u0300-\u036f]")
MAX_WORD = 40  # longer tokens (hashes, pasted URLs) are never indexed nor searched

STOPWORDS = tuple(
    (
        "de het een en of in op te van voor met naar is zijn wordt worden dat die dit wat hoe als omdat "
        "maar bij om aan er ook mijn je jij jouw ik we wij ze zij hij wil kan moet heb heeft hebben doe "
        "doen onze ons hun zich tussen wanneer waarom welke waar wie nog niet geen meer dan zo al u uw "
        "mij me hem haar men kun kunnen zal zou zouden was waren word mag mogen over uit tot door nu"
        # question words, auxiliaries and fillers of a reader's question (issue #17): they never
        # say what the question is about ("hoeveel mag mijn team", "hoe voorkom ik dat iedereen steeds")
        " hoeveel welk iets iemand iedereen niemand niets alles alle elke elk deze daar hier dus toch even"
        " eens heel echt want wel jullie jou gaat ga gaan krijg krijgt krijgen kunt wilt willen moeten doet"
        " steeds altijd vaak zelf voorkom voorkomen tegen via"
    ).split()
)


def fold(text: str) -> str:
    """Lower case without diacritics: "Creëren" -> "creeren" (the same folding as search-index.js)."""
    return COMBINING_RE.sub("", unicodedata.normalize("NFKD", text.lower()))


def words(text: str) -> list[str]:
    """The folded words of ``text``, without those over ``MAX_WORD`` letters."""
    return [w for w in WORD_RE.findall(fold(text)) if len(w) <= MAX_WORD]


class SynonymError(ValueError):
    """A line of a synonym or thesaurus file that cannot be used; ``str()`` is ``path:line: message``."""

    def __init__(self, path: Path, line: int, message: str):
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


@dataclass(frozen=True)
class TermGroup:
    equivalent: tuple[str, ...]  # folded phrases: "op afstand"
    related: tuple[str, ...] = ()

    def phrases(self) -> tuple[str, ...]:
        return self.equivalent + self.related


def _phrases(part: str, path: Path, number: int) -> list[str]:
    phrases = []
    for term in part.split(","):
        if not term.strip():
            raise SynonymError(path, number, _("an empty term (two commas in a row, or a comma at the end)"))
        phrase = " ".join(words(term))
        if not phrase:
            raise SynonymError(path, number, _("the term '{term}' has no letters or digits").format(term=term.strip()))
        phrases.append(phrase)
    return phrases


def parse_group(line: str, path: Path, number: int) -> TermGroup:
    parts = line.split(";")
    if len(parts) > 2:
        raise SynonymError(path, number, _("a group has at most one ';' (equivalent terms ; related terms)"))
    if not parts[0].strip():
        raise SynonymError(path, number, _("a group starts with at least one term before the ';'"))
    equivalent = _phrases(parts[0], path, number)
    related = _phrases(parts[1], path, number) if len(parts) == 2 and parts[1].strip() else []
    if len(equivalent) + len(related) < 2:
        raise SynonymError(path, number, _("a synonym group needs at least two phrases separated by commas"))
    return TermGroup(tuple(equivalent), tuple(p for p in related if p not in equivalent))


def _parsed(path: Path) -> list[tuple[int, TermGroup | SynonymError]]:
    """Each group line of a synonym or thesaurus file with its number, parsed or its error. The
    checks, their meaning check and the search index all read the same files in one build:
    parsed once per file version (path, size, modification time)."""
    info = path.stat()
    return _parsed_version(path, info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _parsed_version(path: Path, _size: int, _mtime: int) -> list[tuple[int, TermGroup | SynonymError]]:
    lines = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                lines.append((number, parse_group(line, path, number)))
            except SynonymError as error:
                lines.append((number, error))
    return lines


def load_synonyms(path: Path | str) -> list[TermGroup]:
    """The groups of one synonym or thesaurus file (same format); errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise SynonymError(path, 0, _("the synonym or thesaurus file is missing (see pelicanconf.py)"))
    groups = []
    for _number, group in _parsed(path):
        if isinstance(group, SynonymError):
            raise group
        groups.append(group)
    return groups


# Words in nearly every post: in a group they would make it match everything (issue #18).
TOO_COMMON = frozenset({"telefoon", "klantcontact", "klant", "klanten", "medewerker", "medewerkers", "team", "kantoor", "service"})


def meaning_problems(paths: list[Path]) -> list[SynonymError]:
    """What parses but breaks the search: one stem an equivalent in two groups (a query word would
    pull in two meanings), or a word that is in nearly every post (the group matches everything)."""
    from coachsite.search_index import Stems

    stem = Stems()
    seen: dict[tuple[str, ...], str] = {}
    problems = []
    for path in paths:
        if not Path(path).is_file():
            continue
        name = Path(path).name
        for number, group in _parsed(Path(path)):
            if isinstance(group, SynonymError):
                continue  # reported by load_synonyms
            for term in group.phrases():
                if term in TOO_COMMON:
                    problems.append(SynonymError(Path(path), number, _(
                        "'{term}' is in nearly every post: a group with it would match everything").format(term=term)))
            for term in group.equivalent:
                key = tuple(stem(word) for word in term.split())
                where = seen.setdefault(key, f"{name}:{number}")
                if where != f"{name}:{number}":
                    problems.append(SynonymError(Path(path), number, _(
                        "'{term}' is already an equivalent in {where}: one word, one meaning").format(term=term, where=where)))
    return problems


def term_files(settings: dict) -> list[Path]:
    """The group files the search uses: the coach's synonyms, then the thesaurus (both optional)."""
    return [Path(settings[key]) for key in ("SEARCH_SYNONYMS_FILE", "SEARCH_THESAURUS_FILE") if settings.get(key)]


def load_groups(settings: dict) -> list[TermGroup]:
    return [group for path in term_files(settings) for group in load_synonyms(path)]
