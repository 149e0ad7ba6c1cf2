"""Sandbox benchmark (a script, not a test).

1. Calls per second through the real SDK, and the wall time of 100 scale-outs (hook -> OOS execution -> CONTINUE
   -> InService) across 100 groups.
2. Flatness (`--scale`): a world of 1,000 groups with a run-command hook each, filled with 1k and then 10k finished
   scale-outs (each with its activity, instance, lifecycle action and OOS execution); at each size the median
   time of one call of ExecuteScalingRule, DescribeScalingGroups (50 groups), ListExecutions by the activity tag
   and DescribeScalingActivities (a group's newest, one by id), called the way the server calls them (world
   lock, handler, then the journal or save with --state; the clock held still, so no event runs inside a timed
   call), without and with --state; then DescribeScalingGroups calls per second through the SDK with
   1 and 4 client threads. Goal: the 10k figure within 1.5x of the 1k one.

    .venv/bin/python -m tests.benchmarks.sandbox            # 1.
    .venv/bin/python -m tests.benchmarks.sandbox --scale    # 2.
"""
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

KEY_ID, SECRET = "bench-key-0001", "bench-secret-0001"
for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALIBABA_CLOUD_SECURITY_TOKEN"):
    os.environ.pop(name, None)
os.environ.update(HOME=tempfile.mkdtemp(prefix="essctl-bench-"), ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
                  ALIBABA_CLOUD_ACCESS_KEY_ID=KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET)

from essctl.sandbox import AccessKey, Sandbox  # noqa: E402
from essctl.sandbox.scenario import parse_scenario  # noqa: E402
from tests.support.sandbox_steps import RUN_COMMAND_ACTIONS, create_hook, create_rule, execute, finished, grant, session  # noqa: E402

GROUPS = 100
SPEED = 600      # a 30 s template run takes 50 ms
SCALE_GROUPS = 1000
SCALE_SPEED = 20000      # a scale-out (launch, 30 s run-command execution, in service) takes a few ms
SAMPLES = 50


def calls_per_second(s, seconds: float = 3.0) -> float:
    from alibabacloud_ess20220222 import models

    request = models.DescribeScalingGroupsRequest(region_id="cn-hangzhou")
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        s.ess.describe_scaling_groups(request)
        calls += 1
    return calls / (time.perf_counter() - start)


def threaded_calls_per_second(sandbox, threads: int, seconds: float = 3.0) -> float:
    sessions = [session(sandbox) for _ in range(threads)]
    counts = [0] * threads

    def run(n: int) -> None:
        from alibabacloud_ess20220222 import models

        request = models.DescribeScalingGroupsRequest(region_id="cn-hangzhou")
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            sessions[n].ess.describe_scaling_groups(request)
            counts[n] += 1

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.perf_counter() - start)


def scale_outs() -> None:
    groups = "\n".join(f"  - {{id: asg-bench{n:08d}, max: 100}}" for n in range(GROUPS))
    scenario = parse_scenario(f"groups:\n{groups}\nroles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}]\n")
    with Sandbox(scenario, speed=SPEED, credentials=[AccessKey(KEY_ID, SECRET)]) as sandbox:
        s = session(sandbox)
        print(f"calls per second (DescribeScalingGroups, 100 groups, page of 10, one thread): "
              f"{calls_per_second(s):.0f}")
        grant(s, RUN_COMMAND_ACTIONS)
        ids = [g for g in sandbox.backends.ess.groups]
        start = time.perf_counter()
        aris = []
        for group in ids:
            create_hook(s, group=group)
            aris.append(create_rule(s, group=group))
        activities = [execute(s, ari) for ari in aris]
        pending = set(activities)
        polls = 0
        while pending:
            for activity_id in list(pending):
                polls += 1
                done = finished(s, activity_id)
                if done is not None:
                    assert done.status_code == "Successful", done.status_message
                    pending.discard(activity_id)
        wall = time.perf_counter() - start
        print(f"100 scale-outs across 100 groups (create hook + rule, execute, poll until Successful; speed x{SPEED}, "
              f"30 s sandbox task): {wall:.2f} s wall, {polls} polls")


# flatness
def _call(sandbox, action: str, values: dict) -> dict:
    """One call as the server makes it once the request is parsed and signed (handler, and the journal with
    --state; on main's code before the journal: handler, then the whole world saved)."""
    if hasattr(sandbox, "call"):
        return sandbox.call("oos" if action == "ListExecutions" else "ess", action, values)
    from essctl.sandbox.ess import responses as ess
    from essctl.sandbox.oos import responses as oos
    from essctl.sandbox.params import Params

    handler = ess.ACTIONS.get(action) or oos.ACTIONS[action]
    with sandbox.world.lock:
        answer = handler(sandbox.world, Params(values))
        sandbox.after_change()
    return answer


def _settle(sandbox) -> None:
    """Let every scale-out in flight end (sandbox time runs SCALE_SPEED times as fast)."""
    ess = sandbox.world.ess
    while True:
        with sandbox.world.lock:
            sandbox.world.advance()
            busy = any(a["StatusCode"] == "InProgress" for a in ess.activities.values())
        if not busy and not sandbox.world._events:      # the last lifecycle timeouts too: nothing left to run
            return
        time.sleep(0.01)


