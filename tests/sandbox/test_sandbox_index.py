"""The sandbox's indexed tables agree with a full scan after random operations, and --state loses nothing a
client saw acknowledged: not across a replayed journal, not when the sandbox is killed."""
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from essctl.sandbox import AccessKey, Sandbox
from essctl.sandbox.errors import ApiError
from essctl.sandbox.index import Table
from essctl.sandbox.scenario import parse_scenario

REGION = "cn-hangzhou"
RUN_COMMAND = "ACS-ESS-LifeCycleRunCommand"
GROUPS = [f"asg-index{n:014d}" for n in range(4)]
SCENARIO = ("groups:\n" + "".join(f"  - {{id: {g}, max: 6, instances: 1}}\n" for g in GROUPS)
            + "roles: [{name: OOSServiceRole, trusted: [oos.aliyuncs.com], policies: [AdministratorAccess]}]\n")
# index name -> (table, the field a full scan compares)
INDEXES = {("ess", "instances", "group"): "ScalingGroupId", ("ess", "activities", "group"): "ScalingGroupId",
           ("ess", "rules", "ari"): "ScalingRuleAri", ("ess", "hooks", "group"): "ScalingGroupId",
           ("ess", "actions", "activity"): "ScalingActivityId"}


class StillClock:
    """A sandbox clock that moves only when the test moves it."""

    def __init__(self, start: float = 1.8e9):
        self.speed, self.t = 1.0, start

    def now(self) -> float:
        return self.t


def still_sandbox(**options) -> Sandbox:
    box = Sandbox(parse_scenario(SCENARIO), credentials=[AccessKey("k-index-0001", "s-index-0001")], **options)
    box.clock = box.world.clock = StillClock()
    return box


def assert_indexes_agree(world) -> None:
    for (service, table_name, index), field in INDEXES.items():
        table = getattr(world, service).state[table_name]
        keys = {record[field] for record in table.values()}
        for key in keys | {"no-such-key"}:
            assert table.find(index, key) == [r for r in table.values() if r[field] == key], (table_name, key)
    executions = world.oos.executions
    tags = {(k, v) for e in executions.values() for k, v in e["Tags"].items()}
    for tag in tags:
        assert executions.find("tag", tag) == [e for e in executions.values()
                                               if e["Tags"].get(tag[0]) == tag[1]], tag


def random_operation(box: Sandbox, rng: random.Random) -> None:
    world = box.world
    ess = world.ess
    group = rng.choice(GROUPS)
    choice = rng.randrange(8)
    if choice == 0:
        box.call("ess", "CreateScalingRule", {"ScalingGroupId": group, "AdjustmentType": "QuantityChangeInCapacity",
                                              "AdjustmentValue": str(rng.choice([-2, -1, 1, 2]))})
    elif choice == 1:
        arn = f"acs:oos:{REGION}:{world.account_id}:template/{RUN_COMMAND}"
        box.call("ess", "CreateLifecycleHook", {
            "ScalingGroupId": group, "LifecycleTransition": rng.choice(["SCALE_OUT", "SCALE_IN"]),
            "HeartbeatTimeout": "60", "DefaultResult": rng.choice(["CONTINUE", "ABANDON"]), "NotificationArn": arn})
    elif choice == 2 and ess.hooks:
        box.call("ess", "DeleteLifecycleHook", {"LifecycleHookId": rng.choice(list(ess.hooks))})
    elif choice in (3, 4) and ess.rules:
        rule = rng.choice(list(ess.rules.values()))
        box.call("ess", "ExecuteScalingRule", {"RegionId": REGION, "ScalingRuleAri": rule["ScalingRuleAri"]})
    elif choice == 5:
        ids = [f"i-attached{rng.randrange(10**9):012d}"]
        box.call("ess", "AttachInstances", {"RegionId": REGION, "ScalingGroupId": group, "InstanceIds.1": ids[0]})
    elif choice == 6:
        pending = [a for a in ess.actions.values() if a["LifecycleActionStatus"] == "Pending"]
        if pending:
            action = rng.choice(pending)
            box.call("ess", "CompleteLifecycleAction", {
                "LifecycleHookId": action["LifecycleHookId"], "LifecycleActionToken": action["LifecycleActionToken"],
                "LifecycleActionResult": rng.choice(["CONTINUE", "ABANDON"])})
    else:
        box.clock.t += rng.choice([1, 5, 20, 90])


def run_random(box: Sandbox, rng: random.Random, steps: int, check) -> None:
    for _ in range(steps):
        try:
            random_operation(box, rng)
        except ApiError:
            pass     # a refusal is an outcome too: the world must still agree with itself
        check(box.world)


