"""The sandbox's wire behaviour: signatures, validation and error codes, faults and retries, ClientToken
idempotence, state files. Every call is a real SDK call through essctl's CloudSession."""
import json

import pytest

from essctl.errors import CloudAPIError, UsageError
from essctl.sandbox import AccessKey, Sandbox
from essctl.sandbox.scenario import parse_scenario
from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_STS_TOKEN
from tests.support.sandbox_steps import (
    GROUP,
    REGION,
    RUN_COMMAND,
    create_hook,
    create_rule,
    execute,
    executions,
    finished,
    grant,
    session,
    wait_for,
)


def _error(call):
    with pytest.raises(CloudAPIError) as caught:
        call()
    return caught.value


def test_a_wrong_secret_gets_signature_does_not_match(sandbox_factory):
    sandbox = sandbox_factory(accept_test_key=False)
    sandbox.access_keys[FAKE_KEY_ID] = AccessKey(FAKE_KEY_ID, "another-secret", FAKE_STS_TOKEN)
    error = _error(lambda: create_rule(session(sandbox)))
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403) and error.request_id   # ESS client errors


def test_an_unknown_key_or_a_wrong_sts_token_is_refused(sandbox_factory):
    sandbox = sandbox_factory(accept_test_key=False)
    error = _error(lambda: create_rule(session(sandbox)))
    assert (error.code, error.status) == ("InvalidAccessKeyId.NotFound", 400)
    sandbox.access_keys[FAKE_KEY_ID] = AccessKey(FAKE_KEY_ID, "x", "another-token")
    assert _error(lambda: create_rule(session(sandbox))).code == "InvalidSecurityToken.MismatchWithAccessKey"


def test_a_missing_required_parameter(sandbox):
    from alibabacloud_ess20220222 import models

    s = session(sandbox)
    error = _error(lambda: s.ess.create_lifecycle_hook(models.CreateLifecycleHookRequest(scaling_group_id=GROUP)))
    assert (error.code, error.status) == ("MissingParameter", 400) and '"LifecycleTransition"' in error.message


def test_hook_validation_quota_and_duplicates(sandbox):
    s = session(sandbox)
    assert _error(lambda: create_hook(s, timeout=29)).code == "InvalidParamter"    # (sic) CreateLifecycleHook.md
    assert _error(lambda: create_hook(s, default="MAYBE")).code == "InvalidParamter"
    assert _error(lambda: create_hook(s, group="asg-nosuchgroup")).status == 404
    assert _error(lambda: create_hook(s, metadata={"x": "y" * 4096})).code == "InvalidParamter"
    from alibabacloud_ess20220222 import models

    bad_arn = lambda arn: s.ess.create_lifecycle_hook(models.CreateLifecycleHookRequest(  # noqa: E731
        scaling_group_id=GROUP, lifecycle_transition="SCALE_OUT", notification_arn=arn))
    assert _error(lambda: bad_arn("acs:oos:cn-hangzhou:999:template/X")).code == "InvalidNotificationArn"
    assert _error(lambda: bad_arn("arn:aws:sns:topic")).code == "InvalidNotificationArn"
    bad_arn(f"acs:ess:{REGION}:1234567890123456:oos/{RUN_COMMAND}")          # the legacy form is accepted
    bad_arn(f"acs:mns:{REGION}:1234567890123456:queue/hooks")
    for n in range(4):
        create_hook(s, name=f"hook-{n}")
    error = _error(lambda: create_hook(s, name="hook-7"))
    assert error.code == "QuotaExceeded.LifecycleHook"
    s.ess.delete_lifecycle_hook(models.DeleteLifecycleHookRequest(scaling_group_id=GROUP, lifecycle_hook_name="hook-3"))
    assert _error(lambda: create_hook(s, name="hook-0")).code == "InvalidLifecycleHookName.Duplicate"
    error = _error(lambda: s.ess.delete_lifecycle_hook(models.DeleteLifecycleHookRequest(lifecycle_hook_id="ash-x")))
    assert (error.code, error.status) == ("InvalidLifecycleHookId.NotExist", 400)   # DeleteLifecycleHook.md
    error = _error(lambda: s.ess.delete_lifecycle_hook(models.DeleteLifecycleHookRequest(
        scaling_group_id=GROUP, lifecycle_hook_name="hook-3")))
    assert (error.code, error.status) == ("InvalidLifecycleHookName.NotExist", 400)


