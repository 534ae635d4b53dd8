// Site search on /zoeken/: Pagefind plus typo correction and a fallback for long questions.
// Reads ?q= (and ?thema=, ?auteur=, ?tag=) so searches can be shared and bookmarked.
// Builds the results with DOM methods only: text from posts can never become markup.

const scriptTag = document.querySelector("script[data-base]");
const base = scriptTag ? scriptTag.dataset.base : "/";
const form = document.getElementById("zoekformulier");
const input = document.getElementById("zoekveld");
const statusLine = document.getElementById("zoekstatus");
const list = document.getElementById("zoekresultaten");
const FILTERS = [["thema"], ["auteur"], ["tag"]];
const MAX_RESULTS = 10;
const FIRST_BATCH = 4;
const STOPWORDS = new Set(
  ("de het een en of in op te van voor met naar is zijn wordt worden dat die dit wat hoe als omdat " +
   "maar bij om aan er ook mijn je jij jouw ik we wij ze zij hij wil kan moet heb heeft hebben doe " +
   "doen mijn onze ons hun zich").split(" ")
);

let pagefind;
const shards = new Map();

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

async function shard(length) {
  if (length < 4 || length > 40) return {};
  if (!shards.has(length)) {
    shards.set(length, fetch(`${base}zoeken/woorden/${length}.json`).then((r) => (r.ok ? r.json() : {})).catch(() => ({})));
  }
  return shards.get(length);
}

// A word of 5+ letters that the site never uses is replaced by the most common word one edit away.
// Returns null for a word the site has nothing like (not even a longer or shorter form of it):
// Pagefind would otherwise match it on a short prefix and return unrelated pages.
async function correct(word) {
  if (word.length < 5) return word;
  const same = await shard(word.length);
  if (word in same) return word;
  let best = null, bestCount = 0;
  for (const length of [word.length - 1, word.length, word.length + 1]) {
    const candidates = await shard(length);
    for (const [candidate, count] of Object.entries(candidates)) {
      if (count > bestCount && withinOneEdit(word, candidate)) {
        best = candidate;
        bestCount = count;
      }
    }
  }
  if (best) return best;
  // Another form of the same word (verwachting / verwachtingen): leave it to Pagefind's stemming.
  const stem = word.slice(0, Math.max(5, word.length - 3));
  for (let length = word.length - 3; length <= word.length + 3; length++) {
    for (const candidate of Object.keys(await shard(length))) {
      if (candidate.startsWith(stem)) return word;
    }
  }
  return null;
}

async function loadPagefind() {
  if (!pagefind) {
    pagefind = await import(`${base}pagefind/pagefind.js`);
    await pagefind.options({ baseUrl: base });
    pagefind.init();
  }
  return pagefind;
}

function activeFilters() {
  const filters = {};
  for (const [key] of FILTERS) {
    const select = document.getElementById(`filter-${key}`);
    const value = select ? select.value : new URLSearchParams(location.search).get(key);
    if (value) filters[key] = [value];
  }
  return filters;
}

// The query without stop words (typos corrected, unknown words dropped); when that finds fewer
// than three pages, long questions ("klant boos omdat het later wordt") also per word.
async function rankedResults(query, filters) {
  const pf = await loadPagefind();
  const original = words(query);
  const checked = await Promise.all(original.map(correct));
  const unknown = original.filter((w, i) => checked[i] === null);
  const corrected = checked.filter((w) => w !== null);
  const seen = new Map();
  const add = (results, bonus) => {
    for (const r of results) {
      const entry = seen.get(r.id) || { result: r, score: 0 };
      entry.score += r.score * bonus;
      seen.set(r.id, entry);
    }
  };
  if (!corrected.length) return { ranked: [], corrections: [], unknown };
  // Words like "de" and "het" are on every page: they cost Pagefind the most and say nothing.
  const content = corrected.filter((w) => !STOPWORDS.has(w));
  const terms = content.length ? content : corrected;
  add((await pf.search(terms.join(" "), { filters })).results, 1.0);
  if (seen.size < 3 && terms.length > 1) {
    for (const w of terms) add((await pf.search(w, { filters })).results, 0.25);
  }
  const ranked = [...seen.values()].sort((a, b) => b.score - a.score).map((e) => e.result);
  const kept = original.filter((w, i) => checked[i] !== null);
  return { ranked, corrections: corrected.filter((w, i) => w !== kept[i]), unknown };
}

