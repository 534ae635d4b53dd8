"""Confirmation tokens: the address, the moment the link was made and an HMAC, so no table is needed.

A token is ``base64url(email) "." base64url(issued, 8 bytes) "." base64url(HMAC-SHA256[:16])``.
It is signed with the same secret as the unsubscribe tokens (``NEWSLETTER_UNSUBSCRIBE_SECRET``,
one secret for the coach to keep) but under another purpose, so a confirmation token can never
pass as an unsubscribe token or the other way round. Signatures are compared in constant time.
``issued`` lets a link expire and lets the store refuse a link made before an unsubscribe.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import struct

from coachsite.newsletter.tokens import MAC_BYTES, _b64, _unb64

_PURPOSE = b"confirm\0"
CLOCK_SKEW = 300  # seconds a token may seem to come from the future (another machine's clock)


class ConfirmTokenError(Exception):
    """Not one of our confirmation tokens (forged, altered or cut off)."""


class ExpiredToken(ConfirmTokenError):
    """A genuine token past its time; ``email`` lets the page offer a new link."""

    def __init__(self, email: str):
        super().__init__("expired")
        self.email = email


def _mac(secret: bytes, email: str, issued: int) -> bytes:
    message = _PURPOSE + struct.pack(">Q", issued) + email.encode("utf-8")
    return hmac.new(secret, message, hashlib.sha256).digest()[:MAC_BYTES]


def make_confirm_token(email: str, issued: int, secret: bytes) -> str:
    email = email.strip().lower()
    return ".".join((_b64(email.encode("utf-8")), _b64(struct.pack(">Q", issued)), _b64(_mac(secret, email, issued))))


def verify_confirm_token(token: str, secret: bytes, now: float, max_age: float) -> tuple[str, int]:
    """(address, issued) of a genuine, unexpired token; ConfirmTokenError or ExpiredToken otherwise."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts) or len(token) > 600:
        raise ConfirmTokenError("malformed")
    try:
        email = _unb64(parts[0]).decode("utf-8")
        (issued,) = struct.unpack(">Q", _unb64(parts[1]))
        given = _unb64(parts[2])
    except (binascii.Error, ValueError, struct.error, UnicodeDecodeError) as error:
        raise ConfirmTokenError("malformed") from error
    if not hmac.compare_digest(given, _mac(secret, email, issued)):
        raise ConfirmTokenError("wrong signature")
    if issued > now + CLOCK_SKEW:
        raise ConfirmTokenError("from the future")
    if now - issued > max_age:
        raise ExpiredToken(email)
    return email, issued