def test_rule_errors(sandbox_factory):
    scenario = parse_scenario(f"groups: [{{id: {GROUP}, max: 2, instances: 1}}, "
                              "{id: asg-inactive01, max: 2, status: Inactive}]\n")
    s = session(sandbox_factory(scenario))
    ari = create_rule(s, name="grow")
    assert ari.startswith(f"ari:acs:ess:{REGION}:1234567890123456:scalingrule/asr-")
    assert _error(lambda: create_rule(s, name="grow")).code == "InvalidScalingRuleName.Duplicate"
    error = _error(lambda: execute(s, ari.replace("asr-", "asr-missing")))
    assert (error.code, error.status) == ("InvalidScalingRuleAri.NotFound", 404)
    assert _error(lambda: execute(s, create_rule(s, group="asg-inactive01"))).code == "IncorrectScalingGroupStatus"
    create_hook(s, template=None)            # holds the activity in Pending:Wait for 600 s
    first = execute(s, ari)
    assert _error(lambda: execute(s, ari)).code == "ScalingActivityInProgress"
    from alibabacloud_ess20220222 import models

    [action] = wait_for(lambda: s.ess.describe_lifecycle_actions(models.DescribeLifecycleActionsRequest(
        region_id=REGION, scaling_activity_id=first)).body.lifecycle_actions)
    s.ess.complete_lifecycle_action(models.CompleteLifecycleActionRequest(
        lifecycle_hook_id=action.lifecycle_hook_id, lifecycle_action_token=action.lifecycle_action_token))
    assert wait_for(lambda: finished(s, first)).status_code == "Successful"
    error = _error(lambda: execute(s, ari))          # max 2 reached
    assert error.code == "IncorrectCapacity.NoChange" and "MaxSize 2" in error.message


def test_throttling_with_retry_after_is_retried_by_the_client(sandbox_factory):
    scenario = parse_scenario(f"""
groups: [{{id: {GROUP}, max: 5}}]
faults:
  rules:
    - {{action: DescribeScalingGroups, calls: [1, 2], error: {{code: Throttling.User, status: 400, retry_after_ms: 30}}}}
""")
    sandbox = sandbox_factory(scenario)
    from essctl.cloud.gateway import Cloud

    assert [g.id for g in Cloud(session(sandbox)).ess.list_scaling_groups()] == [GROUP]
    assert sandbox.faults.calls("DescribeScalingGroups") == 3


def test_a_lost_response_is_retried_and_not_applied_twice(sandbox_factory):
    scenario = parse_scenario(f"""
groups: [{{id: {GROUP}, max: 5}}]
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com], policies: [AdministratorAccess]}}]
faults:
  rules:
    - {{action: ExecuteScalingRule, call: 1, after_apply: true, error: {{code: ServiceUnavailable, status: 503, retry_after_ms: 20}}}}
    - {{action: StartExecution, call: 1, after_apply: true, error: {{code: ServiceUnavailable, status: 503, retry_after_ms: 20}}}}
""")
    # speed 20: the SDK's back-off before the retry (~0.3 s) stays well inside the 30 s run-command execution
    sandbox = sandbox_factory(scenario, speed=20)
    s = session(sandbox)
    activity_id = execute(s, create_rule(s), client_token="essctl-run-0001")
    assert sandbox.faults.calls("ExecuteScalingRule") == 2
    assert list(sandbox.backends.ess.activities) == [activity_id]

    from alibabacloud_oos20190601 import models

    started = s.oos.start_execution(models.StartExecutionRequest(
        region_id=REGION, template_name=RUN_COMMAND, client_token="essctl-exec-0001",
        parameters=json.dumps({"regionId": REGION, "instanceIds": ["i-1"], "lifecycleHookId": "ash-1",
                               "lifecycleActionToken": "t"}), tags={"purpose": "test"})).body.execution
    assert sandbox.faults.calls("StartExecution") == 2
    assert [e.execution_id for e in executions(s, template=RUN_COMMAND)] == [started.execution_id]
    assert started.status == "Running" and started.tags == {"purpose": "test"}


