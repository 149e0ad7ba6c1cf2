"""The sandbox's own RAM policy evaluation (essctl/sandbox/ram/policy.py): RAM's documented rules, no essctl code."""
import json

import pytest

from essctl.errors import CloudAPIError, UsageError
from essctl.sandbox.ram.models import system_policy_documents
from essctl.sandbox.ram.policy import decide, denied, least_privilege, trusts
from essctl.sandbox.scenario import parse_scenario
from tests.support.sandbox_steps import session


def _doc(*statements):
    return {"Version": "1", "Statement": list(statements)}


def _allow(*actions):
    return {"Effect": "Allow", "Action": list(actions), "Resource": "*"}


def test_nothing_is_allowed_by_default():
    assert decide("ecs:RunCommand", {}).allowed is False
    assert decide("ecs:RunCommand", {"P": _doc(_allow("ess:*"))}) == decide("ecs:RunCommand", {})


def test_an_explicit_deny_in_any_policy_overrides_every_allow():
    policies = {"Everything": _doc(_allow("*")), "NoEip": _doc({"Effect": "Deny", "Action": "vpc:*Eip*"})}
    verdict = decide("vpc:AllocateEipAddress", policies)
    assert (verdict.allowed, verdict.decided_by) == (False, "NoEip")
    assert decide("vpc:DescribeVpcs", policies).decided_by == "Everything"


def test_not_action_applies_to_every_other_action():
    policies = {"AllButRam": _doc({"Effect": "Allow", "NotAction": ["ram:*"], "Resource": "*"})}
    assert decide("ecs:RunCommand", policies).allowed
    assert not decide("ram:AttachPolicyToRole", policies).allowed
    deny_except = {"All": _doc(_allow("*")), "OnlyReads": _doc({"Effect": "Deny", "NotAction": "ecs:Describe*"})}
    assert decide("ecs:DescribeInstances", deny_except).allowed
    assert not decide("ecs:RunCommand", deny_except).allowed


def test_wildcards_and_case():
    policies = {"P": json.dumps(_doc(_allow("ECS:describe*", "ess:Complete?ifecycleAction")))}   # JSON text too
    assert decide("ecs:DescribeInvocations", policies).allowed
    assert decide("ess:CompleteLifecycleAction", policies).allowed
    assert not decide("ess:CompleteLifecycleActionX", policies).allowed
    assert not decide("ecs:RunCommand", policies).allowed
    assert denied(["ecs:RunCommand", "ecs:DescribeInstances", "ecs:RunCommand"], policies) == ["ecs:RunCommand"]


def test_a_statement_with_an_unknown_effect_decides_nothing():
    assert not decide("ecs:RunCommand", {"P": _doc({"Effect": "allow", "Action": "*"})}).allowed


def test_ecs_actions_do_not_grant_the_vpc_action_of_the_same_name():
    assert not decide("vpc:AllocateEipAddress", {"P": _doc(_allow("ecs:AllocateEipAddress", "ecs:*"))}).allowed
    assert decide("vpc:AllocateEipAddress", {"AliyunEIPFullAccess": system_policy_documents()["AliyunEIPFullAccess"]})


def test_trust_needs_an_allow_of_sts_assume_role_for_the_service():
    oos = {"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                          "Principal": {"Service": ["oos.aliyuncs.com"]}}]}
    assert trusts(oos, "oos.aliyuncs.com") and trusts(json.dumps(oos), "OOS.aliyuncs.com")
    assert not trusts(oos, "ecs.aliyuncs.com")
    other_action = json.loads(json.dumps(oos).replace("sts:AssumeRole", "sts:GetCallerIdentity"))
    assert not trusts(other_action, "oos.aliyuncs.com")
    denied_too = {"Statement": [*oos["Statement"], {"Action": "sts:*", "Effect": "Deny",
                                                    "Principal": {"Service": "oos.aliyuncs.com"}}]}
    assert not trusts(denied_too, "oos.aliyuncs.com")
    assert not trusts("not json", "oos.aliyuncs.com")


def test_least_privilege_is_one_statement_per_ram_code():
    assert least_privilege(["vpc:AllocateEipAddress", "ecs:RunCommand", "ecs:RunCommand"]) == {
        "Version": "1", "Statement": [_allow("ecs:RunCommand"), _allow("vpc:AllocateEipAddress")]}


def test_every_system_policy_names_its_source_and_basis():
    from importlib import resources

    import yaml

    table = yaml.safe_load((resources.files("essctl.sandbox.ram") / "system_policies.yaml").read_text())
    assert set(table) == set(system_policy_documents())
    assert all(entry["source"] and entry["basis"] and entry["actions"] for entry in table.values())


def _attach(s, name, kind="Custom", role="OOSServiceRole"):
    from alibabacloud_ram20150501 import models

    if kind == "Custom":
        s.ram.create_policy(models.CreatePolicyRequest(policy_name=name, policy_document=json.dumps(_doc(_allow("*")))))
    s.ram.attach_policy_to_role(models.AttachPolicyToRoleRequest(policy_name=name, policy_type=kind, role_name=role))


def test_a_role_holds_at_most_five_custom_and_twenty_system_policies(sandbox):
    s = session(sandbox)
    for number in range(5):
        _attach(s, f"Custom{number}")
    with pytest.raises(CloudAPIError) as caught:
        _attach(s, "Custom5")
    assert (caught.value.code, caught.value.status) == ("LimitExceeded.Role.Policy", 409)
    for name in sorted(system_policy_documents())[:12]:        # system policies count apart
        _attach(s, name, "System")
    assert len(sandbox.backends.ram.roles["OOSServiceRole"]["attached"]) == 17


def test_the_limits_are_a_scenario_option(sandbox_factory):
    scenario = parse_scenario("roles: [{name: R, trusted: oos.aliyuncs.com, policies: [AdministratorAccess]}]\n"
                              "limits: {role_system_policies: 1, role_custom_policies: 1}\n")
    s = session(sandbox_factory(scenario))
    _attach(s, "One", role="R")
    with pytest.raises(CloudAPIError, match="LimitExceeded.Role.Policy"):
        _attach(s, "Two", role="R")
    with pytest.raises(CloudAPIError, match="LimitExceeded.Role.Policy"):
        _attach(s, "AliyunECSFullAccess", "System", role="R")
    with pytest.raises(UsageError, match=r"2 system policies, more than a role may hold \(1"):
        parse_scenario("roles: [{name: R, policies: [AdministratorAccess, AliyunECSFullAccess]}]\n"
                       "limits: {role_system_policies: 1}\n")
