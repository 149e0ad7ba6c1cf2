"""Role impact against the in-memory gateways: which hooks run as a shared role, what each needs, and what a change
to the role's policies would take from them (issue 11: two recipes sharing one policy)."""
import json

import pytest

from essctl.cloud.resources import LifecycleHook, NewPolicy, PolicyAttachment
from essctl.impact import HookRef, ImpactAnalysis, PolicyChange, check_policy_change, role_impact
from essctl.policies.documents import least_privilege
from essctl.template.parameters import ROLE_FROM_METADATA, ROLE_FROM_TEMPLATE_DEFAULT
from tests.support.fake_cloud import ACCOUNT, REGION, FakeCloud

ROLE = "OOSServiceRole"
ECS_WHITELIST = "Test-LifeCycleModifyRedisIPWhitelist"
ECI_WHITELIST = "Test-ECILifeCycleModifyRedisIPWhitelist"
RUN_COMMAND = "Test-LifeCycleRunCommand"
NESTED_RUN_COMMAND = "ACS::ECS::RunCommand"
WHITELIST_POLICY = "ESSHookPolicyForRedisWhitelist"
RUN_COMMAND_POLICY = "ESSHookPolicyForRunCommand"

_PARAMETERS = """\
Parameters:
  regionId: {Type: String, Default: '${regionId}'}
  instanceIds: {Type: List, Default: ['${instanceIds}']}
  lifecycleHookId: {Type: String, Default: '${lifecycleHookId}'}
  lifecycleActionToken: {Type: String, Default: '${lifecycleActionToken}'}
  OOSAssumeRole: {Type: String, Default: OOSServiceRole}
RamRole: '{{ OOSAssumeRole }}'
"""
_COMPLETE = """\
- Name: complete
  Action: ACS::ExecuteApi
  Properties: {Service: ESS, API: CompleteLifecycleAction}
"""


def _template(*tasks: str) -> str:
    return "FormatVersion: OOS-2019-06-01\n" + _PARAMETERS + "Tasks:\n" + "".join(tasks) + _COMPLETE


def _api(service: str, api: str) -> str:
    return f"- Name: call{service}{api}\n  Action: ACS::ExecuteApi\n  Properties: {{Service: {service}, API: {api}}}\n"


TEMPLATES = {
    ECS_WHITELIST: _template(_api("ECS", "DescribeInstances"), _api("R-KVSTORE", "ModifySecurityIps")),
    ECI_WHITELIST: _template(_api("ECI", "DescribeContainerGroups"), _api("R-KVSTORE", "ModifySecurityIps")),
    RUN_COMMAND: _template(f"- Name: runCommand\n  Action: {NESTED_RUN_COMMAND}\n"),
    NESTED_RUN_COMMAND: "FormatVersion: OOS-2019-06-01\nTasks:\n" + _api("ECS", "RunCommand")
    + _api("ECS", "DescribeInvocations") + _api("ECS", "DescribeInvocationResults"),
}
ECS_ACTIONS = ["ecs:DescribeInstances", "ess:CompleteLifecycleAction", "kvstore:ModifySecurityIps"]
ECI_ACTIONS = ["eci:DescribeContainerGroups", "ess:CompleteLifecycleAction", "kvstore:ModifySecurityIps"]
RUN_COMMAND_ACTIONS = ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand",
                       "ess:CompleteLifecycleAction"]


def _arn(template: str) -> str:
    return f"acs:oos:{REGION}:{ACCOUNT}:template/{template}"


def add_hook(cloud: FakeCloud, group: str, name: str, template: str | None, *, status: str = "Active",
             metadata: dict | None = None, arn: str | None = None) -> LifecycleHook:
    hook = LifecycleHook(id=f"ash-{name}", name=name, group_id=group, transition="SCALE_OUT", status=status,
                         notification_arn=arn or _arn(template), notification_metadata=json.dumps(metadata or {}))
    cloud.ess.hooks[hook.id] = hook
    return hook


def grant(cloud: FakeCloud, policy: str, actions: list[str], role: str = ROLE) -> None:
    cloud.ram.policies.pop(policy, None)
    cloud.ram.create_policy(NewPolicy(name=policy, document=json.dumps(least_privilege(actions))))
    cloud.ram.attach_policy_to_role(PolicyAttachment(policy_name=policy, policy_type="Custom", role_name=role))