class StillClock:
    """The sandbox clock held still while calls are timed: no event falls due inside a timed call."""

    def __init__(self, now: float):
        self.speed, self._now = SCALE_SPEED, now

    def now(self) -> float:
        return self._now


def _fill(sandbox, aris: list[str], rounds: int) -> None:
    for _ in range(rounds):
        for ari in aris:
            _call(sandbox, "ExecuteScalingRule", {"RegionId": "cn-hangzhou", "ScalingRuleAri": ari})
        _settle(sandbox)
    failed = [a for a in sandbox.world.ess.activities.values() if a["StatusCode"] != "Successful"]
    assert not failed, failed[0]


def _timed(sandbox, calls: list[tuple[str, dict]]) -> float:
    """Median milliseconds of one call."""
    times = []
    for action, values in calls:
        start = time.perf_counter()
        _call(sandbox, action, values)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _handler_times(sandbox, aris: list[str], state_file: Path | None) -> dict[str, float]:
    ess = sandbox.world.ess
    group_ids = list(ess.groups)
    activity_ids = list(ess.activities)
    _use_state_file(sandbox, state_file)
    running = sandbox.clock
    sandbox.clock = sandbox.world.clock = StillClock(running.now())
    region = {"RegionId": "cn-hangzhou"}
    step = max(1, len(activity_ids) // SAMPLES)
    figures = {
        "DescribeScalingGroups (50 ids)": _timed(sandbox, [("DescribeScalingGroups", {
            **region, "PageSize": "50", **{f"ScalingGroupIds.{n + 1}": g for n, g in
                                           enumerate(group_ids[k * 50 % len(group_ids):][:50])}})
            for k in range(SAMPLES)]),
        "ListExecutions (by tag)": _timed(sandbox, [("ListExecutions", {
            **region, "Tags": f'{{"ESS:ScalingActivityId": "{a}"}}'}) for a in activity_ids[::step][:SAMPLES]]),
        "DescribeScalingActivities (group)": _timed(sandbox, [("DescribeScalingActivities", {
            **region, "ScalingGroupId": g, "PageSize": "1"}) for g in group_ids[:SAMPLES]]),
        "DescribeScalingActivities (by id)": _timed(sandbox, [("DescribeScalingActivities", {
            **region, "ScalingActivityIds.1": a}) for a in activity_ids[::step][:SAMPLES]]),
        "ExecuteScalingRule": _timed(sandbox, [("ExecuteScalingRule", {**region, "ScalingRuleAri": ari})
                                               for ari in aris[:SAMPLES]]),
    }
    sandbox.clock = sandbox.world.clock = running
    _use_state_file(sandbox, None)
    _settle(sandbox)
    return figures


def _use_state_file(sandbox, path: Path | None) -> None:
    """Turn --state on (the first save, not timed) or off in a running sandbox."""
    sandbox.state_file = path
    if hasattr(sandbox, "compact"):
        from essctl.sandbox.state import Journal

        sandbox._journal = Journal(path) if path else None
        with sandbox.world.lock:
            sandbox.compact()
    elif path is not None:
        sandbox.world.changed = True
        _call(sandbox, "DescribeScalingGroups", {"RegionId": "cn-hangzhou"})


def flatness() -> None:
    groups = "\n".join(f"  - {{id: asg-bench{n:08d}, max: 100}}" for n in range(SCALE_GROUPS))
    scenario = parse_scenario(f"groups:\n{groups}\nroles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}]\n")
    directory = Path(tempfile.mkdtemp(prefix="essctl-bench-state-"))
    results: dict[tuple[str, int, bool], float] = {}
    with Sandbox(scenario, speed=SCALE_SPEED, credentials=[AccessKey(KEY_ID, SECRET)]) as sandbox:
        s = session(sandbox)
        grant(s, RUN_COMMAND_ACTIONS)
        aris = []
        for group in sandbox.backends.ess.groups:
            create_hook(s, group=group)
            aris.append(create_rule(s, group=group))
        for size in (1000, 10000):
            _fill(sandbox, aris, -(-(size - len(sandbox.world.ess.activities)) // SCALE_GROUPS))
            print(f"{size} scale-outs over {SCALE_GROUPS} groups ({len(sandbox.world.ess.activities)} activities, "
                  f"{len(sandbox.world.oos.executions)} executions):", flush=True)
            for saved in (False, True):
                figures = _handler_times(sandbox, aris, directory / f"state-{size}.json" if saved else None)
                for name, ms in figures.items():
                    results[(name, size, saved)] = ms
                    print(f"  {name:36s} {'--state' if saved else '':8s} {ms:8.3f} ms", flush=True)
            for threads in (1, 4):
                print(f"  DescribeScalingGroups calls per second, {threads} client thread(s): "
                      f"{threaded_calls_per_second(sandbox, threads):.0f}", flush=True)
    print("ratio 10k / 1k (goal <= 1.5):")
    for (name, size, saved), ms in results.items():
        if size == 10000:
            print(f"  {name:36s} {'--state' if saved else '':8s} {ms / results[(name, 1000, saved)]:6.2f}x")


if __name__ == "__main__":
    flatness() if "--scale" in sys.argv[1:] else scale_outs()
