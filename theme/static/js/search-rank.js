// Ranking on top of the static index (search-index.js): a query becomes concepts (its words and
// phrases, each with its term groups, typo correction, compound parts or longer form as weighted
// alternatives, all on stems), and articles are ranked by the concepts they match. A result needs
// FLOOR of the query's weight (rare words weigh more), so one shared common word is never enough.

import { dutchWord, groupPrefix, joinSeparated, knownForms, PARTICLES, verbForms } from "./search-forms.js";
import { MAX_QUERY_CHARS, MAX_QUERY_WORDS, stemOf, words } from "./search-index.js";

export const WEIGHT = { exact: 1, equivalent: 0.9, part: 0.8, related: 0.5 };
export const FLOOR = 0.5; // a result needs this share of the query's weight
const UNKNOWN = 1.0;
const WEAK = 0.5; // the share of the floor that weak evidence carries when the reader's word is known

// One query word or phrase as a concept: the ways an article can match it, each a list of
// stems (all needed) with a weight. Order: the word itself and its term groups; else a typo
// correction; else the parts of a compound (each a concept of its own, sharing the weight).
async function concept(index, label, stems, terms, allowParts = true) {
  const alternatives = [];
  const content = stems.filter((s, i) => !terms.stopwords.has(label.split(" ")[i]));
  const own = content.length ? content : stems;
  // The term's own posting shard also brings its term groups and their terms' postings.
  const [exact, phrase] = await Promise.all([Promise.all(own.map((s) => index.posting(s))), stems.length > 1 ? index.posting(stems.join(" ")) : null, index.groups(stems.join(" "))]);
  const expanded = [];
  expand(index, stems.join(" "), terms, expanded, false);
  // The groups in which the reader's word is only a related term give weak evidence, which a word
  // the site uses in two articles or more does without.
  if (!(own.length === 1 && exact[0] && exact[0].df >= 2)) expand(index, stems.join(" "), terms, expanded, true);
  // A phrase of the term groups is indexed where its words stand together ("u of je"); the
  // reader's own words also count anywhere in an article (they are what the reader typed).
  if (phrase) alternatives.push({ stems: [phrase.stem], weight: WEIGHT.exact });
  if (exact.every(Boolean)) alternatives.push({ stems: own, weight: WEIGHT.exact });
  if (stems.length === 1 && exact[0] && label.endsWith("t") && label.length >= 5) {
    // A verb's -t form has a stem of its own ("levert"): its other forms ("geleverd") count too.
    for (const stem of await knownForms(index, terms, verbForms(label), stems[0], false)) alternatives.push({ stems: [stem], weight: WEIGHT.equivalent });
  }
  alternatives.push(...expanded);
  if (stems.length === 1 && allowParts && !exact[0] && alternatives.length && !(await foundAbove(index, alternatives, WEIGHT.part))) {
    // A word the site lacks whose thesaurus terms on the site are only related ones is also
    // split ("thuiswerkbeleid": "thuiswerk" + "beleid" say more than "kantoordag"). A word the
    // site has is never split: its parts would find articles that only share a part ("koffie"
    // in "koffieautomaat"), and the compound files would cost two more round trips.
    const parts = await index.split(label);
    const partStems = parts ? parts.map(stemOf) : [];
    if (parts && (await Promise.all(partStems.map((s) => index.posting(s)))).every(Boolean)) {
      alternatives.push({ stems: partStems, weight: WEIGHT.part });
    }
  }
  if (alternatives.length || stems.length > 1) return { label, alternatives, share: 1 };
  // A part of a compound is taken as it is ("griepprik" is not "groep" + "prik").
  return allowParts ? unknownWord(index, label, stems[0], terms) : { label, alternatives, share: 1 };
}

