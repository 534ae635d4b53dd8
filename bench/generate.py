"""Deterministic synthetic content for benchmarks: N realistic Dutch articles in a temporary tree.

Same seed, same N -> byte-identical files, so runs are comparable. Articles look like the real
ones: metadata lines, an intro, 3-5 numbered tips as ``##`` headings, a closing paragraph,
450-800 words, one of the four themes, tags from tags.txt, about 40% tagged ``nieuwsbrief``.

The text is sampled from the sentences and tip headings of the project's own articles (plus a
few template sentences), so the vocabulary is as rich as the real site's. A toy vocabulary of a
few hundred words puts every word on every page, the worst case for any search index.
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


def corpus() -> tuple[list[str], list[str]]:
    """Sentences and tip headings of the real articles, in a fixed order."""
    sentences, headings = [], []
    for path in sorted((ROOT / "content").glob("*/*.md")):
        if path.parent.name in ("pages", "extra"):
            continue
        meta, body = path.read_text(encoding="utf-8").split("\n\n", 1)
        if "Status: draft" in meta:
            continue
        for block in body.split("\n\n"):
            block = block.strip()
            if block.startswith("## "):
                headings.append(re.sub(r"^##\s*\d+\.\s*", "", block))
            elif block and not block.startswith(("#", ">", "-", "*")) and "{filename}" not in block and "](" not in block:
                sentences += [s for s in SENTENCE_RE.split(" ".join(block.split())) if len(s.split()) >= 4]
    return sentences, headings


SENTENCES, HEADINGS = corpus()


def real_paragraph(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(SENTENCES) if rng.random() < 0.8 else sentence(rng) for _ in range(count))


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ENDINGS)}"
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def article(rng: random.Random, number: int, tags: list[str], start: dt.datetime) -> tuple[str, str, str]:
    theme = rng.choice(list(THEMES))
    tips = rng.randint(3, 5)
    chosen = rng.sample(tags, 2) + (["nieuwsbrief"] if rng.random() < 0.4 else [])
    date = start + dt.timedelta(hours=number * 37 % 24 + number * 2)
    title = f"{rng.choice(HEADINGS)}: tips voor {rng.choice(SUBJECTS)} ({number})"
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
    for tip in range(1, tips + 1):
        lines += [f"## {tip}. {rng.choice(HEADINGS)}", ""]
        lines += [real_paragraph(rng, 5), "", real_paragraph(rng, 4), ""]
    lines += [real_paragraph(rng, 3), ""]
    return THEMES[theme], f"artikel-{number:05d}", "\n".join(lines)


def generate(target: Path, n: int, seed: int = 2026) -> Path:
    """Write a complete content tree (pages, images, N articles) into ``target``; return it."""
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
    for number in range(n):
        folder, slug, text = article(rng, number, tags, start)
        path = target / folder / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    import sys

    out = generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    print(f"Wrote {out}")
