"""One sandbox serving several regions as one Alibaba Cloud account does (ESS and OOS per region, RAM global),
per-API request quotas, and fleet-sized worlds. Calls go through the real SDK clients (essctl's CloudSession)."""
import json

import pytest

from essctl.errors import CloudAPIError, UsageError
from essctl.sandbox import Sandbox
from essctl.sandbox.faults import Faults
from essctl.sandbox.scenario import fleet_scenario, parse_scenario
from tests.sandbox.test_sandbox_index import assert_indexes_agree
from tests.support.sandbox_steps import ACCOUNT, RUN_COMMAND, RUN_COMMAND_ACTIONS, grant, wait_for

HANGZHOU, SHANGHAI = "cn-hangzhou", "cn-shanghai"
GROUPS = {HANGZHOU: "asg-hangzhou00000001", SHANGHAI: "asg-shanghai00000001"}
TWO_REGIONS = f"""
region: {HANGZHOU}
regions: [{SHANGHAI}]
groups:
  - {{id: {GROUPS[HANGZHOU]}, max: 5, instances: 1}}
  - {{id: {GROUPS[SHANGHAI]}, max: 5, instances: 1, region: {SHANGHAI}}}
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}]
"""


def session(sandbox, region):
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings

    return CloudSession(CloudSettings(region=region, endpoint=sandbox.endpoint))


def group_ids(s, region):
    from alibabacloud_ess20220222 import models

    return [g.scaling_group_id for g in s.ess.describe_scaling_groups(models.DescribeScalingGroupsRequest(
        region_id=region)).body.scaling_groups]


def scale_out_with_hook(s, region):
    """A run-command hook and a +1 rule on the region's group, executed: the activity id."""
    from alibabacloud_ess20220222 import models

    group = GROUPS[region]
    s.ess.create_lifecycle_hook(models.CreateLifecycleHookRequest(
        scaling_group_id=group, lifecycle_transition="SCALE_OUT", heartbeat_timeout=600, default_result="ABANDON",
        notification_arn=f"acs:oos:{region}:{ACCOUNT}:template/{RUN_COMMAND}",
        notification_metadata=json.dumps({"commandContent": "echo hello"})))
    ari = s.ess.create_scaling_rule(models.CreateScalingRuleRequest(
        scaling_group_id=group, adjustment_type="QuantityChangeInCapacity", adjustment_value=1)
    ).body.scaling_rule_ari
    assert f":{region}:" in ari
    return s.ess.execute_scaling_rule(models.ExecuteScalingRuleRequest(
        region_id=region, scaling_rule_ari=ari)).body.scaling_activity_id


def finished(s, region, activity_id):
    from alibabacloud_ess20220222 import models

    [found] = s.ess.describe_scaling_activities(models.DescribeScalingActivitiesRequest(
        region_id=region, scaling_activity_ids=[activity_id])).body.scaling_activities
    return found if found.status_code != "InProgress" else None


def executions(s, region, activity_id):
    from alibabacloud_oos20190601 import models

    return s.oos.list_executions(models.ListExecutionsRequest(
        region_id=region, tags={"ESS:ScalingActivityId": activity_id})).body.executions