// A word neither the site nor the term groups know: a verb form, a typo, a compound (looked up
// at once), else a compound that starts with a group term, a verb with its particle, a longer form.
async function unknownWord(index, label, stem, terms) {
  const alternatives = [];
  // A verb form whose infinitive is known ("splits" -> "splitsen") wins over a typo correction
  // into another word ("spits"); where both lead to one word ("kantor"), the correction is
  // announced. A real Dutch word the site lacks ("kopen") is no typo of a site word ("komen").
  const [verb, typo, parts, real] = await Promise.all([
    knownForms(index, terms, verbForms(label), stem).then((found) => found[0] || null),
    index.correct(label),
    index.split(label),
    dutchWord(index, label),
  ]);
  const corrected = real ? null : typo;
  if (verb && (!corrected || corrected.stem !== verb)) {
    if (await index.posting(verb)) alternatives.push({ stems: [verb], weight: WEIGHT.exact });
    expand(index, verb, terms, alternatives);
    return { label, alternatives, share: 1 };
  }
  if (corrected && corrected.count === 0) {
    // A correction to a word of the term groups that no article uses ("splits" -> "spits") is
    // worth less than a longer form the site does use ("splitsen").
    const completed = await index.complete(label);
    if (completed && completed.count > 0) return { label, alternatives: [{ stems: [completed.stem], weight: WEIGHT.related }], share: 1 };
  }
  if (corrected) {
    alternatives.push({ stems: [corrected.stem], weight: WEIGHT.exact });
    expand(index, corrected.stem, terms, alternatives, corrected.count >= 2 ? false : undefined); // as for a word typed right
    return { label, alternatives, corrected: corrected.word, share: 1 };
  }
  if (parts) {
    const sub = await Promise.all(parts.map((part) => concept(index, part, [stemOf(part)], terms, false)));
    if (sub.some((c) => c.alternatives.length)) {
      return { label, parts: sub.map((c) => ({ ...c, share: 0.5, alternatives: c.alternatives.map((a) => ({ ...a, weight: a.weight * WEIGHT.part })) })) };
    }
  }
  // A longer compound that starts with a term of the groups ("klachtenafhandelings|proces"):
  // that term carries it, as a part.
  const start = groupPrefix(terms, label);
  if (start) {
    const found = [];
    if (await index.posting(start)) found.push({ stems: [start], weight: WEIGHT.exact });
    expand(index, start, terms, found);
    return { label, alternatives: found.map((a) => ({ ...a, weight: a.weight * WEIGHT.part })), share: 1 };
  }
  // A verb with a separable particle the site writes without it: "inroosteren" -> "roosteren".
  const particle = PARTICLES.find((p) => label.startsWith(p) && label.length - p.length >= 5);
  const bare = particle ? await index.posting(stemOf(label.slice(particle.length))) : null;
  if (bare) return { label, alternatives: [{ stems: [bare.stem], weight: WEIGHT.part }], share: 1 };
  const completed = real ? null : await index.complete(label);
  if (completed) alternatives.push({ stems: [completed.stem], weight: WEIGHT.related });
  return { label, alternatives, share: 1 };
}

// Whether an article has one of `alternatives` of at least `weight` (their postings are fetched).
async function foundAbove(index, alternatives, weight) {
  const strong = alternatives.filter((a) => a.weight >= weight);
  const found = await Promise.all(strong.map((a) => Promise.all(a.stems.map((s) => index.posting(s)))));
  return found.some((lists) => lists.every(Boolean));
}

// Adds the terms grouped with `phrase` to `alternatives` and starts loading their postings; with
// `asRelated` true or false, only the groups where `phrase` is a related or an equivalent term.
function expand(index, phrase, terms, alternatives, asRelated) {
  for (const { group, related } of terms.phrases.get(phrase) || []) {
    if (asRelated !== undefined && related !== asRelated) continue;
    const [equivalent, broader] = terms.groups[group];
    const add = (list, weight) => {
      for (const other of list) {
        if (other === phrase) continue;
        const all = other.split(" ");
        const stems = all.filter((s) => !terms.stopwords.has(s));
        // A phrase counts where its words stand together (indexed as one key, "u of je"). Its
        // words scattered over an article are no evidence for a synonym (and fetching each of
        // them cost a file per word: 82 files for "thuiswerken" at 1,000 articles).
        if (all.length === 1 && !stems.length) continue;
        alternatives.push({ stems: [other], weight, grouped: true }); // ranked on its posting head alone
        index.posting(other).catch(() => {}); // known from the shard of `phrase`: no extra file
      }
    };
    add(equivalent, related ? WEIGHT.related : WEIGHT.equivalent);
    if (!related) add(broader, WEIGHT.related);
  }
}

