"""The search's word data is sound: thesaurus.txt, the coach's synonyms.txt and the query table.

These check the data files themselves (format, one meaning per word, sources noted, the cases of
issues #17 and #18), not how the search uses them: that is tested in tests/test_search_*.py.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import pytest
import snowballstemmer

from coachsite.search import TOO_COMMON, WORD_RE, fold, load_synonyms

ROOT = Path(__file__).resolve().parent.parent
THESAURUS = ROOT / "thesaurus.txt"
SYNONYMS = ROOT / "synonyms.txt"
QUERIES = ROOT / "tests" / "data" / "search_queries.tsv"
CLASSES = {"concept", "question", "typo", "compound", "short", "offtopic"}
STEM = snowballstemmer.stemmer("dutch")


def stems(term: str) -> tuple[str, ...]:
    """A term as the search sees it: folded words reduced to their Dutch stems."""
    return tuple(STEM.stemWord(w) for w in WORD_RE.findall(fold(term)))


def groups_of(path: Path) -> list[tuple[int, list[str], list[str]]]:
    """(line, equivalents, related) per group line of a thesaurus-format file."""
    result = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            equivalents, _, related = line.partition(";")
            split = lambda part: [t.strip() for t in part.split(",") if t.strip()]  # noqa: E731
            result.append((number, split(equivalents), split(related)))
    return result


def all_groups():
    return [(path.name, *group) for path in (SYNONYMS, THESAURUS) for group in groups_of(path)]


def test_thesaurus_has_a_few_hundred_groups():
    assert 250 <= len(groups_of(THESAURUS)) <= 400


def test_terms_are_lower_case_and_groups_have_two_equivalents():
    for name, line, equivalents, related in all_groups():
        assert len(equivalents) >= 2, f"{name}:{line}: a group needs two equivalents before ';'"
        for term in equivalents + related:
            assert term == term.lower() and stems(term), f"{name}:{line}: {term!r}"


def test_a_term_means_one_thing_across_both_files():
    """No stem (or phrase of stems) in the equivalents of two groups: a query word pulls in one meaning."""
    seen: dict[tuple[str, ...], str] = {}
    for name, line, equivalents, _ in all_groups():
        for term in equivalents:
            where = seen.setdefault(stems(term), f"{name}:{line}")
            assert where == f"{name}:{line}", f"{name}:{line}: {term!r} is already an equivalent in {where}"


def test_a_term_is_not_both_equivalent_and_related_in_one_group():
    for name, line, equivalents, related in all_groups():
        assert not {stems(t) for t in equivalents} & {stems(t) for t in related}, f"{name}:{line}"


def test_no_group_holds_a_word_that_is_in_every_post():
    for name, line, equivalents, related in all_groups():
        for term in equivalents + related:
            assert fold(term) not in TOO_COMMON, f"{name}:{line}: {term!r} is in nearly every article"


def test_every_block_of_the_thesaurus_starts_with_its_source_note():
    """Groups come in blocks separated by blank lines; each block opens with a '#' note on where they come from."""
    blocks = re.split(r"\n\s*\n", THESAURUS.read_text(encoding="utf-8"))
    for block in blocks:
        lines = [line for line in block.splitlines() if line.strip()]
        if any(not line.startswith("#") for line in lines):
            assert lines[0].startswith("#"), f"block without a source note: {lines[0]!r}"


def test_issue_18_verloop_is_staff_turnover_not_customers_cancelling():
    groups = {g[2][0]: g for g in all_groups()}
    verloop, opzeggen = groups["verloop"], groups["opzeggen"]
    assert "personeelsverloop" in verloop[2] and "opzeggen" not in verloop[2] + verloop[3]
    assert "klantverloop" in opzeggen[2] and "verloop" not in opzeggen[2]
    assert not any("vertrek" == fold(t) for g in all_groups() for t in g[2]), "'vertrek' alone is also a hotel check-out"


@pytest.mark.parametrize("term", [
    # issue #18
    "kto", "nps", "fcr", "first time right", "kcc", "callcenter", "coulance", "zelfsturing",
    # domain notes: the KPI set and the legal depth a team leader expects
    "ces", "csat", "or", "avg", "arbo", "bedrijfsarts", "kifid",
    # issue #17: words readers type where the posts use others
    "bureaucratie", "micromanagement", "protocollen", "woningbouwvereniging", "assertief", "opdrachtgever",
    "saamhorigheid", "remote", "schoonmaakproducten",
])
def test_the_words_the_issues_name_are_covered(term):
    assert any(term in g[2] for g in all_groups()), term


# The words readers type, from the project's domain notes (/work/shared/domain.md in the brief).
DOMAIN_WORDS = [
    "thuiswerken", "hybride werken", "op afstand", "terug naar kantoor", "kantoordag", "regels", "regelruimte",
    "beslisruimte", "mandaat", "autonomie", "vertrouwen", "empowerment", "klanteigenaarschap", "verwachtingen managen",
    "nee durven zeggen", "aankaarten", "lef", "klacht", "afspraak is afspraak", "klantbeleving", "klanttevredenheid",
    "ambassadeur", "medewerkersbetrokkenheid", "verloop", "burn-out", "werkdruk",
]


@pytest.mark.parametrize("term", DOMAIN_WORDS)
def test_the_domain_words_readers_type_are_in_a_group(term):
    assert any(term in g[2] + g[3] for g in all_groups()), term


def test_synonyms_stay_the_coachs_short_list():
    groups = load_synonyms(SYNONYMS)  # the format the coach edits: commas only, no ';'
    assert len(groups) <= 15 and ";" not in "".join(line for line in SYNONYMS.read_text(encoding="utf-8").splitlines()
                                                     if not line.startswith("#"))


def published_slugs() -> set[str]:
    slugs = set()
    for path in (ROOT / "content").glob("*/*.md"):
        text = path.read_text(encoding="utf-8")
        if path.parent.name != "pages" and not re.search(r"^Status:\s*draft", text, re.M):
            slug = re.search(r"^Slug:\s*(\S+)", text, re.M)
            slugs.add(slug.group(1) if slug else path.stem)
    return slugs


def query_rows() -> list[dict]:
    with QUERIES.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_query_table_has_its_columns_and_classes():
    assert QUERIES.read_text(encoding="utf-8").splitlines()[0] == "class\tquery\texpected"
    rows = query_rows()
    per_class = Counter(row["class"] for row in rows)
    assert set(per_class) == CLASSES and min(per_class.values()) >= 10 and len(rows) >= 60
    assert len({fold(row["query"]) for row in rows}) == len(rows), "a query appears twice"


def test_query_table_expects_published_posts_and_nothing_for_offtopic():
    slugs = published_slugs()
    for row in query_rows():
        assert row["query"] == row["query"].strip() and row["query"], row
        if row["class"] == "offtopic":
            assert row["expected"] == "-", row
        else:
            assert row["expected"] in slugs, f"{row['query']!r}: {row['expected']!r} is not a published post"
