"""The account the bundled demo tape was recorded from: one scaling group with a RunCommand lifecycle hook,
its recent activities, the OOS executions the hook started, and OOSServiceRole.

Every body is built with the SDK's own response models, so its shape is the SDK's.
"""
from __future__ import annotations

import json

from tests.support.stubcloud import StubCloud, error

ACCOUNT = "1234567890123456"
REGION = "cn-hangzhou"
GROUP = "asg-bp1demo0000000000001"
OTHER_GROUP = "asg-bp1demo0000000000002"
HOOK = "ash-bp1demohook000000001"
TEMPLATE = "ACS-ESS-LifeCycleRunCommand"
ROLE = "OOSServiceRole"

DEMO_COMMANDS = [
    ["group", "list"],
    ["hook", "list", "--group", GROUP],
    ["activity", "list", "--group", GROUP],
    ["execution", "list", "--template", TEMPLATE],
    ["role", "show", ROLE],
    ["hook", "list", "--group", "asg-doesnotexist"],
]


def notification_metadata() -> str:
    return json.dumps({
        "regionId": "${regionId}", "instanceIds": "${instanceIds}",
        "lifecycleHookId": "${lifecycleHookId}", "lifecycleActionToken": "${lifecycleActionToken}",
        "commandType": "RunShellScript",
        "commandContent": "yum install -y httpd && systemctl enable --now httpd",
        "rateControl": json.dumps({"Mode": "Concurrency", "MaxErrors": 0, "Concurrency": 10}),
        "OOSAssumeRole": ROLE,
    }, separators=(",", ":"))


