"""OOS executions run templates as OOS does: tasks in order with OnSuccess/OnError, loops as loop child tasks,
nested templates as child executions, each call authorised when it is made. Through the real SDK."""
import json

import pytest

from essctl.sandbox.scenario import parse_scenario
from tests.support.ground_truth import OOS_TEMPLATES as SHARED
from tests.support.ground_truth import needs_shared
from tests.support.sandbox_steps import (
    GROUP,
    REGION,
    RUN_COMMAND,
    RUN_COMMAND_ACTIONS,
    create_hook,
    create_rule,
    execute,
    executions,
    finished,
    grant,
    session,
    wait_for,
)

ROLE = "roles: [{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}]\n"

# A nested action of our own under the public action's name, for runs without ../shared.
NESTED_RUN_COMMAND = """
FormatVersion: OOS-2019-06-01
Parameters:
  regionId: {Type: String, Default: '{{ ACS::RegionId }}'}
  instanceId: {Type: String}
  commandContent: {Type: String}
Tasks:
  - {Name: runCommand, Action: ACS::ExecuteAPI,
     Properties: {Service: ECS, API: RunCommand, Parameters: {InstanceIds: ['{{ instanceId }}']}}}
  - {Name: untilInvocationReady, Action: ACS::WaitFor,
     Properties: {Service: ECS, API: DescribeInvocations, DesiredValues: [Finished]}}
  - {Name: invocationResult, Action: ACS::CheckFor,
     Properties: {Service: ECS, API: DescribeInvocationResults, DesiredValues: [0]}}
Outputs: {invocationOutput: {Type: String, Value: '{{ invocationResult.output }}'}}
"""
LOOPED = """
FormatVersion: OOS-2019-06-01
Parameters:
  instanceIds: {Type: List, Default: ['${instanceIds}']}
  lifecycleHookId: {Type: String, Default: '${lifecycleHookId}'}
  lifecycleActionToken: {Type: String, Default: '${lifecycleActionToken}'}
  concurrency: {Type: Number, Default: 10}
  OOSAssumeRole: {Type: String, Default: OOSServiceRole}
RamRole: '{{ OOSAssumeRole }}'
Tasks:
  - Name: runCommand
    Action: ACS::ECS::RunCommand
    OnSuccess: complete
    OnError: abandon
    Properties: {instanceId: '{{ ACS::TaskLoopItem }}', commandContent: echo hi}
    Loop: {Items: '{{ instanceIds }}', RateControl: {Mode: Concurrency, MaxErrors: 0, Concurrency: '{{ concurrency }}'}}
  - Name: complete
    Action: ACS::ExecuteAPI
    OnSuccess: ACS::END
    Properties: {Service: ESS, API: CompleteLifecycleAction, Parameters: {LifecycleHookId: '{{ lifecycleHookId }}',
                 LifecycleActionToken: '{{ lifecycleActionToken }}', LifecycleActionResult: CONTINUE}}
  - Name: abandon
    Action: ACS::ExecuteAPI
    Properties: {Service: ESS, API: CompleteLifecycleAction, Parameters: {LifecycleHookId: '{{ lifecycleHookId }}',
                 LifecycleActionToken: '{{ lifecycleActionToken }}', LifecycleActionResult: ABANDON}}
"""


def _scenario(extra="", instances=0, shared=False):
    text = f"groups: [{{id: {GROUP}, max: 5, instances: {instances}}}]\n" + ROLE + extra
    if not shared:
        text += "templates:\n  Looped: |" + LOOPED.replace("\n", "\n    ") + "\n"
        text += "  ACS::ECS::RunCommand: |" + NESTED_RUN_COMMAND.replace("\n", "\n    ") + "\n"
    return parse_scenario(text)


def _tasks(s, execution_id, include=None, parent=None):
    from alibabacloud_oos20190601 import models

    return s.oos.list_task_executions(models.ListTaskExecutionsRequest(
        region_id=REGION, execution_id=execution_id, include_child_task_execution=include,
        parent_task_execution_id=parent, max_results=100)).body.task_executions


def _executions(s, **filters):
    from alibabacloud_oos20190601 import models

    return s.oos.list_executions(models.ListExecutionsRequest(region_id=REGION, **filters)).body.executions


def _scale_out(sandbox, template, change=2, actions=RUN_COMMAND_ACTIONS, metadata=None):
    s = session(sandbox)
    grant(s, actions)
    create_hook(s, template=template, metadata=metadata)
    activity_id = execute(s, create_rule(s, change=change))
    done = wait_for(lambda: finished(s, activity_id))
    [execution] = executions(s, activity_id)
    return s, done, execution


