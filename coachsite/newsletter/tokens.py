"""Per-subscriber unsubscribe tokens: the address itself plus an HMAC, so no lookup table is needed.

A token is ``base64url(email) + "." + base64url(HMAC-SHA256(secret, email)[:16])`` with the email
lower-cased and no ``=`` padding, so it is safe in a URL and in a mail subject. Whoever holds a
token can read the address in it, but that is the subscriber's own link; what nobody can do
without the secret is make a token for somebody else's address (and unsubscribe them).

The secret comes only from the environment (``NEWSLETTER_UNSUBSCRIBE_SECRET``), never from a file
in the repository. Changing it invalidates the links in every email already sent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, urlsplit

from coachsite.i18n import _

SECRET_ENV = "NEWSLETTER_UNSUBSCRIBE_SECRET"
MIN_SECRET_LENGTH = 16
MAC_BYTES = 16  # 128 bits: far beyond guessing, keeps links short
_PURPOSE = b"unsubscribe\0"  # domain separation, should the secret ever sign something else


class TokenError(Exception):
    """A missing secret or a token that is not ours; the message says which."""


def secret_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    environ = os.environ if environ is None else environ
    secret = environ.get(SECRET_ENV, "")
    if not secret:
        raise TokenError(_(
            "{name} is not set. It signs the personal unsubscribe links; create one once with\n"
            "  python3 -c 'import secrets; print(secrets.token_urlsafe(32))'\n"
            "keep it somewhere safe and export it before sending (export {name}=...)."
        ).format(name=SECRET_ENV))
    if len(secret) < MIN_SECRET_LENGTH:
        raise TokenError(_("{name} is too short ({length} characters); use at least {minimum}").format(
            name=SECRET_ENV, length=len(secret), minimum=MIN_SECRET_LENGTH))
    return secret.encode("utf-8")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, email: str) -> bytes:
    return hmac.new(secret, _PURPOSE + email.encode("utf-8"), hashlib.sha256).digest()[:MAC_BYTES]


def make_token(email: str, secret: bytes) -> str:
    email = email.strip().lower()
    return f"{_b64(email.encode('utf-8'))}.{_b64(_mac(secret, email))}"


def verify_token(token: str, secret: bytes) -> str:
    """The (lower-cased) address a token was made for; TokenError if it was not signed with ``secret``."""
    token = token.strip()
    encoded, dot, mac = token.rpartition(".")
    if not dot or not encoded or not mac:
        raise TokenError(_("'{token}' is not an unsubscribe token (expected two parts separated by a dot)").format(
            token=token))
    try:
        email = _unb64(encoded).decode("utf-8")
        given = _unb64(mac)
    except (binascii.Error, ValueError) as error:
        raise TokenError(_("'{token}' is not an unsubscribe token (it cannot be decoded)").format(token=token)) from error
    if not hmac.compare_digest(given, _mac(secret, email)):
        raise TokenError(_("'{token}' has a wrong signature: not made with this {name}, or altered").format(
            token=token, name=SECRET_ENV))
    return email


def address_from_request(value: str, secret: Callable[[], bytes]) -> str:
    """The (lower-cased) address one signed unsubscribe request is about.

    A request is what reaches the coach: a token, an unsubscribe URL (``...?token=...``, as the
    one-click endpoint receives it) or the subject of the mailto link (``afmelden TOKEN``). A bare
    address is refused: anyone can write one, so only ``--email`` (checked by the coach) takes it.
    ``secret`` is called only when a token has to be checked.
    """
    words = value.split()
    if not words:
        raise TokenError(_("empty request"))
    candidate = words[-1]
    if "token=" in candidate:
        query = urlsplit(candidate).query or candidate.partition("?")[2] or candidate
        found = parse_qs(query).get("token")
        if not found:
            raise TokenError(_("'{value}' has no token= value").format(value=candidate))
        candidate = found[0]
    elif "@" in candidate:
        raise TokenError(_(
            "'{value}' is an address without a token: anyone could have sent it; check it yourself and "
            "use --email if the person really asked"
        ).format(value=candidate))
    return verify_token(candidate, secret())
