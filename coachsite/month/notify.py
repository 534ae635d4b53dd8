"""The emails the coach gets from the unattended month, in Dutch: what happens, what to do.

Why plain text: these are notes from her own tool, read on a phone; each says which issue, what
happened or is about to happen, and the one command that changes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from coachsite.dates import nl_date


@dataclass(frozen=True)
class Note:
    subject: str
    body: str


def _day(date: dt.date) -> str:
    return nl_date(date, "EEEE d MMMM y")


def reminder(issue_date: dt.date, tag: str) -> Note:
    return Note(
        subject=f"Nog geen artikel voor de nieuwsbrief van {nl_date(issue_date)}",
        body=(
            f"Hallo,\n\nDe nieuwsbrief gaat op {_day(issue_date)} uit, maar er is nog geen artikel met de tag "
            f"'{tag}' voor dit nummer.\n\nGeef een (nieuw) artikel de tag '{tag}' en zet het op de site; "
            "de rest gaat vanzelf. Zonder artikel gaat er deze maand niets naar de abonnees.\n"
        ),
    )


def test_sent(issue_date: dt.date, subject: str, titles: list[str], addresses: tuple[str, ...]) -> Note:
    posts = "".join(f"  - {title}\n" for title in titles)
    date = issue_date.isoformat()
    return Note(
        subject=f"Proefexemplaar: de nieuwsbrief gaat {_day(issue_date)} uit",
        body=(
            f"Hallo,\n\nJe hebt zojuist een proefexemplaar ontvangen op {', '.join(addresses)} "
            f"(onderwerp begint met [TEST]).\n\nOnderwerp: {subject}\nArtikelen:\n{posts}\n"
            f"Op {_day(issue_date)} zet het programma de site online, controleert het de webversie en "
            "verstuurt het de nieuwsbrief naar alle abonnees.\n\n"
            f"Klopt er iets niet? Houd hem tegen met:\n  .venv/bin/python scripts/newsletter.py hold --date {date}\n"
            f"en laat hem weer gaan met:\n  .venv/bin/python scripts/newsletter.py release --date {date}\n"
        ),
    )


def failed(issue_date: dt.date, step: str, message: str) -> Note:
    return Note(
        subject=f"Let op: probleem met de nieuwsbrief van {nl_date(issue_date)}",
        body=(
            f"Hallo,\n\nBij het voorbereiden of versturen van de nieuwsbrief van {_day(issue_date)} ging "
            f"iets mis, bij de stap '{step}':\n\n  {message}\n\nDaarom is er niets (meer) naar de abonnees "
            "gegaan. Wat al verstuurd was, staat in het verzendlog: niemand krijgt de nieuwsbrief twee keer. "
            "Los het probleem op; de volgende automatische ronde gaat verder waar deze stopte.\n\nDe stand van zaken: "
            f".venv/bin/python scripts/newsletter.py status --today {issue_date.isoformat()}\n"
        ),
    )


def report(issue_date: dt.date, subject: str, sent: int, already: int, failed_: list[str], uncertain: list[str]) -> Note:
    lines = [
        f"Hallo,\n\nDe nieuwsbrief van {_day(issue_date)} ('{subject}') is verstuurd.\n",
        f"Verstuurd: {sent + already}" + (f" (waarvan {already} in een eerdere ronde)" if already else ""),
        f"Mislukt: {len(failed_)}",
        f"Onzeker (misschien niet aangekomen, niet opnieuw verstuurd): {len(uncertain)}",
    ]
    for title, names in (("Mislukt", failed_), ("Onzeker", uncertain)):
        if names:
            lines.append(f"\n{title}:\n" + "".join(f"  - {n}\n" for n in names[:50]))
    if failed_:
        lines.append("\nDe volgende automatische ronde probeert de mislukte adressen opnieuw.")
    lines.append(f"\nDe webversie staat op de site onder /nieuwsbrief/{issue_date.isoformat()}/.\n")
    return Note(subject=f"Verstuurd: de nieuwsbrief van {nl_date(issue_date)}", body="\n".join(lines))
