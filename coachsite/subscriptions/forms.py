"""Reading and checking what a browser or mail client POSTs, before anything touches the store.

Why by hand instead of a form library: the service accepts exactly one encoding
(``application/x-www-form-urlencoded``, what plain HTML forms and RFC 8058 one-click POSTs send),
must refuse a huge body before reading it, and must refuse bytes that are not UTF-8 rather than
guess. Each refusal is a :class:`Refused` with the HTTP status and the Dutch page to show.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs

from coachsite.newsletter.subscribers import address_problem

MAX_BODY = 8 * 1024
MAX_NAME = 80
MAX_SOURCE = 300
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass
class Refused(Exception):
    status: int
    title: str
    message: str


def content_type(request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_body(request, limit: int = MAX_BODY) -> bytes:
    """The raw body, refused as soon as it is larger than ``limit`` (never read whole first)."""
    too_big = Refused(413, "Dat is te veel tekst", "Het formulier is veel groter dan een aanmelding kan zijn.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_big
    return bytes(body)


def parse_form(body: bytes) -> dict[str, str]:
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=20, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "Dit formulier kunnen we niet lezen", "Er staan tekens in die we niet herkennen. Probeer het opnieuw vanaf de website.") from None
    if any(len(values) > 1 for values in fields.values()):
        raise Refused(400, "Dit formulier kunnen we niet lezen", "Een veld komt meer dan eens voor.")
    return {key: values[0] for key, values in fields.items()}


async def read_form(request, limit: int = MAX_BODY) -> dict[str, str]:
    """The form fields of a POST, each once; Refused for anything a plain form would not send."""
    if content_type(request) != FORM_TYPE:
        raise Refused(415, "Dit formulier kunnen we niet lezen", "Verstuur het formulier vanaf de website.")
    return parse_form(await read_body(request, limit))


def _unsafe(text: str) -> bool:
    """Control and format characters, line and paragraph separators: nothing a name needs."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") for ch in text)


def clean_email(raw: str) -> str:
    email = raw.strip().lower()
    if not email:
        raise Refused(400, "Je e-mailadres ontbreekt", "Vul je e-mailadres in, dan sturen we je een bevestigingsmail.")
    if address_problem(email):
        raise Refused(400, "Dit e-mailadres klopt niet", "Controleer je e-mailadres, bijvoorbeeld op een spatie of een ontbrekende punt.")
    return email


def clean_name(raw: str) -> str:
    """The first name as typed, or a refusal: it ends up in an email header and greeting."""
    if _unsafe(raw) or "=?" in raw or any(ch in raw for ch in "<>\\\""):
        raise Refused(400, "Deze naam kunnen we niet gebruiken", "Gebruik alleen letters, spaties en leestekens in je voornaam.")
    name = " ".join(raw.split())
    if len(name) > MAX_NAME:
        raise Refused(400, "Deze naam is te lang", f"Gebruik voor je voornaam hoogstens {MAX_NAME} tekens.")
    return name


def clean_source(raw: str, allowed: tuple[str, ...]) -> str:
    """The page a sign-up came from, if it is one of ours; otherwise empty (never an error)."""
    source = raw.strip()
    if len(source) > MAX_SOURCE or _unsafe(source) or not source.startswith(allowed):
        return ""
    return source
