"""Client-side flow control for many calls at once (fleet mode): a token bucket per API action and region that
halves its rate when the service answers with throttling and grows it back slowly while calls succeed (additive
increase, multiplicative decrease, as TCP does).

Alibaba Cloud publishes no per-API request quota for ESS, OOS or RAM (../shared/api-reference: ESS's Limits page
lists quantity quotas only; the error references list `Throttling` and `Throttling.User`), so the starting rate is
essctl's own conservative choice, `--rate` sets it, and the service's answers correct it."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

DEFAULT_RATE = 20.0          # calls per second per API action and region, until the service says otherwise
MIN_RATE = 0.5               # throttled again and again: one call every two seconds, never none
RECOVERY_PER_S = 0.05        # after throttling, the rate grows back by 5% of the ceiling a second
CUT_WINDOW_S = 1.0           # throttling answers this close to a cut are the same congestion: one cut, as TCP's
Key = tuple[str, str, str]   # (region, service, action)


@dataclass
class Bucket:
    rate: float
    ceiling: float
    tokens: float
    stamp: float
    throttled: int = 0
    waited_s: float = 0.0
    calls: int = 0
    cut_at: float = float("-inf")


@dataclass
class RateLimiter:
    """Shared by every session of a fleet run: `acquire` before each call, `throttled` when the service throttles
    one. Thread-safe; waiting happens outside the lock."""

    rate: float = DEFAULT_RATE
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _buckets: dict[Key, Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _bucket(self, key: Key, now: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            # a burst of one second's worth: the first calls of a run go at once
            bucket = self._buckets[key] = Bucket(self.rate, self.rate, self.rate, now)
        elapsed = max(now - bucket.stamp, 0.0)
        if bucket.rate < bucket.ceiling:
            bucket.rate = min(bucket.ceiling, bucket.rate + RECOVERY_PER_S * bucket.ceiling * elapsed)
        bucket.tokens = min(bucket.rate, bucket.tokens + elapsed * bucket.rate)
        bucket.stamp = now
        return bucket

    def acquire(self, key: Key) -> float:
        """Take a token for one call of `key`, waiting for it when there is none; the seconds waited."""
        with self._lock:
            bucket = self._bucket(key, self.clock())
            bucket.calls += 1
            bucket.tokens -= 1.0
            wait = -bucket.tokens / bucket.rate if bucket.tokens < 0 else 0.0
            bucket.waited_s += wait
        if wait > 0:
            self.sleep(wait)
        return wait

    def throttled(self, key: Key) -> None:
        """The service throttled a call of `key`: halve its rate (and drop the tokens saved up), once a window."""
        with self._lock:
            now = self.clock()
            bucket = self._bucket(key, now)
            bucket.throttled += 1
            # the calls in flight when the service began to refuse are refused together: one cut for them all
            if now - bucket.cut_at >= max(CUT_WINDOW_S, 1 / bucket.rate):
                bucket.rate, bucket.cut_at = max(MIN_RATE, bucket.rate / 2), now
                bucket.tokens = min(bucket.tokens, 0.0)

    def stats(self) -> dict[str, dict[str, float]]:
        """"region service:Action" -> calls, throttled answers seen, seconds waited and the rate now."""
        with self._lock:
            return {f"{region} {service}:{action}": {"Calls": b.calls, "Throttled": b.throttled,
                                                     "WaitedSeconds": round(b.waited_s, 2),
                                                     "Rate": round(b.rate, 2)}
                    for (region, service, action), b in sorted(self._buckets.items())}

