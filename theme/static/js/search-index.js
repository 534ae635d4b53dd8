// The reading side of the static search index (written at build time by coachsite/search_files.py).
// Every score is computed by the build. Here a query word is stemmed with the same Snowball
// algorithm (stemmer-nl.js) and looked up in its posting shard; synonyms, thesaurus terms,
// typo corrections and compound parts are added at query time, on stems, with lower weights.
// Parsed JSON is only read through Object.hasOwn, so "constructor" or "__proto__" are plain words.
// No rendering here: see search.js. Excerpts and tips: search-excerpt.js.

import { stem as snowball } from "./stemmer-nl.js";

export const MAX_QUERY_CHARS = 200;
export const MAX_QUERY_WORDS = 10;
const SHORT_WORD = 4; // shorter words are their own stem (as in the index)
const TYPO_MIN = 5;
const PART_MIN = 3;
export const WEIGHT = { exact: 1, equivalent: 0.9, part: 0.8, related: 0.5 };
export const FLOOR = 0.5; // a result needs this share of the query's weight
const UNKNOWN = 0.75;
const PHRASE = 0.6;
// Never a part of a split compound: "weerbericht" is not "weer" (again) + "bericht".
const FUNCTION_WORDS = new Set("weer over door mee aan uit af toe na tegen onder achter boven langs rond samen terug heen mis".split(" "));
const RARE = 3; // a word in fewer articles than this is also looked up by its compound parts

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