// The query as concepts: the longest known phrases of the term groups first ("op afstand"),
// then each other word; stop words only when the query has nothing else.
export async function analyse(index, query) {
  const terms = await index.terms();
  // Words over the length limit are dropped, then at most MAX_QUERY_CHARS characters are read
  // (a pasted page costs no more than a sentence) and MAX_QUERY_WORDS words used.
  const cleaned = query.replace(new RegExp(`[\\p{L}\\p{N}]{${index.maxWord + 1},}`, "gu"), " ");
  const tokens = words(cleaned.slice(0, MAX_QUERY_CHARS), index.maxWord);
  const stems = tokens.map(stemOf);
  const pieces = [];
  for (let i = 0; i < tokens.length; ) {
    let length = Math.min(terms.longest, tokens.length - i);
    while (length > 1 && !terms.phrases.has(stems.slice(i, i + length).join(" "))) length--;
    pieces.push({ label: tokens.slice(i, i + length).join(" "), stems: stems.slice(i, i + length) });
    i += length;
  }
  await joinSeparated(index, terms, pieces);
  const content = pieces.filter((p) => p.stems.length > 1 || !terms.stopwords.has(p.label));
  const used = (content.length ? content : pieces).slice(0, MAX_QUERY_WORDS);
  const concepts = await Promise.all(used.map((p) => concept(index, p.label, p.stems, terms)));
  await Promise.all(concepts.filter((c) => c.parts).map((c) => partsApart(index, c)));
  return { concepts: concepts.flatMap((c) => c.parts || [c]), capped: content.length > MAX_QUERY_WORDS || cleaned.length > MAX_QUERY_CHARS };
}

// The parts of a compound that no article has together ("schademeldings|proces"): the longest
// part that the site has carries the concept alone, rather than nothing being found.
async function partsApart(index, compound) {
  const articles = async (part) => {
    const ids = new Set();
    for (const alternative of part.alternatives) {
      const lists = await Promise.all(alternative.stems.map((s) => index.posting(s)));
      if (lists.every(Boolean)) lists[0].ids.filter((id) => lists.every((l) => l.ids.includes(id))).forEach((id) => ids.add(id));
    }
    return ids;
  };
  const found = await Promise.all(compound.parts.map(articles));
  if (found.some((ids) => !ids.size) || [...found[0]].some((id) => found.slice(1).every((ids) => ids.has(id)))) return;
  const longest = compound.parts.reduce((a, b) => (b.label.length > a.label.length ? b : a));
  compound.parts = [{ ...longest, share: 1 }];
}

