"""Following a fleet's scale-outs: one thread per run asks each region about the activities still running, 20 a
call (DescribeScalingActivities by ScalingActivityId.N), instead of each group polling on its own; an activity
that ends (or reaches its deadline) is handed on, and its group's watch then reads it once in full (instances,
lifecycle actions, OOS executions) for the report and the diagnosis."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from essctl.errors import EssctlError
from essctl.events import ActivityChanged
from essctl.facts.states import is_terminal
from essctl.watch.schedule import Schedule

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.fleet.pool import Stopper
    from essctl.fleet.targets import Target

MISSING_ROUNDS = 5      # an activity not listed for this many rounds is handed on (its watch says what it finds)


@dataclass
class Followed:
    target: Target
    activity_id: str
    deadline: float                      # on `clock`: past it, the group's watch ends as timed out
    hand_on: Callable[[bool], None]      # called once: True when its deadline passed
    missing: int = 0
    status: tuple[str | None, int | None] = (None, None)


class ActivityPoller:
    """Run `run()` in a thread of its own; `follow` adds an activity, `close` says no more will come."""

    def __init__(self, clouds: dict[str, Cloud], interval: float, stop: Stopper, clock: Callable[[], float],
                 on_event: Callable[[Target, ActivityChanged], None]):
        self.clouds, self.stop, self.clock, self.on_event = clouds, stop, clock, on_event
        self._lock = threading.Lock()
        self._followed: dict[str, Followed] = {}
        self._closed = False
        self.done = threading.Event()    # set when run() has handed on everything (wait on it, not on a join)
        self._wake = threading.Event()   # set by close() and when the run stops: no wait outlasts them
        stop.wakes.append(self._wake)
        self._schedule = Schedule(interval, interval)
        self._changed = False

    def follow(self, item: Followed) -> None:
        with self._lock:
            self._followed[item.activity_id] = item

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._wake.set()

    def run(self) -> None:
        """Round after round until nothing is followed and no more will come; when the run is stopped, everything
        still followed is handed on at once (its watch then stops with the reason)."""
        try:
            while True:
                with self._lock:
                    if self._closed and not self._followed:
                        return
                self._wake.wait(self._schedule.next(changed=self._changed, quiet=False))
                if self.stop.stopped:
                    break
                self._round()
            with self._lock:       # stopped: each watch says so, for its group
                left, self._followed = list(self._followed.values()), {}
            for item in left:
                item.hand_on(False)
        finally:
            self.done.set()

    def _round(self) -> None:
        with self._lock:
            followed = list(self._followed.values())
            if self._closed and not self.stop.stopped:
                self._wake.clear()     # woken by close(): from now on, waits run their time
        self._changed = False
        by_region: dict[str, list[Followed]] = {}
        for item in followed:
            by_region.setdefault(item.target.region, []).append(item)
        for region, items in by_region.items():
            try:
                found = {a.id: a for a in self.clouds[region].ess.get_scaling_activities([i.activity_id for i in items])}
            except EssctlError:
                found = None       # not answered this round: each group's own watch reads it, and says why
            for item in items:
                activity = found.get(item.activity_id) if found is not None else None
                if activity is not None:
                    status = (activity.status, activity.progress)
                    if status != item.status:
                        item.status, self._changed = status, True
                        self.on_event(item.target, ActivityChanged(
                            activity.id, activity.status, activity.progress, activity.status_message,
                            terminal=is_terminal("activity", activity.status)))
                else:
                    item.missing += 1
                late = self.clock() >= item.deadline
                if (found is None or late or item.missing >= MISSING_ROUNDS
                        or activity is not None and is_terminal("activity", activity.status)):
                    with self._lock:
                        self._followed.pop(item.activity_id, None)
                    item.hand_on(late)