def test_a_group_in_one_region_is_invisible_from_another(sandbox_factory):
    from alibabacloud_ess20220222 import models

    box = sandbox_factory(parse_scenario(TWO_REGIONS))
    hangzhou, shanghai = session(box, HANGZHOU), session(box, SHANGHAI)
    assert group_ids(hangzhou, HANGZHOU) == [GROUPS[HANGZHOU]]
    assert group_ids(shanghai, SHANGHAI) == [GROUPS[SHANGHAI]]
    [group] = shanghai.ess.describe_scaling_groups(models.DescribeScalingGroupsRequest(
        region_id=SHANGHAI)).body.scaling_groups
    assert (group.region_id, group.total_capacity) == (SHANGHAI, 1)
    with pytest.raises(CloudAPIError) as caught:          # Shanghai's group named in Hangzhou: no such group
        hangzhou.ess.create_scaling_rule(models.CreateScalingRuleRequest(
            region_id=HANGZHOU, scaling_group_id=GROUPS[SHANGHAI], adjustment_type="QuantityChangeInCapacity",
            adjustment_value=1))
    assert caught.value.code == "InvalidScalingGroupId.NotFound"
    with pytest.raises(CloudAPIError) as caught:          # a region not served answers as before
        group_ids(hangzhou, "cn-beijing")
    assert (caught.value.code, caught.value.status) == ("InvalidRegionId.NotFound", 404)
    [instance] = shanghai.ess.describe_scaling_instances(models.DescribeScalingInstancesRequest(
        region_id=SHANGHAI, scaling_group_id=GROUPS[SHANGHAI])).body.scaling_instances
    assert instance.zone_id.startswith(SHANGHAI)
    assert instance.instance_id not in box.world.ess.instances         # ids distinct across regions


def test_one_policy_serves_the_executions_of_every_region(sandbox_factory):
    box = sandbox_factory(parse_scenario(TWO_REGIONS))
    sessions = {region: session(box, region) for region in GROUPS}
    grant(sessions[HANGZHOU], RUN_COMMAND_ACTIONS)           # RAM is global: created once, from one region
    started = {region: scale_out_with_hook(s, region) for region, s in sessions.items()}
    for region, activity_id in started.items():
        s = sessions[region]
        done = wait_for(lambda: finished(s, region, activity_id))     # noqa: B023 - waited for in the loop
        assert done.status_code == "Successful", done.status_message
        [execution] = executions(s, region, activity_id)
        assert execution.status == "Success" and execution.parameters["regionId"] == region
        other = SHANGHAI if region == HANGZHOU else HANGZHOU
        assert executions(sessions[other], other, activity_id) == []    # each region runs its own
    assert [len(box.world.regions[r].oos.executions) for r in GROUPS] == [1, 1]
    for region in box.world.regions.values():           # each region's tables keep their own indexes
        assert_indexes_agree(region)


def test_without_the_policy_every_regions_execution_is_denied(sandbox_factory):
    box = sandbox_factory(parse_scenario(TWO_REGIONS))
    s = session(box, SHANGHAI)
    activity_id = scale_out_with_hook(s, SHANGHAI)
    [execution] = wait_for(lambda: [e for e in executions(s, SHANGHAI, activity_id) if e.status == "Failed"])
    assert "ecs:RunCommand" in execution.status_message


def test_a_two_region_world_is_saved_and_resumed(tmp_path, sandbox_factory):
    state = tmp_path / "world.json"
    first = sandbox_factory(parse_scenario(TWO_REGIONS), state_file=state)
    s = session(first, SHANGHAI)
    grant(s, RUN_COMMAND_ACTIONS)
    activity_id = scale_out_with_hook(s, SHANGHAI)
    assert wait_for(lambda: finished(s, SHANGHAI, activity_id)).status_code == "Successful"
    first.stop()
    saved = json.loads(state.read_text())
    assert list(saved["regions"]) == [SHANGHAI] and saved["region"] == HANGZHOU

    again = sandbox_factory(parse_scenario(TWO_REGIONS), state_file=state)
    s = session(again, SHANGHAI)
    assert finished(s, SHANGHAI, activity_id).status_code == "Successful"
    assert [e.status for e in executions(s, SHANGHAI, activity_id)] == ["Success"]
    assert len(again.world.regions[SHANGHAI].ess.group_instances(GROUPS[SHANGHAI])) == 2
    assert len(again.world.ess.group_instances(GROUPS[HANGZHOU])) == 1
    second = scale_out_with_hook(s, SHANGHAI)      # the journal, replayed at the next start, holds the region too
    again.stop()
    third = sandbox_factory(parse_scenario(TWO_REGIONS), state_file=state)
    assert second in third.world.regions[SHANGHAI].ess.activities
    assert second not in third.world.ess.activities