// Ranked article ids for a query, with what the page needs to explain and highlight them.
export async function search(index, query, filters = new Map(), top = 10) {
  const [{ concepts, capped }, allowed] = await Promise.all([analyse(index, query), index.allowed(filters)]);
  const lists = new Map();
  const needed = [...new Set(concepts.flatMap((c) => c.alternatives.flatMap((a) => a.stems)))];
  (await Promise.all(needed.map((s) => index.posting(s)))).forEach((list, i) => lists.set(needed[i], list));
  const forms = new Map();
  const weights = [];
  // Per article (ids are 0 … articles - 1): arrays, not Maps, as lists hold thousands of articles
  // on a large site; `candidates` lists the articles any concept matched.
  const score = new Float64Array(index.articles), share = new Float64Array(index.articles);
  const candidates = [];
  let total = 0;
  const perConcept = []; // for settledTop
  concepts.forEach((concept, term) => {
    // A concept weighs as much as the idf of its own word (or, when the site lacks it, of its
    // best-weighted terms that the site has); a word the site does not know weighs UNKNOWN × the
    // idf of a word in no article: enough that one or two shared words do not carry an off-topic
    // query ("belastingaangifte invullen"), not so much that one verb the site never uses sinks a
    // reader's whole question (tuned on tests/data/search_queries.tsv).
    const present = concept.alternatives.filter((a) => a.stems.every((s) => lists.get(s)));
    const top = Math.max(0, ...present.map((a) => a.weight));
    // When the reader's own word is on the site, weaker evidence (a related term, the parts of a
    // compound, a phrase whose words are merely somewhere in the article) still ranks, but counts
    // only half towards the floor: alone it never makes an article a result ("koffieautomaat"
    // does not find every article about "teamgevoel", nor one with "koffie" and "automaat").
    const known = present.some((a) => a.weight >= WEIGHT.exact && a.stems.length === 1 && lists.get(a.stems[0]).df >= 2);
    const carried = (a) => (known && a.weight < WEIGHT.equivalent ? WEAK : 1);
    const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
    // Through its term groups alone, a concept is as rare as the articles any of its best terms
    // are in together (a broad group is a common concept), not as its rarest term.
    const tops = present.filter((a) => a.weight === top);
    const idfs = tops.map((a) => mean(a.stems.map((s) => lists.get(s).idf)));
    const single = tops.filter((a) => a.stems.length === 1).map((a) => lists.get(a.stems[0]));
    // On a large site the lists are heads: each term's own article count bounds the union below.
    const together = Math.max(new Set(single.flatMap((list) => list.ids)).size, ...single.map((list) => list.df));
    const viaGroups = top < WEIGHT.exact && together ? index.idf(together) : Infinity;
    const rarest = idfs.length ? Math.max(...idfs) : UNKNOWN * index.idf(0);
    const weight = Math.min(rarest, viaGroups) * concept.share;
    weights.push(weight);
    total += weight;
    // Per article, the best alternative: its weight × its BM25 score (the mean over the words of a
    // phrase), with the idf capped at the concept's own: a rare synonym never outweighs the word
    // the reader typed, and a common one weighs less than that word.
    const cap = (list) => Math.min(list.idf, rarest) / list.idf;
    const { value, matchedBy, matchedHere } = bestPerArticle(index.articles, present, lists, allowed, concept.share, (a) => a.weight * weight * carried(a), cap);
    present.forEach((a) => a.stems.forEach((s) => lists.get(s).forms.forEach((form) => forms.has(form) || forms.set(form, term))));
    perConcept.push({ present, best: { get: (id) => (value[id] ? [value[id], matchedBy[id]] : undefined) }, cap, share: concept.share });
    for (const id of matchedHere) {
      if (!score[id] && !share[id]) candidates.push(id);
      score[id] += value[id];
      share[id] += matchedBy[id];
    }
  });
  const ids = candidates.filter((id) => share[id] >= FLOOR * total - 1e-9);
  const rank = (id) => score[id] * (share[id] / total) ** 2;
  const ranks = new Float64Array(index.articles);
  for (const id of ids) ranks[id] = rank(id);
  ids.sort((a, b) => ranks[b] - ranks[a] || a - b);
  return {
    ids,
    forms,
    weights,
    corrections: concepts.filter((c) => c.corrected).map((c) => c.corrected),
    unknown: concepts.filter((c) => !c.alternatives.length).map((c) => c.label),
    capped,
    ...settledTop(perConcept, lists, ids.slice(0, top), rank, candidates, top),
  };
}

