"""Pointed at an account others use, essctl changes only what it made, scales out only when asked, and keeps the
fixes made since its last run (issue 11), against the sandbox through the real SDK."""
import json

import pytest

from essctl.recipe.catalog import find_recipe
from essctl.sandbox.scenario import parse_scenario
from tests.support import sandbox_steps as steps
from tests.support.recipe_examples import example_arguments

GROUP = steps.GROUP
FAST = ("--poll-interval", "0.02")


def _cloud(box):
    return ("--endpoint", box.endpoint, "--region", steps.REGION)


def _run(cli, box, name, *extra, group=GROUP):
    result = cli("recipe", "run", name, "--group", group, "--yes", "-o", "json", *FAST, *_cloud(box),
                 *example_arguments(find_recipe(name)), *extra)
    return result, (json.loads(result.out) if result.out.strip() else None)


def _rules(box, group=GROUP):
    return sorted(rule["ScalingRuleName"] for rule in box.backends.ess.rules.values() if rule["ScalingGroupId"] == group)


def _hooks(box, group=GROUP):
    return sorted(hook["LifecycleHookName"] for hook in box.backends.ess.hooks.values()
                  if hook["ScalingGroupId"] == group)


def _instances(box, group=GROUP):
    return [i for i in box.backends.ess.instances.values() if i["ScalingGroupId"] == group]


def test_a_rule_and_hook_made_by_hand_are_kept_by_teardown(cli, sandbox):
    s = steps.session(sandbox)
    steps.create_rule(s, name="Add1")
    steps.create_hook(s, name="ESSHookForRunCommand", metadata={"commandContent": "echo by hand"})
    result, _ = _run(cli, sandbox, "run-command", "--no-trigger")
    assert result.code == 0, result.err
    assert _rules(sandbox) == ["Add1", "run-command-add1"]
    teardown = cli("recipe", "teardown", "run-command", "--group", GROUP, "--yes", "-o", "json", *_cloud(sandbox))
    assert teardown.code == 0, teardown.err
    changes = {change["Target"].split(" ")[0]: change for change in json.loads(teardown.out)["Changes"]}
    assert changes["ESSHookForRunCommand"]["Reason"] == "kept: not made by this recipe"
    assert _rules(sandbox) == ["Add1"] and _hooks(sandbox) == ["ESSHookForRunCommand"]


def test_two_recipes_in_one_group_each_keep_their_own_trigger(cli, sandbox):
    for name in ("run-command", "redis-whitelist"):
        result, report = _run(cli, sandbox, name, "--no-trigger")
        assert result.code == 0, result.err
    assert _rules(sandbox) == ["redis-whitelist-add1", "run-command-add1"]
    teardown = cli("recipe", "teardown", "run-command", "--group", GROUP, "--yes", "-o", "json", *_cloud(sandbox))
    assert teardown.code == 0, teardown.err
    assert _rules(sandbox) == ["redis-whitelist-add1"]
    assert _hooks(sandbox) == ["ESSHookForAddRedisWhitelist", "ESSHookForRemoveRedisWhitelist"]


def test_a_rerun_with_nothing_else_to_change_still_asks_before_it_scales_out(cli, sandbox):
    result, _ = _run(cli, sandbox, "run-command")
    assert result.code == 0, result.err
    before = len(_instances(sandbox))
    again = cli("recipe", "run", "run-command", "--group", GROUP, *FAST, *_cloud(sandbox),
                *example_arguments(find_recipe("run-command")))
    assert again.code == 2 and again.out == ""
    assert again.err == ("essctl: error: refusing to change the cloud without --yes: not on a terminal (nothing "
                         "was changed)\n")
    plan = cli("recipe", "plan", "run-command", "--group", GROUP, "-o", "table", "--detailed-exitcode",
               *_cloud(sandbox), *example_arguments(find_recipe("run-command")))
    assert plan.code == 2, plan.err
    assert "  + trigger run-command-add1: scale out by 1 (group at 2 of max 5)" in plan.out
    assert "1 to change, 5 already in place." in plan.out
    assert len(_instances(sandbox)) == before


