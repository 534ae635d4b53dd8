"""The files of the static search index, in one folder named by their content hash.

Why a hash: article numbers are positions in one build. A page of build N names the folder
``zoeken/<hash>/`` of build N, so a CDN or a half-finished upload can never mix posting files of
one build with article files of another, and every file may be cached for a year (``immutable``).
A page left open across a deploy finds its folder gone and says so, instead of showing wrong
articles.

Small files by design (a query downloads only what it needs, whatever the size of the site):

- ``p/<shard>.json``: per term (a stem, or a stemmed multi-word phrase of the term groups such as
  "u of je", indexed where its words stand together) its forms (for highlighting), ``n``: the
  number of articles it is in (for idf), ``p``: its *head*, the ``HEAD`` best-scoring articles as
  ``[gap, score × 100, …]``, and ``g``: the term groups it is in, ``[[group, related], …]``.
  A shard also carries each of those groups (``#<n>``: ``[equivalent, related]``) and a copy of
  the entry of every term grouped with its terms, so one file per query word holds the word, its
  synonyms and their heads (a term missing from that shard is on no article);
- ``q/<shard>.json``: per term in more than ``HEAD`` articles, its *tail* (the other articles, the
  same pairs). The browser ranks on heads, and fetches the tails of the reader's own words only
  when the heads cannot settle the first page (search-rank.js ``settledTop``); synonyms count
  with their heads alone;
- ``w/<shard>.json``: the typo vocabulary, ``{word: [articles, stem]}``, sharded by length and
  first letter, so a typo fetches three small files;
- ``c/<shard>.json``: known Dutch words for splitting compound query words, keyed by their first
  two letters (``h``) and last three letters (``t``): every head of a word shares its start and
  every tail its end, so a split needs two files;
- ``d/<id>.json``: what one result shows; ``f/<name>.json``: articles per filter value;
- ``t.json``: the stop words, the multi-word phrases of the term groups (to find "op afstand"
  in a query before any posting arrives) and their one-word terms (verb forms and compounds that
  start with a term are checked against them); the search page preloads it with the scripts.

Shards are chosen by FNV-1a of a key modulo a count that grows with the site (``search-index.js``
computes the same hash); the counts are written into the search page with the folder name.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import marshal
import math
from pathlib import Path

from coachsite.search import MAX_WORD, STOPWORDS, TermGroup
from coachsite.search_cache import EntryCache
from coachsite.search_compounds import _site_compound_words, compound_entries, dictionary_entries, dictionary_words
from coachsite.search_index import Counted, Document, Stems, count_documents, term_postings
from coachsite.search_json import _encode, _entry, _json

SEARCH_DIR = "zoeken"
STEMS_NAME = "search-stems.json"  # in the cache folder: the stems of earlier builds
SHARD_BYTES = {"p": 4_000, "q": 16_000, "w": 8_000, "c": 16_000}
HEAD = 40  # articles per posting head: enough to rank the first page of most queries  # raw JSON per shard, before gzip
TYPO_MIN = 5  # shorter query words are not corrected; candidates are one letter shorter


FNV: dict[str, int] = {}  # key -> its FNV-1a: a pure function, memoised (``EntryCache`` keeps it between builds)


def shard(key: str, count: int) -> int:
    """FNV-1a (32 bit) of ``key`` modulo ``count``: the same function as ``shard`` in search-index.js."""
    value = FNV.get(key)
    if value is None:
        value = 0x811C9DC5
        for char in key:
            value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
        FNV[key] = value
    return value % count


# Posting shards per article, and never fewer than SHARD_MIN, on a small site. Its term groups'
# entries are a fixed weight (every term's entry is copied to the shard of each group mate): by
# bytes alone the project's 22 posts made 385 files of ~4 KB, and creating each new file costs a
# build 0.2-0.3 ms; now 33 of ~35 KB (~11 KB gzip per query word). At 1,000 and 10,000 generated
# articles (bench/generate.py) the byte rule gives fewer files than this cap (1,123 and 1,886), so
# the counts and download sizes of large sites are those of the byte rule alone.
SHARDS_PER_ARTICLE = {"p": 1.5}
SHARD_MIN = 16


def shard_count(prefix: str, size: int, articles: int | None = None) -> int:
    """Shards for ``size`` raw bytes of entries: ``SHARD_BYTES`` each, at most
    ``SHARDS_PER_ARTICLE`` × ``articles`` (never fewer than ``SHARD_MIN``) where that is set."""
    count = max(1, math.ceil(size / SHARD_BYTES[prefix]))
    per_article = SHARDS_PER_ARTICLE.get(prefix)
    if articles is not None and per_article:
        count = min(count, max(SHARD_MIN, math.ceil(per_article * articles)))
    return count


def _sharded(prefix: str, entries: dict[str, tuple[str, str]], files: dict[str, bytes], extra: dict[str, set[str]] | None = None, articles: int | None = None) -> int:
    """``entries``: name -> (shard key, its ``_entry``); ``extra``: name -> more shard keys that
    carry a copy. Writes ``prefix/<n>.json`` files; returns the count (``shard_count``; ``articles``:
    the site's). Each value is serialised once; a shard is the concatenation of its entries."""
    extra = extra or {}
    count = shard_count(prefix, sum(len(text) * (1 + len(extra.get(name, ()))) for name, (_, text) in entries.items()), articles)
    shards: list[list[str]] = [[] for _ in range(count)]
    keys = {key for key, _ in entries.values()}.union(*extra.values())
    where = {key: shard(key, count) for key in keys}  # once per key, not once per copy
    for name in sorted(entries):
        key, text = entries[name]
        more = extra.get(name)
        if not more:
            shards[where[key]].append(text)
            continue
        for number in sorted({where[key], *(where[k] for k in more)}):
            shards[number].append(text)
    for number, content in enumerate(shards):
        files[f"{prefix}/{number}.json"] = ("{" + ",".join(content) + "}").encode("utf-8")
    return count


def warm_up() -> None:
    """What every index needs before any post is known: the compound word list's entries and
    the hashes of their shard keys. ``plugins/search_index.py``'s child calls it while it waits
    for the posts, so a build no longer waits for it after they are read."""
    dictionary_words()
    for key in dictionary_entries():
        shard(key, 1)


def _delta(ids: list[int]) -> list[int]:
    """Sorted ids as gaps: small numbers are fewer bytes, before and after gzip."""
    return [b - a for a, b in zip([0] + ids, ids)]


def stemmed_groups(groups: list[TermGroup], stems: Stems, known: set[str]) -> list[list[list[str]]]:
    """Groups as stemmed phrases; only groups of which some phrase can match an article."""
    def stem_phrase(phrase: str) -> str:
        return " ".join(stems(word) for word in phrase.split())

    def findable(phrase: str) -> bool:
        content = [s for w, s in zip(phrase.split(), stem_phrase(phrase).split()) if w not in STOPWORDS]
        return bool(content) and all(s in known for s in content)

    kept = []
    for group in groups:
        if any(findable(p) for p in group.phrases()):
            kept.append([sorted({stem_phrase(p) for p in group.equivalent}), sorted({stem_phrase(p) for p in group.related})])
    return kept


def group_entries(kept: list[list[list[str]]], known: set[str]) -> tuple[dict[str, list], dict[str, set[str]]]:
    """What the posting shards carry about the term groups, so that one file per query word holds
    the word, its groups and the heads of every term grouped with it.

    Returns, per term (a stem or a stemmed phrase of a kept group), its memberships
    ``[[group, related], …]``, and per shard entry the other terms whose shards carry a copy: the
    group ``#<n>`` (``[equivalent, related]``) is copied to the shard of each of its terms, and a
    term's entry to the shard of every term it shares a group with."""
    memberships: dict[str, list] = {}
    members: dict[int, list[str]] = {}
    for number, (equivalent, related) in enumerate(kept):
        for flag, phrases in ((0, equivalent), (1, related)):
            for term in phrases:
                memberships.setdefault(term, []).append([number, flag])
                members.setdefault(number, []).append(term)
    copies: dict[str, set[str]] = {}
    for number, terms in members.items():
        copies[f"#{number}"] = set(terms)
        for term in terms:
            if term in known:  # a term without articles needs no copy: the browser reads its absence
                copies.setdefault(term, set()).update(t for t in terms if t != term)
    return memberships, copies


def _head_and_tail(scores: dict[int, float]) -> tuple[list[int], list[int]]:
    """The HEAD best-scoring articles (ties: the lower id) and the rest, each as ``[gap, score × 100, …]``.
    ``scores`` is in id order: ``nlargest`` is a stable sort's first HEAD (ties keep the lower id),
    and the rest stay in id order without sorting."""
    head = sorted(heapq.nlargest(HEAD, scores, key=scores.__getitem__))
    if len(head) == len(scores):
        return _pairs(head, scores), []
    chosen = set(head)
    return _pairs(head, scores), _pairs([doc_id for doc_id in scores if doc_id not in chosen], scores)


def _pairs(ids: list[int], scores: dict[int, float]) -> list[int]:
    """Ids in order as gaps, each followed by its score × 100 (at least 1), interleaved by slices."""
    flat = [0] * (2 * len(ids))
    flat[0::2] = _delta(ids)
    flat[1::2] = [round(scores[doc_id] * 100) or 1 for doc_id in ids]
    return flat


def posting_entries(counted: Counted, kept: list[list[list[str]]], previous: dict | None = None) -> tuple[dict, dict, dict, dict]:
    """Shard entries of the posting heads (with the term groups folded in) and of the tails.
    ``previous`` (``search_cache.EntryCache.unchanged``): per term whose postings did not change
    since the last build its forms, groups and entries then; reused where forms and groups are
    the same too, so only the terms an edit touched are scored and serialised. Also returns this
    build's records for the next one."""
    memberships, copies = group_entries(kept, counted.df)
    previous = previous or {}
    forms, df = counted.forms, counted.df
    reused = {term: old for term, old in previous.items() if term in df and old[0] == forms[term] and old[1] == memberships.get(term)}
    postings = term_postings(counted, {term for term in df if term not in reused})
    entries: dict[str, tuple[str, str]] = {}
    tails: dict[str, tuple[str, str]] = {}
    records: dict[str, tuple] = {}
    for term in df.keys() | memberships.keys():
        if term in reused:
            _forms, _groups, entry, tail = records[term] = reused[term]
        elif term in df:
            head, tail_pairs = _head_and_tail(postings[term])
            value = {"f": sorted(forms[term]), "n": df[term], "p": head}
            if term in memberships:
                value["g"] = memberships[term]
            entry, tail = _entry(term, value), tail_pairs and _entry(term, tail_pairs)
            records[term] = (frozenset(forms[term]), memberships.get(term), entry, tail)
        else:
            entry, tail = _entry(term, {"g": memberships[term]}), None
        entries[term] = (term, entry)
        if tail:
            tails[term] = (term, tail)
    for number, group in enumerate(kept):
        name = f"#{number}"
        entries[name] = (min(copies[name]), _entry(name, group))
    return entries, tails, copies, records


class Unchanged:
    """A file whose inputs are those of the same file in the last index (``search_folder.LastIndex``):
    its bytes are the same, so ``write_index`` links the old file; ``make()`` makes it anyway
    (when the old file is gone or was changed)."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


def _reusable(prefix: str, inputs, files: dict, last, make_all) -> int:
    """The shards of ``prefix``: ``Unchanged`` when ``inputs`` equal the last index's, else made
    now by ``make_all(files)`` (which returns their count)."""
    old = last.inputs.get(prefix) if last else None
    if old and last.same(prefix, (inputs, old[1])):
        made: dict[str, bytes] = {}

        def make(path: str) -> bytes:
            if not made:
                make_all(made)
            return made[path]

        for number in range(old[1]):
            path = f"{prefix}/{number}.json"
            files[path] = Unchanged(functools.partial(make, path))
        return old[1]
    count = make_all(files)
    if last:
        last.same(prefix, (inputs, count))
    return count


def _article_file(doc: Document) -> bytes:
    sections = [[s.anchor, s.heading, s.text] for s in doc.sections]
    return _json({"u": doc.url, "t": doc.title, "m": doc.theme, "d": doc.date, "s": sections})


def index_files(docs: list[Document], groups: list[TermGroup], stems: Stems | None = None, cache: Path | None = None, last=None) -> tuple[dict[str, bytes], dict]:
    """Every file of the index (relative path -> bytes, or ``Unchanged`` given ``last``, the
    last index) and what the search page must know."""
    stems = stems or Stems()
    phrases = {tuple(stems(w) for w in p.split()) for g in groups for p in g.phrases() if " " in p}
    counted = count_documents(docs, stems, phrases)
    vocabulary, postings = counted.vocabulary, counted.df  # postings: per term its article count
    files: dict[str, bytes] = {}
    kept = stemmed_groups(groups, stems, counted.df.keys())
    reuse = EntryCache(cache, stems.counts) if cache and stems.counts is not None else None
    entries, tails, copies, records = posting_entries(counted, kept, reuse and reuse.unchanged(counted))
    if reuse:
        reuse.save(counted, records)
    shards = {"p": _sharded("p", entries, files, copies, len(docs)), "q": _sharded("q", tails, files)}
    # Typo candidates: the site's words, and the words of the term groups (count 0), so that
    # "klachtenafhandling" is corrected to a thesaurus word even where no article uses it.
    group_words = {w for g in groups for phrase in g.phrases() for w in phrase.split()}
    # ``_entry(w, [count, stem])`` spelt out: two encoder calls fewer for each of ~20,000 words
    typo_words = {w: vocabulary.get(w, 0) for w in set(vocabulary) | group_words if len(w) >= TYPO_MIN - 1}
    typo_inputs = hashlib.sha1(marshal.dumps(sorted(typo_words.items()))).hexdigest()

    def typo_shards(into: dict) -> int:
        typo = {w: (f"{len(w)}{w[0]}", f"{_encode(w)}:[{count},{_encode(stems(w))}]") for w, count in typo_words.items()}
        return _sharded("w", typo, into)

    shards["w"] = _reusable("w", typo_inputs, files, last, typo_shards)
    compound_inputs = hashlib.sha1("\n".join(sorted(_site_compound_words(vocabulary))).encode()).hexdigest()
    shards["c"] = _reusable("c", compound_inputs, files, last, lambda into: _sharded("c", compound_entries(set(vocabulary)), into))
    keys = stems.counts.keys if stems.counts is not None else None  # each document's inputs
    filters: dict[str, dict[str, list[int]]] = {"thema": {}, "auteur": {}, "tag": {}}
    for doc_id, doc in enumerate(docs):
        path = f"d/{doc_id}.json"
        if last and keys and last.same(path, keys[doc_id]):
            files[path] = Unchanged(functools.partial(_article_file, doc))
        else:
            files[path] = _article_file(doc)
        for name, values in (("thema", [doc.theme]), ("auteur", doc.authors), ("tag", doc.tags)):
            for value in values:
                filters[name].setdefault(value, []).append(doc_id)
    for name, values in filters.items():
        files[f"f/{name}.json"] = _json({value: _delta(ids) for value, ids in sorted(values.items())})
    multi = sorted({term for group in kept for phrases in group for term in phrases if " " in term})
    single = sorted({term for group in kept for phrases in group for term in phrases if " " not in term})
    files["t.json"] = _json({"s": sorted(STOPWORDS), "m": multi, "w": single})
    meta = {"shards": shards, "articles": len(docs), "stems": len(postings), "words": len(vocabulary), "max_word": MAX_WORD}
    return files, meta
