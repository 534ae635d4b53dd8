// Dutch word forms for the ranking (search-rank.js): conjugated and separable verbs, compounds
// that start with a term of the groups, and whether a word is real Dutch. Each looks only in
// files the search reads anyway (the term groups, the typo and compound files of the index).

import { own, stemOf } from "./search-index.js";

export const PARTICLES = ["terug", "door", "over", "mee", "uit", "aan", "toe", "om", "op", "af", "in"];
// Particles of separable verbs that stand apart in a question ("houd ... vast" = "vasthouden").
const SEPARATED = [...PARTICLES, "vast", "samen", "bij", "los", "weg", "na", "voor", "tegen"];
const PREFIX_MIN = 8; // a group term that starts a longer unknown compound ("klachtenafhandel")
const VERB_MAX = 7; // a finite verb in a question is short ("houd", "zet", "splits")

// Whether a stem is a one-word term of the term groups (t.json lists them all; a term's groups
// themselves arrive with its posting shard).
function isGroupTerm(terms, stem) {
  return terms.phrases.has(stem) || terms.words.has(stem);
}

// The forms a conjugated verb may have: "splits" -> "splitsen", "houdt" -> "houden", "ga" -> "gaan",
// "vasthoud" -> "vasthoudt" (Snowball stems most forms of a verb alike, but not a stem ending in
// s, nor the -t form).
export function verbForms(word) {
  const bases = [word, ...(word.endsWith("t") && word.length > 3 ? [word.slice(0, -1)] : [])];
  return [...new Set(bases.flatMap((base) => [base, `${base}en`, `${base}n`, `${base}t`]))].filter((form) => form !== word);
}

// The stems of those of `forms` that an article uses (or, with `groups`, a term group has), other
// than `not`. Looked up in the typo files of the words (the ones the typo corrector reads), not
// in a posting file per form.
export async function knownForms(index, terms, forms, not, groups = true) {
  const found = new Set();
  await Promise.all(forms.map(async (form) => {
    const key = `${form.length}${form[0]}`;
    const entry = own(await index.sharded("w", key), form);
    const stem = stemOf(form);
    if (stem !== not && ((entry && entry[0] > 0) || (groups && isGroupTerm(terms, stem)))) found.add(stem);
  }));
  return [...found];
}

// The stem of the longest start of `word` (PREFIX_MIN letters or more) that is a one-word term of
// the groups ("klachtenafhandeling" in "klachtenafhandelingsproces"), or null.
export function groupPrefix(terms, word) {
  for (let length = word.length - 3; length >= PREFIX_MIN; length--) {
    const stem = stemOf(word.slice(0, length));
    if (isGroupTerm(terms, stem)) return stem;
  }
  return null;
}

// Whether `word` is in the Dutch word list of the compound files (the file split() reads anyway).
export async function dutchWord(index, word) {
  const key = `h${word.slice(0, 2)}`;
  return (own(await index.sharded("c", key), key) || []).includes(word);
}

// A separable verb split over the question ("hoe houd ik het teamgevoel vast") becomes one
// word ("vasthouden") when the site or the term groups know it; the particle is then used up.
export async function joinSeparated(index, terms, pieces) {
  for (let j = pieces.length - 1; j > 0; j--) {
    const particle = pieces[j].label;
    if (!SEPARATED.includes(particle)) continue;
    for (let i = j - 1; i >= 0; i--) {
      const verb = pieces[i].label;
      if (pieces[i].stems.length > 1 || verb.length > VERB_MAX || terms.stopwords.has(verb) || SEPARATED.includes(verb)) continue;
      const [stem] = await knownForms(index, terms, [`${particle}${verb}`, ...verbForms(`${particle}${verb}`)], null);
      if (stem) {
        pieces[i] = { label: `${particle}${verb}`, stems: [stem] };
        pieces.splice(j, 1);
        break;
      }
    }
  }
}
