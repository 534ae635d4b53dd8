"""Limits on sign-ups, in memory only: nothing here is ever written to disk, and no IP address or
e-mail address is kept as text (only a keyed hash), as the privacy page promises.

- :class:`ClientLimiter`: a token bucket per client, ``limit`` sign-ups at once, refilled evenly over
  ``window`` seconds. Behind the reverse proxy the client is the address uvicorn takes from
  ``X-Forwarded-For`` (``--proxy-headers``, trusted from 127.0.0.1 only).
- :class:`AddressLimiter`: at most ``per_day`` confirmation emails per address per (UTC) day.

Both live in the one service process; a restart forgets them, which only ever allows a little more.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable

_KEY = secrets.token_bytes(16)  # per process: the hashes mean nothing outside it


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=12, key=_KEY).digest()


class ClientLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic, max_clients: int = 50_000):
        self.limit, self.rate, self.clock, self.max_clients = limit, (limit / window if window else 0), clock, max_clients
        self._buckets: dict[bytes, tuple[float, float]] = {}

    def allow(self, client: str) -> bool:
        if self.limit <= 0:
            return True
        key, now = _digest(client), self.clock()
        tokens, last = self._buckets.get(key, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + (now - last) * self.rate)
        if len(self._buckets) >= self.max_clients:
            self._buckets.clear()  # crude but bounded: a flood of clients cannot exhaust memory
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True


class AddressLimiter:
    def __init__(self, per_day: int, clock: Callable[[], float] = time.time):
        self.per_day, self.clock = per_day, clock
        self._day, self._counts = -1, {}
        self._lock = threading.Lock()  # called from the sign-up's transaction, in a pool thread

    def allow(self, email: str) -> bool:
        """Count one confirmation email for ``email`` today; False once today's quota is used."""
        key = _digest(email.lower())
        with self._lock:
            day = int(self.clock() // 86400)
            if day != self._day:
                self._day, self._counts = day, {}
            if self._counts.get(key, 0) >= self.per_day:
                return False
            self._counts[key] = self._counts.get(key, 0) + 1
            return True