def test_declining_the_prompt_exits_1_and_changes_nothing(cli, sandbox, monkeypatch):
    import sys

    import typer

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("essctl.env.Environment.stdout_isatty", property(lambda self: True))
    monkeypatch.setattr(typer, "confirm", lambda *args, **kwargs: False)
    result = cli("recipe", "run", "run-command", "--group", GROUP, "-o", "json", *FAST, *_cloud(sandbox),
                 *example_arguments(find_recipe("run-command")))
    assert result.code == 1, result.err
    assert json.loads(result.out)["Outcome"] == "cancelled"
    assert _hooks(sandbox) == [] and _rules(sandbox) == []


def test_a_timeout_raised_by_a_diagnosis_survives_the_next_run_with_the_override(cli, sandbox):
    result, _ = _run(cli, sandbox, "run-command", "--no-trigger")
    assert result.code == 0, result.err
    (hook_id,) = [h["LifecycleHookId"] for h in sandbox.backends.ess.hooks.values()]
    fixed = cli("hook", "update", hook_id, "--timeout", "1500", "--yes", "-o", "json", *_cloud(sandbox))
    assert fixed.code == 0, fixed.err
    assert (f"note: recipe run-command made this hook: its next `essctl recipe run run-command --group {GROUP}` "
            "sets it back unless given --hook-timeout 1500") in fixed.err
    plan = cli("recipe", "plan", "run-command", "--group", GROUP, "-o", "table", "--no-trigger", *_cloud(sandbox),
               *example_arguments(find_recipe("run-command")))
    assert "        HeartbeatTimeout: 1500 -> 900" in plan.out
    assert "HeartbeatTimeout 1500 -> 900 lowers what the hook waits now" in plan.out
    kept, report = _run(cli, sandbox, "run-command", "--no-trigger", "--hook-timeout", "1500")
    assert kept.code == 0, kept.err
    assert {step["Outcome"] for step in report["Applied"]} == {"unchanged"}
    assert sandbox.backends.ess.hooks[hook_id]["HeartbeatTimeout"] == 1500


def test_an_adjustment_of_minus_one_rehearses_the_scale_in_half(cli, sandbox):
    result, report = _run(cli, sandbox, "redis-whitelist", "--adjustment", "-1")
    assert result.code == 0, result.err
    assert report["Outcome"] == "succeeded"
    assert report["Watch"]["Executions"][0]["TemplateName"] == "ACS-ESS-LifeCycleModifyRedisIPWhitelist"
    assert _rules(sandbox) == ["redis-whitelist-remove1"]
    bad = cli("recipe", "plan", "run-command", "--group", GROUP, "--adjustment", "-1", *_cloud(sandbox),
              *example_arguments(find_recipe("run-command")))
    assert bad.code == 2
    assert bad.err == ("essctl: error: --adjustment: -1 starts a scale-in activity, which no hook of recipe "
                       "run-command handles\n")


# --- one role, two groups ----------------------------------------------------------------------------------------

OTHER_GROUP = "asg-sandbox000000000002"
TWO_GROUPS = f"""
region: {steps.REGION}
account_id: "{steps.ACCOUNT}"
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}]
groups:
  - {{id: {GROUP}, max: 5, instances: 1}}
  - {{id: {OTHER_GROUP}, max: 5, instances: 1}}
"""
# Another recipe that writes the run-command recipe's policy with fewer actions (as `recipe init` once named the ECS
# and ECI variants of a template alike).
NARROW_RECIPE = """\
name: run-command-narrow
template: ACS-ESS-LifeCycleRunCommand
inputs: {commandContent: {type: String, required: true, example: echo hi}}
parameters: {commandType: RunShellScript, commandContent: "${commandContent}", OOSAssumeRole: OOSServiceRole}
hook: {name: ESSHookForRunCommandNarrow, transition: SCALE_OUT, timeout: 900}
policy:
  name: ESSHookPolicyForRunCommand
  statements:
    - {Effect: Allow, Action: [ecs:RunCommand, ess:CompleteLifecycleAction], Resource: "*"}
"""


