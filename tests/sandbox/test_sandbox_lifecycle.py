"""Whole scaling life cycles in the sandbox, driven by the real SDK clients through essctl's CloudSession."""
import json

import pytest

from essctl.sandbox.scenario import parse_scenario
from tests.support.ground_truth import OOS_TEMPLATES as SHARED
from tests.support.ground_truth import needs_shared
from tests.support.sandbox_steps import (
    GROUP,
    RUN_COMMAND,
    RUN_COMMAND_ACTIONS,
    create_hook,
    create_rule,
    execute,
    executions,
    finished,
    grant,
    instances,
    lifecycle_actions,
    session,
    task_runs,
    wait_for,
)


def _scale_out_with_run_command(sandbox):
    s = session(sandbox)
    grant(s, RUN_COMMAND_ACTIONS)
    hook_id = create_hook(s, metadata={"commandContent": "echo ready > /tmp/ready"})
    activity_id = execute(s, create_rule(s))
    waiting = wait_for(lambda: [i for i in instances(s, activity_id=activity_id) if i.lifecycle_state == "Pending:Wait"])
    new_id = waiting[0].instance_id
    done = wait_for(lambda: finished(s, activity_id))
    return s, hook_id, activity_id, new_id, done


def test_scale_out_runs_the_template_and_the_instance_goes_in_service(sandbox):
    s, hook_id, activity_id, new_id, done = _scale_out_with_run_command(sandbox)
    assert done.status_code == "Successful" and done.progress == 100
    assert done.created_instances == [new_id] and done.created_capacity == 1 and done.total_capacity == "2"
    [execution] = executions(s, activity_id)
    assert execution.template_name == RUN_COMMAND and execution.status == "Success"
    assert execution.tags == {"ESS:ScalingActivityId": activity_id} and execution.ram_role == "OOSServiceRole"
    parameters = execution.parameters
    assert parameters["instanceIds"] == [new_id] and parameters["lifecycleHookId"] == hook_id
    assert parameters["commandContent"] == "echo ready > /tmp/ready" and parameters["regionId"] == "cn-hangzhou"
    assert json.loads(execution.outputs) == {"commandOutputs": [""]}     # one per instance; its echo went to a file
    [action] = lifecycle_actions(s, activity_id)
    assert (action.lifecycle_action_status, action.lifecycle_action_result) == ("Completed", "CONTINUE")
    assert action.lifecycle_action_token == parameters["lifecycleActionToken"]
    assert {i.instance_id: i.lifecycle_state for i in instances(s)}[new_id] == "InService"


def test_default_outputs_are_the_instances_ips_and_command_outputs(sandbox):
    s = session(sandbox)
    grant(s, RUN_COMMAND_ACTIONS + ["ecs:DescribeInstances", "kvstore:ModifySecurityIps"])
    create_hook(s, name="run", metadata={"commandContent": "echo ready\necho 'second line'\ntouch /tmp/x"})
    create_hook(s, name="whitelist", template="ACS-ESS-LifeCycleModifyRedisIPWhitelist",
                metadata={"dbInstanceId": "r-bp1sandbox", "modifyMode": "Append"})
    activity_id = execute(s, create_rule(s, change=2))
    new_ips = {i.instance_id: i.private_ip_address for i in wait_for(lambda: instances(s, activity_id=activity_id))}
    wait_for(lambda: finished(s, activity_id))
    outputs = {e.template_name: json.loads(e.outputs) for e in executions(s, activity_id)}
    assert outputs[RUN_COMMAND] == {"commandOutputs": ["ready\nsecond line\n", "ready\nsecond line\n"]}
    whitelisted = outputs["ACS-ESS-LifeCycleModifyRedisIPWhitelist"]["ipAddresses"]
    assert sorted(whitelisted) == sorted(new_ips.values()) and len(set(whitelisted)) == 2
    first_ip = {i.instance_id: i.private_ip_address for i in instances(s)}
    assert len(set(first_ip.values())) == 3 and all(ip.startswith("192.168.") for ip in first_ip.values())


def test_new_instances_never_reuse_a_released_instances_ip(sandbox_factory):
    scenario = parse_scenario(f"groups: [{{id: {GROUP}, max: 5, instances: 2}}]\n")
    s = session(sandbox_factory(scenario))
    before = {i.private_ip_address for i in instances(s)}
    shrink = execute(s, create_rule(s, change=-1, name="in"))
    wait_for(lambda: finished(s, shrink))
    left = {i.private_ip_address for i in instances(s)}
    grow = execute(s, create_rule(s, change=1, name="out"))
    wait_for(lambda: finished(s, grow))
    now = {i.private_ip_address for i in instances(s)}
    [released] = before - left
    [new] = now - left
    assert new != released and len(now) == 2


