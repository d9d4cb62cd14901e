"""Token buckets for the sending rate: overall, and per receiving domain.

Hundreds of council members share one municipality's mail server; government
servers greylist bursts. ``reserve`` books a send slot and says how long to
wait for it, so concurrent senders are paced without a lock. Limits are per
worker process (the settings document this); a domain that answers 421/451 is
paused for *all* workers through the database (``outbox.pause_domain``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    rate: float
    """Tokens per second."""
    capacity: float
    tokens: float
    updated: float

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_for(self, now: float) -> float:
        """Seconds until a token would be free (without taking one)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def reserve(self, now: float) -> float:
        """Take a token, possibly borrowed from the future; seconds to wait."""
        self._refill(now)
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class RateLimiter:
    def __init__(
        self,
        *,
        per_second: float,
        per_domain_per_minute: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        now = clock()
        burst = max(1.0, per_second)
        self.overall = TokenBucket(per_second, burst, burst, now)
        self.domain_rate = per_domain_per_minute / 60.0
        # A small burst per domain: a few mails at once, then the steady rate.
        self.domain_burst = max(1.0, min(5.0, per_domain_per_minute / 12.0))
        self.domains: dict[str, TokenBucket] = {}

    def _bucket(self, domain: str, now: float) -> TokenBucket:
        bucket = self.domains.get(domain)
        if bucket is None:
            if len(self.domains) > 10_000:
                self._prune(now)
            bucket = TokenBucket(
                self.domain_rate, self.domain_burst, self.domain_burst, now
            )
            self.domains[domain] = bucket
        return bucket

    def _prune(self, now: float) -> None:
        for name, bucket in list(self.domains.items()):
            if bucket.wait_for(now) == 0 and bucket.tokens >= bucket.capacity:
                del self.domains[name]

    def domain_wait(self, domain: str) -> float:
        return self._bucket(domain, self.clock()).wait_for(self.clock())

    def cancel(self, domain: str) -> None:
        """Give back a booking that will not be used."""
        self.overall.tokens = min(self.overall.capacity, self.overall.tokens + 1)
        bucket = self.domains.get(domain)
        if bucket is not None:
            bucket.tokens = min(bucket.capacity, bucket.tokens + 1)

    def reserve(self, domain: str) -> float:
        """Book one send to ``domain``; the seconds to wait before sending."""
        now = self.clock()
        return max(self.overall.reserve(now), self._bucket(domain, now).reserve(now))