function excerptNodes(html) {
  // Pagefind's excerpt is escaped text with <mark> around matches: rebuild it from text only.
  const holder = document.createElement("template");
  holder.innerHTML = html;
  const fragment = document.createDocumentFragment();
  for (const node of holder.content.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      fragment.append(mark);
    } else {
      fragment.append(document.createTextNode(node.textContent));
    }
  }
  return fragment;
}

function renderResult(data) {
  const item = document.createElement("li");
  item.className = "search-result";
  const title = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  title.append(link);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [data.meta.thema, data.meta.datum].filter(Boolean).join(" · ");
  const excerpt = document.createElement("p");
  excerpt.className = "excerpt";
  excerpt.append(excerptNodes(data.excerpt || ""));
  item.append(title, meta, excerpt);
  const tips = (data.sub_results || []).filter((s) => /^\d+\.\s/.test(s.title)).slice(0, 2);
  if (tips.length) {
    const sub = document.createElement("ul");
    sub.className = "search-tips";
    for (const tip of tips) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = tip.url;
      a.textContent = `Tip ${tip.title}`;
      li.append(a);
      sub.append(li);
    }
    item.append(sub);
  }
  return item;
}

async function run(query) {
  list.replaceChildren();
  if (!query.trim()) {
    statusLine.textContent = "";
    return;
  }
  statusLine.textContent = "Zoeken…";
  delete document.body.dataset.firstResults;
  const { ranked, corrections, unknown } = await rankedResults(query, activeFilters());
  // The first few results go on screen as soon as their excerpts are in; the rest follow.
  const first = await Promise.all(ranked.slice(0, FIRST_BATCH).map((r) => r.data()));
  list.replaceChildren(...first.map(renderResult));
  document.body.dataset.firstResults = query;
  const rest = await Promise.all(ranked.slice(FIRST_BATCH, MAX_RESULTS).map((r) => r.data()));
  list.append(...rest.map(renderResult));
  const shown = first.concat(rest);
  const quoted = `“${query.trim()}”`;
  let text = shown.length
    ? `${ranked.length} ${ranked.length === 1 ? "resultaat" : "resultaten"} voor ${quoted}.`
    : `Niets gevonden voor ${quoted}. Probeer een ander woord, of blader hieronder door de thema's en tips.`;
  if (corrections.length && shown.length) text += ` Ook gezocht op: ${corrections.join(", ")}.`;
  if (unknown.length && shown.length) text += ` Niet gevonden op de site: ${unknown.join(", ")}.`;
  statusLine.textContent = text;
  document.body.dataset.searchDone = query;  // tests and the benchmark wait for this
}

// The filter lists are rendered into the page at build time (no extra download before the first
// query); here they only take their values from the URL and re-run the search when changed.
function setUpFilters() {
  const params = new URLSearchParams(location.search);
  for (const [key] of FILTERS) {
    const select = document.getElementById(`filter-${key}`);
    if (!select) continue;
    select.value = params.get(key) || "";
    select.addEventListener("change", () => form.requestSubmit());
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const params = new URLSearchParams();
  params.set("q", input.value.trim());
  for (const [key, value] of Object.entries(activeFilters())) params.set(key, value[0]);
  history.replaceState(null, "", `${location.pathname}?${params}`);
  run(input.value);
});

const initial = new URLSearchParams(location.search).get("q") || "";
input.value = initial;
setUpFilters();
run(initial);
