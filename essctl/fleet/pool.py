"""Work on many groups at once, a bounded number at a time, stoppable: Ctrl-C or --fail-fast stops the run, work
not started is skipped, and work under way stops where it waits."""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable, Sequence, TypeVar

from essctl.errors import EssctlError
from essctl.exitcodes import ExitCode

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_PARALLEL = 64       # --parallel: more threads than this only queue on the rate limiter


class Halted(EssctlError):
    """The run was stopped while this group waited (Ctrl-C elsewhere, or another group failed with --fail-fast)."""

    def __init__(self, reason: str, exit_code: ExitCode):
        super().__init__(reason)
        self.exit_code = exit_code


class Stopper:
    """Stops a fleet run once, for one reason."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason = ("", ExitCode.OK)
        self.wakes: list[threading.Event] = []    # events of waits of their own, set too when the run stops

    def stop(self, reason: str, exit_code: ExitCode) -> None:
        if not self.event.is_set():
            self.reason = (reason, exit_code)
            self.event.set()
            for wake in self.wakes:
                wake.set()

    @property
    def stopped(self) -> bool:
        return self.event.is_set()

    def sleep(self, seconds: float) -> None:
        """A wait of a group's watch or trigger retry: it ends at once, with the reason, when the run is stopped."""
        if self.event.wait(seconds):
            raise Halted(*self.reason)


def each(items: Sequence[Item], work: Callable[[Item], Result], parallel: int, stop: Stopper | None = None,
         skipped: Callable[[Item], Result] | None = None) -> list[Result]:
    """`work(item)` for every item, `parallel` at a time; the results in the items' order. Once `stop` is set, an
    item not started yet gets `skipped(item)` instead (without `skipped`, it is worked on all the same)."""
    if not items:
        return []

    def guarded(item: Item) -> Result:
        if stop is not None and stop.stopped and skipped is not None:
            return skipped(item)
        return work(item)

    pool = ThreadPoolExecutor(max_workers=max(1, min(parallel, len(items))), thread_name_prefix="essctl-fleet")
    futures = []
    try:
        futures = [pool.submit(guarded, item) for item in items]
        return [future.result() for future in futures]
    except BaseException as exc:
        if stop is not None and isinstance(exc, KeyboardInterrupt):
            stop.stop("interrupted", ExitCode.INTERRUPTED)
        for future in futures:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)



def outcome_counts(outcomes: Iterable[str]) -> dict[str, int]:
    """How many groups ended each way."""
    return dict(Counter(outcomes))


def shared_exit_code(codes: set[ExitCode]) -> ExitCode:
    """A fleet's exit code from those of the groups that did not succeed: 0 when none, the code they share, else 1."""
    if not codes:
        return ExitCode.OK
    return codes.pop() if len(codes) == 1 else ExitCode.OPERATION_FAILED
