"""Injected trouble, from the scenario's `faults`: random throttling, 5xx and latency (seeded), rules that answer
a given error to the n-th call of an action, before or after applying it (a lost response), and per-API request
quotas (flow control)."""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from essctl.sandbox.errors import ApiError


@dataclass
class FaultRule:
    action: str
    calls: list[int]                 # 1-based call numbers of this action; empty: every call
    code: str
    status: int = 400
    message: str = "Injected by the sandbox scenario."
    retry_after_ms: int | None = None
    after_apply: bool = False        # apply the request, then answer the error

    def error(self) -> ApiError:
        return ApiError(self.code, self.message, self.status, retry_after_ms=self.retry_after_ms)


@dataclass
class Faults:
    seed: int = 0
    throttle_rate: float = 0.0
    server_error_rate: float = 0.0
    latency_ms: tuple[int, int] = (0, 0)
    retry_after_ms: int | None = None    # sent with random throttling
    rules: list[FaultRule] = field(default_factory=list)
    quotas: dict[str, float] = field(default_factory=dict)     # API action (or "*": any other) -> calls per second

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._calls: dict[str, int] = {}
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str, str], tuple[float, float]] = {}   # key -> (tokens, monotonic time)
        self.throttled: dict[str, int] = {}      # API action -> calls answered with a throttling error by a quota

    @property
    def active(self) -> bool:
        return bool(self.throttle_rate or self.server_error_rate or any(self.latency_ms) or self.rules)

    def calls(self, action: str) -> int:
        """How many calls of `action` arrived (retries included); counted only when faults are active."""
        return self._calls.get(action, 0)

    def over_quota(self, service: str, action: str, region: str) -> bool:
        """Whether a call is over its API's quota (then it is counted in `throttled`; else it spends a token).

        A token bucket per API (per region for ESS and OOS, one for the account for RAM, whose API is global)
        holding up to a second's worth of calls and refilled at the quota's rate in wall-clock time, whatever the
        sandbox clock's speed: a quota is about how fast the client really calls. No quota is documented in
        ../shared/api-reference (api-docs/ess/_Limits.md lists quantities only), so there is none by default. The
        answer is the service's own throttling error (each service's responses.throttling)."""
        rate = self.quotas.get(action, self.quotas.get("*"))
        if rate is None:
            return False
        key = (service, "" if service == "ram" else region, action)
        now = time.monotonic()
        with self._lock:
            tokens, then = self._buckets.get(key, (max(rate, 1.0), now))
            tokens = min(max(rate, 1.0), tokens + (now - then) * rate)
            over = tokens < 1.0
            self._buckets[key] = (tokens if over else tokens - 1.0, now)
            if over:
                self.throttled[action] = self.throttled.get(action, 0) + 1
        return over

    def decide(self, action: str) -> tuple[float, ApiError | None, ApiError | None]:
        """(latency in seconds, error to answer instead, error to answer after applying) for one call."""
        if not self.active:
            return 0.0, None, None
        with self._lock:
            number = self._calls[action] = self._calls.get(action, 0) + 1
            low, high = self.latency_ms
            delay = self._random.uniform(low, high) / 1000 if high else 0.0
            for rule in self.rules:
                if rule.action == action and (not rule.calls or number in rule.calls):
                    return (delay, None, rule.error()) if rule.after_apply else (delay, rule.error(), None)
            if self.throttle_rate and self._random.random() < self.throttle_rate:
                return delay, ApiError("Throttling.User", "Request was denied due to user flow control.", 400,
                                       retry_after_ms=self.retry_after_ms), None
            if self.server_error_rate and self._random.random() < self.server_error_rate:
                return delay, ApiError("ServiceUnavailable", "The request has failed due to a temporary failure "
                                                             "of the server.", 503), None
            return delay, None, None