def test_a_journal_replays_each_request_in_its_region(tmp_path):
    state = tmp_path / "world.json"
    box = Sandbox(parse_scenario(TWO_REGIONS), state_file=state)
    values = {"RegionId": SHANGHAI, "ScalingGroupId": GROUPS[SHANGHAI], "AdjustmentType": "TotalCapacity",
              "AdjustmentValue": "3", "ScalingRuleName": "three"}
    box.call("ess", "CreateScalingRule", values)            # journalled; the sandbox is never stopped (a kill)
    again = Sandbox(parse_scenario(TWO_REGIONS), state_file=state)
    assert [r["ScalingRuleName"] for r in again.world.regions[SHANGHAI].ess.rules.values()] == ["three"]
    assert list(again.world.ess.rules) == []


def test_a_state_file_of_one_region_still_loads(tmp_path):
    state = tmp_path / "world.json"
    Sandbox(state_file=state).stop()
    assert "regions" not in json.loads(state.read_text())     # what a single-region world always wrote
    again = Sandbox(parse_scenario(TWO_REGIONS.replace("asg-hangzhou00000001", "asg-sandbox000000000001")),
                    state_file=state)
    assert list(again.world.ess.groups) == ["asg-sandbox000000000001"]
    assert list(again.world.regions) == [HANGZHOU, SHANGHAI] and not again.world.regions[SHANGHAI].ess.groups


# quotas
class FakeTime:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


def test_a_quota_refuses_the_call_over_it_per_api_and_region(monkeypatch):
    import essctl.sandbox.faults as faults_module

    clock = FakeTime()
    monkeypatch.setattr(faults_module, "time", clock)
    faults = Faults(quotas={"ExecuteScalingRule": 3, "*": 2})
    over = faults.over_quota
    assert [over("ess", "ExecuteScalingRule", HANGZHOU) for _ in range(4)] == [False, False, False, True]
    assert over("ess", "ExecuteScalingRule", SHANGHAI) is False       # its own region's quota
    assert over("ess", "DescribeScalingGroups", HANGZHOU) is False    # "*": every other API has its own
    clock.now += 1 / 3                                               # a third of a second: one call more
    assert [over("ess", "ExecuteScalingRule", HANGZHOU) for _ in range(2)] == [False, True]
    assert [over("ram", "GetRole", region) for region in (HANGZHOU, SHANGHAI, "")] == [False, False, True]  # global
    assert over("oos", "GetRole", HANGZHOU) is False                 # another service's API of that name
    assert faults.throttled == {"ExecuteScalingRule": 2, "GetRole": 1}
    clock.now += 60                                                  # a long pause fills the bucket, no more
    assert [over("ess", "ExecuteScalingRule", HANGZHOU) for _ in range(4)] == [False, False, False, True]
    slow = Faults(quotas={"*": 0.5})                                 # under one a second: one call, then a wait
    assert [slow.over_quota("oos", "ListExecutions", HANGZHOU) for _ in range(2)] == [False, True]
    clock.now += 2
    assert slow.over_quota("oos", "ListExecutions", HANGZHOU) is False


def test_the_sdk_retry_absorbs_a_throttled_call_and_the_sandbox_counts_it(sandbox_factory):
    text = TWO_REGIONS + "faults: {quotas: {DescribeScalingGroups: 5}}\n"
    box = sandbox_factory(parse_scenario(text), speed=1e6)      # quotas are in wall-clock time, whatever the speed
    hangzhou, shanghai = session(box, HANGZHOU), session(box, SHANGHAI)
    for _ in range(5):                   # a full bucket per region: these never wait
        assert group_ids(hangzhou, HANGZHOU) == [GROUPS[HANGZHOU]]
        assert group_ids(shanghai, SHANGHAI) == [GROUPS[SHANGHAI]]
    assert box.faults.throttled == {}
    for _ in range(5):                   # 5 more in Hangzhou within a second: over the quota, retried by the SDK
        assert group_ids(hangzhou, HANGZHOU) == [GROUPS[HANGZHOU]]
    assert box.faults.throttled["DescribeScalingGroups"] >= 1


