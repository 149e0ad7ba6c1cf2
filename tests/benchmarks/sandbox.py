"""Sandbox benchmark (a script, not a test): calls per second through the real SDK, and the wall time of 100
scale-outs (hook -> OOS execution -> CONTINUE -> InService) across 100 groups.

    .venv/bin/python -m tests.benchmarks.sandbox
"""
import os
import tempfile
import time

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


def calls_per_second(s, seconds: float = 3.0) -> float:
    from alibabacloud_ess20220222 import models

    request = models.DescribeScalingGroupsRequest(region_id="cn-hangzhou")
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        s.ess.describe_scaling_groups(request)
        calls += 1
    return calls / (time.perf_counter() - start)


def main() -> None:
    groups = "\n".join(f"  - {{id: asg-bench{n:08d}, max: 2}}" for n in range(GROUPS))
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


if __name__ == "__main__":
    main()