def attach_system(cloud: FakeCloud, policy: str, role: str = ROLE) -> None:
    cloud.ram.attach_policy_to_role(PolicyAttachment(policy_name=policy, policy_type="System", role_name=role))


@pytest.fixture
def cloud():
    """OOSServiceRole shared by four hooks in three groups (the ECS and ECI whitelist variants sharing one policy,
    a run-command hook, an inactive hook), plus hooks that do not run as it."""
    cloud = FakeCloud()
    for group in ("asg-ecs", "asg-eci", "asg-batch", "asg-other"):
        cloud.add_group(group)
    cloud.oos.templates.update(TEMPLATES)
    cloud.ram.add_role(ROLE)
    cloud.ram.add_role("OtherRole")
    add_hook(cloud, "asg-ecs", "ecs-whitelist", ECS_WHITELIST)
    add_hook(cloud, "asg-eci", "eci-whitelist", ECI_WHITELIST, metadata={"OOSAssumeRole": ROLE})
    add_hook(cloud, "asg-batch", "run-command", RUN_COMMAND)
    add_hook(cloud, "asg-batch", "ecs-whitelist-old", ECS_WHITELIST, status="InActive")
    add_hook(cloud, "asg-other", "other-role", RUN_COMMAND, metadata={"OOSAssumeRole": "OtherRole"})
    add_hook(cloud, "asg-other", "to-mns", None, arn=f"acs:mns:{REGION}:{ACCOUNT}:queue/hooks")
    grant(cloud, WHITELIST_POLICY, sorted({*ECS_ACTIONS, *ECI_ACTIONS}))
    grant(cloud, RUN_COMMAND_POLICY, RUN_COMMAND_ACTIONS)
    cloud.calls.clear()
    return cloud


OWN_ECI = [HookRef("asg-eci", "eci-whitelist")]


def _by_hook(report):
    return {d.hook.name: d for d in report.dependents}


# --- what depends on the role -----------------------------------------------------------------------------------

def test_every_hook_that_runs_as_the_role_in_every_group_depends_on_it(cloud):
    report = role_impact(cloud, ROLE)
    hooks = _by_hook(report)
    assert sorted(hooks) == ["eci-whitelist", "ecs-whitelist", "ecs-whitelist-old", "run-command"]
    assert {d.group.id for d in report.dependents} == {"asg-ecs", "asg-eci", "asg-batch"}
    assert hooks["ecs-whitelist"].needs == tuple(ECS_ACTIONS)
    assert hooks["run-command"].needs == tuple(RUN_COMMAND_ACTIONS)      # the nested action's calls too
    assert all(d.status == "ok" and d.missing == () for d in report.dependents)
    assert report.lacking == []
    assert (report.groups_scanned, report.hooks_scanned) == (4, 5)      # the MNS hook is no OOS hook
    assert report.summary() == f"role {ROLE}: 4 hooks in 3 groups depend on it (3 templates); every one has the " \
                               "actions it needs"


def test_an_inactive_hook_still_depends_and_says_so(cloud):
    old = _by_hook(role_impact(cloud, ROLE))["ecs-whitelist-old"]
    assert not old.active and old.status == "ok"
    assert old.label() == f"hook ecs-whitelist-old (inactive) in asg-batch (template {ECS_WHITELIST})"
    assert old.to_data()["LifecycleHookStatus"] == "InActive"


def test_where_the_role_comes_from(cloud):
    hooks = _by_hook(role_impact(cloud, ROLE))
    assert hooks["eci-whitelist"].role_from == ROLE_FROM_METADATA
    assert hooks["ecs-whitelist"].role_from == ROLE_FROM_TEMPLATE_DEFAULT
    other = role_impact(cloud, "OtherRole")
    assert [d.hook.name for d in other.dependents] == ["other-role"]


