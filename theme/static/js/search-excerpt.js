// What a result shows of its article: an excerpt around the query words and the best-matching tips.
// `forms` maps a folded word form to the number of the query term it belongs to (search-index.js).

import { fold } from "./search-index.js";

// A tip heading and the text under it stay apart in an excerpt ("…onzekerheid. Wat gebeurt…").
export function sectionText(heading, body) {
  if (!heading) return body;
  return /[.!?:…]$/.test(heading) ? `${heading} ${body}` : `${heading}. ${body}`;
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
  const text = doc.s.map(([, heading, body]) => sectionText(heading, body)).join(" ");
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
