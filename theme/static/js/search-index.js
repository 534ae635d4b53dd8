// The reading side of the static search index (written at build time by coachsite/search_index.py).
// Every score is computed by the build; here a query only fetches one small file per word (its
// postings) and one per result shown, and adds numbers. No rendering here: see search.js.

export const STOPWORDS = new Set(
  ("de het een en of in op te van voor met naar is zijn wordt worden dat die dit wat hoe als omdat " +
   "maar bij om aan er ook mijn je jij jouw ik we wij ze zij hij wil kan moet heb heeft hebben doe " +
   "doen onze ons hun zich").split(" ")
);
const MAX_WORD = 40;
const ENOUGH = 3; // fewer pages than this contain every word: rank the pages with some of them too

export function fold(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
}

export function words(text) {
  return fold(text).match(/[a-z0-9]+/g) || [];
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
  constructor(base) {
    this.base = base;
    this.files = new Map();
  }

  // Every file at most once per page; a missing file (a word the site never uses) is null.
  // Never from the HTTP cache: article numbers are per build, and postings of yesterday's build
  // with today's article files would show the wrong articles (it is also faster: measured
  // 1.3 ms instead of 2.3 ms per file in Chromium, bench/RESULTS.md).
  json(path) {
    if (!this.files.has(path)) {
      const file = fetch(this.base + path, { cache: "no-store" });
      this.files.set(path, file.then((r) => (r.ok ? r.json() : null)).catch(() => null));
    }
    return this.files.get(path);
  }

  async vocabulary(length) {
    if (length < 1 || length > MAX_WORD) return {};
    return (await this.json(`zoeken/woorden/${length}.json`)) || {};
  }

  // The stem to look up for a query word: its own when the site uses the word; else, for words of
  // 5+ letters, that of the most common word one typo away (announced as a correction) or of the most
  // common other form with the same beginning ("kantoren" -> "kantoor"). Null when nothing is near.
  async resolve(word) {
    const same = await this.vocabulary(word.length);
    if (same[word]) return { word, stem: same[word][1], corrected: false };
    if (word.length < 5) return null;
    let best = null;
    for (const length of [word.length - 1, word.length, word.length + 1]) {
      for (const [candidate, [count, stem]] of Object.entries(await this.vocabulary(length))) {
        if ((!best || count > best.count) && withinOneEdit(word, candidate)) best = { word: candidate, stem, count, corrected: true };
      }
    }
    if (best) return best;
    const prefix = word.slice(0, Math.max(5, word.length - 3));
    for (let length = word.length - 3; length <= word.length + 3; length++) {
      for (const [candidate, [count, stem]] of Object.entries(await this.vocabulary(length))) {
        if ((!best || count > best.count) && candidate.startsWith(prefix)) best = { word, stem, count, corrected: false };
      }
    }
    return best;
  }

  async postings(stem) {
    const data = await this.json(`zoeken/index/p/${stem}.json`);
    if (!data) return { forms: [], ids: [], scores: [], idf: 0 };
    // [gap, score × 100, gap, score × 100, …]
    const ids = gapsToIds(data.p.filter((_, i) => i % 2 === 0));
    const scores = data.p.filter((_, i) => i % 2 === 1).map((score) => score / 100);
    const idf = Math.log(1 + (data.n - ids.length + 0.5) / (ids.length + 0.5));
    return { forms: data.f, ids, scores, idf };
  }

  // Articles with one value of a filter ({thema: "Hybride werken"}), or null without filters.
  async allowed(filters) {
    let allowed = null;
    for (const [key, value] of Object.entries(filters)) {
      const lists = (await this.json(`zoeken/index/f/${key}.json`)) || {};
      const ids = new Set(gapsToIds(lists[value] || []));
      allowed = allowed ? new Set([...allowed].filter((id) => ids.has(id))) : ids;
    }
    return allowed;
  }

  document(id) {
    return this.json(`zoeken/index/d/${id}.json`);
  }

  // Ranked article ids for a query. Stop words count only when the query has nothing else.
  // Pages with every word come first; when fewer than three have them all (a long question),
  // pages with some of the words follow, weighed down by the share of words they miss.
  async search(query, filters = {}) {
    const original = words(query);
    const resolved = await Promise.all(original.map((w) => this.resolve(w)));
    const unknown = original.filter((w, i) => resolved[i] === null);
    const found = resolved.filter(Boolean);
    const corrections = found.filter((r) => r.corrected).map((r) => r.word);
    const content = found.filter((r) => !STOPWORDS.has(r.word));
    const stems = [...new Set((content.length ? content : found).map((r) => r.stem))];
    const [lists, allowed] = await Promise.all([Promise.all(stems.map((s) => this.postings(s))), this.allowed(filters)]);
    const score = new Map(), matched = new Map();
    for (const list of lists) {
      for (let i = 0; i < list.ids.length; i++) {
        const id = list.ids[i];
        if (allowed && !allowed.has(id)) continue;
        score.set(id, (score.get(id) || 0) + list.scores[i]);
        matched.set(id, (matched.get(id) || 0) + 1);
      }
    }
    const all = [...matched].filter(([, m]) => m === stems.length).map(([id]) => id);
    const ids = all.length >= ENOUGH || stems.length < 2 ? all : [...score.keys()];
    const rank = (id) => score.get(id) * (matched.get(id) / stems.length) ** 2;
    ids.sort((a, b) => rank(b) - rank(a) || a - b);
    const forms = new Map();
    lists.forEach((list, term) => list.forms.forEach((form) => forms.set(form, term)));
    return { ids, forms, weights: lists.map((list) => list.idf), corrections, unknown };
  }
}