def test_an_action_missing_today_is_reported_as_such(cloud):
    grant(cloud, WHITELIST_POLICY, ["ecs:DescribeInstances", "eci:DescribeContainerGroups",
                                    "ess:CompleteLifecycleAction"])          # kvstore:ModifySecurityIps lost
    report = role_impact(cloud, ROLE)
    hooks = _by_hook(report)
    assert hooks["ecs-whitelist"].missing == ("kvstore:ModifySecurityIps",)
    assert hooks["ecs-whitelist"].status == "missing"
    assert hooks["run-command"].missing == ()
    assert sorted(d.hook.name for d in report.lacking) == ["eci-whitelist", "ecs-whitelist", "ecs-whitelist-old"]
    assert report.summary().endswith("; 3 hooks lack actions today")


def test_a_role_that_does_not_exist_lacks_everything(cloud):
    cloud.ram.roles.pop(ROLE)
    report = role_impact(cloud, ROLE)
    assert not report.policies.exists
    assert all(d.missing == d.needs for d in report.dependents)
    assert report.summary().endswith("(the role does not exist)")


def test_a_template_oos_does_not_have_is_unreadable_not_ok(cloud):
    add_hook(cloud, "asg-ecs", "gone", "Test-NoSuchTemplate")
    report = role_impact(cloud, ROLE)
    gone = _by_hook(report)["gone"]
    assert gone.status == "unreadable" and "not found" in gone.template_error
    assert gone in report.lacking
    impact = ImpactAnalysis(cloud).check(ROLE, PolicyChange.detach(RUN_COMMAND_POLICY))
    assert [d.hook.name for d in impact.unreadable] == ["gone"]
    assert "1 template could not be read" in impact.summary()


# --- what a change would take -----------------------------------------------------------------------------------

def test_a_new_version_dropping_an_action_another_hook_needs_names_hook_group_and_action(cloud):
    # issue 11: the ECI recipe writes its own least privilege into the policy the ECS variant shares
    change = PolicyChange.new_version(WHITELIST_POLICY, least_privilege(ECI_ACTIONS))
    impact = check_policy_change(cloud, ROLE, change, own=OWN_ECI)
    assert not impact.keeps_everything
    assert [(loss.dependent.ref, loss.actions) for loss in impact.losses] == [
        (HookRef("asg-batch", "ecs-whitelist-old"), ("ecs:DescribeInstances",)),
        (HookRef("asg-ecs", "ecs-whitelist"), ("ecs:DescribeInstances",))]
    assert impact.own_losses == ()
    assert impact.refusal() == (
        f"role {ROLE}: the new version of {WHITELIST_POLICY} would take ecs:DescribeInstances from hook "
        f"ecs-whitelist-old (inactive) in asg-batch (template {ECS_WHITELIST}); ecs:DescribeInstances from hook "
        f"ecs-whitelist in asg-ecs (template {ECS_WHITELIST}) (keep them in the new version, or give the new "
        "document a policy of its own)")
    assert impact.summary() == (f"! role {ROLE}: 4 hooks in 3 groups depend on it (1 of them its own); this change "
                                "would take 1 action from 2 hooks in 2 groups")
    assert "eci-whitelist" not in impact.refusal()


def test_a_detach_another_hook_needs_is_reported(cloud):
    impact = check_policy_change(cloud, ROLE, PolicyChange.detach(RUN_COMMAND_POLICY), own=OWN_ECI)
    assert [(loss.dependent.hook.name, loss.actions) for loss in impact.losses] == [
        ("run-command", ("ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand"))]
    # ess:CompleteLifecycleAction stays: the whitelist policy allows it too
    assert impact.refusal().startswith(f"role {ROLE}: detaching {RUN_COMMAND_POLICY} would take "
                                       "ecs:DescribeInvocationResults, ecs:DescribeInvocations, ecs:RunCommand from "
                                       "hook run-command in asg-batch")
    assert impact.refusal().endswith("(keep the policy attached, or grant them another way first)")


def test_a_change_that_keeps_everything(cloud):
    wider = least_privilege([*ECS_ACTIONS, *ECI_ACTIONS, "ecs:DescribeNetworkInterfaces"])
    impact = check_policy_change(cloud, ROLE, PolicyChange.new_version(WHITELIST_POLICY, wider), own=OWN_ECI)
    assert impact.keeps_everything and impact.refusal() is None
    assert impact.summary() == (f"= role {ROLE}: 4 hooks in 3 groups depend on it (1 of them its own); this change "
                                "keeps every action they need")


