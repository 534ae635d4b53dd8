"""The search index's per-term entries kept between builds (``search_cache.EntryCache``) never
change what a build writes: an index made with the cache after edits equals one made from nothing.
"""

from __future__ import annotations

from coachsite import search_files
from coachsite.search import TermGroup
from coachsite.search_cache import CountCache, EntryCache
from coachsite.search_files import index_files
from coachsite.search_index import Document, Section, Stems, average_length

GROUPS = [TermGroup(("regels", "protocollen")), TermGroup(("thuiswerken", "op afstand werken"))]


def _doc(number: int, body: str) -> Document:
    return Document(url=f"post-{number}/", title=f"Bericht {number} over klanten", theme="Thema", date="1 juli 2026",
                    authors=["Coach"], tags=["klant"], sections=[Section(None, "", body)])


def _site() -> list[Document]:
    bodies = [
        "Minder regels geven medewerkers ruimte voor de klant.",
        "Thuiswerken vraagt om afspraken over bereikbaarheid en rust.",
        "Een klacht is een kans: luister eerst en vat samen wat de klant zegt.",
        "Op afstand werken kan goed als het team elkaar vaak spreekt.",
        "Protocollen helpen nieuwe medewerkers, regels mogen daarna losser.",
    ] * 4
    return [_doc(i, f"{body} Zin nummer {i}.") for i, body in enumerate(bodies)]


def _indexed(docs, folder):
    counts = CountCache(folder)
    files, _ = index_files(docs, GROUPS, Stems(counts=counts), folder)
    counts.save()
    return files


def test_a_warm_index_after_edits_equals_a_cold_one_and_rescores_only_touched_terms(tmp_path, monkeypatch):
    docs = _site()
    _indexed(docs, tmp_path)
    scored = []
    head_and_tail = search_files._head_and_tail
    monkeypatch.setattr(search_files, "_head_and_tail", lambda scores: (scored.append(scores), head_and_tail(scores))[1])
    docs[3] = _doc(3, "Op afstand werken kan goed als het team elkaar vaak spreekt. Ook over koffie.")
    warm = _indexed(docs, tmp_path)
    assert EntryCache(tmp_path, CountCache(tmp_path)).path.is_file()
    terms = len(scored)
    assert 0 < terms < 40  # the edited post's terms only ("koffie" among them), not the whole site
    scored.clear()
    cold = _indexed(docs, tmp_path / "empty")
    assert len(scored) > terms
    assert warm == cold
    docs.append(_doc(99, "Een nieuw bericht over regels en koffie."))  # another number of posts: nothing reused
    assert _indexed(docs, tmp_path) == _indexed(docs, tmp_path / "other")


def test_a_damaged_entry_cache_is_ignored(tmp_path):
    docs = _site()
    _indexed(docs, tmp_path)
    (tmp_path / "search-entries.marshal").write_bytes(b"\x00damaged")
    docs[0] = _doc(0, "Minder regels, meer vertrouwen.")
    assert _indexed(docs, tmp_path) == _indexed(docs, tmp_path / "empty")


def test_the_average_length_is_on_a_grid_near_the_mean():
    lengths = [700] * 999 + [690]
    assert average_length(lengths) == average_length(lengths[:-1] + [697])  # a small edit keeps it
    assert abs(average_length(lengths) / (sum(lengths) / len(lengths)) - 1) < 0.023  # half a step of the grid
    assert average_length([]) == 1.0


def test_kept_sections_equal_fresh_ones_and_are_read_back(tmp_path, monkeypatch):
    """plugins/search_index.py keeps each post's sections between builds, keyed by its HTML."""
    import importlib
    import sys
    from pathlib import Path

    from coachsite.search_index import sections_of

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent / "plugins"))
    plugin = sys.modules.get("search_index") or importlib.import_module("search_index")
    html = '<p>Eerst dit.</p><h2 id="kop">Een kop &amp; meer</h2><p>Dan de <em>tekst</em>.</p>'
    kept = plugin.KeptSections(tmp_path)
    assert kept(html) == sections_of(html)
    kept.save()
    again = plugin.KeptSections(tmp_path)
    assert len(again.old) == 1 and again(html) == sections_of(html)
    changed = html.replace("tekst", "inhoud")
    assert again(changed) == sections_of(changed) != sections_of(html)


def test_entries_made_with_another_head_length_are_not_reused(tmp_path, monkeypatch):
    docs = _site()
    _indexed(docs, tmp_path)
    monkeypatch.setattr(search_files, "HEAD", 2)
    assert _indexed(docs, tmp_path) == _indexed(docs, tmp_path / "empty")


def test_a_small_edit_to_a_long_post_rescores_only_the_words_it_touched(tmp_path, monkeypatch):
    """Each post's length is on the grid too (``search_index.on_grid``): one word more in a post of
    300 words leaves its length, so only that word's postings are scored again."""
    docs = _site()
    long_text = " ".join(["Een klant wil weten waar hij aan toe is, dus zeg wat wel en niet kan."] * 20)
    docs[2] = _doc(2, long_text)
    _indexed(docs, tmp_path)
    scored = []
    head_and_tail = search_files._head_and_tail
    monkeypatch.setattr(search_files, "_head_and_tail", lambda scores: (scored.append(scores), head_and_tail(scores))[1])
    docs[2] = _doc(2, long_text + " Koffie.")
    warm = _indexed(docs, tmp_path)
    assert len(scored) == 1  # "koffie" only
    assert warm == _indexed(docs, tmp_path / "cold")


def test_site_totals_follow_posts_that_come_go_and_repeat(tmp_path, monkeypatch):
    """The vocabulary and document frequencies are carried from the last build
    (``CountCache.totals``): after removing, adding and duplicating posts they equal a count from nothing."""
    docs = _site()
    _indexed(docs, tmp_path)
    carried = []
    totals = CountCache.totals
    monkeypatch.setattr(CountCache, "totals", lambda self: (carried.append(totals(self)), carried[-1])[1])
    docs = docs[2:] + [_doc(50, "Koffie en klanten: een nieuw woord, cappuccino."), docs[5]]
    warm = _indexed(docs, tmp_path)
    assert carried[0] is not None  # carried, not summed again
    assert warm == _indexed(docs, tmp_path / "cold")
    assert carried[1] is None  # nothing to carry in an empty cache folder