def test_a_call_throttled_on_every_attempt_answers_the_documented_code(sandbox_factory):
    text = TWO_REGIONS + "faults: {retry_after_ms: 5, quotas: {DescribeScalingGroups: 0.01, GetRole: 0.01}}\n"
    box = sandbox_factory(parse_scenario(text))
    s = session(box, HANGZHOU)
    group_ids(s, HANGZHOU)
    with pytest.raises(CloudAPIError) as caught:
        group_ids(s, HANGZHOU)
    assert (caught.value.code, caught.value.status) == ("Throttling", 400)
    assert box.faults.throttled == {"DescribeScalingGroups": 4}       # the SDK's four attempts, none applied
    from alibabacloud_ram20150501 import models

    s.ram.get_role(models.GetRoleRequest(role_name="OOSServiceRole"))
    with pytest.raises(CloudAPIError) as caught:
        session(box, SHANGHAI).ram.get_role(models.GetRoleRequest(role_name="OOSServiceRole"))
    assert caught.value.code == "Throttling.User"


def test_quota_and_region_mistakes_are_one_line_usage_errors():
    with pytest.raises(UsageError, match=r"faults.quotas.ExecuteScalingRules: 'ExecuteScalingRules' is no API"):
        parse_scenario("faults: {quotas: {ExecuteScalingRules: 3}}\n")
    with pytest.raises(UsageError, match=r"faults.quotas.GetRole: must be 0.01..1e\+06, got 0"):
        parse_scenario("faults: {quotas: {GetRole: 0}}\n")
    with pytest.raises(UsageError, match=r"groups\[0\].region: 'cn-shangai' is not a region this scenario serves"):
        parse_scenario("regions: [cn-shanghai]\ngroups: [{id: asg-x0000001, max: 1, region: cn-shangai}]\n")
    with pytest.raises(UsageError, match=r"regions\[1\]: duplicate region cn-shanghai"):
        parse_scenario("regions: [cn-shanghai, cn-shanghai]\n")


def test_a_fleet_scenario_of_three_regions():
    regions = [HANGZHOU, SHANGHAI, "cn-beijing"]
    scenario = parse_scenario(fleet_scenario(30, regions, quotas={"*": 50}))
    assert scenario.served_regions() == regions and scenario.faults.quotas == {"*": 50.0}
    box = Sandbox(scenario)
    ids = [g for region in regions for g in box.world.regions[region].ess.groups]
    assert len(ids) == len(set(ids)) == 90
    for region in regions:
        ess = box.world.regions[region].ess
        assert {g["RegionId"] for g in ess.groups.values()} == {region}
        assert all(len(ess.group_instances(g)) == 1 for g in ess.groups)
    assert box.world.ram.trusts("OOSServiceRole", "oos.aliyuncs.com")


def test_concurrent_clients_in_two_regions_each_see_their_own_region(sandbox_factory):
    import threading

    from alibabacloud_ess20220222 import models

    box = sandbox_factory(parse_scenario(TWO_REGIONS))
    problems = []

    def create_rules(region, worker):
        s = session(box, region)
        try:
            for n in range(15):
                s.ess.create_scaling_rule(models.CreateScalingRuleRequest(
                    region_id=region, scaling_group_id=GROUPS[region], adjustment_type="QuantityChangeInCapacity",
                    adjustment_value=1, scaling_rule_name=f"w{worker}-{n}"))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            problems.append(exc)

    workers = [threading.Thread(target=create_rules, args=(region, w)) for w in range(2) for region in GROUPS]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert problems == []
    for region, group in GROUPS.items():
        rules = box.world.regions[region].ess.rules.values()
        assert len(rules) == 30 and {r["ScalingGroupId"] for r in rules} == {group}
        assert all(r["ScalingRuleAri"].startswith(f"ari:acs:ess:{region}:") for r in rules)
    ids = [rule_id for region in GROUPS for rule_id in box.world.regions[region].ess.rules]
    assert len(set(ids)) == 60
