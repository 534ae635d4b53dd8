"""Deterministic synthetic content for benchmarks: N realistic Dutch articles in a temporary tree.

Same seed, same N -> byte-identical files, so runs are comparable. Articles look like the real
ones: metadata lines, an intro, 3-5 numbered tips as ``##`` headings, a closing paragraph,
450-800 words, one of the four themes, tags from tags.txt, about 40% tagged ``nieuwsbrief``.

The text is sampled from the sentences and headings of the project's own articles, read line by
line so that any valid post works as input (a heading directly followed by text, lists, quotes,
links, emphasis, code). Reused sentences alone would keep the vocabulary near the real site's
2,000 words at any N; a real site of 10,000 articles has tens of thousands of words. So each
article also brings new words as Heaps' law predicts for its running total of words
(V = K * T ** BETA): new compounds ("klantdossiergesprek") and names of people, places and
companies, which later articles reuse, the earlier ones more often (a Zipf-like tail).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

THEMES = {
    "Hybride werken": "hybride-werken",
    "Regelruimte en vertrouwen": "regelruimte-en-vertrouwen",
    "Verwachtingsmanagement": "verwachtingsmanagement",
    "Klantbeleving": "klantbeleving",
}
AUTHORS = ["Marieke Jansen", "Ruben Bakker", "Samira El Amrani"]
SUBJECTS = [
    "de klant", "je team", "een medewerker", "de teamleider", "de monteur", "de receptionist",
    "een collega", "de leidinggevende", "het klantcontactcentrum", "de schoonmaker", "de huurder",
]
VERBS = [
    "merkt", "vraagt", "belooft", "bespreekt", "regelt", "kaart aan", "onderzoekt", "plant",
    "vertrouwt", "beslist over", "verbetert", "evalueert", "herstelt", "legt uit",
]
OBJECTS = [
    "de afspraak", "het thuiswerken", "de kantoordag", "de verwachtingen", "het klantbudget",
    "de werkdruk", "de klacht", "het mandaat", "de regels", "de planning", "het teamgevoel",
    "de bereikbaarheid", "de offerte", "de overdracht", "de klanttevredenheid", "het verloop",
    "de eerste lijn", "de tweede lijn", "de beslisruimte", "de persoonlijke aandacht",
]
ENDINGS = [
    "zonder eerst toestemming te vragen", "voordat het een probleem wordt", "samen met het team",
    "op een vaste dag in de week", "met een concreet voorbeeld", "in gewone taal",
    "zodra er iets verandert", "zonder de klant door te verbinden", "met oog voor de mens",
]
TIP_VERBS = ["Maak", "Bespreek", "Geef", "Plan", "Vier", "Meet", "Deel", "Oefen", "Kies", "Begin met"]
TIP_OBJECTS = [
    "ruimte voor vragen", "een vaste kantoordag", "het klantbudget concreet", "de verwachtingen vooraf",
    "nee als informatie", "de overdracht tussen de lijnen", "tijd voor persoonlijke aandacht",
    "de goede verhalen", "een evaluatiemoment", "eigenaarschap van de vraag",
]


SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
HEADING_RE = re.compile(r"^#{1,6}\s+(?:\d+[.)]\s*)?")
LIST_RE = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
IMAGE_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
UNSAFE_RE = re.compile(r"[*_`~{}<>|\[\]#\\]")


def clean(text: str) -> str:
    """Markdown inline markup removed, on one line: safe in a title, summary or paragraph."""
    text = LINK_RE.sub(r"\1", IMAGE_RE.sub("", text))
    return " ".join(UNSAFE_RE.sub(" ", text).split())


def blocks(body: str) -> tuple[list[str], list[str]]:
    """Headings and text paragraphs of a Markdown body, line by line (any valid post)."""
    headings, paragraphs, current, fenced = [], [], [], False
    for raw in body.splitlines() + [""]:
        line = raw.strip()
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or line.startswith(("<", "|", "[TOC]")):
            continue
        if HEADING_RE.match(line):
            paragraphs.append(" ".join(current))
            current = []
            headings.append(clean(HEADING_RE.sub("", line)))
        elif not line or LIST_RE.match(line):
            paragraphs.append(" ".join(current))
            current = [LIST_RE.sub("", line)] if line else []
        else:
            current.append(line.lstrip("> ").strip())
    return [h for h in headings if h], [clean(p) for p in paragraphs if p.strip()]


def corpus(folder: Path = ROOT / "content") -> tuple[list[str], list[str]]:
    """Sentences and headings of the published articles under ``folder``, in a fixed order."""
    sentences, headings = [], []
    for path in sorted(folder.glob("*/*.md")):
        if path.parent.name in ("pages", "extra"):
            continue
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        meta, _, body = text.partition("\n\n")
        if re.search(r"^Status:\s*(draft|hidden)", meta, re.M | re.I):
            continue
        found_headings, paragraphs = blocks(body)
        headings += found_headings
        for paragraph in paragraphs:
            sentences += [s for s in SENTENCE_RE.split(paragraph) if len(s.split()) >= 4]
    return sentences or [sentence(random.Random(0)) for _ in range(50)], headings or list(TIP_OBJECTS)


# Heaps' law for the new words: V(T) = K * ((T0 + T) ** BETA - T0 ** BETA) over the running total of
# words T, T0 standing for the real articles the sentences come from. 10,000 articles bring about
# 40,000 new words on top of the real site's own. At most FRESH_MAX new words go into one article
# (the rest into the next ones), so that the early articles keep a normal length.
HEAPS_K, HEAPS_BETA, HEAPS_T0, FRESH_MAX = 8.0, 0.55, 10_000, 12
PARTS = [
    "klant", "dossier", "gesprek", "team", "dienst", "kantoor", "werk", "plan", "overleg", "budget",
    "contact", "vraag", "service", "huur", "schoonmaak", "polis", "schade", "route", "rooster", "balie",
    "storing", "afspraak", "factuur", "melding", "monteur", "wijk", "project", "kwaliteit", "klacht", "levering",
    "verzekering", "woning", "onderhoud", "telefoon", "mail", "chat", "portaal", "proces", "keten", "leider",
    "coach", "training", "week", "dag", "start", "check", "lijst", "moment", "regel", "ruimte",
]
TAILS = ["beleid", "kaart", "moment", "ronde", "lijn", "punt", "tafel", "boek", "sessie", "norm", "check", "groep"]
NAME_START = ["Oost", "West", "Groen", "Klein", "Hoog", "Brink", "Mol", "Vos", "Smit", "Blok", "Zand", "Bos", "Dal", "Ven", "Kamp"]
NAME_MID = ["er", "el", "en", "ke", "de", "ma", "ri", "lo", "ha", "wi"]
NAME_END = ["hout", "berg", "dijk", "veld", "man", "hoven", "kamp", "wijk", "broek", "horst", "rade", "stein"]


def new_word(k: int) -> str:
    """The k-th new word (k = 0, 1, …), always the same: a compound, or every third a name."""
    if k % 3 == 2:
        k //= 3
        return (NAME_START[k % 15] + NAME_MID[k // 15 % 10] + NAME_END[k // 150 % 12]) + ("" if k < 1800 else f"e{k // 1800}")
    k -= k // 3
    a, b = PARTS[k % 50], PARTS[(k % 50 + 1 + k // 50 % 49) % 50]  # never "klantklant"
    word = a + ("s" if a.endswith(("ing", "heid")) else "") + b
    return word if k < 2450 else word + TAILS[k // 2450 % 12] + ("" if k < 29400 else f"{k // 29400}")


NEW_WORD_SENTENCES = [
    "Bij {name} werkt het team met een vaste {word}, naast de {other}.",
    "De {word} bleek het moment waarop {subject} het verschil zag met de {other}.",
    "Neem de {word} en de {other} mee in het volgende overleg.",
    "Een collega bij {name} noemde de {word} de beste verandering van het jaar.",
]


class Vocabulary:
    """New words as Heaps' law predicts, and reuse of earlier ones (the first ones most often)."""

    def __init__(self):
        self.tokens = 0
        self.made = 0

    def sentences(self, rng: random.Random, words_in_article: int) -> list[str]:
        self.tokens += words_in_article
        due = int(HEAPS_K * ((HEAPS_T0 + self.tokens) ** HEAPS_BETA - HEAPS_T0**HEAPS_BETA)) - self.made
        fresh = [new_word(self.made + i) for i in range(min(FRESH_MAX, max(0, due)))]
        self.made += len(fresh)
        reused = [new_word(int(self.made * rng.random() ** 3)) for _ in range(4)] if self.made else []
        words = fresh + reused
        compounds = [w for w in words if not w[0].isupper()] or ["aanpak"]
        names = [w for w in words if w[0].isupper()] or ["Bakker"]
        out = []
        for i in range(0, len(compounds), 2):
            template = NEW_WORD_SENTENCES[(i // 2 + len(names)) % len(NEW_WORD_SENTENCES)]
            other = compounds[i + 1] if i + 1 < len(compounds) else rng.choice(compounds)
            out.append(template.format(word=compounds[i], other=other, name=names[i // 2 % len(names)], subject=rng.choice(SUBJECTS)))
        out += [f"Vraag het gerust aan {name}." for name in names[len(out):]]
        return out


def real_paragraph(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(SENTENCES) if rng.random() < 0.8 else sentence(rng) for _ in range(count))


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ENDINGS)}"
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def article(rng: random.Random, number: int, tags: list[str], start: dt.datetime, vocabulary: Vocabulary | None = None) -> tuple[str, str, str]:
    theme = rng.choice(list(THEMES))
    tips = rng.randint(3, 5)
    chosen = rng.sample(tags, 2) + (["nieuwsbrief"] if rng.random() < 0.4 else [])
    date = start + dt.timedelta(hours=number * 37 % 24 + number * 2)
    title = clean(f"{rng.choice(HEADINGS)}: tips voor {rng.choice(SUBJECTS)} ({number})")
    lines = [
        f"Title: {title}",
        f"Date: {date:%Y-%m-%d %H:%M}",
        f"Category: {theme}",
        f"Tags: {', '.join(chosen)}",
        f"Authors: {rng.choice(AUTHORS)}",
        f"Summary: {sentence(rng)} {sentence(rng)}"[:190],
        "",
        real_paragraph(rng, 4),
        "",
    ]
    extra = (vocabulary or Vocabulary()).sentences(rng, 600)
    for tip in range(1, tips + 1):
        lines += [f"## {tip}. {rng.choice(HEADINGS)}", ""]
        mine = " ".join(extra[tip - 1 :: tips])
        lines += [real_paragraph(rng, 5), "", (real_paragraph(rng, 4) + " " + mine).strip(), ""]
    lines += [real_paragraph(rng, 3), ""]
    return THEMES[theme], f"artikel-{number:05d}", "\n".join(lines)


def generate(target: Path, n: int, seed: int = 2026, source: Path | None = None) -> Path:
    """Write a complete content tree (pages, images, N articles) into ``target``; return it.
    ``source``: another content folder to take the sentences from (default: the project's)."""
    global SENTENCES, HEADINGS
    SENTENCES, HEADINGS = corpus(source) if source else (_DEFAULT_SENTENCES, _DEFAULT_HEADINGS)
    rng = random.Random(seed)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / "content" / "pages", target / "pages")
    shutil.copytree(ROOT / "content" / "images", target / "images")
    shutil.copytree(ROOT / "content" / "extra", target / "extra")
    tags = [
        line.strip()
        for line in (ROOT / "tags.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and line.strip() != "nieuwsbrief"
    ]
    start = dt.datetime(2026, 11, 25, 9, 0) - dt.timedelta(hours=2 * n + 24)
    vocabulary = Vocabulary()
    for number in range(n):
        folder, slug, text = article(rng, number, tags, start, vocabulary)
        path = target / folder / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


_DEFAULT_SENTENCES, _DEFAULT_HEADINGS = corpus()
SENTENCES, HEADINGS = _DEFAULT_SENTENCES, _DEFAULT_HEADINGS


if __name__ == "__main__":
    import sys

    out = generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    print(f"Wrote {out}")
