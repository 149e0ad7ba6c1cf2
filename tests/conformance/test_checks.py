"""The checks themselves, on requests, bodies and errors made up to break one rule each: each is caught, and what
the README says is fine (aliases, owner parameters, str(bool), documented differences) is not reported."""
import pytest

from tests.conformance import checks, known
from tests.conformance import reference as ref

pytestmark = pytest.mark.skipif(not ref.available(), reason=f"{ref.REFERENCE} is absent (a user's clone): the "
                                                            "conformance suite needs ../shared/api-reference")

HOOK = {"ScalingGroupId": "asg-1", "LifecycleTransition": "SCALE_OUT", "HeartbeatTimeout": "600",
        "DefaultResult": "CONTINUE", "NotificationMetadata": '{"a": "b"}'}


def _request(service, action, parameters):
    return checks.check_request(service, action, parameters, known.load()).problems


def test_the_readme_alias_table_follows_from_the_plural_rule():
    def alias(action):
        return checks.aliases(ref.api("ess", action))

    assert alias("DescribeScalingGroups") == {"ScalingGroupIds": "ScalingGroupId", "Tags": "Tag",
                                              "ScalingGroupNames": "ScalingGroupName.N"}
    assert alias("SuspendProcesses") == {"Processes": "Process"} == alias("ResumeProcesses")
    assert {"ScalingRuleIds", "ScalingRuleAris", "ScalingRuleNames"} == set(alias("DescribeScalingRules"))
    assert {"ScheduledTaskIds", "ScheduledTaskNames", "ScheduledActions"} == set(alias("DescribeScheduledTasks"))
    assert {"StepAdjustments", "AlarmDimensions"} == set(alias("CreateScalingRule"))
    assert alias("CreateNotificationConfiguration") == {"NotificationTypes": "NotificationType"}
    assert alias("DescribeInstanceRefreshes") == {"InstanceRefreshTaskIds": "InstanceRefreshTaskId"}
    assert alias("DescribeScalingInstances") == {"InstanceIds": "InstanceId"}   # LifecycleStates is plural already


def test_a_conforming_request_passes_with_aliases_owner_parameters_and_the_sdks_booleans():
    assert _request("ess", "CreateLifecycleHook", {**HOOK, "OwnerId": "1"}) == []
    assert _request("ess", "DescribeScalingGroups", {"RegionId": "cn-hangzhou", "ScalingGroupIds.1": "asg-1",
                                                     "Tags.1.Key": "k", "Tags.1.Value": "v"}) == []
    assert _request("ram", "CreatePolicyVersion", {"PolicyName": "P", "PolicyDocument": "{}", "SetAsDefault": "True",
                                                   "RotateStrategy": "None"}) == []
    assert _request("ram", "CreatePolicy", {"PolicyName": "P", "PolicyDocument": "{}",
                                            "Tag": '[{"Key": "k", "Value": "v"}]'}) == []
    assert _request("ess", "DescribeInstanceRefreshes", {"RegionId": "cn-hangzhou"}) == []   # README: not required
    assert _request("ess", "RecordLifecycleActionHeartbeat", {"lifecycleHookId": "ash-1",
                                                               "lifecycleActionToken": "t"}) == []
    assert _request("oos", "ListTaskExecutions", {"ExecutionId": "exec-1"}) == []   # shifted descriptions ignored


@pytest.mark.parametrize("parameters, problem", [
    ({**HOOK, "HeartbeatTimeout": "29"}, "HeartbeatTimeout=29 is outside 30..21600"),
    ({**HOOK, "DefaultResult": "MAYBE"}, "DefaultResult='MAYBE' is not one of CONTINUE, ABANDON, ROLLBACK"),
    ({**HOOK, "HeartbeatTimeout": "ten"}, "HeartbeatTimeout='ten' is not an Integer"),
    ({k: v for k, v in HOOK.items() if k != "LifecycleTransition"}, "LifecycleTransition is required and missing"),
    ({**HOOK, "RegionId": "cn-hangzhou"}, "RegionId: the metadata of CreateLifecycleHook has no such parameter"),
])
def test_each_broken_rule_of_a_request_is_reported(parameters, problem):
    assert _request("ess", "CreateLifecycleHook", parameters) == [problem]