def test_a_loop_over_two_instances_runs_two_loop_child_tasks_each_a_child_execution(sandbox_factory):
    s, done, execution = _scale_out(sandbox_factory(_scenario()), "Looped")
    assert (done.status_code, execution.status) == ("Successful", "Success")
    top = _tasks(s, execution.execution_id)
    assert [(t.task_name, t.status) for t in top] == [("runCommand", "Success"), ("complete", "Success")]
    loop = top[0]
    children = _tasks(s, execution.execution_id, parent=loop.task_execution_id)
    instance_ids = execution.parameters["instanceIds"]
    assert len(instance_ids) == 2 and sorted(t.loop_item for t in children) == sorted(instance_ids)
    assert {(t.task_name, t.task_action, t.loop_batch_number) for t in children} == {
        ("runCommand", "ACS::ECS::RunCommand", 1)}
    assert loop.loop["Items"] == instance_ids and loop.loop["Concurrency"] == 10
    child_ids = {t.child_execution_id for t in children}
    children_listed = _executions(s, parent_execution_id=execution.execution_id)
    assert {e.execution_id for e in children_listed} == child_ids and len(child_ids) == 2
    assert all(e.template_name == "ACS::ECS::RunCommand" and e.ram_role == "OOSServiceRole" for e in children_listed)
    assert sorted(e.parameters["instanceId"] for e in children_listed) == sorted(instance_ids)


def test_child_tasks_appear_only_with_include_child_task_execution(sandbox_factory):
    s, _, execution = _scale_out(sandbox_factory(_scenario()), "Looped")
    assert [t.task_name for t in _tasks(s, execution.execution_id, include=False)] == ["runCommand", "complete"]
    everything = _tasks(s, execution.execution_id, include=True)
    names = sorted(t.task_name for t in everything)
    assert names == sorted(["runCommand", "complete"] + ["runCommand"] * 2
                           + ["runCommand", "untilInvocationReady", "invocationResult"] * 2)
    nested = [t for t in everything if t.execution_id != execution.execution_id]
    assert len(nested) == 6 and all(t.status == "Success" for t in nested)
    child_id = nested[0].execution_id
    assert [t.task_name for t in _tasks(s, child_id)] == ["runCommand", "untilInvocationReady", "invocationResult"]


def test_list_executions_shows_children_as_asked(sandbox_factory):
    s, _, root = _scale_out(sandbox_factory(_scenario()), "Looped")
    assert [e.execution_id for e in _executions(s)] == [root.execution_id]
    assert [e.execution_id for e in _executions(s, depth="RootDepth")] == [root.execution_id]
    every = _executions(s, include_child_execution=True)
    children = [e for e in every if e.execution_id != root.execution_id]
    assert len(every) == 3 and all(e.parent_execution_id == root.execution_id for e in children)
    assert {e.execution_id for e in _executions(s, depth="FirstChildDepth")} == {e.execution_id for e in children}
    assert [e.execution_id for e in _executions(s, execution_id=children[0].execution_id)] == [children[0].execution_id]
    assert _executions(s, include_child_execution=True, tags={"ESS:ScalingActivityId": "asa-none"}) == []
    [again] = _executions(s, execution_id=root.execution_id)
    assert again.is_parent is True and children[0].is_parent is False


def test_concurrency_one_runs_the_items_in_batches_and_max_errors_stops_the_loop(sandbox_factory):
    scenario = _scenario("behaviour: {Looped: {fail: {task: invocationResult, code: InvalidCommand.ExitCode, "
                         "message: exit code 1}}}\n")
    s, done, execution = _scale_out(sandbox_factory(scenario), "Looped", metadata={"concurrency": "1"})
    assert done.status_code == "Failed" and execution.status == "Failed"
    assert execution.status_message == "InvalidCommand.ExitCode: exit code 1"
    top = {t.task_name: t for t in _tasks(s, execution.execution_id)}
    assert top["runCommand"].status == "Failed" and top["runCommand"].status_message == execution.status_message
    assert top["abandon"].status == "Success" and "complete" not in top
    [only] = _tasks(s, execution.execution_id, parent=top["runCommand"].task_execution_id)
    assert (only.loop_batch_number, only.status) == (1, "Failed")      # MaxErrors 0: the second item never starts


def test_a_role_without_an_action_fails_the_nested_call_and_the_message_reaches_the_top(sandbox_factory):
    actions = [a for a in RUN_COMMAND_ACTIONS if a != "ecs:DescribeInvocations"]
    s, done, execution = _scale_out(sandbox_factory(_scenario()), "Looped", actions=actions)
    assert done.status_code == "Failed"
    message = "Forbidden.RAM: User not authorized to operate on the specified resource. Action: ecs:DescribeInvocations"
    assert execution.status_message == message
    assert [t.status_message for t in _tasks(s, execution.execution_id) if t.status == "Failed"] == [message]
    failed = [t for t in _tasks(s, execution.execution_id, include=True)
              if t.status == "Failed" and t.execution_id != execution.execution_id]
    assert {t.task_name for t in failed} == {"untilInvocationReady"}
    assert all(t.status_message == message for t in failed)