def test_ram_policies_versions_and_attachments(sandbox):
    from alibabacloud_ram20150501 import models

    s = session(sandbox)
    role = s.ram.get_role(models.GetRoleRequest(role_name="OOSServiceRole")).body.role
    assert role.arn == "acs:ram::1234567890123456:role/oosservicerole"
    assert _error(lambda: s.ram.get_role(models.GetRoleRequest(role_name="Nobody"))).code == "EntityNotExist.Role"
    assert _error(lambda: s.ram.create_role(models.CreateRoleRequest(
        role_name="OOSServiceRole", assume_role_policy_document="{}"))).code == "EntityAlreadyExists.Role"
    grant(s, ["ecs:RunCommand"], name="P")
    assert _error(lambda: grant(s, ["ecs:RunCommand"], name="P")).code == "EntityAlreadyExists.Policy"
    attach = lambda: s.ram.attach_policy_to_role(models.AttachPolicyToRoleRequest(  # noqa: E731
        policy_name="P", policy_type="Custom", role_name="OOSServiceRole"))
    assert _error(attach).code == "EntityAlreadyExists.Role.Policy"
    s.ram.attach_policy_to_role(models.AttachPolicyToRoleRequest(policy_name="AliyunECSReadOnlyAccess",
                                                                 policy_type="System", role_name="OOSServiceRole"))
    listed = s.ram.list_policies_for_role(models.ListPoliciesForRoleRequest(role_name="OOSServiceRole")).body
    assert [(p.policy_name, p.policy_type) for p in listed.policies.policy] == [
        ("P", "Custom"), ("AliyunECSReadOnlyAccess", "System")]
    new = lambda **kw: s.ram.create_policy_version(models.CreatePolicyVersionRequest(  # noqa: E731
        policy_name="P", policy_document=json.dumps({"Version": "1", "Statement": []}), **kw)).body.policy_version
    assert new(set_as_default=True).version_id == "v2"
    for _ in range(3):
        new()
    assert _error(new).code == "LimitExceeded.Policy.Version"
    assert new(rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded").version_id == "v6"
    versions = s.ram.list_policy_versions(models.ListPolicyVersionsRequest(policy_name="P", policy_type="Custom"))
    assert [v.version_id for v in versions.body.policy_versions.policy_version] == ["v2", "v3", "v4", "v5", "v6"]
    error = _error(lambda: s.ram.delete_policy_version(models.DeletePolicyVersionRequest(policy_name="P",
                                                                                         version_id="v2")))
    assert (error.code, error.status) == ("DeleteConflict.Policy.Version.Default", 409)   # RAM _ErrorMessages.md
    got = s.ram.get_policy(models.GetPolicyRequest(policy_name="P", policy_type="Custom")).body
    assert got.policy.default_version == "v2" and got.policy.attachment_count == 1
    assert s.ram.get_policy_version(models.GetPolicyVersionRequest(
        policy_name="P", policy_type="Custom", version_id="v6")).body.policy_version.is_default_version is False
    assert _error(lambda: s.ram.delete_policy(models.DeletePolicyRequest(policy_name="P"))).code \
        == "DeleteConflict.Role.Policy"     # attached to OOSServiceRole
    s.ram.detach_policy_from_role(models.DetachPolicyFromRoleRequest(policy_name="P", policy_type="Custom",
                                                                     role_name="OOSServiceRole"))
    for version in ("v3", "v4", "v5", "v6"):
        s.ram.delete_policy_version(models.DeletePolicyVersionRequest(policy_name="P", version_id=version))
    s.ram.delete_policy(models.DeletePolicyRequest(policy_name="P"))
    assert _error(lambda: s.ram.get_policy(models.GetPolicyRequest(policy_name="P", policy_type="Custom"))).code \
        == "EntityNotExist.Policy"


def test_oos_templates_and_generate_execution_policy(sandbox):
    from alibabacloud_oos20190601 import models

    s = session(sandbox)
    got = s.oos.get_template(models.GetTemplateRequest(region_id=REGION, template_name=RUN_COMMAND)).body
    assert got.template.template_format == "YAML" and got.template.template_version == "v1"
    assert "OOSAssumeRole" in got.content
    error = _error(lambda: s.oos.get_template(models.GetTemplateRequest(region_id=REGION, template_name="Nope")))
    assert (error.code, error.status) == ("EntityNotExists.Template", 404)
    grant(s, ["ecs:RunCommand", "ess:*"])
    body = s.oos.generate_execution_policy(models.GenerateExecutionPolicyRequest(
        region_id=REGION, template_name=RUN_COMMAND, ram_role="OOSServiceRole")).body
    needed = {a for st in json.loads(body.policy)["Statement"] for a in st["Action"]}
    missing = {a for st in json.loads(body.missing_policy)["Statement"] for a in st["Action"]}
    assert needed == {"ecs:RunCommand", "ecs:DescribeInvocations", "ecs:DescribeInvocationResults",
                      "ess:CompleteLifecycleAction"}
    assert missing == {"ecs:DescribeInvocations", "ecs:DescribeInvocationResults"}


def test_the_cli_works_against_the_sandbox(sandbox, cli):
    result = cli("--endpoint", sandbox.endpoint, "--region", REGION, "-o", "json", "group", "list")
    assert result.code == 0, result.err
    assert json.loads(result.out)[0]["ScalingGroupId"] == GROUP


def test_state_file_resumes_the_world_and_the_clock(tmp_path, sandbox_factory):
    state = tmp_path / "world.json"
    first = sandbox_factory(state_file=state)
    hook_id = create_hook(session(first), template=None)
    first.stop()
    saved_clock = json.loads(state.read_text())["clock"]
    again = sandbox_factory(state_file=state)
    assert again.clock.now() >= saved_clock
    from alibabacloud_ess20220222 import models

    hooks = session(again).ess.describe_lifecycle_hooks(models.DescribeLifecycleHooksRequest(
        region_id=REGION, scaling_group_id=GROUP)).body.lifecycle_hooks
    assert [h.lifecycle_hook_id for h in hooks] == [hook_id]
    assert state.stat().st_mode & 0o077 == 0


def test_bad_scenarios_are_one_line_usage_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("region: cn-hangzhou\ngroups:\n  - id: asg-sandbox01\n    max: two\n")
    with pytest.raises(UsageError, match=r"bad.yaml:4:10: groups\[0\].max: expected int, got 'two'"):
        Sandbox(bad)
    bad.write_text("roles:\n  - name: R\n    policies: [NoSuchPolicy]\n")
    with pytest.raises(UsageError, match=r"bad.yaml:3:16: roles\[0\].policies\[0\]: 'NoSuchPolicy' is neither"):
        Sandbox(bad)
    bad.write_text("groups: [\n")
    with pytest.raises(UsageError, match=r"bad.yaml:2:1: yaml: expected the node content"):
        Sandbox(bad)


def test_modify_and_describe_hooks_and_rules(sandbox):
    from alibabacloud_ess20220222 import models

    s = session(sandbox)
    hook_id = create_hook(s, name="first", template=None)
    s.ess.modify_lifecycle_hook(models.ModifyLifecycleHookRequest(
        lifecycle_hook_id=hook_id, heartbeat_timeout=900, default_result="ABANDON", lifecycle_hook_status="InActive",
        notification_arn=f"acs:oos:{REGION}:1234567890123456:template/{RUN_COMMAND}"))
    [hook] = s.ess.describe_lifecycle_hooks(models.DescribeLifecycleHooksRequest(
        region_id=REGION, lifecycle_hook_ids=[hook_id])).body.lifecycle_hooks
    assert (hook.heartbeat_timeout, hook.default_result, hook.lifecycle_hook_status) == (900, "ABANDON", "InActive")
    assert hook.notification_arn.endswith(f"template/{RUN_COMMAND}") and hook.lifecycle_hook_name == "first"
    ari = create_rule(s, name="grow")
    rules = s.ess.describe_scaling_rules(models.DescribeScalingRulesRequest(
        region_id=REGION, scaling_group_id=GROUP)).body.scaling_rules
    assert [(r.scaling_rule_name, r.scaling_rule_ari, r.adjustment_value) for r in rules] == [("grow", ari, 1)]
    activity_id = execute(s, ari)            # the hook is InActive: no wait, no execution
    assert wait_for(lambda: finished(s, activity_id)).status_code == "Successful"
    assert executions(s, activity_id) == []
    s.ess.delete_scaling_rule(models.DeleteScalingRuleRequest(region_id=REGION, scaling_rule_id=rules[0].scaling_rule_id))
    error = _error(lambda: execute(s, ari))
    assert error.code == "InvalidScalingRuleAri.NotFound"


def test_the_round_trip_check_catches_a_wrong_shape():
    from tests.support.sdk_roundtrip import round_trip_problem

    assert round_trip_problem("ess", "DescribeScalingGroups", {"ScalingGroups": {"ScalingGroup": []}, "RequestId": "r"})
    assert round_trip_problem("ram", "GetRole", {"Role": {"RoleName": "r", "Unknown": 1}, "RequestId": "r"})


def test_a_scenario_gives_groups_their_hooks_at_the_start(sandbox_factory):
    from alibabacloud_ess20220222 import models

    scenario = parse_scenario(f"""
groups:
  - id: {GROUP}
    max: 3
    instances: 1
    hooks:
      - {{name: add-ip, template: ACS-ESS-LifeCycleModifyRedisIPWhitelist, timeout: 900,
         metadata: {{dbInstanceId: r-1, modifyMode: Append, OOSAssumeRole: HookRole}}}}
      - {{name: remove-ip, transition: SCALE_IN, template: ACS-ESS-LifeCycleModifyRedisIPWhitelist,
         default: ABANDON, status: InActive}}
      - {{name: to-queue, arn: 'acs:mns:{REGION}:1234567890123456:queue/hooks'}}
""")
    s = session(sandbox_factory(scenario))
    hooks = {h.lifecycle_hook_name: h for h in s.ess.describe_lifecycle_hooks(models.DescribeLifecycleHooksRequest(
        region_id=REGION, scaling_group_id=GROUP)).body.lifecycle_hooks}
    assert sorted(hooks) == ["add-ip", "remove-ip", "to-queue"]
    add = hooks["add-ip"]
    assert add.notification_arn == f"acs:oos:{REGION}:1234567890123456:template/ACS-ESS-LifeCycleModifyRedisIPWhitelist"
    assert json.loads(add.notification_metadata) == {"dbInstanceId": "r-1", "modifyMode": "Append",
                                                     "OOSAssumeRole": "HookRole"}
    assert (add.lifecycle_transition, add.heartbeat_timeout, add.default_result, add.lifecycle_hook_status) == (
        "SCALE_OUT", 900, "CONTINUE", "Active")
    remove = hooks["remove-ip"]
    assert (remove.lifecycle_transition, remove.default_result, remove.lifecycle_hook_status) == (
        "SCALE_IN", "ABANDON", "InActive")
    assert hooks["to-queue"].notification_arn.endswith(":queue/hooks")


def test_bad_scenario_hooks_are_one_line_usage_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    group = f"groups:\n  - id: {GROUP}\n    max: 2\n    hooks:\n"
    bad.write_text(group + "      - {name: h, template: T, transition: SCALE_SIDEWAYS}\n")
    with pytest.raises(UsageError, match=r"bad.yaml:5:\d+: groups\[0\].hooks\[0\].transition: expected SCALE_OUT"):
        Sandbox(bad)
    bad.write_text(group + "      - {name: h}\n")
    with pytest.raises(UsageError, match=r"groups\[0\].hooks\[0\]: give either template .* or arn"):
        Sandbox(bad)
    bad.write_text(group + "      - {name: h, template: T}\n      - {name: h, template: U}\n")
    with pytest.raises(UsageError, match=r"groups\[0\].hooks\[1\].name: duplicate hook name h"):
        Sandbox(bad)
    bad.write_text(group + "      - {name: hk, arn: 'acs:oos:cn-hangzhou:999:template/X'}\n")
    with pytest.raises(UsageError, match=rf"scenario: group {GROUP}, hook hk: InvalidNotificationArn"):
        Sandbox(bad)
