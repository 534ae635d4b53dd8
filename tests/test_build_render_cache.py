"""The render cache's post signatures (coachsite/page_signatures.py): stable across builds, never blind."""

from __future__ import annotations

from coachsite.page_signatures import PAGE_KEYS, Signatures, _template_keys, keys_used


def test_a_card_does_not_depend_on_which_equal_values_are_one_object():
    """A post read from Markdown and the same post from the reader cache share different objects;
    their signatures must still be equal, or the first warm build after a cold one renders all."""
    signatures = Signatures({})
    title = "".join(["Elk gesprek ", "telt"])
    shared = {"title": title, "metadata": {"title": title}, "tips": [(1, title, "1-elk")]}
    copied = {"title": title, "metadata": {"title": "".join(["Elk ", "gesprek telt"])}, "tips": [(1, title[:], "1-elk")]}
    assert signatures._pickled(shared) == signatures._pickled(copied)


def test_a_card_changes_with_any_nested_value_and_equal_sets_pickle_alike():
    signatures = Signatures({})
    card = {"jsonld": {"author": [{"name": "Marieke Jansen"}]}, "keywords": {"regels", "vertrouwen"}}
    other = {"jsonld": {"author": [{"name": "Ruben Bakker"}]}, "keywords": {"regels", "vertrouwen"}}
    same_set = {"jsonld": {"author": [{"name": "Marieke Jansen"}]}, "keywords": {"vertrouwen", "regels"}}
    assert signatures._pickled(card) != signatures._pickled(other)
    assert signatures._pickled(card) == signatures._pickled(same_set)


def test_what_cannot_be_pickled_is_described_another_way():
    signatures = Signatures({})
    assert signatures._pickled({"filter": lambda value: value}) is None  # value() describes it


def test_template_keys_are_found_through_includes_and_dynamic_names_count_as_all(tmp_path):
    from jinja2 import Environment, FileSystemLoader

    (tmp_path / "base.html").write_text("{% block body %}{% endblock %}", encoding="utf-8")
    (tmp_path / "part.html").write_text("{{ SEARCH_INDEX.url }}", encoding="utf-8")
    (tmp_path / "page.html").write_text('{% extends "base.html" %}{% block body %}{% include "part.html" %}{% endblock %}', encoding="utf-8")
    (tmp_path / "plain.html").write_text('{% extends "base.html" %}', encoding="utf-8")
    (tmp_path / "dynamic.html").write_text("{% include partial_name %}", encoding="utf-8")
    environment = Environment(loader=FileSystemLoader(str(tmp_path)))
    _template_keys.clear()
    assert keys_used(environment, "page.html") == {"SEARCH_INDEX"}
    assert keys_used(environment, "plain.html") == frozenset()
    assert keys_used(environment, "dynamic.html") == PAGE_KEYS
    _template_keys.clear()
