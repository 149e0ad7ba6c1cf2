"""Follow a scaling activity (its instances, lifecycle actions and the OOS executions its hooks started) or a
single OOS execution until it ends, emitting an event for every change.

Rounds of polls are paced by schedule.py (short while something can end, growing while nothing can but a
time-out), with at most one call per resource per round. A replay polls on the tape's virtual clock: waiting advances it at once, so the back-off and
the time-out run as they would live without spinning, and a tape that has no later answer while something still
runs ends the watch at once (TapeEnded, exit 4).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from essctl.errors import PreconditionFailed, TapeEnded, TapeMiss
from essctl.events import (
    ActivityChanged,
    Emit,
    Event,
    ExecutionChanged,
    InstanceChanged,
    LifecycleActionChanged,
    TaskChanged,
)
from essctl.facts.arns import oos_template_of
from essctl.facts.ess import DEFAULT_HEARTBEAT_S
from essctl.facts.oos import HEARTBEAT_MARGIN_S
from essctl.facts.states import RELEASED, is_terminal
from essctl.watch.result import WatchResult
from essctl.watch.schedule import BACKOFF, Schedule

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import Execution, ScalingActivity, TaskExecution

FIRST_INTERVAL_S = 2.0
MAX_INTERVAL_S = 15.0
# ExecuteScalingRule answers with the new activity's id; whether DescribeScalingActivities lists it at once is not
# documented, so a new activity gets this many polls (2 + 3 + 4.5 + 6.75 s by default) before it counts as absent.
LISTING_ROUNDS = 5


@dataclass
class Pacing:
    """Poll intervals (schedule.py: `first` sets their scale, `longest` the most a quiet watch waits), on a clock
    (real time; a replay's is virtual: see `paced`)."""

    first: float = FIRST_INTERVAL_S
    longest: float = MAX_INTERVAL_S
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def paced(cloud: Cloud, pacing: Pacing | None) -> Pacing:
    """`pacing` on the cloud's clock: as given when calls are sent; in a replay, on the tape's virtual clock, so
    that polling a tape advances virtual time instead of spinning."""
    pacing = pacing or Pacing()
    replay = cloud.replay if cloud.replaying else None
    if replay is None:
        return pacing
    return dataclasses.replace(pacing, sleep=replay.clock.sleep, clock=replay.clock.now)


def replay_position(cloud: Cloud) -> int | None:
    """In a replay, how many recorded answers have been served so far (a repeated last answer does not count);
    None when calls are sent. Unchanged across a round of polls: the tape has nothing more to say."""
    replay = cloud.replay if cloud.replaying else None
    return replay.recorded_served if replay is not None else None


def scaling_activity(cloud: Cloud, activity_id: str, pacing: Pacing | None = None) -> ScalingActivity:
    """An activity a command was given: its absence is an error. With `pacing`, an activity that may have just
    started is polled for LISTING_ROUNDS rounds first."""
    pacing = paced(cloud, pacing) if pacing else None
    interval = pacing.first if pacing else 0.0
    for round_ in range(LISTING_ROUNDS if pacing else 1):
        if round_:
            pacing.sleep(interval)
            interval = min(interval * BACKOFF, max(pacing.longest, pacing.first))
        activity = cloud.ess.get_scaling_activity(activity_id)
        if activity is not None:
            return activity
    waited = f" (polled {LISTING_ROUNDS} times)" if pacing else ""
    raise PreconditionFailed(f"scaling activity {activity_id} not found in region {cloud.region}{waited}")


def oos_execution(cloud: Cloud, execution_id: str) -> Execution:
    """An execution a command was given: its absence is an error."""
    execution = cloud.oos.get_execution(execution_id)
    if execution is None:
        raise PreconditionFailed(f"OOS execution {execution_id} not found in region {cloud.region}")
    return execution


class Watcher:
    """One watch: call `activity()` or `execution()`; it returns the WatchResult and emits an event per change."""

    def __init__(self, cloud: Cloud, emit: Emit, *, timeout: float, pacing: Pacing | None = None):
        self.cloud = cloud
        self.emit = emit
        self.timeout = timeout
        self.pacing = paced(cloud, pacing)
        self.result = WatchResult()
        self._started = self.pacing.clock()
        self._seen: dict[str, Any] = {}
        self.shows_task: Callable[[TaskExecution], bool] = lambda _task: True   # which tasks get an event
        self._changes = 0
        self._templates: list[str] | None = None

    def _event(self, key: str, state: Any, make: Callable[[float], Event]) -> None:
        """Emit only when the state of `key` changed since the last round."""
        if self._seen.get(key) == state:
            return
        self._seen[key] = state
        self._changes += 1
        self.emit(make(self.pacing.clock() - self._started))

    def _loop(self, poll: Callable[[], bool]) -> WatchResult:
        schedule = Schedule(self.pacing.first, self.pacing.longest)
        while True:
            position = replay_position(self.cloud)
            changes = self._changes
            try:
                if poll():
                    break
            except TapeMiss as exc:
                if position is None:
                    raise
                raise self._tape_ended(f"has no answer for {exc.call}") from exc   # cut before this call
            if position is not None and replay_position(self.cloud) == position and self.result.running:
                raise self._tape_ended("holds no later answer")
            if self.pacing.clock() - self._started >= self.timeout:
                self.result.timed_out = True
                break
            self.pacing.sleep(schedule.next(changed=self._changes != changes, quiet=self._quiet()))
        self.result.seconds = self.pacing.clock() - self._started
        return self.result

    def _quiet(self) -> bool:
        """Nothing watched can change now but by a time-out: the activity waits on lifecycle actions, and no
        execution of its hooks runs (they ended, or its hooks start none)."""
        activity, result = self.result.activity, self.result
        if activity is None or is_terminal("activity", activity.status):
            return False
        waiting = any(not is_terminal("lifecycle_action", item.status) for item in result.lifecycle_actions.values())
        running = any(not is_terminal("execution", item.status) for item in result.executions.values())
        return waiting and not running and (bool(result.executions) or self._templates == [])

    def _tape_ended(self, why: str) -> TapeEnded:
        """The replay ran out during the watch: a round of polls answered only with answers given already while
        something runs (nothing can change any more), or a poll the tape has no answer for. A recording cut short
        during its watch (Ctrl-C on `recipe run --record`) ends so."""
        running = [_cut(item, 60) for item in self.result.running] or ["nothing seen yet"]
        shown = ", ".join(running[:2]) + (f" and {len(running) - 2} more" if len(running) > 2 else "")
        seconds = self.pacing.clock() - self._started
        return TapeEnded(f"tape {_cut(self.cloud.replay.path.name, 60)} ended with the watch still running "
                         f"({shown}): it {why} (after {seconds:.0f} s of replayed polling)")

    # -- a scaling activity ---------------------------------------------------------------------------------

    def activity(self, activity_id: str, templates: list[str] | None = None) -> WatchResult:
        """Follow an activity and every OOS execution tagged with it (any template, so a hook edited or deleted
        since does not hide its executions), until all of them end. A round asks only about what can still change:
        the activity, its instances and lifecycle actions until the activity ends, the tagged executions from the
        first lifecycle action until they have ended, and the tasks of an execution until it has ended.
        `templates`, the templates the activity's hooks start when known, only paces the polls (a wait whose
        hooks start none is quiet); None: not known, an execution may come."""
        rounds_after_end = 0
        self._templates = templates

        def poll() -> bool:
            nonlocal rounds_after_end
            activity = self.result.activity
            if activity is None or not is_terminal("activity", activity.status):
                activity = self._poll_activity(activity_id)
                if activity.group_id:
                    self._poll_instances(activity.group_id, activity_id)
                self._poll_lifecycle_actions(activity_id)
            # ESS starts an execution when a hook's wait begins: none before the activity has a lifecycle action
            if self.result.lifecycle_actions:
                for execution in self.cloud.oos.executions_of_activity(activity_id):
                    self._track_execution(execution)
            executions_done = all(is_terminal("execution", e.status) for e in self.result.executions.values())
            if is_terminal("activity", activity.status) and executions_done:
                # An execution may still be registering when a rejected or quick activity ends: one more round,
                # unless no hook fired (no lifecycle action: nothing can have started one).
                rounds_after_end += 1
                return bool(self.result.executions) or not self.result.lifecycle_actions or rounds_after_end > 1
            return False

        return self._loop(poll)

    def _poll_activity(self, activity_id: str) -> ScalingActivity:
        new = self.result.activity is None
        activity = scaling_activity(self.cloud, activity_id, self.pacing if new else None)
        self.result.activity = activity
        self._event(f"activity:{activity_id}", (activity.status, activity.progress), lambda elapsed: ActivityChanged(
            activity_id, activity.status, activity.progress, activity.status_message,
            terminal=is_terminal("activity", activity.status), elapsed=elapsed))
        return activity

    def _poll_instances(self, group_id: str, activity_id: str) -> None:
        present = {i.id: str(i.lifecycle_state) for i in self.cloud.ess.activity_instances(group_id, activity_id)}
        for instance_id in list(self.result.instances):
            if instance_id not in present:
                present[instance_id] = RELEASED
        for instance_id, state in present.items():
            self.result.instances[instance_id] = state
            self._event(f"instance:{instance_id}", state,
                        lambda elapsed, i=instance_id, s=state: InstanceChanged(i, s, elapsed=elapsed))

    def _poll_lifecycle_actions(self, activity_id: str) -> None:
        for item in self.cloud.ess.lifecycle_actions(activity_id):
            self.result.lifecycle_actions[item.token] = item
            self._event(f"action:{item.token}", (item.status, item.result), lambda elapsed, a=item: (
                LifecycleActionChanged(a.hook_id, a.status, a.result, list(a.instance_ids), a.token, elapsed=elapsed)))

    def _track_execution(self, execution: Execution) -> None:
        """Poll the execution's tasks; events read in order: the execution running, its tasks, the execution ended."""
        known = self.result.executions.get(execution.id)
        if known is not None and is_terminal("execution", known.status) and execution.id in self.result.tasks:
            return
        tasks = self.cloud.oos.task_executions(execution.id)
        self.result.executions[execution.id] = execution
        self.result.tasks[execution.id] = tasks
        ended = is_terminal("execution", execution.status)
        if not ended:
            self._execution_event(execution)
        for task in filter(self.shows_task, tasks):
            self._event(f"task:{task.id}", task.status, lambda elapsed, t=task: TaskChanged(
                execution.id, t.name, t.action, t.status, t.status_message, elapsed=elapsed))
        if ended:
            self._execution_event(execution)

    def _execution_event(self, execution: Execution) -> None:
        self._event(f"execution:{execution.id}", execution.status, lambda elapsed: ExecutionChanged(
            execution.id, execution.template_name, execution.status, execution.status_message, execution.outputs,
            elapsed=elapsed))

    # -- a single OOS execution -----------------------------------------------------------------------------

    def execution(self, execution_id: str) -> WatchResult:
        def poll() -> bool:
            execution = oos_execution(self.cloud, execution_id)
            self._track_execution(execution)
            return is_terminal("execution", execution.status)

        return self._loop(poll)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def hook_templates_and_timeout(cloud: Cloud, activity_id: str, pacing: Pacing) -> tuple[list[str], float]:
    """The OOS templates the activity's group's active hooks start (for pacing only: executions are found by their
    tag), and the longest hook timeout plus the margin."""
    activity = scaling_activity(cloud, activity_id, pacing)
    hooks = [hook for hook in cloud.ess.list_lifecycle_hooks(str(activity.group_id)) if hook.active]
    templates = sorted({name for hook in hooks if (name := oos_template_of(hook.notification_arn))})
    longest = max((hook.heartbeat_timeout or DEFAULT_HEARTBEAT_S for hook in hooks), default=DEFAULT_HEARTBEAT_S)
    return templates, float(longest + HEARTBEAT_MARGIN_S)