def test_only_the_path_taken_is_authorised_when_it_runs(sandbox_factory):
    template = {"FormatVersion": "OOS-2019-06-01", "RamRole": "OOSServiceRole",
                "Parameters": {"mode": {"Type": "String", "Default": "fast"}},
                "Tasks": [
                    {"Name": "pick", "Action": "ACS::Choice", "Properties": {"DefaultTask": "slow", "Choices": [
                        {"When": {"Fn::Equals": ["fast", "{{ mode }}"]}, "NextTask": "describe"}]}},
                    {"Name": "slow", "Action": "ACS::ExecuteAPI", "Properties": {"Service": "ECS", "API": "RebootInstance"}},
                    {"Name": "describe", "Action": "ACS::ExecuteAPI", "OnError": "cleanup",
                     "Properties": {"Service": "ECS", "API": "DescribeInstances"}},
                    {"Name": "run", "Action": "ACS::ExecuteAPI", "OnSuccess": "ACS::END",
                     "Properties": {"Service": "ECS", "API": "RunCommand"}},
                    {"Name": "cleanup", "Action": "ACS::ExecuteAPI",
                     "Properties": {"Service": "ECS", "API": "DeleteInstance"}}]}
    scenario = parse_scenario(ROLE + f"templates: {{Paths: {json.dumps(json.dumps(template))}}}\n"
                              "behaviour: {Paths: {duration: 200}}\n")
    sandbox = sandbox_factory(scenario)
    s = session(sandbox)
    grant(s, ["ecs:DescribeInstances"])
    from alibabacloud_oos20190601 import models

    started = s.oos.start_execution(models.StartExecutionRequest(region_id=REGION, template_name="Paths")).body
    execution_id = started.execution.execution_id
    wait_for(lambda: [t for t in _tasks(s, execution_id) if t.task_name == "describe"])
    grant(s, ["ecs:RunCommand"], name="Later")           # granted while describe runs: run is authorised later
    [execution] = wait_for(lambda: [e for e in _executions(s, execution_id=execution_id) if e.status != "Running"])
    assert execution.status == "Success"
    assert [(t.task_name, t.status) for t in _tasks(s, execution_id)] == [
        ("pick", "Success"), ("describe", "Success"), ("run", "Success")]      # never RebootInstance, DeleteInstance


@needs_shared
def test_the_public_run_command_template_loops_into_acs_ecs_run_command(sandbox_factory):
    sandbox = sandbox_factory(_scenario(shared=True), template_dirs=[SHARED])
    s, done, execution = _scale_out(sandbox, RUN_COMMAND)
    assert (done.status_code, execution.status) == ("Successful", "Success")
    top = _tasks(s, execution.execution_id)
    assert [t.task_name for t in top] == ["runCommand", "CompleteLifecycleActionForContinue"]
    children = [t for t in _tasks(s, execution.execution_id, include=True) if t.parent_task_execution_id]
    assert len(children) == 2 and all(t.child_execution_id for t in children)
    nested = _tasks(s, children[0].child_execution_id)
    assert nested and all(t.status == "Success" for t in nested)
    assert {t.task_name for t in nested} >= {"runCommand"}


@needs_shared
@pytest.mark.parametrize("eip", [["ecs:AllocateEipAddress", "ecs:DescribeEipAddresses", "ecs:AssociateEipAddress",
                                  "ecs:ReleaseEipAddress"], []])
def test_the_public_eni_template_needs_vpc_allocate_eip_address(sandbox_factory, eip):
    sandbox = sandbox_factory(_scenario(shared=True), template_dirs=[SHARED])
    actions = ["ecs:DescribeInstances", "ecs:CreateNetworkInterface", "ecs:DescribeNetworkInterfaces",
               "ecs:AttachNetworkInterface", "ecs:DetachNetworkInterface", "ecs:DeleteNetworkInterface",
               *RUN_COMMAND_ACTIONS, *eip]
    s, done, execution = _scale_out(sandbox, "ACS-ESS-LifeCycleCreateNetworkInterfaceAndEipAndAttachToInstance",
                                    change=1, actions=actions)
    forbidden = "Forbidden.RAM: User not authorized to operate on the specified resource. Action: "
    assert done.status_code == "Failed" and execution.status_message == forbidden + "vpc:AllocateEipAddress"
    nested = [t for t in _tasks(s, execution.execution_id, include=True) if t.execution_id != execution.execution_id]
    runs = {t.task_name: t for t in nested}
    assert runs["allocateEipAddress"].status_message == forbidden + "vpc:AllocateEipAddress"
    assert runs["detachNetworkInterface"].status == "Success"               # its OnError path ran
    assert runs["releaseEipAddress"].status_message == forbidden + "vpc:ReleaseEipAddress"
    assert "associateEipAddress" not in runs
