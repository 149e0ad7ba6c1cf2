"""Recipe steps against a sandbox, each one real SDK call through essctl's CloudSession."""
import json
import time

from essctl.cloud.session import CloudSession
from essctl.cloud.settings import CloudSettings

REGION = "cn-hangzhou"
ACCOUNT = "1234567890123456"
GROUP = "asg-sandbox000000000001"
RUN_COMMAND = "ACS-ESS-LifeCycleRunCommand"
RUN_COMMAND_ACTIONS = ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand",
                       "ess:CompleteLifecycleAction"]


def session(sandbox):
    return CloudSession(CloudSettings(region=REGION, endpoint=sandbox.endpoint))


def grant(s, actions, name="ESSHookPolicy", role="OOSServiceRole"):
    from alibabacloud_ram20150501 import models

    document = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": sorted(actions), "Resource": "*"}]}
    s.ram.create_policy(models.CreatePolicyRequest(policy_name=name, policy_document=json.dumps(document)))
    s.ram.attach_policy_to_role(models.AttachPolicyToRoleRequest(policy_name=name, policy_type="Custom",
                                                                 role_name=role))


def create_hook(s, group=GROUP, template=RUN_COMMAND, transition="SCALE_OUT", timeout=600, default="CONTINUE",
                metadata=None, name=None):
    from alibabacloud_ess20220222 import models

    arn = f"acs:oos:{REGION}:{ACCOUNT}:template/{template}" if template else None
    return s.ess.create_lifecycle_hook(models.CreateLifecycleHookRequest(
        scaling_group_id=group, lifecycle_transition=transition, heartbeat_timeout=timeout, default_result=default,
        notification_arn=arn, notification_metadata=json.dumps(metadata) if metadata is not None else None,
        lifecycle_hook_name=name)).body.lifecycle_hook_id


def create_rule(s, group=GROUP, change=1, name=None):
    from alibabacloud_ess20220222 import models

    return s.ess.create_scaling_rule(models.CreateScalingRuleRequest(
        scaling_group_id=group, adjustment_type="QuantityChangeInCapacity", adjustment_value=change,
        scaling_rule_name=name)).body.scaling_rule_ari


def execute(s, ari, client_token=None):
    from alibabacloud_ess20220222 import models

    return s.ess.execute_scaling_rule(models.ExecuteScalingRuleRequest(
        region_id=REGION, scaling_rule_ari=ari, client_token=client_token)).body.scaling_activity_id


def activity(s, activity_id):
    from alibabacloud_ess20220222 import models

    return s.ess.describe_scaling_activities(models.DescribeScalingActivitiesRequest(
        region_id=REGION, scaling_activity_ids=[activity_id])).body.scaling_activities[0]


def activities(s, group=GROUP):
    from alibabacloud_ess20220222 import models

    return s.ess.describe_scaling_activities(models.DescribeScalingActivitiesRequest(
        region_id=REGION, scaling_group_id=group)).body.scaling_activities


def instances(s, group=GROUP, activity_id=None):
    from alibabacloud_ess20220222 import models

    return s.ess.describe_scaling_instances(models.DescribeScalingInstancesRequest(
        region_id=REGION, scaling_group_id=group, scaling_activity_id=activity_id, page_size=100)
    ).body.scaling_instances


def lifecycle_actions(s, activity_id):
    from alibabacloud_ess20220222 import models

    return s.ess.describe_lifecycle_actions(models.DescribeLifecycleActionsRequest(
        region_id=REGION, scaling_activity_id=activity_id, max_results=50)).body.lifecycle_actions


def executions(s, activity_id=None, template=None):
    from alibabacloud_oos20190601 import models

    tags = {"ESS:ScalingActivityId": activity_id} if activity_id else None
    return s.oos.list_executions(models.ListExecutionsRequest(region_id=REGION, tags=tags,
                                                              template_name=template)).body.executions


def task_runs(s, execution_id):
    from alibabacloud_oos20190601 import models

    return s.oos.list_task_executions(models.ListTaskExecutionsRequest(
        region_id=REGION, execution_id=execution_id)).body.task_executions


def wait_for(probe, timeout=5.0, interval=0.005):
    """Poll `probe` until it returns something true; returns it (fails the test after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {getattr(probe, '__name__', probe)}")
        time.sleep(interval)


def finished(s, activity_id):
    found = activity(s, activity_id)
    return found if found.status_code != "InProgress" else None