def test_lists_and_json_in_requests():
    assert _request("ess", "TagResources", {"RegionId": "r", "ResourceType": "scalinggroup", "ResourceIds.1": "a",
                                            "Tags.1.Name": "k"}) == ["Tags.1.Name is not a member of Tags (Key, "
                                                                     "Propagate, Value)"]
    many = {f"InstanceIds.{n}": f"i-{n}" for n in range(1, 22)}
    assert _request("ess", "AttachInstances", {"ScalingGroupId": "asg-1", **many}) == ["InstanceId: 21 items, at "
                                                                                       "most 20"]
    assert _request("ram", "CreatePolicy", {"PolicyName": "P", "PolicyDocument": "{}", "Tag": "k=v"}) \
        == ["Tag is not JSON: 'k=v'"]
    assert _request("ess", "NoSuchApi", {}) == ["ess:NoSuchApi has no metadata: the API does not exist"]


def _body(service, action, body):
    return checks.check_body(service, action, body, known.load()).problems


def _complete(model, item):
    """`item` with the empty lists its SDK model writes back, so that only the broken rule is reported."""
    from alibabacloud_ess20220222 import models as ess
    from alibabacloud_oos20190601 import models as oos

    return {**(getattr(ess, model, None) or getattr(oos, model))().from_map(item).to_map(), **item}


ACTIVITY = {"ScalingActivityId": "asa-1", "ScalingGroupId": "asg-1", "StatusCode": "Successful", "Progress": 100,
            "StartTime": "2024-05-01T10:00Z", "EndTime": "2024-05-01T10:01Z", "TotalCapacity": "1"}


def test_each_broken_rule_of_a_body_is_reported():
    def activities(**changes):
        item = _complete("DescribeScalingActivitiesResponseBodyScalingActivities", {**ACTIVITY, **changes})
        return _body("ess", "DescribeScalingActivities", {"ScalingActivities": [item], "RequestId": "r",
                                                          "TotalCount": 1})

    assert activities() == []
    assert activities(StartTime="2024-05-01T10:00:07Z") == [
        "ScalingActivities[].StartTime=2024-05-01T10:00:07Z: the time should have the precision of minutes, as "
        "2020-09-10T09:54Z on DescribeScalingActivities.md"]
    assert activities(StatusCode="Done") == ["ScalingActivities[].StatusCode='Done' is not one of Successful, "
                                             "Warning, Failed, InProgress, Rejected (DescribeScalingActivities.md)"]
    assert activities(Progress="100") == ["ScalingActivities[].Progress='100': the SDK model declares int"]
    assert activities(Surprise=1)[0].startswith("ess:DescribeScalingActivities: unknown or missing fields")
    hooks = _body("ess", "DescribeLifecycleHooks", {"LifecycleHooks": [{"LifecycleHookId": "ash-1",
                                                                        "LifecycleHookStatus": "Paused"}]})
    assert hooks == ["LifecycleHooks[].LifecycleHookStatus='Paused' is not one of Active, InActive "
                     "(ModifyLifecycleHook.LifecycleHookStatus (en-US))"]
    execution = _complete("ListExecutionsResponseBodyExecutions", {"ExecutionId": "e", "StartDate": "2024-05-01T10:00Z",
                                                                   "Parameters": {"Mode": "whatever"}})
    executions = _body("oos", "ListExecutions", {"Executions": [execution]})
    assert executions == ["Executions[].StartDate=2024-05-01T10:00Z: the time should have the precision of seconds "
                          "(OOS writes yyyy-MM-ddTHH:mm:ssZ)"]     # a free-form map (Parameters) is not entered


def test_error_codes_per_page_and_product():
    def error(service, action, code, status):
        return checks.check_error(service, action, code, status, known.load())

    assert error("ess", "CreateLifecycleHook", "InvalidParamter", 400).documented == "CreateLifecycleHook.md"
    assert error("ess", "CreateLifecycleHook", "InvalidParameter", 400).problems == [
        "CreateLifecycleHook's page documents InvalidParamter (sic) for a bad parameter, not InvalidParameter"]
    assert error("ess", "DescribeLifecycleActions", "InvalidParameter", 400).problems == []
    assert error("ess", "DeleteLifecycleHook", "InvalidLifecycleHookId.NotExist", 404).problems == [
        "InvalidLifecycleHookId.NotExist answered with HTTP 404; DeleteLifecycleHook.md documents 400"]
    assert error("ram", "DeletePolicy", "DeleteConflict.Policy.Role", 409).problems == [
        "DeleteConflict.Policy.Role is documented nowhere for ram and is not a known exception"]
    assert error("ram", "GetRole", "EntityNotExist.Role", 404).exception.startswith("error_code EntityNotExist.Role")
    assert error("ram", "GetRole", "EntityNotExist.Role", 400).problems   # the entry holds the status too
    assert error("?", "X", "InvalidAction.NotFound", 404).problems == []  # an unknown version: any product's rules
