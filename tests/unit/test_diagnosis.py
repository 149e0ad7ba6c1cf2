"""Diagnosis over API-shaped data: each check passing and failing, and whole scenarios (a role missing
ecs:RunCommand, a hook that times out, a rejected activity, a throttled call, a clean success)."""
import copy
import json

import pytest

from essctl.cloud.resources import (
    Execution,
    LifecycleAction,
    LifecycleHook,
    Role,
    ScalingActivity,
    ScalingGroup,
    ScalingInstance,
    TaskExecution,
    parse_time,
)
from essctl.diagnose.checks import (
    CHECKS,
    Problem,
    check_group_capacity,
    check_hook_active_and_well_formed,
    check_hook_timeout_covers_execution,
    check_no_other_activity_in_progress,
    check_role_allows_template_actions,
    check_role_exists_and_trusts_oos,
    suggested_hook_timeout,
)
from essctl.diagnose.evidence import Evidence
from essctl.diagnose.findings import diagnose, error_codes_in, fill_command
from essctl.errors import CloudAPIError
from tests.support.ground_truth import OOS_TEMPLATES as SHARED
from tests.support.ground_truth import needs_shared

REGION, ACCOUNT = "cn-hangzhou", "1234567890123456"
GROUP_ID, HOOK_ID = "asg-bp1diag0000000000001", "ash-bp1diag0000000000001"
ACTIVITY_ID, EXECUTION_ID = "asa-bp1diag0000000000001", "exec-5f0c4a1b2d3e4f5a6b7c"
TEMPLATE = "ACS-ESS-LifeCycleRunCommand"
TRUST_OOS = json.dumps({"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                       "Principal": {"Service": ["oos.aliyuncs.com"]}}], "Version": "1"})
# What ACS-ESS-LifeCycleRunCommand needs (api-facts §1.3; derived from the real template in the test below).
RUN_COMMAND_ACTIONS = {"ecs:RunCommand", "ecs:DescribeInvocations", "ecs:DescribeInvocationResults",
                       "ess:CompleteLifecycleAction"}
TUTORIAL_POLICY = {"Version": "1", "Statement": [   # ESSHookPolicyForRunCommand as the tutorial writes it
    {"Action": ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand"], "Resource": "*",
     "Effect": "Allow"},
    {"Action": ["ess:CompleteLifecycleAction"], "Resource": "*", "Effect": "Allow"}]}
POLICY_WITHOUT_RUN_COMMAND = {"Version": "1", "Statement": [
    {"Action": ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations"], "Resource": "*", "Effect": "Allow"},
    {"Action": ["ess:CompleteLifecycleAction"], "Resource": "*", "Effect": "Allow"}]}
FORBIDDEN_RAM = ("Forbidden.RAM message: User not authorized to operate on the specified resource, or this API "
                 "doesn't support RAM. RequestId: 6C1B2E6A-3F0D-5E5B-9C1A-2B0F3C4D5E6F")
TOKEN_INVALID = ("LifecycleHookIdAndLifecycleActionToken.Invalid message: The specified lifecycleActionToken and "
                 "lifecycleActionId you provided does not match any in process lifecycle action.")


def group(**changes):
    return {"ScalingGroupId": GROUP_ID, "ScalingGroupName": "web-asg", "LifecycleState": "Active", "MinSize": 0,
            "MaxSize": 3, "TotalCapacity": 1, "ActiveCapacity": 1, "RegionId": REGION, "DefaultCooldown": 300,
            **changes}


def hook(**changes):
    return {"LifecycleHookId": HOOK_ID, "LifecycleHookName": "ESSHookForRunCommand", "ScalingGroupId": GROUP_ID,
            "LifecycleTransition": "SCALE_OUT", "DefaultResult": "CONTINUE", "HeartbeatTimeout": 900,
            "LifecycleHookStatus": "Active",
            "NotificationArn": f"acs:oos:{REGION}:{ACCOUNT}:template/{TEMPLATE}",
            "NotificationMetadata": json.dumps({"commandType": "RunShellScript",
                                                "commandContent": "yum install -y httpd && systemctl start httpd"}),
            **changes}


def activity(**changes):
    return {"ScalingActivityId": ACTIVITY_ID, "ScalingGroupId": GROUP_ID, "StatusCode": "Successful",
            "StatusMessage": "", "Progress": 100, "Description": 'Add "1" ECS instance(s)',
            "Cause": 'A user executes scaling rule "Add1", changing the Total Capacity from "0" to "1".',
            "StartTime": "2024-05-01T10:00Z", "EndTime": "2024-05-01T10:02Z", "ScalingInstanceNumber": 1,
            "TotalCapacity": "1", "CreatedCapacity": 1, "CreatedInstances": ["i-bp1diag000000000001"],
            "TriggerSourceType": "APIs", **changes}


def execution(**changes):
    return {"ExecutionId": EXECUTION_ID, "TemplateName": TEMPLATE, "TemplateVersion": "v9", "Status": "Success",
            "StatusMessage": "", "StartDate": "2024-05-01T10:00:21Z", "EndDate": "2024-05-01T10:01:05Z",
            "RamRole": "OOSServiceRole", "Mode": "Automatic", "Tags": {"ESS:ScalingActivityId": ACTIVITY_ID},
            "Parameters": {"commandType": "RunShellScript", "commandContent": "yum install -y httpd", "timeout": 600,
                           "regionId": REGION, "instanceIds": ["i-bp1diag000000000001"],
                           "lifecycleHookId": HOOK_ID, "lifecycleActionToken": "3f7b1c2e-token",
                           "OOSAssumeRole": "OOSServiceRole"},
            **changes}


def task(name, action, status, message="", start="2024-05-01T10:00:22Z", end="2024-05-01T10:00:40Z"):
    return {"TaskExecutionId": f"{EXECUTION_ID}-t{name}", "ExecutionId": EXECUTION_ID, "TaskName": name,
            "TaskAction": action, "Status": status, "StatusMessage": message, "StartDate": start, "EndDate": end}


def role(trust=TRUST_OOS):
    return {"RoleName": "OOSServiceRole", "RoleId": "301234567890123456",
            "Arn": f"acs:ram::{ACCOUNT}:role/oosservicerole", "AssumeRolePolicyDocument": trust,
            "CreateDate": "2024-04-01T08:00:00Z", "MaxSessionDuration": 3600}


# Evidence field -> the typed object an API map becomes (a list of them for a list field).
TYPED = {"group": ScalingGroup, "activity": ScalingActivity, "other_activities": [ScalingActivity],
         "instances": [ScalingInstance], "lifecycle_actions": [LifecycleAction], "hooks": [LifecycleHook],
         "execution": Execution, "task_executions": [TaskExecution], "role": Role}


def evidence(**values):
    """Evidence from API maps, each read through its typed object as the gateways read the SDK's models."""
    def typed(name, value):
        kind = TYPED.get(name)
        if value is None or kind is None:
            return value
        return [kind[0].from_api(item) for item in value] if isinstance(kind, list) else kind.from_api(value)

    return Evidence(**{name: typed(name, value) for name, value in values.items()})


def clean_evidence(**changes):
    """A successful run of the run-command recipe, everything fetched."""
    values = dict(
        group=group(), activity=activity(), other_activities=[], hooks=[hook()], execution=execution(),
        instances=[{"InstanceId": "i-bp1diag000000000001", "ScalingGroupId": GROUP_ID, "LifecycleState": "InService",
                    "ScalingActivityId": ACTIVITY_ID, "HealthStatus": "Healthy", "CreationType": "AutoCreated"}],
        lifecycle_actions=[{"LifecycleHookId": HOOK_ID, "LifecycleActionToken": "3f7b1c2e-token",
                            "LifecycleActionStatus": "Completed", "LifecycleActionResult": "CONTINUE",
                            "InstanceIds": ["i-bp1diag000000000001"]}],
        task_executions=[task("runCommand", "ACS::ECS::RunCommand", "Success"),
                         task("CompleteLifecycleActionForContinue", "ACS::ExecuteAPI", "Success",
                              start="2024-05-01T10:00:41Z", end="2024-05-01T10:01:04Z")],
        role=role(), role_policies={"ESSHookPolicyForRunCommand": TUTORIAL_POLICY},
        required_actions=set(RUN_COMMAND_ACTIONS), template_timeout_s=600, region=REGION, account_id=ACCOUNT,
        recipe="run-command", request_ids={"DescribeScalingActivities": "8A1E7C1D-0B5F-4F7E-9C5B-1D2E3F4A5B6C"},
    )
    values.update(changes)
    return evidence(**values)


def test_the_fixtures_have_the_sdk_field_names():
    """Every fixture survives a round trip through the SDK's own response models (a wrong name would vanish)."""
    from alibabacloud_ess20220222 import models as ess
    from alibabacloud_oos20190601 import models as oos
    from alibabacloud_ram20150501 import models as ram

    pairs = [(ess.DescribeScalingGroupsResponseBodyScalingGroups, group()),
             (ess.DescribeLifecycleHooksResponseBodyLifecycleHooks, hook()),
             (ess.DescribeScalingActivitiesResponseBodyScalingActivities, activity()),
             (oos.ListExecutionsResponseBodyExecutions, execution()),
             (oos.ListTaskExecutionsResponseBodyTaskExecutions, task("runCommand", "ACS::ECS::RunCommand", "Failed",
                                                                     FORBIDDEN_RAM)),
             (ram.GetRoleResponseBodyRole, role())]
    for model, data in pairs:
        out = model().from_map(copy.deepcopy(data)).to_map()
        assert {key: out.get(key) for key in data} == data, model.__name__
    item = clean_evidence().instances[0].to_api()
    assert ess.DescribeScalingInstancesResponseBodyScalingInstances().from_map(dict(item)).to_map() == item
    action = clean_evidence().lifecycle_actions[0].to_api()
    assert ess.DescribeLifecycleActionsResponseBodyLifecycleActions().from_map(dict(action)).to_map() == action


# --- small pieces -------------------------------------------------------------------------------------------------

def test_error_codes_are_read_from_status_messages():
    assert error_codes_in(FORBIDDEN_RAM) == ["Forbidden.RAM"]
    assert error_codes_in('{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}') \
        == ["Throttling.User"]
    assert error_codes_in("Code: InvalidInstance.NotFound, Message: the instance does not exist") \
        == ["InvalidInstance.NotFound"]
    assert error_codes_in("CompleteLifecycleAction failed: " + TOKEN_INVALID) \
        == ["LifecycleHookIdAndLifecycleActionToken.Invalid"]
    assert error_codes_in("Failed: the command exited with code 1.") == []


def test_times_of_both_apis_parse():
    assert (parse_time("2024-05-01T10:02:00Z") - parse_time("2024-05-01T10:00Z")).total_seconds() == 120
    assert parse_time("2024-05-01T10:00:00.500Z").microsecond == 500000
    assert parse_time("yesterday") is None and parse_time(None) is None


def test_suggested_timeout_rounds_up_to_a_minute_and_is_capped():
    assert suggested_hook_timeout(None, 120) == 420       # 120 + 300, a whole minute already
    assert suggested_hook_timeout(None, 121) == 480
    assert suggested_hook_timeout(600, 125) == 900
    assert suggested_hook_timeout(30000, None) == 21600


def test_fill_command_needs_every_placeholder():
    assert fill_command("essctl hook update {hook_id} --timeout {suggested_timeout}",
                        {"hook_id": HOOK_ID, "suggested_timeout": 480}) == f"essctl hook update {HOOK_ID} --timeout 480"
    assert fill_command("essctl recipe run {recipe} --group {group_id}", {"group_id": GROUP_ID}) is None
    assert fill_command(None, {}) is None


# --- each check, passing and failing ---------------------------------------------------------------------------

def test_role_check_passes_for_a_role_trusting_oos():
    result = check_role_exists_and_trusts_oos(clean_evidence())
    assert result.passed is True and result.evidence["trusted_services"] == ["oos.aliyuncs.com"]


def test_role_check_fails_for_a_role_trusting_ecs_or_a_missing_role():
    ecs_trust = TRUST_OOS.replace("oos.aliyuncs.com", "ecs.aliyuncs.com")
    untrusted = check_role_exists_and_trusts_oos(clean_evidence(role=role(ecs_trust)))
    assert untrusted.passed is False and untrusted.problems()[0].kind == "untrusted"
    assert "ecs.aliyuncs.com" in untrusted.summary
    missing = check_role_exists_and_trusts_oos(clean_evidence(role=None, role_found=False, role_policies=None))
    assert missing.passed is False and missing.problems()[0].kind == "missing"
    assert check_role_exists_and_trusts_oos(clean_evidence(role=None)).passed is None


def test_policy_check_passes_with_the_tutorial_policy_or_a_system_policy():
    assert check_role_allows_template_actions(clean_evidence()).passed is True
    by_system = clean_evidence(role_policies={"AliyunECSFullAccess": None, "AliyunESSFullAccess": None})
    assert check_role_allows_template_actions(by_system).passed is True


def test_policy_check_names_the_missing_actions_and_generate_execution_policy():
    evidence = clean_evidence(role_policies={"ESSHookPolicyForRunCommand": POLICY_WITHOUT_RUN_COMMAND},
                              generated_missing=["ecs:RunCommand"])
    result = check_role_allows_template_actions(evidence)
    assert result.passed is False
    assert result.evidence["missing"] == ["ecs:RunCommand"]
    assert result.evidence["missing_per_generate_execution_policy"] == ["ecs:RunCommand"]
    assert "ecs:RunCommand" in result.summary and "1 of 4" in result.summary


def test_policy_check_explicit_deny_and_unknown_inputs():
    deny = {"Statement": [{"Effect": "Deny", "Action": "ecs:RunCommand", "Resource": "*"}]}
    result = check_role_allows_template_actions(clean_evidence(role_policies={"allow": TUTORIAL_POLICY, "deny": deny}))
    assert result.evidence["missing"] == ["ecs:RunCommand"]
    assert check_role_allows_template_actions(clean_evidence(required_actions=None)).passed is None
    assert check_role_allows_template_actions(clean_evidence(role_policies=None)).passed is None


def test_hook_timeout_check_passes_when_the_hook_waits_long_enough():
    result = check_hook_timeout_covers_execution(clean_evidence())
    assert result.passed is True
    assert (result.evidence["heartbeat_timeout"], result.evidence["execution_duration_s"]) == (900, 44)


def test_hook_timeout_check_names_only_what_is_known_never_none():
    result = check_hook_timeout_covers_execution(clean_evidence(
        template_timeout_s=None, execution=execution(Parameters={"lifecycleHookId": HOOK_ID})))
    assert result.passed is True and "None" not in result.summary
    assert result.summary == f"hook {HOOK_ID} waits 900 s, enough for the run (44 s)"


def test_hook_timeout_check_fails_when_the_execution_outlasts_the_hook():
    evidence = clean_evidence(hooks=[hook(HeartbeatTimeout=30)], template_timeout_s=None,
                              execution=execution(EndDate="2024-05-01T10:02:21Z",
                                                  Parameters={"lifecycleHookId": HOOK_ID}))
    result = check_hook_timeout_covers_execution(evidence)
    assert result.passed is False
    assert [p.kind for p in result.problems()] == ["exceeded"]
    assert result.evidence["execution_duration_s"] == 120
    assert result.evidence["suggested_timeout"] == 420        # 120 + 300, already a whole minute


def test_hook_timeout_check_warns_when_the_template_timeout_does_not_fit():
    result = check_hook_timeout_covers_execution(clean_evidence(hooks=[hook(HeartbeatTimeout=300)]))
    assert result.passed is False
    assert result.problems() == (Problem("tight", result.problems()[0].detail, certain=False),)
    assert result.evidence["suggested_timeout"] == 900
    assert check_hook_timeout_covers_execution(clean_evidence(hooks=[])).passed is None


def test_hook_check_passes_for_an_active_hook_with_a_good_arn_and_metadata():
    result = check_hook_active_and_well_formed(clean_evidence())
    assert result.passed is True and result.evidence["template"] == TEMPLATE


@pytest.mark.parametrize("changes, kinds", [
    ({"LifecycleHookStatus": "InActive"}, ["inactive"]),
    ({"NotificationArn": f"acs:ess:{REGION}:{ACCOUNT}:oos/{TEMPLATE}"}, ["legacy_arn"]),
    ({"NotificationArn": f"acs:oos:cn-beijing:{ACCOUNT}:template/{TEMPLATE}"}, ["arn"]),
    ({"NotificationArn": f"acs:ess:{REGION}:{ACCOUNT}:null/null"}, ["arn"]),
    ({"NotificationMetadata": "{commandType: RunShellScript}"}, ["metadata"]),
    ({"NotificationMetadata": json.dumps({"commandContent": "x" * 4100})}, ["metadata"]),
    ({"NotificationMetadata": json.dumps({"instanceIds": "i-bp1fixed", "regionId": "${regionId}"})},
     ["placeholder_overridden"]),
    ({"NotificationMetadata": json.dumps({"timeout": 600})}, ["metadata"]),
])
def test_hook_check_fails_for_each_malformation(changes, kinds):
    result = check_hook_active_and_well_formed(clean_evidence(hooks=[hook(**changes)]))
    assert result.passed is False
    assert [p.kind for p in result.problems()] == kinds


def test_activity_check_passes_without_other_activities_and_fails_with_one_in_progress():
    assert check_no_other_activity_in_progress(clean_evidence()).passed is True
    assert check_no_other_activity_in_progress(clean_evidence(other_activities=None)).passed is None
    busy = activity(ScalingActivityId="asa-bp1busy0000000000001", StatusCode="InProgress", Progress=40,
                    StartTime="2024-05-01T09:58Z", EndTime=None)
    result = check_no_other_activity_in_progress(clean_evidence(other_activities=[activity(), busy]))
    assert result.passed is False
    assert result.evidence["in_progress_activity_id"] == "asa-bp1busy0000000000001"
    assert "40%" in result.summary


def test_activity_check_sees_an_activity_that_overlapped_the_start():
    earlier = activity(ScalingActivityId="asa-bp1earlier00000000001", StatusCode="Successful",
                       StartTime="2024-05-01T09:55Z", EndTime="2024-05-01T10:01Z")
    result = check_no_other_activity_in_progress(clean_evidence(other_activities=[earlier]))
    assert result.passed is False and result.problems()[0].kind == "overlapping"
    finished = dict(earlier, EndTime="2024-05-01T09:59Z")
    assert check_no_other_activity_in_progress(clean_evidence(other_activities=[finished])).passed is True


def test_group_check():
    result = check_group_capacity(clean_evidence())
    assert result.passed is True and result.evidence["can_add_one"] is True
    assert (result.evidence["min"], result.evidence["max"], result.evidence["current"]) == (0, 3, 1)
    full = check_group_capacity(clean_evidence(group=group(TotalCapacity=3, ActiveCapacity=3)))
    assert full.passed is False and [p.kind for p in full.problems()] == ["at_max"]
    disabled = check_group_capacity(clean_evidence(group=group(LifecycleState="Inactive")))
    assert [p.kind for p in disabled.problems()] == ["inactive"]
    assert check_group_capacity(clean_evidence(group=None)).passed is None


# --- whole scenarios ------------------------------------------------------------------------------------------

def _failed_run(**changes):
    values = dict(
        activity=activity(StatusCode="Failed", CreatedCapacity=0, EndTime="2024-05-01T10:01Z",
                          StatusMessage="The lifecycle hook ended with result ABANDON; the instance was released."),
        execution=execution(Status="Failed", StatusMessage=FORBIDDEN_RAM, EndDate="2024-05-01T10:00:31Z"),
        task_executions=[task("runCommand", "ACS::ECS::RunCommand", "Failed", FORBIDDEN_RAM,
                              end="2024-05-01T10:00:25Z"),
                         task("CompleteLifecycleActionForAbandon", "ACS::ExecuteAPI", "Success",
                              start="2024-05-01T10:00:26Z", end="2024-05-01T10:00:30Z")],
        lifecycle_actions=[{"LifecycleHookId": HOOK_ID, "LifecycleActionToken": "3f7b1c2e-token",
                            "LifecycleActionStatus": "Completed", "LifecycleActionResult": "ABANDON",
                            "InstanceIds": ["i-bp1diag000000000001"]}],
    )
    values.update(changes)
    return clean_evidence(**values)


def test_a_role_without_run_command_gives_forbidden_ram_first_with_the_grant():
    diagnosis = diagnose(_failed_run(role_policies={"ESSHookPolicyForRunCommand": POLICY_WITHOUT_RUN_COMMAND}))
    first = diagnosis.findings[0]
    assert (first.code, first.severity, first.where) == ("Forbidden.RAM", "error", "oos_task")
    assert any("runCommand" in line and "Forbidden.RAM" in line for line in first.evidence)
    assert any("ecs:RunCommand" in line for line in first.evidence)
    assert first.safe_fix.name == "grant_missing_actions"
    assert first.safe_fix.arguments() == {"role": "OOSServiceRole", "actions": ["ecs:RunCommand"]}
    assert first.fix_command == f"essctl recipe run run-command --group {GROUP_ID}"
    assert [c.passed for c in first.checks] == [True, False]
    assert "ActivityFailed" not in " ".join(f.code for f in diagnosis.findings)


def test_forbidden_ram_is_weaker_when_the_role_has_every_action():
    weak = diagnose(_failed_run()).findings[0]
    strong = diagnose(_failed_run(role_policies={"p": POLICY_WITHOUT_RUN_COMMAND})).findings[0]
    assert weak.code == strong.code == "Forbidden.RAM"
    assert weak.likelihood < strong.likelihood
    assert weak.safe_fix is None     # nothing is missing, so there is nothing to grant


def test_a_role_missing_an_action_is_a_finding_before_any_run():
    findings = diagnose(evidence(role=role(), role_policies={"p": POLICY_WITHOUT_RUN_COMMAND},
                                 required_actions=set(RUN_COMMAND_ACTIONS), group=group(), hooks=[hook()],
                                 recipe="run-command")).findings
    assert [f.code for f in findings] == ["Forbidden.RAM"]
    assert findings[0].severity == "error" and findings[0].safe_fix.name == "grant_missing_actions"


def test_a_30_second_hook_and_a_120_second_task_give_the_token_error_and_a_larger_timeout():
    evidence = _failed_run(
        hooks=[hook(HeartbeatTimeout=30)], template_timeout_s=None,
        execution=execution(Status="Failed", StatusMessage=TOKEN_INVALID, EndDate="2024-05-01T10:02:21Z",
                            Parameters={"lifecycleHookId": HOOK_ID, "commandContent": "sleep 110"}),
        task_executions=[task("runCommand", "ACS::ECS::RunCommand", "Success", end="2024-05-01T10:02:15Z"),
                         task("CompleteLifecycleActionForContinue", "ACS::ExecuteAPI", "Failed", TOKEN_INVALID,
                              start="2024-05-01T10:02:16Z", end="2024-05-01T10:02:20Z")],
        lifecycle_actions=[{"LifecycleHookId": HOOK_ID, "LifecycleActionToken": "3f7b1c2e-token",
                            "LifecycleActionStatus": "Timeout", "LifecycleActionResult": "CONTINUE",
                            "InstanceIds": ["i-bp1diag000000000001"]}])
    first = diagnose(evidence).findings[0]
    assert first.code == "LifecycleHookIdAndLifecycleActionToken.Invalid"
    assert first.safe_fix.name == "raise_hook_timeout"
    timeout = int(first.fix_command.rsplit(" ", 1)[1])
    assert first.fix_command == f"essctl hook update {HOOK_ID} --timeout {timeout}" and timeout > 120
    assert first.safe_fix.arguments() == {"hook_id": HOOK_ID, "timeout": timeout}
    assert any("120 s" in line and "30 s" in line for line in first.evidence)


def test_an_activity_rejected_while_another_runs():
    busy = activity(ScalingActivityId="asa-bp1busy0000000000001", StatusCode="InProgress", Progress=50,
                    StartTime="2024-05-01T09:58Z", EndTime=None)
    rejected = activity(StatusCode="Rejected", Progress=0, CreatedCapacity=0, CreatedInstances=[],
                        StatusMessage="You cannot delete a scaling group or launch a new scaling activity while there "
                                      "is a scaling activity in progress in the scaling group.")
    diagnosis = diagnose(clean_evidence(activity=rejected, other_activities=[busy], execution=None,
                                        task_executions=None, lifecycle_actions=[]))
    first = diagnosis.findings[0]
    assert (first.code, first.where, first.severity) == ("ScalingActivityInProgress", "activity", "error")
    assert first.retryable
    assert first.fix_command == "essctl activity watch asa-bp1busy0000000000001"
    assert any(ACTIVITY_ID in line and "Rejected" in line for line in first.evidence)
    assert any("8A1E7C1D-0B5F-4F7E-9C5B-1D2E3F4A5B6C" in line for line in first.evidence)   # the request id


def test_an_activity_error_code_is_used_as_given():
    failed = activity(StatusCode="Failed", ErrorCode="IncorrectCapacity.NoChange",
                      ErrorMessage="The scaling rule would not change the capacity.")
    first = diagnose(clean_evidence(activity=failed, group=group(TotalCapacity=3))).findings[0]
    assert first.code == "IncorrectCapacity.NoChange"
    assert any("max 3, current 3" in line for line in first.evidence)


def test_the_cooldown_message_names_the_cooldown():
    rejected = activity(StatusCode="Rejected", StatusMessage="You cannot launch a new scaling activity during the "
                                                             "cooldown period.")
    assert diagnose(clean_evidence(activity=rejected, execution=None)).findings[0].code == "essctl.ActivityCooldown"


def test_a_throttled_api_call_is_marked_retryable():
    error = CloudAPIError(service="oos", action="ListExecutions", code="Throttling.User",
                          message="Request was denied due to user flow control.", status=400,
                          request_id="1F2E3D4C-5B6A-4978-8695-A4B3C2D1E0F9")
    first = diagnose(Evidence(api_error=error)).findings[0]
    assert (first.code, first.where, first.retryable) == ("Throttling.User", "api", True)
    assert any("oos:ListExecutions" in line and "1F2E3D4C" in line for line in first.evidence)
    family = CloudAPIError(service="ess", action="DescribeScalingActivities", code="Throttling.Api", message="x")
    assert diagnose(Evidence(api_error=family)).findings[0].retryable


def test_an_unknown_api_code_and_a_server_error():
    unknown = CloudAPIError(service="ess", action="CreateLifecycleHook", code="Brand.NewCode", message="what")
    first = diagnose(Evidence(api_error=unknown)).findings[0]
    assert first.code == "Brand.NewCode" and first.title.startswith("An error code essctl has no entry for")
    server = CloudAPIError(service="ess", action="ExecuteScalingRule", code="UnknownError", message="oops", status=503)
    assert diagnose(Evidence(api_error=server)).findings[0].code == "essctl.ServerError"


def test_forbidden_unauthorized_from_the_ess_api_is_the_service_authorization():
    error = CloudAPIError(service="ess", action="ExecuteScalingRule", code="Forbidden.Unauthorized",
                          message="Auto Scaling is not authorized to call the specified operation.", status=403)
    first = diagnose(Evidence(api_error=error)).findings[0]
    assert "AliyunServiceRoleForAutoScaling" in first.fix and first.safe_fix is None


def test_a_failed_execution_without_a_code_falls_back_to_the_failed_task():
    message = "Execution failed: the command exited with code 1."   # no code essctl knows
    evidence = _failed_run(execution=execution(Status="Failed", StatusMessage=message),
                           task_executions=[task("runCommand", "ACS::ECS::RunCommand", "Failed", message)])
    codes = [f.code for f in diagnose(evidence).findings]
    assert codes[0] == "essctl.CommandExitedNonZero"


def test_a_clean_success_has_no_findings():
    diagnosis = diagnose(clean_evidence())
    assert diagnosis.findings == []
    assert [c.passed for c in diagnosis.checks] == [True] * len(CHECKS)


def test_a_tight_but_successful_run_only_warns():
    diagnosis = diagnose(clean_evidence(hooks=[hook(HeartbeatTimeout=300)]))
    assert diagnosis.errors == []
    assert [(f.code, f.severity) for f in diagnosis.findings] == [
        ("LifecycleHookIdAndLifecycleActionToken.Invalid", "warning")]
    assert diagnosis.findings[0].fix_command == f"essctl hook update {HOOK_ID} --timeout 900"


def test_json_output_is_plain_data():
    data = diagnose(_failed_run(role_policies={"p": POLICY_WITHOUT_RUN_COMMAND})).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["Findings"][0]["Code"] == "Forbidden.RAM"
    assert {c["Name"] for c in data["Checks"]} == set(CHECKS)
    assert data["Findings"][0]["Checks"][1]["Evidence"]["Missing"] == ["ecs:RunCommand"]




@needs_shared
def test_required_actions_derived_from_the_real_template_find_run_command_missing():
    from essctl.template.model import load_template_file
    from essctl.template.permissions import derive_required_actions
    from essctl.template.source import action_dir_resolver

    template = load_template_file(SHARED / "PublicTemplates" / f"{TEMPLATE}.yml")
    derivation = derive_required_actions(template, action_dir_resolver(SHARED / "CloudProductActions"))
    timeout = template.parameters["timeout"].default
    evidence = _failed_run(required_actions=set(derivation.actions), template_timeout_s=timeout,
                           role_policies={"p": POLICY_WITHOUT_RUN_COMMAND})
    first = diagnose(evidence).findings[0]
    assert first.code == "Forbidden.RAM" and first.safe_fix.arguments()["actions"] == ["ecs:RunCommand"]


@pytest.mark.parametrize("ram_role", ["OOSHookRole", "acs:ram::1234567890123456:role/OOSHookRole"])
def test_the_role_an_execution_ran_as_is_read_from_a_name_or_an_arn(ram_role):
    execution = Execution.from_api({"ExecutionId": EXECUTION_ID, "TemplateName": TEMPLATE, "RamRole": ram_role})
    assert Evidence(region=REGION, execution=execution).assumed_role() == "OOSHookRole"


def test_an_activity_that_ended_in_the_minute_the_next_started_is_not_certain():
    """ESS writes times to the minute (2020-09-10T09:54Z): an activity that ended at 10:00Z may have ended before
    one that started at 10:00Z, so the check says so instead of reporting it as certain."""
    same_minute = activity(ScalingActivityId="asa-bp1earlier00000000001", StatusCode="Successful",
                           StartTime="2024-05-01T09:55Z", EndTime="2024-05-01T10:00Z")
    result = check_no_other_activity_in_progress(clean_evidence(other_activities=[same_minute]))
    [problem] = result.problems()
    assert (problem.kind, problem.certain) == ("overlapping", False)
    assert "ESS times are to the minute" in problem.detail
    findings = diagnose(clean_evidence(other_activities=[same_minute])).findings
    assert all(f.severity != "error" for f in findings if "activity" in f.code.lower())