const WORD = /[\p{L}\p{N}]+/gu;
const PLAIN = /^[a-z0-9]+$/;

// Every word of `text` with its place and, when the query matched it, its term number.
function scan(text, forms) {
  const found = [];
  for (const match of text.matchAll(WORD)) {
    const lower = match[0].toLowerCase();
    found.push({ start: match.index, end: match.index + match[0].length, term: forms.get(PLAIN.test(lower) ? lower : fold(lower)) });
  }
  return found;
}

// About `size` words of the article (headings included) around the most query words, as
// [{text, mark}] runs: the window with the most different query words, then the most matches.
export function excerpt(doc, forms, size = 30) {
  const text = doc.s.map(([, heading, body]) => (heading ? `${heading} ${body}` : body)).join(" ");
  const found = scan(text, forms);
  if (!found.length) return [];
  const counts = new Map();
  let distinct = 0, hits = 0, bestStart = 0, bestValue = -1;
  const add = (word, step) => {
    if (word.term === undefined) return;
    const before = counts.get(word.term) || 0;
    counts.set(word.term, before + step);
    hits += step;
    if (before === 0 && step > 0) distinct++;
    if (before === 1 && step < 0) distinct--;
  };
  for (let i = 0; i < found.length; i++) {
    add(found[i], 1);
    if (i >= size) add(found[i - size], -1);
    const start = Math.max(0, i - size + 1);
    const value = distinct * 1000 + hits;
    if (i >= Math.min(size, found.length) - 1 && value > bestValue) [bestStart, bestValue] = [start, value];
  }
  const last = Math.min(found.length, bestStart + size) - 1;
  const runs = [];
  let at = found[bestStart].start;
  for (const word of found.slice(bestStart, last + 1)) {
    if (word.term === undefined) continue;
    if (word.start > at) runs.push({ text: text.slice(at, word.start), mark: false });
    runs.push({ text: text.slice(word.start, word.end), mark: true });
    at = word.end;
  }
  const end = last + 1 < found.length ? found[last].end : text.length;
  if (end > at) runs.push({ text: text.slice(at, end), mark: false });
  if (bestStart > 0) runs.unshift({ text: "… ", mark: false });
  if (last + 1 < found.length) runs.push({ text: " …", mark: false });
  return runs;
}

// The numbered tips that match the query best: a word in the heading counts three times, repeats
// count less and less, and rare words (weights: their idf) more than common ones.
export function matchingTips(doc, forms, weights, limit = 2) {
  const value = (heading, text) => {
    const tf = new Map();
    const count = (words, n) => words.forEach((w) => w.term !== undefined && tf.set(w.term, (tf.get(w.term) || 0) + n));
    count(scan(heading, forms), 3);
    count(scan(text, forms), 1);
    let sum = 0;
    for (const [term, f] of tf) sum += weights[term] * (f / (f + 1.2));
    return sum;
  };
  return doc.s
    .filter(([anchor, heading]) => anchor && /^\d+\.\s/.test(heading))
    .map(([anchor, heading, text], order) => ({ anchor, heading, order, value: value(heading, text) }))
    .filter((tip) => tip.value > 0)
    .sort((a, b) => b.value - a.value || a.order - b.order)
    .slice(0, limit);
}
