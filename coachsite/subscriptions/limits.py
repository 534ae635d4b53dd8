"""A per-client limit on sign-ups, in memory only (no IP address is ever written anywhere).

A token bucket per client: ``limit`` sign-ups at once, refilled evenly over ``window`` seconds.
Behind the reverse proxy the client is the address uvicorn takes from ``X-Forwarded-For``
(``--proxy-headers``, trusted from 127.0.0.1 only).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable


class ClientLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic, max_clients: int = 50_000):
        self.limit, self.rate, self.clock, self.max_clients = limit, (limit / window if window else 0), clock, max_clients
        self._buckets: dict[bytes, tuple[float, float]] = {}

    def allow(self, client: str) -> bool:
        if self.limit <= 0:
            return True
        key = hashlib.blake2b(client.encode(), digest_size=12).digest()  # not even kept in memory as text
        now = self.clock()
        tokens, last = self._buckets.get(key, (float(self.limit), now))
        tokens = min(float(self.limit), tokens + (now - last) * self.rate)
        if len(self._buckets) >= self.max_clients:
            self._buckets.clear()  # crude but bounded: a flood of clients cannot exhaust memory
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True