@pytest.mark.parametrize("seed", range(6))
def test_the_world_indexes_agree_with_a_full_scan_after_random_operations(seed):
    box = still_sandbox()
    rng = random.Random(seed)
    run_random(box, rng, 150, assert_indexes_agree)
    assert box.world.ess.activities and box.world.oos.executions      # the operations did build a world


@pytest.mark.parametrize("seed", range(10))
def test_a_table_agrees_with_a_full_scan_after_random_inserts_replacements_and_deletes(seed):
    rng = random.Random(seed)
    table = Table(group=lambda r: (r["g"],), tag=lambda r: [(k, v) for k, v in r["tags"].items()])
    model: dict[str, dict] = {}
    for _ in range(400):
        record_id = f"r{rng.randrange(30)}"
        choice = rng.randrange(4)
        if choice < 2:
            record = {"g": rng.choice("abc"), "tags": {rng.choice("xy"): rng.choice("12")}}
            table[record_id] = model[record_id] = record
        elif choice == 2:
            assert table.pop(record_id, None) == model.pop(record_id, None)
        elif record_id in model:
            del table[record_id]
            del model[record_id]
        assert list(table) == list(model)
        for group in "abcd":
            assert table.find("group", group) == [r for r in model.values() if r["g"] == group]
        for tag in [(k, v) for k in "xy" for v in "12"]:
            assert table.find("tag", tag) == [r for r in model.values() if r["tags"].get(tag[0]) == tag[1]]


@pytest.mark.parametrize("seed", range(3))
def test_a_replayed_journal_rebuilds_the_world_the_clients_saw(tmp_path, seed):
    """Random requests journalled with --state, then a second sandbox from the same files (as after a kill):
    the same world, indexes included."""
    state = tmp_path / "world.json"
    box = still_sandbox(state_file=state)
    rng = random.Random(seed)
    run_random(box, rng, 120, lambda world: None)
    assert (tmp_path / "world.json.journal").exists()
    seen = json.loads(json.dumps(box.world.to_state()))
    again = still_sandbox(state_file=state)
    again.clock.t = box.clock.t
    assert json.loads(json.dumps(again.world.to_state())) == seen
    assert_indexes_agree(again.world)
    assert not (tmp_path / "world.json.journal").exists()      # folded into the snapshot at start


def test_what_a_client_saw_of_events_the_ticker_ran_survives_a_restart(tmp_path):
    state = tmp_path / "world.json"
    box = still_sandbox(state_file=state)
    ari = box.call("ess", "CreateScalingRule", {"ScalingGroupId": GROUPS[0], "AdjustmentType":
                                                "QuantityChangeInCapacity", "AdjustmentValue": "1"})["ScalingRuleAri"]
    activity_id = box.call("ess", "ExecuteScalingRule", {"RegionId": REGION, "ScalingRuleAri": ari})[
        "ScalingActivityId"]
    box.clock.t += 60
    with box.world.lock:        # the ticker: the scale-out ends
        box.world.advance()
        box.after_change()
    seen = box.call("ess", "DescribeScalingActivities", {"RegionId": REGION, "ScalingActivityIds.1": activity_id})
    assert seen["ScalingActivities"][0]["StatusCode"] == "Successful"
    again = still_sandbox(state_file=state)
    assert again.world.ess.activities[activity_id]["StatusCode"] == "Successful"


def test_a_killed_sandbox_loses_no_acknowledged_change(tmp_path):
    """SIGKILL right after acknowledged changes: the restarted sandbox has every one of them."""
    from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN
    from tests.support.sandbox_steps import create_hook, create_rule, execute, session

    scenario = tmp_path / "scenario.yaml"
    key = json.dumps({"key_id": FAKE_KEY_ID, "secret": FAKE_KEY_SECRET, "security_token": FAKE_STS_TOKEN})
    scenario.write_text(f"groups: [{{id: {GROUPS[0]}, max: 5}}]\ncredentials: [{key}]\n")     # the tests' own key
    state = tmp_path / "world.json"
    env = {**os.environ, "NO_COLOR": "1"}
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "essctl", "sandbox", "serve", "--port", "0", "--scenario",
                             str(scenario), "--state", str(state), "--speed", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        endpoint = None
        deadline = time.monotonic() + 30
        while endpoint is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "http://" in line:
                endpoint = "http://" + line.split("http://", 1)[1].split()[0]
        assert endpoint, "the sandbox printed no endpoint"
        s = session(type("Box", (), {"endpoint": endpoint})())
        hook_id = create_hook(s, group=GROUPS[0], template=None)
        activity_id = execute(s, create_rule(s, group=GROUPS[0]))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    again = Sandbox(state_file=state, scenario=scenario)
    assert hook_id in again.world.ess.hooks
    assert activity_id in again.world.ess.activities
    assert len(again.world.ess.rules) == 1
