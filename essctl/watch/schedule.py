"""How long a watch waits before its next round of polls.

A terminal state is seen on the first round after it happens, so the wait while something can end is what the
detection delay is made of (half of it on average). The schedule therefore keeps the wait short while something
watched can change at any moment, and lets it grow only while nothing can:

- after a round that saw a change: `first` / 2, as one change brings the next (an execution ends, its lifecycle
  action completes, the activity ends);
- while something can end at any moment (an activity in progress with nothing to wait for, an execution running,
  an execution not registered yet): growing by BACKOFF up to 1.5 x `first` (3 s by default: ~1.5 s late on
  average);
- while nothing watched can change but a time-out (a lifecycle action waits, and no execution of it runs):
  growing by BACKOFF up to `longest`.

A round still makes at most one call per resource. In a replay the waits advance the tape's virtual clock.
"""
from __future__ import annotations

BACKOFF = 1.5
AFTER_CHANGE = 0.5      # x first
WHILE_BUSY = 1.5        # x first, the most one waits while something can end


class Schedule:
    """The waits between rounds, from `first` (the first wait, and the scale of the others) and `longest`."""

    def __init__(self, first: float, longest: float):
        self.first, self.longest = first, max(longest, first)
        self.wait = 0.0      # the last wait given; none yet

    def next(self, *, changed: bool, quiet: bool) -> float:
        """The wait before the next round: `changed` when this round saw a change, `quiet` when nothing watched
        can change now but by a time-out."""
        if changed:
            wait = self.first * AFTER_CHANGE
        elif not self.wait:
            wait = self.first
        else:
            wait = min(self.wait * BACKOFF, self.longest if quiet else self.first * WHILE_BUSY)
        self.wait = wait
        return wait