function own(object, key) {
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
  // base: the index folder of this page's build ("/zoeken/3f2a…/"); shards: [postings, words, compounds].
  constructor({ base, shards, articles, maxWord = 40 }) {
    Object.assign(this, { base, shards, articles, maxWord });
    this.files = new Map();
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
    const count = this.shards[{ p: 0, w: 1, c: 2 }[kind]];
    return this.json(`${kind}/${shard(key, count)}.json`);
  }

  // The shard key of a stem: its own, or that of the term group whose postings share a shard.
  async postingShard(stem) {
    const { keys } = await this.terms();
    return this.sharded("p", own(keys, stem) || stem);
  }

  async posting(stem) {
    const entry = own(await this.postingShard(stem), stem);
    if (!entry) return null;
    const ids = gapsToIds(entry.p.filter((_, i) => i % 2 === 0));
    const scores = entry.p.filter((_, i) => i % 2 === 1).map((score) => score / 100);
    return { stem, forms: entry.f, ids, scores, idf: this.idf(ids.length) };
  }

  idf(count) {
    return Math.log(1 + (this.articles - count + 0.5) / (count + 0.5));
  }

  // The term groups as a Map from stemmed phrase to [{group, related}], and the stop words.
  terms() {
    if (!this.termsPromise) {
      this.termsPromise = this.json("t.json").then((data) => {
        const phrases = new Map();
        data.g.forEach(([equivalent, related], group) => {
          for (const phrase of equivalent) phrases.set(phrase, [...(phrases.get(phrase) || []), { group, related: false }]);
          for (const phrase of related) phrases.set(phrase, [...(phrases.get(phrase) || []), { group, related: true }]);
        });
        const longest = Math.max(1, ...[...phrases.keys()].map((phrase) => phrase.split(" ").length));
        return { phrases, groups: data.g, stopwords: new Set(data.s), longest, keys: data.k };
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
  // with an optional linking s/e/en; the longest head first. Null when there is no such split.
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

  // One query word or phrase as a concept: the ways an article can match it, each a list of
  // stems (all needed) with a weight. Order: the word itself and its term groups; else a typo
  // correction; else the parts of a compound (each a concept of its own, sharing the weight).
  async concept(label, stems, terms, allowParts = true) {
    const alternatives = [];
    const content = stems.filter((s, i) => !terms.stopwords.has(label.split(" ")[i]));
    const own = content.length ? content : stems;
    const expanded = [];
    this.expand(stems.join(" "), terms, expanded); // starts fetching their postings, too
    const exact = await Promise.all(own.map((s) => this.posting(s)));
    if (exact.every(Boolean)) alternatives.push({ stems: own, weight: WEIGHT.exact });
    alternatives.push(...expanded);
    if (stems.length === 1 && exact[0] && exact[0].ids.length < RARE && allowParts) {
      // A compound that few articles use ("klantvriendelijk") also finds articles with both its parts.
      const parts = await this.split(label);
      const partStems = parts ? parts.map(stemOf) : [];
      if (parts && (await Promise.all(partStems.map((s) => this.posting(s)))).every(Boolean)) {
        alternatives.push({ stems: partStems, weight: WEIGHT.part });
      }
    }
    if (alternatives.length || stems.length > 1) return { label, alternatives, share: 1 };
    // Unknown word: a typo, else a compound, else a longer form; all looked up at once.
    const [corrected, parts, completed] = await Promise.all([
      this.correct(label), allowParts ? this.split(label) : null, allowParts ? this.complete(label) : null]);
    if (corrected) {
      alternatives.push({ stems: [corrected.stem], weight: WEIGHT.exact });
      this.expand(corrected.stem, terms, alternatives);
      return { label, alternatives, corrected: corrected.word, share: 1 };
    }
    if (parts) {
      const sub = await Promise.all(parts.map((part) => this.concept(part, [stemOf(part)], terms, false)));
      if (sub.some((c) => c.alternatives.length)) {
        return { label, parts: sub.map((c) => ({ ...c, share: 0.5, alternatives: c.alternatives.map((a) => ({ ...a, weight: a.weight * WEIGHT.part })) })) };
      }
    }
    if (completed) alternatives.push({ stems: [completed.stem], weight: WEIGHT.related });
    return { label, alternatives, share: 1 };
  }

  // Adds the terms grouped with `phrase` to `alternatives` and starts loading their postings.
  expand(phrase, terms, alternatives) {
    for (const { group, related } of terms.phrases.get(phrase) || []) {
      const [equivalent, broader] = terms.groups[group];
      const add = (list, weight) => {
        for (const other of list) {
          if (other === phrase) continue;
          const stems = other.split(" ").filter((s) => !terms.stopwords.has(s));
          if (!stems.length) continue;
          // Without word positions a phrase is only "all its words somewhere in the article":
          // weaker evidence than one word, so it weighs less.
          alternatives.push({ stems, weight: stems.length > 1 ? weight * PHRASE : weight });
          stems.forEach((s) => this.sharded("p", own(terms.keys, s) || s).catch(() => {}));
        }
      };
      add(equivalent, related ? WEIGHT.related : WEIGHT.equivalent);
      if (!related) add(broader, WEIGHT.related);
    }
  }

  // The query as concepts: the longest known phrases of the term groups first ("op afstand"),
  // then each other word; stop words only when the query has nothing else.
  async analyse(query) {
    const terms = await this.terms();
    // Words over the length limit are dropped, then at most MAX_QUERY_CHARS characters are read
    // (a pasted page costs no more than a sentence) and MAX_QUERY_WORDS words used.
    const cleaned = query.replace(new RegExp(`[\\p{L}\\p{N}]{${this.maxWord + 1},}`, "gu"), " ");
    const tokens = words(cleaned.slice(0, MAX_QUERY_CHARS), this.maxWord);
    const stems = tokens.map(stemOf);
    const pieces = [];
    for (let i = 0; i < tokens.length; ) {
      let length = Math.min(terms.longest, tokens.length - i);
      while (length > 1 && !terms.phrases.has(stems.slice(i, i + length).join(" "))) length--;
      pieces.push({ label: tokens.slice(i, i + length).join(" "), stems: stems.slice(i, i + length) });
      i += length;
    }
    const content = pieces.filter((p) => p.stems.length > 1 || !terms.stopwords.has(p.label));
    const used = (content.length ? content : pieces).slice(0, MAX_QUERY_WORDS);
    const concepts = await Promise.all(used.map((p) => this.concept(p.label, p.stems, terms)));
    return { concepts: concepts.flatMap((c) => c.parts || [c]), capped: content.length > MAX_QUERY_WORDS || cleaned.length > MAX_QUERY_CHARS };
  }

  // Ranked article ids for a query, with what the page needs to explain and highlight them.
  async search(query, filters = new Map()) {
    const [{ concepts, capped }, allowed] = await Promise.all([this.analyse(query), this.allowed(filters)]);
    const lists = new Map();
    const needed = [...new Set(concepts.flatMap((c) => c.alternatives.flatMap((a) => a.stems)))];
    (await Promise.all(needed.map((s) => this.posting(s)))).forEach((list, i) => lists.set(needed[i], list));
    const forms = new Map();
    const weights = [];
    const score = new Map(), share = new Map();
    let total = 0;
    concepts.forEach((concept, term) => {
      // A concept weighs as much as the idf of its own word (or, when the site lacks it, of its
      // best-weighted terms that the site has); a word the site does not know weighs UNKNOWN × the
      // idf of a word in no article: enough that one or two shared words do not carry an off-topic
      // query ("belastingaangifte invullen"), not so much that one verb the site never uses sinks a
      // reader's whole question (tuned on tests/data/search_queries.tsv).
      const present = concept.alternatives.filter((a) => a.stems.every((s) => lists.get(s)));
      const top = Math.max(0, ...present.map((a) => a.weight));
      const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
      const idfs = present.filter((a) => a.weight === top).map((a) => mean(a.stems.map((s) => lists.get(s).idf)));
      const weight = (idfs.length ? Math.max(...idfs) : UNKNOWN * this.idf(0)) * concept.share;
      weights.push(weight);
      total += weight;
      // Per article, the best alternative: its weight × its BM25 score (the mean over the words of a
      // phrase), with the idf capped at the concept's own: a rare synonym never outweighs the word
      // the reader typed, and a common one weighs less than that word.
      const best = new Map(); // article -> [value, matched weight]
      for (const alternative of present) {
        const found = alternative.stems.map((s) => lists.get(s));
        found.forEach((list) => list.forms.forEach((form) => forms.has(form) || forms.set(form, term)));
        const perArticle = new Map();
        const cap = (list) => Math.min(list.idf, weight / concept.share) / list.idf;
        for (const list of found) list.ids.forEach((id, i) => perArticle.set(id, [...(perArticle.get(id) || []), list.scores[i] * cap(list)]));
        for (const [id, strengths] of perArticle) {
          if (strengths.length < found.length || (allowed && !allowed.has(id))) continue;
          const value = alternative.weight * mean(strengths) * concept.share;
          const previous = best.get(id);
          if (!previous || value > previous[0]) best.set(id, [value, alternative.weight * weight]);
        }
      }
      for (const [id, [value, matched]] of best) {
        score.set(id, (score.get(id) || 0) + value);
        share.set(id, (share.get(id) || 0) + matched);
      }
    });
    const ids = [...score.keys()].filter((id) => share.get(id) >= FLOOR * total - 1e-9);
    const rank = (id) => score.get(id) * (share.get(id) / total) ** 2;
    ids.sort((a, b) => rank(b) - rank(a) || a - b);
    return {
      ids,
      forms,
      weights,
      corrections: concepts.filter((c) => c.corrected).map((c) => c.corrected),
      unknown: concepts.filter((c) => !c.alternatives.length).map((c) => c.label),
      capped,
    };
  }
}
