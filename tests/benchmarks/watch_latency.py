"""Watch latency benchmark: how late `essctl activity watch` sees an activity end, in sandbox seconds.

    .venv/bin/python -m tests.benchmarks.watch_latency [--samples 60] [--seed 16] [--speed virtual|N]

Each sample is a scale-out in its own group of a sandbox running at real pacing (an instance launches in 10 s),
whose lifecycle hook starts an OOS execution that completes the lifecycle action after a random time, so that the
activity ends at a time drawn uniformly between 10 s (the earliest a hooked scale-out can end) and 300 s. The
essctl Watcher follows it with its default pacing through the real SDK; the delay is the sandbox time at which the
watch emits the terminal state minus the time the sandbox ended the activity.

Time is compressed by the sandbox clock and measured in it:
- `--speed virtual` (default): the sandbox clock stands still except when the watch waits, which advances it at
  once; samples run one after another and the figures are exact and repeatable (calls take no sandbox time).
- `--speed N`: the sandbox runs N times real time and the watch sleeps 1/N of each wait; samples run
  `--parallel` at a time; a call's real latency counts N times over in sandbox seconds.

Compare schedules by running the same command on two checkouts, e.g. main's essctl on PYTHONPATH:
    git archive main essctl | tar -x -C /tmp/main && PYTHONPATH=/tmp/main .venv/bin/python -m tests.benchmarks.watch_latency
Not a test: timings belong in a benchmark, not an assertion.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

LAUNCH_S = 10.0        # the sandbox's Pending time before the lifecycle wait (essctl/sandbox/ess/lifecycle.py)
LATEST_S = 300.0


class StillClock:
    """A sandbox clock that moves only when told to (the watch's waits)."""

    def __init__(self, start: float):
        self.speed = float("inf")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> float:
        return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += max(0.0, seconds)


def scenario_text(ends: list[float]) -> str:
    """A group per sample, each with a hook running its own template, whose single work task lasts end - 10 s."""
    template = ("FormatVersion: OOS-2019-06-01\n"
                "Parameters:\n  regionId: {Type: String}\n  lifecycleHookId: {Type: String}\n"
                "  lifecycleActionToken: {Type: String}\n"
                "Tasks:\n"
                "- {Name: work, Action: 'ACS::ExecuteAPI', Properties: {Service: ECS, API: DescribeInstances,"
                " Parameters: {RegionId: '{{ regionId }}'}}}\n"
                "- {Name: complete, Action: 'ACS::ExecuteAPI', Properties: {Service: ESS, API: CompleteLifecycleAction,"
                " Parameters: {LifecycleHookId: '{{ lifecycleHookId }}', LifecycleActionToken:"
                " '{{ lifecycleActionToken }}', LifecycleActionResult: CONTINUE}}}\n")
    # What ESS fills in the hook's NotificationMetadata when it starts the execution.
    metadata = json.dumps(json.dumps({name: "${%s}" % name
                                      for name in ("regionId", "lifecycleHookId", "lifecycleActionToken")}))
    lines = ["groups:"]
    for index, _ in enumerate(ends):
        lines.append(f"  - {{id: asg-bench{index:06d}, name: bench-{index}, min: 0, max: 5, instances: 0, hooks: "
                     f"[{{name: hook-{index}, transition: SCALE_OUT, template: bench-{index}, timeout: 900, "
                     f"metadata: {metadata}}}]}}")
    lines.append("templates:")
    for index, _ in enumerate(ends):
        lines.append(f"  bench-{index}: |\n" + "".join(f"    {line}\n" for line in template.splitlines()))
    lines.append("behaviour:")
    for index, end in enumerate(ends):
        lines.append(f"  bench-{index}: {{duration: {end - LAUNCH_S:.3f}}}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--speed", default="virtual")
    parser.add_argument("--parallel", type=int, default=6)
    options = parser.parse_args()

    from essctl.cloud.gateway import Cloud
    from essctl.events import ActivityChanged
    from essctl.sandbox import AccessKey, Sandbox
    from essctl.sandbox.scenario import parse_scenario
    from essctl.watch.watcher import Pacing, Watcher
    from tests.support import sandbox_steps as steps
    from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN

    os.environ.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": FAKE_KEY_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": FAKE_KEY_SECRET,
                       "ALIBABA_CLOUD_SECURITY_TOKEN": FAKE_STS_TOKEN, "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    rng = random.Random(options.seed)
    ends = [rng.uniform(LAUNCH_S, LATEST_S) for _ in range(options.samples)]
    virtual = options.speed == "virtual"
    box = Sandbox(parse_scenario(scenario_text(ends)), speed=1.0 if virtual else float(options.speed),
                  credentials=[AccessKey(FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN)])
    if virtual:
        box.clock = box.world.clock = StillClock(box.clock.now())
    ended: dict[str, float] = {}
    finish = box.world.ess.lifecycle._finish

    def recorded_finish(activity, *args, **kwargs):      # when the sandbox ends an activity, in its time
        ended[activity["ScalingActivityId"]] = box.world.now()
        return finish(activity, *args, **kwargs)

    box.world.ess.lifecycle._finish = recorded_finish
    box.start()
    try:
        def sample(index: int) -> tuple[float, int]:
            session = steps.session(box)
            started = box.clock.now()
            activity_id = steps.execute(session, steps.create_rule(session, group=f"asg-bench{index:06d}"))
            seen: list[float] = []

            def emit(event):
                if isinstance(event, ActivityChanged) and event.terminal and not seen:
                    seen.append(box.clock.now())

            sleep = box.clock.sleep if virtual else (lambda s: time.sleep(s / float(options.speed)))
            pacing = Pacing(sleep=sleep, clock=box.clock.now)
            calls = len(session.calls)
            Watcher(Cloud(session), emit, timeout=3600, pacing=pacing).activity(activity_id, [f"bench-{index}"])
            if activity_id not in ended or not seen:
                raise RuntimeError(f"sample {index}: the activity did not end ({activity_id})")
            if virtual and abs(ended[activity_id] - started - ends[index]) > 1:     # exact on a still clock
                raise RuntimeError(f"sample {index}: ended after {ended[activity_id] - started:.1f} s, "
                                   f"not {ends[index]:.1f} s")
            return seen[0] - ended[activity_id], len(session.calls) - calls

        wall = time.perf_counter()
        if virtual:
            results = [sample(index) for index in range(options.samples)]
        else:
            with ThreadPoolExecutor(options.parallel) as pool:
                results = list(pool.map(sample, range(options.samples)))
        wall = time.perf_counter() - wall
    finally:
        box.stop()
    delays = [delay for delay, _ in results]
    calls = [count for _, count in results]
    print(f"{options.samples} activities ending uniformly in {LAUNCH_S:g}..{LATEST_S:g} s (seed {options.seed}), "
          f"sandbox clock {'virtual' if virtual else 'x' + options.speed}, {wall:.1f} s real")
    print(f"detection delay: mean {statistics.mean(delays):.2f} s, median {statistics.median(delays):.2f} s, "
          f"worst {max(delays):.2f} s (sandbox seconds)")
    print(f"calls per watched activity: mean {statistics.mean(calls):.0f}, "
          f"per minute watched {statistics.mean(c / (e / 60) for c, e in zip(calls, ends)):.1f}")


if __name__ == "__main__":
    main()