@pytest.fixture
def two_groups(sandbox_factory):
    return sandbox_factory(parse_scenario(TWO_GROUPS))


def _versions(box, policy="ESSHookPolicyForRunCommand"):
    return [v["VersionId"] for v in box.backends.ram.policies[policy]["versions"]]


def test_a_policy_change_that_breaks_another_groups_hook_is_refused_and_nothing_is_sent(cli, two_groups, tmp_path):
    result, _ = _run(cli, two_groups, "run-command", "--no-trigger")
    assert result.code == 0, result.err
    narrow = tmp_path / "narrow.yaml"
    narrow.write_text(NARROW_RECIPE)
    refused = cli("recipe", "run", narrow, "--group", OTHER_GROUP, "--yes", "-o", "json", "-p", "commandContent=x",
                  *_cloud(two_groups))
    assert refused.code == 1 and refused.out == ""
    assert ("the new version of ESSHookPolicyForRunCommand would take ecs:DescribeInvocationResults, "
            f"ecs:DescribeInvocations from hook ESSHookForRunCommand in {GROUP}") in refused.err
    assert "nothing was changed (--force makes the version anyway)" in refused.err
    assert _versions(two_groups) == ["v1"] and _hooks(two_groups, OTHER_GROUP) == []
    forced = cli("recipe", "plan", narrow, "--group", OTHER_GROUP, "--force", "-o", "table", "-p", "commandContent=x",
                 *_cloud(two_groups))
    assert forced.code == 0, forced.err
    assert "        ! --force: role OOSServiceRole: the new version of ESSHookPolicyForRunCommand would take" in forced.out


def test_teardown_keeps_the_policy_a_second_group_still_needs(cli, two_groups):
    for group in (GROUP, OTHER_GROUP):
        result, _ = _run(cli, two_groups, "run-command", "--no-trigger", group=group)
        assert result.code == 0, result.err
    teardown = cli("recipe", "teardown", "run-command", "--group", GROUP, "--policy", "--yes", "-o", "json",
                   *_cloud(two_groups))
    assert teardown.code == 0, teardown.err
    report = json.loads(teardown.out)
    kept = {change["Kind"]: change["Reason"] for change in report["Changes"] if change["Action"] == "none"}
    assert kept["attachment"].startswith("kept: role OOSServiceRole: detaching ESSHookPolicyForRunCommand would take")
    assert f"from hook ESSHookForRunCommand in {OTHER_GROUP}" in kept["policy"]
    assert _hooks(two_groups, GROUP) == [] and _rules(two_groups, GROUP) == []
    assert "ESSHookPolicyForRunCommand" in two_groups.backends.ram.policies
    again, report = _run(cli, two_groups, "run-command", group=OTHER_GROUP)
    assert again.code == 0 and report["Outcome"] == "succeeded", again.err


def test_the_tutorial_variant_is_torn_down_as_it_was_run(cli, sandbox):
    result, report = _run(cli, sandbox, "attach-nic-eip", "--policy-variant", "tutorial", "--no-trigger")
    assert result.code == 0, result.err
    role = sandbox.backends.ram.roles["OOSServiceRole"]
    system = {"AliyunECSFullAccess", "AliyunEIPFullAccess", "AliyunESSFullAccess"}
    assert system <= {a["PolicyName"] for a in role["attached"]}
    teardown = cli("recipe", "teardown", "attach-nic-eip", "--group", GROUP, "--policy", "--policy-variant",
                   "tutorial", "--yes", "-o", "json", *_cloud(sandbox))
    assert teardown.code == 0, teardown.err
    done = {(step["Kind"], step["Target"].split(" ")[0]): step["Outcome"] for step in json.loads(teardown.out)["Done"]}
    assert all(done[("attachment", name)] == "detached" for name in system)
    assert not system & {a["PolicyName"] for a in role["attached"]}
    assert _hooks(sandbox) == []
