"""The JSON encoding of the search index's files, shared by the index and the compound word list.

One encoder for the ~50,000 values of a 1,000-post index: ``json.dumps`` with options builds a
new encoder on every call, which cost as much as the encoding itself.
"""

from __future__ import annotations

import json

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(data) -> bytes:
    return _encode(data).encode("utf-8")


def _entry(name: str, value) -> str:
    """One ``"name":value`` member of a shard's JSON object."""
    return _encode(name) + ":" + _encode(value)
