"""essctl role impact and the policy-change check against the sandbox, through the real SDK: a role shared by four
hooks in three groups with two templates (tests/support/shared_role.py), and issue 11 replayed: a recipe's new
policy version would take an action another group's hook needs, the check names it, and the sandbox agrees."""
import json
from collections import Counter

import pytest
import yaml

from essctl.cloud.gateway import Cloud
from essctl.cloud.resources import NewPolicyVersion
from essctl.impact import HookRef, ImpactAnalysis, PolicyChange
from essctl.policies.documents import as_text, least_privilege
from essctl.sandbox.scenario import parse_scenario
from tests.support import sandbox_steps as steps
from tests.support.shared_role import (
    BATCH,
    CACHE,
    REGION,
    ROLE,
    RUN_COMMAND,
    RUN_COMMAND_ACTIONS,
    SCENARIO,
    SHARED_POLICY,
    WEB,
    WHITELIST,
)


@pytest.fixture
def box(sandbox_factory):
    return sandbox_factory(parse_scenario(SCENARIO))


def _impact(cli, box, *args):
    return cli("role", "impact", ROLE, "--endpoint", box.endpoint, "--region", REGION, *args)


def _cloud(box):
    return Cloud(steps.session(box))


def test_role_impact_lists_every_hook_that_runs_as_the_role(cli, box):
    result = _impact(cli, box, "-o", "table")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    rows = [line for line in lines if line.startswith("│ asg-")]
    assert [row.split("│")[2].strip() for row in rows] == ["batch-run-command", "cache-add-ip", "cache-remove-ip",
                                                           "web-run-command"]
    assert "ok, inactive" in next(row for row in rows if "cache-remove-ip" in row)
    assert "other-role" not in result.out and "to-queue" not in result.out
    assert lines[-1] == (f"role {ROLE}: 4 hooks in 3 groups depend on it (2 templates); every one has the actions "
                         "it needs")


def test_role_impact_json(cli, box):
    result = _impact(cli, box, "-o", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["RoleName"] == ROLE and data["RoleExists"] is True
    assert data["Policies"] == [{"PolicyName": SHARED_POLICY, "PolicyType": "Custom", "Evaluated": True},
                                {"PolicyName": "AliyunKvstoreFullAccess", "PolicyType": "System", "Evaluated": True}]
    by_hook = {d["LifecycleHookName"]: d for d in data["Dependents"]}
    assert by_hook["cache-add-ip"]["RequiredActions"] == ["ecs:DescribeInstances", "ess:CompleteLifecycleAction",
                                                          "kvstore:ModifySecurityIps"]
    assert by_hook["web-run-command"]["RequiredActions"] == RUN_COMMAND_ACTIONS
    assert by_hook["batch-run-command"]["RoleFrom"] == "NotificationMetadata"
    assert by_hook["web-run-command"]["RoleFrom"] == "OOSAssumeRole default"
    assert {d["ScalingGroupId"] for d in data["Dependents"]} == {WEB, CACHE, BATCH}
    assert data["Summary"]["Templates"] == [WHITELIST, RUN_COMMAND]   # sorted
    assert (data["Summary"]["GroupsScanned"], data["Summary"]["HooksScanned"]) == (4, 5)
    as_yaml = _impact(cli, box, "-o", "yaml")
    assert as_yaml.code == 0 and yaml.safe_load(as_yaml.out) == data


def test_one_analysis_reads_each_thing_once(box):
    cloud = _cloud(box)
    analysis = ImpactAnalysis(cloud)
    analysis.dependents(ROLE)
    analysis.check(ROLE, PolicyChange.new_version(SHARED_POLICY, least_privilege(RUN_COMMAND_ACTIONS)))
    analysis.check(ROLE, PolicyChange.detach("AliyunKvstoreFullAccess", "System"))
    assert Counter(call.action for call in cloud.calls) == {
        "DescribeScalingGroups": 1, "DescribeLifecycleHooks": 4, "GetTemplate": 2, "ListPoliciesForRole": 1,
        "GetPolicy": 1}


def test_issue_11_the_check_names_what_a_new_version_would_take_and_the_sandbox_agrees(cli, box):
    cloud = _cloud(box)
    # the web recipe writes its own least privilege into the policy the cache recipe shares
    narrower = least_privilege(RUN_COMMAND_ACTIONS)
    impact = ImpactAnalysis(cloud).check(ROLE, PolicyChange.new_version(SHARED_POLICY, narrower),
                                         own=[HookRef(WEB, "web-run-command")])
    assert not impact.keeps_everything
    assert impact.refusal().startswith(
        f"role {ROLE}: the new version of {SHARED_POLICY} would take ecs:DescribeInstances from hook cache-add-ip in "
        f"{CACHE} (template {WHITELIST}); ecs:DescribeInstances from hook cache-remove-ip (inactive) in {CACHE} "
        f"(template {WHITELIST})")
    assert impact.summary() == (f"! role {ROLE}: 4 hooks in 3 groups depend on it (1 of them its own); this change "
                                "would take 1 action from 2 hooks in 1 group")
    kept = ImpactAnalysis(cloud).check(ROLE, PolicyChange.new_version(
        SHARED_POLICY, least_privilege([*RUN_COMMAND_ACTIONS, "ecs:DescribeInstances", "ecs:DescribeRegions"])))
    assert kept.summary() == f"= role {ROLE}: 4 hooks in 3 groups depend on it; this change keeps every action they need"

    # made anyway (what happened in issue 11): role impact now reports the loss, and a scale-out of the cache group
    # fails on exactly that action
    cloud.ram.create_policy_version(NewPolicyVersion(name=SHARED_POLICY, document=as_text(narrower)))
    result = _impact(cli, box, "-o", "json")
    assert result.code == 1
    lacking = {d["LifecycleHookName"]: d["MissingActions"] for d in json.loads(result.out)["Dependents"]
               if d["Status"] == "missing"}
    assert lacking == {"cache-add-ip": ["ecs:DescribeInstances"], "cache-remove-ip": ["ecs:DescribeInstances"]}
    s = steps.session(box)
    activity_id = steps.execute(s, steps.create_rule(s, group=CACHE))
    assert steps.wait_for(lambda: steps.finished(s, activity_id)).status_code == "Failed"
    [execution] = steps.executions(s, activity_id)
    assert "Forbidden.RAM" in execution.status_message and "ecs:DescribeInstances" in execution.status_message