def test_a_change_to_a_policy_the_role_does_not_have_keeps_everything(cloud):
    impact = check_policy_change(cloud, ROLE, PolicyChange.new_version("SomeoneElsesPolicy", least_privilege([])))
    assert impact.keeps_everything


def test_an_action_already_missing_is_not_blamed_on_the_change(cloud):
    grant(cloud, WHITELIST_POLICY, ["ecs:DescribeInstances", "eci:DescribeContainerGroups",
                                    "ess:CompleteLifecycleAction"])          # kvstore:ModifySecurityIps missing
    change = PolicyChange.new_version(WHITELIST_POLICY, least_privilege(["eci:DescribeContainerGroups",
                                                                         "ess:CompleteLifecycleAction"]))
    impact = check_policy_change(cloud, ROLE, change, own=OWN_ECI)
    assert {loss.dependent.hook.name: loss.actions for loss in impact.losses} == {
        "ecs-whitelist": ("ecs:DescribeInstances",), "ecs-whitelist-old": ("ecs:DescribeInstances",)}
    assert {item.dependent.hook.name: item.actions for item in impact.already_missing} == {
        "ecs-whitelist": ("kvstore:ModifySecurityIps",), "ecs-whitelist-old": ("kvstore:ModifySecurityIps",),
        "eci-whitelist": ("kvstore:ModifySecurityIps",)}
    assert "kvstore" not in impact.refusal()
    assert "3 hooks already lack actions (not this change's doing)" in impact.summary()


def test_a_change_that_grants_what_was_missing_says_so(cloud):
    grant(cloud, WHITELIST_POLICY, ["ecs:DescribeInstances", "ess:CompleteLifecycleAction"])
    change = PolicyChange.new_version(WHITELIST_POLICY, least_privilege([*ECS_ACTIONS, *ECI_ACTIONS]))
    impact = check_policy_change(cloud, ROLE, change)
    assert impact.keeps_everything and impact.already_missing == ()
    assert {item.dependent.hook.name: item.actions for item in impact.grants}["eci-whitelist"] == (
        "eci:DescribeContainerGroups", "kvstore:ModifySecurityIps")


def test_system_policies_count(cloud):
    attach_system(cloud, "AliyunECSFullAccess")
    change = PolicyChange.new_version(WHITELIST_POLICY, least_privilege(ECI_ACTIONS))
    assert check_policy_change(cloud, ROLE, change, own=OWN_ECI).keeps_everything   # ecs:* still allows it
    # with the run-command policy gone, only the system policy holds ecs:RunCommand: detaching it takes it
    cloud.ram.attached[ROLE].remove((RUN_COMMAND_POLICY, "Custom"))
    assert _by_hook(role_impact(cloud, ROLE))["run-command"].missing == ()
    impact = check_policy_change(cloud, ROLE, PolicyChange.detach("AliyunECSFullAccess", "System"))
    assert {loss.dependent.hook.name: loss.actions for loss in impact.losses}["run-command"] == (
        "ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand")


def test_a_system_policy_essctl_does_not_know_is_named_as_not_evaluated(cloud):
    attach_system(cloud, "AliyunSomethingNew")
    report = role_impact(cloud, ROLE)
    assert report.policies.unevaluated == ["AliyunSomethingNew"]
    impact = check_policy_change(cloud, ROLE, PolicyChange.detach(RUN_COMMAND_POLICY))
    assert impact.refusal().endswith("policies not evaluated, which may still allow them: AliyunSomethingNew")


def test_own_hooks_are_kept_apart_unless_the_caller_counts_them(cloud):
    narrower = least_privilege(["ecs:DescribeInstances", "ess:CompleteLifecycleAction", "kvstore:ModifySecurityIps"])
    change = PolicyChange.new_version(WHITELIST_POLICY, narrower)   # takes eci:DescribeContainerGroups from asg-eci
    apart = check_policy_change(cloud, ROLE, change, own=[("asg-eci", "eci-whitelist")])
    assert apart.keeps_everything
    assert [(loss.dependent.hook.name, loss.actions, loss.own) for loss in apart.own_losses] == [
        ("eci-whitelist", ("eci:DescribeContainerGroups",), True)]
    assert "its own hooks would lose eci:DescribeContainerGroups (not counted)" in apart.summary()
    counted = check_policy_change(cloud, ROLE, change, own=OWN_ECI, count_own=True)
    assert not counted.keeps_everything and counted.own_losses == ()
    assert "from own hook eci-whitelist in asg-eci" in counted.refusal()
    nobody_own = check_policy_change(cloud, ROLE, change)
    assert [loss.own for loss in nobody_own.losses] == [False]