// Per article (ids 0 … articles - 1, in arrays: lists hold thousands of articles on a large site)
// the value of its best alternative, weight × BM25 score (for a phrase's words the mean of their
// capped scores, in articles that have them all), and the weight that alternative matched.
function bestPerArticle(articles, present, lists, allowed, share, matchedWeight, cap) {
  const value = new Float64Array(articles), matchedBy = new Float64Array(articles);
  const matchedHere = []; // articles with a value
  for (const alternative of present) {
    const found = alternative.stems.map((s) => lists.get(s));
    const matched = matchedWeight(alternative);
    const consider = (id, strength) => {
      if (allowed && !allowed.has(id)) return;
      const v = alternative.weight * strength * share;
      if (v > value[id]) {
        if (!value[id]) matchedHere.push(id);
        value[id] = v;
        matchedBy[id] = matched;
      }
    };
    const caps = found.map(cap);
    if (found.length === 1) {
      const [{ ids, scores }] = found;
      for (let i = 0; i < ids.length; i++) consider(ids[i], scores[i] * caps[0]);
      continue;
    }
    const sum = new Float64Array(articles), count = new Uint8Array(articles);
    found.forEach(({ ids, scores }, j) => {
      for (let i = 0; i < ids.length; i++) {
        sum[ids[i]] += scores[i] * caps[j];
        count[ids[i]] += 1;
      }
    });
    for (const id of found[0].ids) if (count[id] === found.length) consider(id, sum[id] / count[id]);
  }
  return { value, matchedBy, matchedHere };
}

// Whether the first `top` results, ranked on posting heads, are those the full posting lists of
// the reader's own words give, in the same order (the threshold algorithm): an article outside a
// list's head scores at most that head's lowest score there, so it can neither change a shown
// article's value nor overtake the last one shown. Terms found through a term group count with
// their heads alone (their best articles). `complete`: no list was cut (the result count is
// exact); `truncated`: the reader's own lists whose tails settle the ranking when it is not.
function settledTop(perConcept, lists, shown, rank, candidates, top) {
  const cut = (stem) => lists.get(stem) && lists.get(stem).truncated;
  const ownStems = new Set(perConcept.flatMap(({ present }) => present.filter((a) => !a.grouped).flatMap((a) => a.stems)));
  const truncated = [...ownStems].filter(cut);
  const complete = ![...lists.keys()].some(cut);
  if (!truncated.length) return { complete, settled: true, truncated };
  const heads = new Map(truncated.map((stem) => [stem, new Set(lists.get(stem).ids)]));
  const hidden = perConcept.map(({ present, cap, share }) =>
    present
      .filter((a) => !a.grouped && a.stems.some((s) => heads.has(s)))
      .map((a) => {
        const most = (s) => {
          const list = lists.get(s);
          return list.scores.reduce((a, b) => (heads.has(s) ? Math.min(a, b) : Math.max(a, b))) * cap(list);
        };
        return { cut: a.stems.filter((s) => heads.has(s)), value: a.weight * Math.max(...a.stems.map(most)) * share };
      }),
  );
  const missing = (c, id) => Math.max(0, ...hidden[c].filter((h) => h.cut.some((s) => !heads.get(s).has(id))).map((h) => h.value));
  const known = (c, id) => (perConcept[c].best.get(id) || [0])[0];
  const unsettled = { complete, settled: false, truncated };
  if (shown.some((id) => perConcept.some((_, c) => missing(c, id) > known(c, id)))) return unsettled;
  const last = shown.length === top ? rank(shown[top - 1]) : 0;
  const unseen = hidden.reduce((sum, h) => sum + Math.max(0, ...h.map((x) => x.value)), 0);
  if (unseen > 0 && unseen >= last) return unsettled;
  const first = new Set(shown);
  for (const id of candidates) {
    // An article whose values are all known is already in its place.
    if (first.has(id) || !perConcept.some((_, c) => missing(c, id) > known(c, id))) continue;
    if (perConcept.reduce((sum, _, c) => sum + Math.max(known(c, id), missing(c, id)), 0) >= last) return unsettled;
  }
  return { complete, settled: true, truncated };
}