def script(cloud: StubCloud) -> StubCloud:
    from alibabacloud_ess20220222 import models as ess
    from alibabacloud_oos20190601 import models as oos
    from alibabacloud_ram20150501 import models as ram

    groups = ess.DescribeScalingGroupsResponseBody(
        page_number=1, page_size=50, total_count=2,
        scaling_groups=[
            ess.DescribeScalingGroupsResponseBodyScalingGroups(
                scaling_group_id=GROUP, scaling_group_name="web-demo", lifecycle_state="Active",
                region_id=REGION, min_size=1, max_size=6, total_capacity=2, active_capacity=2,
                pending_wait_capacity=0, removing_wait_capacity=0, pending_capacity=0, removing_capacity=0,
                vpc_id="vpc-bp1demovpc0000000001", v_switch_ids=["vsw-bp1demovsw000000001"],
                creation_time="2026-11-20T02:11Z", multi_azpolicy="PRIORITY", group_type="ECS",
                default_cooldown=300, health_check_type="ECS", scaling_policy="recycle",
                active_scaling_configuration_id="asc-bp1democonf00000001",
            ),
            ess.DescribeScalingGroupsResponseBodyScalingGroups(
                scaling_group_id=OTHER_GROUP, scaling_group_name="batch-demo", lifecycle_state="Inactive",
                region_id=REGION, min_size=0, max_size=10, total_capacity=0, active_capacity=0,
                pending_wait_capacity=0, removing_wait_capacity=0, pending_capacity=0, removing_capacity=0,
                vpc_id="vpc-bp1demovpc0000000001", v_switch_ids=["vsw-bp1demovsw000000002"],
                creation_time="2026-11-21T08:40Z", multi_azpolicy="BALANCE", group_type="ECS",
                default_cooldown=300, health_check_type="ECS", scaling_policy="release",
            ),
        ],
    )
    hooks = ess.DescribeLifecycleHooksResponseBody(
        page_number=1, page_size=50, total_count=1,
        lifecycle_hooks=[ess.DescribeLifecycleHooksResponseBodyLifecycleHooks(
            lifecycle_hook_id=HOOK, lifecycle_hook_name="ESSHookForRunCommand", scaling_group_id=GROUP,
            lifecycle_transition="SCALE_OUT", lifecycle_hook_status="Active", heartbeat_timeout=900,
            default_result="CONTINUE", notification_arn=f"acs:oos:{REGION}:{ACCOUNT}:template/{TEMPLATE}",
            notification_metadata=notification_metadata(),
        )],
    )
    activity = ess.DescribeScalingActivitiesResponseBodyScalingActivities
    activities = ess.DescribeScalingActivitiesResponseBody(
        page_number=1, page_size=50, total_count=3,
        scaling_activities=[
            activity(scaling_activity_id="asa-bp1demoact000000003", scaling_group_id=GROUP, status_code="Successful",
                     progress=100, start_time="2026-11-24T09:30Z", end_time="2026-11-24T09:33Z",
                     cause='A user executes a scaling rule "ari:demo/scale-out-1", changing the Total Capacity from "1" to "2".',
                     description='Add "1" ECS instance', status_message='"1" ECS instances are added',
                     total_capacity="2", created_capacity=1, created_instances=["i-bp1demoinst000000002"],
                     scaling_instance_number=1, trigger_source_type="User", trigger_source_id=ACCOUNT),
            activity(scaling_activity_id="asa-bp1demoact000000002", scaling_group_id=GROUP, status_code="Failed",
                     progress=100, start_time="2026-11-24T09:10Z", end_time="2026-11-24T09:25Z",
                     cause='A user executes a scaling rule "ari:demo/scale-out-1", changing the Total Capacity from "1" to "2".',
                     description='Add "1" ECS instance',
                     status_message='Fail to add Instances into scaling group, the lifecycle hook "ESSHookForRunCommand" '
                                    'rejected the instance (ABANDON).',
                     error_code="LifecycleHookRejected", total_capacity="1", scaling_instance_number=1,
                     trigger_source_type="User", trigger_source_id=ACCOUNT),
            activity(scaling_activity_id="asa-bp1demoact000000001", scaling_group_id=GROUP, status_code="Successful",
                     progress=100, start_time="2026-11-20T02:12Z", end_time="2026-11-20T02:13Z",
                     cause='The Total Capacity of the scaling group is less than the Minimum Capacity, '
                           'changing the Total Capacity from "0" to "1".',
                     description='Add "1" ECS instance', status_message='"1" ECS instances are added',
                     total_capacity="1", created_capacity=1, created_instances=["i-bp1demoinst000000001"],
                     scaling_instance_number=1, trigger_source_type="System"),
        ],
    )
    execution = oos.ListExecutionsResponseBodyExecutions
    executions = oos.ListExecutionsResponseBody(
        max_results=50, total_count=2,
        executions=[
            execution(execution_id="exec-demo000000000000b", template_name=TEMPLATE, template_version="v12",
                      template_id="t-demo0000000001", status="Success", mode="Automatic", ram_role=ROLE,
                      start_date="2026-11-24T09:31:02Z", end_date="2026-11-24T09:32:40Z",
                      create_date="2026-11-24T09:31:01Z", update_date="2026-11-24T09:32:40Z",
                      executed_by="ESS", account_id=ACCOUNT, category="Other", is_parent=False,
                      status_message="", outputs=json.dumps({"commandOutputs": ["httpd active (running)"]}),
                      parameters={"regionId": REGION, "instanceIds": ["i-bp1demoinst000000002"]},
                      tags={"ESS:ScalingActivityId": "asa-bp1demoact000000003"}, counters={"total": 3, "success": 3}),
            execution(execution_id="exec-demo000000000000a", template_name=TEMPLATE, template_version="v12",
                      template_id="t-demo0000000001", status="Failed", mode="Automatic", ram_role=ROLE,
                      start_date="2026-11-24T09:11:05Z", end_date="2026-11-24T09:11:09Z",
                      create_date="2026-11-24T09:11:04Z", update_date="2026-11-24T09:11:09Z",
                      executed_by="ESS", account_id=ACCOUNT, category="Other", is_parent=False,
                      status_message="Forbidden.RAM: User not authorized to operate on the specified resource, "
                                     "or this API doesn't support RAM. (ecs:RunCommand)",
                      outputs="{}", parameters={"regionId": REGION, "instanceIds": ["i-bp1demoinst000000003"]},
                      tags={"ESS:ScalingActivityId": "asa-bp1demoact000000002"}, counters={"total": 3, "failed": 1}),
        ],
    )
    trust = json.dumps({"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                       "Principal": {"Service": ["oos.aliyuncs.com"]}}], "Version": "1"})
    role = ram.GetRoleResponseBody(role=ram.GetRoleResponseBodyRole(
        role_id="3000000000000001", role_name=ROLE, arn=f"acs:ram::{ACCOUNT}:role/oosservicerole",
        assume_role_policy_document=trust, description="Role assumed by OOS to run lifecycle templates",
        max_session_duration=3600, create_date="2026-11-20T02:00:00Z", update_date="2026-11-20T02:00:00Z",
        is_service_linked_role=False, allow_console_login=False,
    ))
    policy = ram.ListPoliciesForRoleResponseBodyPoliciesPolicy
    policies = ram.ListPoliciesForRoleResponseBody(policies=ram.ListPoliciesForRoleResponseBodyPolicies(policy=[
        policy(policy_name="ESSHookPolicyForRunCommand", policy_type="Custom", default_version="v1",
               attach_date="2026-11-20T02:01:00Z", description="ecs:RunCommand and friends for the RunCommand hook"),
        policy(policy_name="AliyunOOSLifecycleHook4ESSRolePolicy", policy_type="System", default_version="v3",
               attach_date="2026-11-20T02:01:00Z", description="OOS lifecycle hook access to ESS"),
    ]))

    cloud.on("DescribeScalingGroups", groups.to_map())
    # The stub answers by action only: the one unknown group is the last question asked of it.
    cloud.on("DescribeLifecycleHooks", hooks.to_map(),
             error(404, "InvalidScalingGroupId.NotFound", "The specified scaling group does not exist."))
    cloud.on("DescribeScalingActivities", activities.to_map())
    cloud.on("ListExecutions", executions.to_map())
    cloud.on("GetRole", role.to_map())
    cloud.on("ListPoliciesForRole", policies.to_map())
    return cloud
