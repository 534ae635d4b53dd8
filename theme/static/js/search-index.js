// The reading side of the static search index (written at build time by coachsite/search_files.py).
// Every score is computed by the build. Here a query word is stemmed with the same Snowball
// algorithm (stemmer-nl.js) and looked up in its posting shard; synonyms, thesaurus terms,
// typo corrections and compound parts are added at query time, on stems, with lower weights.
// A posting file holds a term's best-scoring articles (its head); the rest (its tail) is fetched
// only when the ranking of the first page needs it.
// Parsed JSON is only read through Object.hasOwn, so "constructor" or "__proto__" are plain words.
// Ranking: search-rank.js; rendering: search.js; excerpts and tips: search-excerpt.js.

import { stem as snowball } from "./stemmer-nl.js";

export const MAX_QUERY_CHARS = 200;
export const MAX_QUERY_WORDS = 10;
const SHORT_WORD = 4; // shorter words are their own stem (as in the index)
const TYPO_MIN = 5;
const PART_MIN = 3;
// Never a part of a split compound: "weerbericht" is not "weer" (again) + "bericht".
const FUNCTION_WORDS = new Set("weer over door mee aan uit af toe na tegen onder achter boven langs rond samen terug heen mis".split(" "));

// A file of this build's index folder is gone: the site was deployed since the page was loaded.
export class IndexGone extends Error {}
// The site could not be reached at all.
export class Offline extends Error {}

