// Site search on /zoeken/: reads ?q= (and ?thema=, ?auteur=, ?tag=) so searches can be shared and
// bookmarked, asks the static index (search-index.js) and shows the results in rank order.
// Builds the results with DOM methods only: text from posts can never become markup. A newer
// search (typing, a filter change) supersedes a running one: each run has a generation number and
// stops at its next step once a newer run has started, so results of two searches never mix.

import { SearchIndex, IndexGone, Offline, MAX_QUERY_WORDS, MAX_QUERY_CHARS } from "./search-index.js";
import { search } from "./search-rank.js";
import { excerpt, matchingTips } from "./search-excerpt.js";

const scriptTag = document.querySelector("script[data-index]");
const base = scriptTag.dataset.base;
const form = document.getElementById("zoekformulier");
const input = document.getElementById("zoekveld");
const statusLine = document.getElementById("zoekstatus");
const list = document.getElementById("zoekresultaten");
const themes = document.getElementById("zoekthemas");
const FILTERS = ["thema", "auteur", "tag"];
const MAX_RESULTS = 10;
const FIRST_BATCH = 4;
const index = new SearchIndex({
  base: scriptTag.dataset.index,
  shards: scriptTag.dataset.shards.split(",").map(Number),
  articles: Number(scriptTag.dataset.articles),
  maxWord: Number(scriptTag.dataset.maxWord),
});
let generation = 0;
index.terms().catch(() => {}); // the term groups load while the reader types; errors show on search

// The chosen filters as a Map (keys are ours; values are only ever compared, never used as keys
// of an object, so "__proto__" is just a value that matches nothing).
function activeFilters() {
  const filters = new Map();
  for (const key of FILTERS) {
    const select = document.getElementById(`filter-${key}`);
    const value = select ? select.value : new URLSearchParams(location.search).get(key);
    if (value) filters.set(key, value);
  }
  return filters;
}

function renderResult(doc, forms, weights) {
  const item = document.createElement("li");
  item.className = "search-result";
  const title = document.createElement("h2");
  const link = document.createElement("a");
  link.href = base + doc.u;
  link.textContent = doc.t;
  title.append(link);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [doc.m, doc.d].filter(Boolean).join(" · ");
  const text = document.createElement("p");
  text.className = "excerpt";
  for (const run of excerpt(doc, forms)) {
    if (run.mark) {
      const mark = document.createElement("mark");
      mark.textContent = run.text;
      text.append(mark);
    } else {
      text.append(document.createTextNode(run.text));
    }
  }
  item.append(title, meta, text);
  const tips = matchingTips(doc, forms, weights);
  if (tips.length) {
    const sub = document.createElement("ul");
    sub.className = "search-tips";
    for (const tip of tips) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = `${base}${doc.u}#${tip.anchor}`;
      a.textContent = `Tip ${tip.heading}`;
      li.append(a);
      sub.append(li);
    }
    item.append(sub);
  }
  return item;
}

function say(text, nothingFound = false) {
  statusLine.textContent = text;
  themes.hidden = !nothingFound;
}

function failure(error) {
  if (error instanceof IndexGone) return "De zoekfunctie is intussen vernieuwd. Laad deze pagina opnieuw om verder te zoeken.";
  if (error instanceof Offline) return "Zoeken lukt nu niet: de site is niet bereikbaar. Controleer je verbinding en probeer het opnieuw.";
  return "Er ging iets mis bij het zoeken. Probeer het opnieuw, of kies hieronder een thema.";
}

// `url`: the address of this search (shareable), set once it has run: `history.replaceState`
// blocks the page for up to 10 ms, which would otherwise delay the first results.
async function run(query, url = null) {
  const mine = ++generation;
  const current = () => mine === generation;
  list.replaceChildren();
  delete document.body.dataset.firstResults;
  delete document.body.dataset.searchDone;
  delete document.body.dataset.searchError;
  if (!query.trim()) {
    say("");
    if (url) history.replaceState(null, "", url);
    return;
  }
  say("Zoeken…");
  index.prefetch(query);
  try {
    let result = await search(index, query, activeFilters(), MAX_RESULTS);
    if (!current()) return;
    if (!result.settled) {
      // The posting heads could not settle the first page: fetch the tails of the lists they cut.
      await index.loadTails(result.truncated);
      if (!current()) return;
      result = await search(index, query, activeFilters(), MAX_RESULTS);
      if (!current()) return;
    }
    const { ids, forms, weights, corrections, unknown, capped, complete } = result;
    // The first few results go on screen as soon as their files are in; the rest follow.
    const first = await Promise.all(ids.slice(0, FIRST_BATCH).map((id) => index.document(id)));
    if (!current()) return;
    list.replaceChildren(...first.map((doc) => renderResult(doc, forms, weights)));
    document.body.dataset.firstResults = query;
    const rest = await Promise.all(ids.slice(FIRST_BATCH, MAX_RESULTS).map((id) => index.document(id)));
    if (!current()) return;
    list.append(...rest.map((doc) => renderResult(doc, forms, weights)));
    const quoted = `“${query.trim().slice(0, 80)}${query.trim().length > 80 ? "…" : ""}”`;
    // From posting heads alone the count is a lower bound (only a site of thousands of posts).
    const count = complete ? `${ids.length}` : `Ten minste ${ids.length}`;
    let text = ids.length
      ? `${count} ${ids.length === 1 ? "resultaat" : "resultaten"} voor ${quoted}.`
      : `Niets gevonden voor ${quoted}. Probeer andere woorden, of kies een thema:`;
    if (corrections.length && ids.length) text += ` Ook gezocht op: ${corrections.join(", ")}.`;
    if (unknown.length && ids.length) text += ` Niet gevonden op de site: ${unknown.join(", ")}.`;
    if (capped) text += ` Alleen op de eerste ${MAX_QUERY_WORDS} woorden (${MAX_QUERY_CHARS} tekens) is gezocht.`;
    say(text, !ids.length);
  } catch (error) {
    if (!current()) return;
    list.replaceChildren();
    say(failure(error));
    document.body.dataset.searchError = error.constructor.name;
  }
  if (!current()) return;
  if (url) history.replaceState(null, "", url);
  document.body.dataset.searchDone = query; // tests and the benchmark wait for this
}

// The filter lists are rendered into the page at build time (no extra download before the first
// query); here they only take their values from the URL and re-run the search when changed.
function setUpFilters() {
  const params = new URLSearchParams(location.search);
  for (const key of FILTERS) {
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
  for (const [key, value] of activeFilters()) params.set(key, value);
  run(input.value, `${location.pathname}?${params}`);
});

const initial = new URLSearchParams(location.search).get("q") || "";
input.value = initial;
setUpFilters();
run(initial);