def test_scenario_outputs_win_over_the_defaults(sandbox_factory):
    scenario = parse_scenario(f"""
groups: [{{id: {GROUP}, max: 5, instances: 1}}]
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com], policies: [AdministratorAccess]}}]
behaviour:
  {RUN_COMMAND}: {{outputs: {{commandOutputs: [configured]}}}}
""")
    s = session(sandbox_factory(scenario))
    create_hook(s)
    activity_id = execute(s, create_rule(s))
    wait_for(lambda: finished(s, activity_id))
    assert json.loads(executions(s, activity_id)[0].outputs) == {"commandOutputs": ["configured"]}


@needs_shared
def test_scale_out_with_the_public_run_command_template(sandbox_factory):
    sandbox = sandbox_factory(template_dirs=[SHARED])
    assert sandbox.backends.oos.store.content(RUN_COMMAND)[1].endswith(f"{RUN_COMMAND}.yml")
    s, _, activity_id, _, done = _scale_out_with_run_command(sandbox)
    assert done.status_code == "Successful"
    [execution] = executions(s, activity_id)
    assert execution.status == "Success"
    assert [t.task_name for t in task_runs(s, execution.execution_id)] == ["runCommand",
                                                                           "CompleteLifecycleActionForContinue"]


def test_a_role_without_run_command_fails_with_forbidden_ram_and_the_instance_is_released(sandbox):
    s = session(sandbox)
    grant(s, [a for a in RUN_COMMAND_ACTIONS if a != "ecs:RunCommand"])
    create_hook(s)
    activity_id = execute(s, create_rule(s))
    new_id = wait_for(lambda: instances(s, activity_id=activity_id))[0].instance_id
    done = wait_for(lambda: finished(s, activity_id))
    assert done.status_code == "Failed" and done.created_capacity == 0 and done.total_capacity == "1"
    assert "ABANDON" in done.status_message
    [execution] = executions(s, activity_id)
    assert execution.status == "Failed" and "Forbidden.RAM" in execution.status_message
    runs = {t.task_name: t for t in task_runs(s, execution.execution_id)}
    assert runs["runCommand"].status == "Failed"
    assert runs["runCommand"].status_message.startswith("Forbidden.RAM") and "ecs:RunCommand" in \
        runs["runCommand"].status_message
    assert runs["CompleteLifecycleActionForAbandon"].status == "Success"
    [action] = lifecycle_actions(s, activity_id)
    assert action.lifecycle_action_result == "ABANDON"
    remaining = [i.instance_id for i in instances(s)]
    assert new_id not in remaining and len(remaining) == 1      # released; the group's first instance stays


def test_a_hook_timeout_shorter_than_the_task_applies_the_default_result(sandbox_factory):
    scenario = parse_scenario(f"""
groups: [{{id: {GROUP}, min: 0, max: 5, instances: 1}}]
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com], policies: [AliyunECSFullAccess, AliyunESSFullAccess]}}]
behaviour:
  {RUN_COMMAND}: {{duration: 120}}
""")
    sandbox = sandbox_factory(scenario)
    s = session(sandbox)
    create_hook(s, timeout=30, default="ABANDON")
    activity_id = execute(s, create_rule(s))
    done = wait_for(lambda: finished(s, activity_id))
    assert done.status_code == "Failed"
    [action] = lifecycle_actions(s, activity_id)
    assert (action.lifecycle_action_status, action.lifecycle_action_result) == ("Timeout", "ABANDON")
    execution = wait_for(lambda: [e for e in executions(s, activity_id) if e.status != "Running"])[0]
    assert execution.status == "Failed"
    assert execution.status_message.startswith("LifecycleHookIdAndLifecycleActionToken.Invalid")
    runs = {t.task_name: t for t in task_runs(s, execution.execution_id)}
    assert runs["CompleteLifecycleActionForContinue"].status == "Failed"


def test_a_scenario_task_failure_uses_the_templates_failure_result(sandbox_factory):
    scenario = parse_scenario(f"""
groups: [{{id: {GROUP}, max: 5, instances: 1}}]
roles: [{{name: OOSServiceRole, trusted: oos.aliyuncs.com, policies: [AdministratorAccess]}}]
behaviour:
  {RUN_COMMAND}: {{fail: {{task: runCommand, code: InvalidCommand.ExitCode, message: exit code 1}}}}
""")
    s = session(sandbox_factory(scenario))
    create_hook(s, metadata={"lifecycleActionResult": "CONTINUE"})
    activity_id = execute(s, create_rule(s))
    done = wait_for(lambda: finished(s, activity_id))
    assert done.status_code == "Successful"          # the failure path completed with CONTINUE, as asked
    [execution] = executions(s, activity_id)
    assert execution.status == "Failed" and execution.status_message == "InvalidCommand.ExitCode: exit code 1"


