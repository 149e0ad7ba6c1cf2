"""Sandbox time: epoch seconds that advance `speed` times as fast as real time."""
from __future__ import annotations

import time
from datetime import datetime, timezone


class Clock:
    def __init__(self, speed: float = 1.0, start: float | None = None):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = time.time() if start is None else float(start)
        self._real_start = time.monotonic()

    def now(self) -> float:
        return self._start + (time.monotonic() - self._real_start) * self.speed


def iso(epoch: float) -> str:
    """2026-11-24T08:29:34Z, as ESS and OOS write times."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_minutes(epoch: float) -> str:
    """2026-11-24T08:29Z, as ESS writes CreationTime."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def to_minutes(text: str) -> str:
    """A time the sandbox keeps to the second, as ESS answers it: cut to the minute (an activity's StartTime and
    EndTime, an instance's CreationTime: api-docs/ess/DescribeScalingActivities.md, DescribeScalingInstances.md)."""
    return iso_minutes(parse_iso(text))


def parse_iso(text: str) -> float:
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    raise ValueError(f"not an ISO 8601 UTC time: {text!r}")