export function fold(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

// Folded words, without those over `maxWord` letters (never indexed, so never searched).
export function words(text, maxWord = 40) {
  return (fold(text).match(/[a-z0-9]+/g) || []).filter((w) => w.length <= maxWord);
}

export function stemOf(word) {
  return word.length < SHORT_WORD || /^\d+$/.test(word) ? word : snowball(word) || word;
}

// FNV-1a (32 bit) modulo `count`: the same function as coachsite/search_files.py `shard`.
export function shard(key, count) {
  let value = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) value = Math.imul(value ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return value % count;
}

export function own(object, key) {
  return object && Object.hasOwn(object, key) ? object[key] : undefined;
}

// Damerau-Levenshtein distance is at most 1 (one insertion, deletion, substitution or swap).
export function withinOneEdit(a, b) {
  if (a === b) return true;
  const la = a.length, lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

function gapsToIds(gaps) {
  const ids = [];
  let id = 0;
  for (const gap of gaps) ids.push((id += gap));
  return ids;
}

export class SearchIndex {
  // base: the index folder of this page's build ("/zoeken/3f2a…/"); shards: [postings, words,
  // compounds, posting tails].
  constructor({ base, shards, articles, maxWord = 40 }) {
    Object.assign(this, { base, shards, articles, maxWord });
    this.files = new Map();
    this.postings = new Map(); // term -> Promise of its decoded posting (null: on no article)
    this.owned = new Map(); // term -> Promise, settled once its own shard is read
  }

  // Every file at most once per page, from the HTTP cache when it has it: the folder name is the
  // hash of its content, so a cached file is always the right one.
  json(path) {
    if (!this.files.has(path)) {
      const file = fetch(this.base + path).then(
        (response) => {
          if (!response.ok) throw new IndexGone(`${path}: ${response.status}`);
          return response.json();
        },
        () => {
          throw new Offline(path);
        },
      );
      file.catch(() => this.files.delete(path)); // a later search may try again
      this.files.set(path, file);
    }
    return this.files.get(path);
  }

  sharded(kind, key) {
    const count = this.shards[{ p: 0, w: 1, c: 2, q: 3 }[kind]];
    return this.json(`${kind}/${shard(key, count)}.json`);
  }

  // A term's posting head (its best-scoring articles, and how many articles it is in), decoded
  // once per page. A term grouped with an earlier query word is already known from that word's shard.
  posting(stem) {
    return this.postings.has(stem) ? this.postings.get(stem) : this.groups(stem).then(() => this.postings.get(stem));
  }

  // Reads the term's own shard: its posting, its term groups (into `terms()`), and the postings of
  // every term it shares a group with (each shard carries copies of those: one file per query word).
  groups(term) {
    if (!this.owned.has(term)) {
      const loaded = Promise.all([this.terms(), this.sharded("p", term)]).then(([terms, file]) => this.register(terms, file, term));
      loaded.catch(() => this.owned.delete(term));
      this.owned.set(term, loaded);
    }
    return this.owned.get(term);
  }

  register(terms, file, term) {
    const entry = own(file, term);
    this.postings.set(term, Promise.resolve(this.decode(term, entry)));
    const memberships = own(entry, "g") || [];
    if (memberships.length) terms.phrases.set(term, memberships.map(([group, related]) => ({ group, related: related === 1 })));
    for (const [group] of memberships) {
      const [equivalent, related] = own(file, `#${group}`);
      terms.groups[group] = [equivalent, related];
      // A grouped term missing from this shard is on no article (the build copies all others).
      for (const other of [...equivalent, ...related]) {
        if (!this.postings.has(other)) this.postings.set(other, Promise.resolve(this.decode(other, own(file, other))));
      }
    }
  }

  decode(stem, entry) {
    if (!entry || !own(entry, "p")) return null;
    const ids = gapsToIds(entry.p.filter((_, i) => i % 2 === 0));
    const scores = entry.p.filter((_, i) => i % 2 === 1).map((score) => score / 100);
    return { stem, forms: entry.f, ids, scores, df: entry.n, idf: this.idf(entry.n), truncated: entry.n > ids.length };
  }

  // Completes the heads of `stems` with their tails (q/ files): for a ranking the heads cannot settle.
  async loadTails(stems) {
    await Promise.all(
      stems.map(async (stem) => {
        const head = await this.posting(stem);
        if (!head || !head.truncated) return;
        const tail = own(await this.sharded("q", stem), stem) || [];
        const ids = head.ids.slice(), scores = head.scores.slice();
        for (let i = 0, id = 0; i < tail.length; i += 2) {
          ids.push((id += tail[i])); // one pass: a tail holds thousands of articles
          scores.push(tail[i + 1] / 100);
        }
        this.postings.set(stem, Promise.resolve({ ...head, ids, scores, truncated: false }));
      }),
    );
  }

  // Starts fetching what a query of several words will need on a large site while its heads are
  // on their way: the posting tails of its words (a ranking of several common words seldom
  // settles on heads alone). Files are memoised, so the ranking later reads them from memory.
  // (A single word's typo and compound files are not fetched ahead: they would cost the usual
  // first query about 20 KB, where a typo costs one round trip more.)
  prefetch(query) {
    if (this.shards[3] <= 1) return; // a small site: no tails worth a request
    this.terms()
      .then(({ stopwords }) => {
        const content = words(query.slice(0, MAX_QUERY_CHARS), this.maxWord).filter((w) => !stopwords.has(w));
        if (content.length < 2) return;
        for (const word of content.slice(0, MAX_QUERY_WORDS)) this.sharded("q", stemOf(word)).catch(() => {});
      })
      .catch(() => {}); // the search itself reports errors
  }

  idf(count) {
    return Math.log(1 + (this.articles - count + 0.5) / (count + 0.5));
  }

  // The stop words, the multi-word phrases of the term groups (to find "op afstand" in a query)
  // and their one-word terms (for verb forms and compounds that start with one). Which groups a term is in, and the groups themselves, arrive with its posting shard.
  terms() {
    if (!this.termsPromise) {
      this.termsPromise = this.json("t.json").then((data) => {
        const phrases = new Map(data.m.map((phrase) => [phrase, []]));
        const longest = Math.max(1, ...data.m.map((phrase) => phrase.split(" ").length));
        return { phrases, words: new Set(data.w), groups: [], stopwords: new Set(data.s), longest };
      });
      this.termsPromise.catch(() => (this.termsPromise = null));
    }
    return this.termsPromise;
  }

  // The most common site word one typo away from `word`, or null (words of 5+ letters only;
  // candidates share the first letter, so three small files are enough).
  async correct(word) {
    if (word.length < TYPO_MIN) return null;
    let best = null;
    const lengths = [word.length - 1, word.length, word.length + 1];
    const shards = await Promise.all(lengths.map((length) => this.sharded("w", `${length}${word[0]}`)));
    for (const [i, length] of lengths.entries()) {
      for (const [candidate, [count, stem]] of Object.entries(shards[i])) {
        if (candidate.length !== length || candidate[0] !== word[0]) continue;
        if ((!best || count > best.count) && withinOneEdit(word, candidate)) best = { word: candidate, stem, count };
      }
    }
    if (best) await this.groups(best.stem); // its term groups, for the ranking
    return best;
  }

  // The most common site word with the same beginning ("splits" -> "splitsen"): a last resort for
  // words of 5+ letters that are neither on the site, one typo away, nor a compound.
  async complete(word) {
    if (word.length < TYPO_MIN) return null;
    const prefix = word.slice(0, Math.max(TYPO_MIN, word.length - 3));
    let best = null;
    const lengths = [0, 1, 2, 3, 4, 5, 6].map((i) => word.length - 3 + i).filter((length) => length >= prefix.length);
    const shards = await Promise.all(lengths.map((length) => this.sharded("w", `${length}${word[0]}`)));
    for (const [i, length] of lengths.entries()) {
      for (const [candidate, [count, stem]] of Object.entries(shards[i])) {
        if (count > 0 && (!best || count > best.count) && candidate.length === length && candidate.startsWith(prefix)) best = { word: candidate, stem, count };
      }
    }
    return best;
  }

  // Two known Dutch words that make up `word` ("schoonmaakproducten" -> schoonmaak + producten),
  // with an optional linking s/e/en, or a verb's stem as the head ("thuiswerkbeleid" ->
  // thuiswerken + beleid); the longest head first. Null when there is no such split.
  async split(word) {
    if (word.length < 2 * PART_MIN) return null;
    const { stopwords } = await this.terms();
    const part = (w, set) => set.has(w) && !stopwords.has(w) && !FUNCTION_WORDS.has(w);
    const [heads, tails] = await Promise.all([this.sharded("c", `h${word.slice(0, 2)}`), this.sharded("c", `t${word.slice(-3)}`)]);
    const headSet = new Set(own(heads, `h${word.slice(0, 2)}`) || []);
    const tailSet = new Set(own(tails, `t${word.slice(-3)}`) || []);
    for (let i = word.length - PART_MIN; i >= PART_MIN; i--) {
      const left = word.slice(0, i), right = word.slice(i);
      if (!part(right, tailSet)) continue;
      for (const link of ["", "s", "e", "en"]) {
        const head = link && left.endsWith(link) ? left.slice(0, -link.length) : link ? null : left;
        if (head && head.length >= PART_MIN && part(head, headSet)) return [head, right];
      }
      // A verb starts a compound without its -en ("thuiswerk|beleid" from "thuiswerken").
      if (left.length >= PART_MIN && part(`${left}en`, headSet)) return [`${left}en`, right];
    }
    return null;
  }

  // Articles with one value of each filter ({thema: "Hybride werken"}), or null without filters.
  async allowed(filters) {
    let allowed = null;
    for (const [key, value] of filters) {
      const ids = new Set(gapsToIds(own(await this.json(`f/${key}.json`), value) || []));
      allowed = allowed ? new Set([...allowed].filter((id) => ids.has(id))) : ids;
    }
    return allowed;
  }

  document(id) {
    return this.json(`d/${id}.json`);
  }

}