def test_delete_takes_what_the_policy_gave_and_detach_then_delete_blames_the_detach(cloud):
    alone = check_policy_change(cloud, ROLE, PolicyChange.delete(RUN_COMMAND_POLICY))
    assert [loss.dependent.hook.name for loss in alone.losses] == ["run-command"]
    both = check_policy_change(cloud, ROLE, [PolicyChange.detach(RUN_COMMAND_POLICY),
                                             PolicyChange.delete(RUN_COMMAND_POLICY)])
    assert [loss.change.kind.value for loss in both.losses] == ["detach"]
    assert "these changes would take" in both.summary()


def test_attaching_a_policy_with_a_deny_takes_actions(cloud):
    deny = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "kvstore:*", "Resource": "*"}]}
    cloud.ram.create_policy(NewPolicy(name="NoRedis", document=json.dumps(deny)))
    impact = check_policy_change(cloud, ROLE, PolicyChange.attach("NoRedis"))   # its document read with GetPolicy
    assert {loss.dependent.hook.name for loss in impact.losses} == {"ecs-whitelist", "ecs-whitelist-old",
                                                                    "eci-whitelist"}
    assert impact.refusal().startswith(f"role {ROLE}: attaching NoRedis would take kvstore:ModifySecurityIps")
    assert check_policy_change(cloud, ROLE, PolicyChange.attach("AliyunECSFullAccess", "System")).keeps_everything


def test_the_json_form_uses_the_api_field_names(cloud):
    data = role_impact(cloud, ROLE).to_data()
    assert data["RoleName"] == ROLE and data["RoleExists"] is True
    assert {"PolicyName": WHITELIST_POLICY, "PolicyType": "Custom", "Evaluated": True} in data["Policies"]
    first = data["Dependents"][0]
    assert set(first) >= {"ScalingGroupId", "LifecycleHookName", "LifecycleHookStatus", "TemplateName",
                          "RequiredActions", "MissingActions", "Status", "RoleFrom"}
    impact = check_policy_change(cloud, ROLE, PolicyChange.detach(RUN_COMMAND_POLICY)).to_data()
    assert impact["Losses"][0]["Change"] == "detach" and impact["Refusal"] and not impact["KeepsEveryAction"]
    json.dumps(impact)


def test_a_new_version_reaches_every_role_the_policy_is_attached_to(cloud):
    grant(cloud, WHITELIST_POLICY, sorted({*ECS_ACTIONS, *ECI_ACTIONS}), role="OtherRole")
    analysis = ImpactAnalysis(cloud)
    assert analysis.roles_with(WHITELIST_POLICY) == ["OOSServiceRole", "OtherRole"]
    change = PolicyChange.new_version(WHITELIST_POLICY, least_privilege(RUN_COMMAND_ACTIONS))
    assert [analysis.check(role, change).keeps_everything for role in analysis.roles_with(WHITELIST_POLICY)] == [
        False, True]   # OtherRole's one hook runs the run-command template: it loses nothing


# --- one analysis reads each thing once ---------------------------------------------------------------------------

def test_one_analysis_reads_each_thing_once(cloud):
    analysis = ImpactAnalysis(cloud)
    analysis.dependents(ROLE)
    analysis.check(ROLE, PolicyChange.detach(RUN_COMMAND_POLICY))
    analysis.check(ROLE, PolicyChange.new_version(WHITELIST_POLICY, least_privilege(ECI_ACTIONS)))
    counts: dict[str, int] = {}
    for _, method, _ in cloud.calls:
        counts[method] = counts.get(method, 0) + 1
    assert counts == {"list_scaling_groups": 1, "list_lifecycle_hooks": 4,   # one per group
                      "get_template": 4,                                     # 3 templates + 1 nested action
                      "policies_of_role": 1, "get_custom_policy": 2}
    assert sorted(a["name"] for _, m, a in cloud.calls if m == "get_template") == sorted(TEMPLATES)
    assert cloud.mutations() == []
