"""Examples for recipes: the inputs a dry-run uses when the user gives none (the ones its tape was recorded with),
and a lifecycle template for `recipe init`."""
from __future__ import annotations

import json


def example_arguments(recipe) -> list[str]:
    """-p NAME=EXAMPLE for each required input: what a dry-run uses when the user gives none."""
    args = []
    for item in recipe.inputs:
        if item.required and item.example is not None:
            value = item.example if isinstance(item.example, str) else json.dumps(item.example)
            args += ["-p", f"{item.name}={value}"]
    return args


# A lifecycle template written here (not Alibaba's): one required parameter with allowed values, one required
# Json parameter, a command timeout, and a scale-in name.
DETACH_TEMPLATE = """\
FormatVersion: OOS-2019-06-01
Description: Detach the data disk of each instance before it is released.
Parameters:
  diskCategory: {Type: String, AllowedValues: [cloud_essd, cloud_ssd], Description: The disk category}
  options: {Type: Json}
  timeout: {Type: Number, Default: 900}
  keepSnapshot: {Type: Boolean, Default: true}
  regionId: {Type: String, Default: '${regionId}'}
  instanceIds: {Type: List, Default: ['${instanceIds}']}
  lifecycleHookId: {Type: String, Default: '${lifecycleHookId}'}
  lifecycleActionToken: {Type: String, Default: '${lifecycleActionToken}'}
  OOSAssumeRole: {Type: String}
RamRole: '{{ OOSAssumeRole }}'
Tasks:
- Name: detach
  Action: ACS::ExecuteAPI
  Properties: {Service: ECS, API: DetachDisk, Parameters: {InstanceId: '{{ ACS::TaskLoopItem }}'}}
  Loop: {Items: '{{ instanceIds }}'}
- Name: complete
  Action: ACS::ExecuteAPI
  Properties: {Service: ESS, API: CompleteLifecycleAction, Parameters: {LifecycleHookId: '{{ lifecycleHookId }}',
    LifecycleActionToken: '{{ lifecycleActionToken }}', LifecycleActionResult: CONTINUE}}
"""