def test_a_missing_or_untrusting_role_fails_the_execution_at_start(sandbox_factory):
    scenario = parse_scenario(f"""
groups: [{{id: {GROUP}, max: 5}}]
roles: [{{name: OtherRole, trusted: [ecs.aliyuncs.com], policies: [AdministratorAccess]}}]
""")
    s = session(sandbox_factory(scenario))
    create_hook(s, metadata={"OOSAssumeRole": "OtherRole"}, name="wrong-trust")
    create_hook(s, name="no-role", template="ACS-ESS-LifeCycleModifyRedisIPWhitelist",
                metadata={"dbInstanceId": "r-1", "modifyMode": "Append"})
    activity_id = execute(s, create_rule(s))
    found = wait_for(lambda: len(executions(s, activity_id)) == 2 and executions(s, activity_id))
    messages = sorted(e.status_message for e in found)
    assert [e.status for e in found] == ["Failed", "Failed"]
    assert messages[0].startswith("AssumeRoleNotExist: The RAM role OOSServiceRole does not exist")
    assert messages[1].startswith("Forbidden.RAM: The RAM role OtherRole does not trust oos.aliyuncs.com")


def test_scale_in_waits_in_removing_wait_and_releases_the_newest(sandbox_factory):
    scenario = parse_scenario(f"""
groups: [{{id: {GROUP}, max: 5, instances: 2}}]
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com], policies: [AdministratorAccess]}}]
""")
    sandbox = sandbox_factory(scenario)
    s = session(sandbox)
    grow = execute(s, create_rule(s, change=1, name="out"))
    wait_for(lambda: finished(s, grow))
    newest = max(instances(s), key=lambda i: (i.creation_time, i.instance_id)).instance_id
    create_hook(s, transition="SCALE_IN", template="ACS-ESS-LifeCycleModifyRedisIPWhitelist",
                metadata={"dbInstanceId": "r-bp1sandbox", "modifyMode": "Delete"})
    shrink = execute(s, create_rule(s, change=-1, name="in"))
    waiting = wait_for(lambda: [i for i in instances(s) if i.lifecycle_state == "Removing:Wait"])
    assert [i.instance_id for i in waiting] == [newest]
    done = wait_for(lambda: finished(s, shrink))
    assert done.status_code == "Successful" and done.destroyed_instances == [newest] and done.total_capacity == "2"
    assert newest not in [i.instance_id for i in instances(s)]
    [execution] = executions(s, shrink)
    assert execution.parameters["modifyMode"] == "Delete" and execution.status == "Success"


def test_manually_attached_instances_fire_no_hook(sandbox):
    from alibabacloud_ess20220222 import models

    s = session(sandbox)
    grant(s, RUN_COMMAND_ACTIONS)
    create_hook(s)
    activity_id = s.ess.attach_instances(models.AttachInstancesRequest(
        region_id="cn-hangzhou", scaling_group_id=GROUP, instance_ids=["i-bp1manual0000001"])).body.scaling_activity_id
    done = wait_for(lambda: finished(s, activity_id))
    assert done.status_code == "Successful" and done.attached_capacity == "1"
    assert lifecycle_actions(s, activity_id) == [] and executions(s, activity_id) == []
    attached = [i for i in instances(s) if i.instance_id == "i-bp1manual0000001"]
    assert attached[0].creation_type == "Attached" and attached[0].lifecycle_state == "InService"


def test_heartbeats_extend_the_wait_up_to_the_limits(sandbox_factory):
    from alibabacloud_ess20220222 import models

    scenario = parse_scenario(f"groups: [{{id: {GROUP}, max: 5}}]\n")
    s = session(sandbox_factory(scenario, speed=50))
    hook_id = create_hook(s, template=None, timeout=3600)
    activity_id = execute(s, create_rule(s))
    [action] = wait_for(lambda: lifecycle_actions(s, activity_id))
    token = action.lifecycle_action_token

    def beat(timeout):
        s.ess.record_lifecycle_action_heartbeat(models.RecordLifecycleActionHeartbeatRequest(
            region_id="cn-hangzhou", lifecycle_hook_id=hook_id, lifecycle_action_token=token,
            heartbeat_timeout=timeout))

    from essctl.errors import CloudAPIError

    with pytest.raises(CloudAPIError, match="LifecycleAction.TimeExceeded"):
        beat(21600)
    for _ in range(20):
        beat(60)
    with pytest.raises(CloudAPIError, match="LifecycleAction.RecordTimesExceeded"):
        beat(60)
    s.ess.complete_lifecycle_action(models.CompleteLifecycleActionRequest(
        region_id="cn-hangzhou", lifecycle_hook_id=hook_id, lifecycle_action_token=token,
        lifecycle_action_result="CONTINUE", client_token="done-1"))
    s.ess.complete_lifecycle_action(models.CompleteLifecycleActionRequest(   # same ClientToken: the same answer
        region_id="cn-hangzhou", lifecycle_hook_id=hook_id, lifecycle_action_token=token, client_token="done-1"))
    with pytest.raises(CloudAPIError) as caught:
        s.ess.complete_lifecycle_action(models.CompleteLifecycleActionRequest(
            region_id="cn-hangzhou", lifecycle_hook_id=hook_id, lifecycle_action_token=token))
    assert (caught.value.code, caught.value.status) == ("LifecycleHookIdAndLifecycleActionToken.Invalid", 400)
    assert wait_for(lambda: finished(s, activity_id)).status_code == "Successful"
