"""A small lifecycle template and recipes that use it, written here for unit tests (not Alibaba's text)."""
from __future__ import annotations

from essctl.recipe.load import parse_recipe
from essctl.recipe.model import Recipe
from essctl.recipe.steps import RunSpec

TEMPLATE_NAME = "Test-LifeCycleRunScript"
TEMPLATE = """\
FormatVersion: OOS-2019-06-01
Description: Run a script on new instances, then complete the lifecycle action.
Parameters:
  regionId: {Type: String, Default: '${regionId}'}
  instanceIds: {Type: List, Default: ['${instanceIds}']}
  lifecycleHookId: {Type: String, Default: '${lifecycleHookId}'}
  lifecycleActionToken: {Type: String, Default: '${lifecycleActionToken}'}
  commandContent: {Type: String}
  timeout: {Type: Number, Default: 300}
  OOSAssumeRole: {Type: String, Default: OOSServiceRole}
RamRole: '{{ OOSAssumeRole }}'
Tasks:
- Name: runCommand
  Action: ACS::ExecuteApi
  Properties: {Service: ECS, API: RunCommand, Parameters: {CommandContent: '{{ commandContent }}'}}
- Name: waitForIt
  Action: ACS::WaitFor
  Properties: {Service: ECS, API: DescribeInvocations, PropertySelector: 'Invocations.Invocation[].InvokeStatus',
               DesiredValues: [Finished]}
- Name: complete
  Action: ACS::ExecuteApi
  Properties: {Service: ESS, API: CompleteLifecycleAction,
               Parameters: {LifecycleHookId: '{{ lifecycleHookId }}', LifecycleActionResult: CONTINUE}}
"""
RECIPE = f"""\
name: run-script
template: {TEMPLATE_NAME}
inputs:
  script: {{type: String, required: true, example: echo hello}}
parameters:
  commandContent: ${{script}}
hook:
  name: ESSHookForScript
  transition: SCALE_OUT
  timeout: 900
policy:
  derive: true
  name: ESSHookPolicyForScript
"""
SCALE_IN = "scale_in:\n  hook: {name: ESSHookForScriptIn, timeout: 900}\n"
SYSTEM_POLICY = "policy:\n  system: [AliyunECSFullAccess, AliyunESSFullAccess]\n"


def recipe(text: str = RECIPE) -> Recipe:
    return parse_recipe(text, source="run-script.yaml")


def spec(text: str = RECIPE, *, group_id: str = "asg-fake0001", create_role: bool = False,
         trigger: bool = True) -> RunSpec:
    loaded = recipe(text)
    return RunSpec(recipe=loaded, group_id=group_id, inputs={"script": "echo hello"}, policy=loaded.policy,
                   create_role=create_role, trigger=trigger)
