"""Reading ../shared/api-reference: the metadata, the valid values and ranges of the en-US descriptions, the pages'
response fields and error tables. Pinned on facts the README states."""
import pytest

from tests.conformance import reference as ref

pytestmark = pytest.mark.skipif(not ref.available(), reason=f"{ref.REFERENCE} is absent (a user's clone): the "
                                                            "conformance suite needs ../shared/api-reference")


def test_valid_values_and_ranges_from_the_en_us_descriptions():
    hook = ref.api("ess", "CreateLifecycleHook").params
    assert hook["HeartbeatTimeout"].constraint == ref.Constraint(low=30, high=21600)
    assert hook["DefaultResult"].constraint.values == ("CONTINUE", "ABANDON", "ROLLBACK")
    assert hook["LifecycleTransition"].required and hook["ScalingGroupId"].required
    assert "RegionId" not in hook   # the SDK sends none for CreateLifecycleHook either
    result = ref.api("ess", "CompleteLifecycleAction").params["LifecycleActionResult"]
    assert result.constraint.values == ("CONTINUE", "ABANDON", "ROLLBACK")   # the later bullet list is prose
    states = ref.api("ess", "DescribeScalingInstances").params["LifecycleState"].constraint.values
    assert "Pending:Wait" in states and "Removing:Wait" in states
    assert ref.api("ess", "ModifyLifecycleHook").params["LifecycleHookStatus"].constraint.values == ("Active",
                                                                                                    "InActive")
    assert ref.api("ess", "DescribeScalingGroups").params["PageSize"].constraint.high == 50    # "Maximum value: 50"
    assert ref.api("oos", "ListExecutions").params["Status"].constraint.values[-1] == "Skipped"  # "..., and Skipped"
    assert ref.api("ram", "GetPolicy").params["PolicyType"].constraint.values == ("System", "Custom")  # `System` and
    assert ref.api("ram", "CreatePolicyVersion").params["RotateStrategy"].constraint.values[0] == "None"


def test_prose_is_not_read_as_valid_values():
    assert ref.constraint_of("String", "Valid values if **X** is set to Y:\n\n*   A: a\n*   B: b") == ref.Constraint()
    assert ref.constraint_of("String", "Valid values:\n\n*   A: a\n*   The second one is B.") == ref.Constraint()
    assert ref.constraint_of("Float", "Valid values: -9.999999E18~9.999999E18.") == ref.Constraint()
    assert ref.constraint_of("String", "Valid values: 1 to 50.") == ref.Constraint()


def test_numbered_parameters_of_the_metadata_are_one_list():
    groups = ref.api("ess", "DescribeScalingGroups").params
    assert groups["ScalingGroupName.N"].type == "RepeatList" and groups["ScalingGroupName.N"].constraint.max_items == 20
    assert groups["ScalingGroupName"].type == "String"
    assert ref.api("ess", "AttachInstances").params["InstanceId"].constraint.max_items == 20   # "Valid values of N"


def test_response_fields_of_the_pages():
    activities = ref.page("ess", "DescribeScalingActivities")
    assert activities.fields["StartTime"].example == "2020-09-10T09:54Z"
    assert activities.fields["StatusCode"].values == ("Successful", "Warning", "Failed", "InProgress", "Rejected")
    instances = ref.page("ess", "DescribeScalingInstances")
    assert instances.fields["CreationTime"].example == "2020-05-18T03:11Z"      # minutes
    assert instances.fields["CreatedTime"].example == "2020-05-18T03:11:39Z"    # seconds
    policy = ref.page("ram", "GetPolicy")       # a Chinese page: 名称|类型|示例值|描述
    assert policy.fields["IsDefaultVersion"].type == "Boolean" and "AttachmentCount" in policy.example_names
    assert "PolicyName" in ref.page("ram", "ListPoliciesForRole").example_names   # the table lost its name


def test_error_tables_in_both_layouts():
    assert ref.page("ess", "CreateLifecycleHook").errors["InvalidParamter"] == {400}         # one cell a line
    heartbeat = ref.page("ess", "RecordLifecycleActionHeartbeat").errors                     # one row a line
    assert heartbeat["LifecycleAction.RecordTimesExceeded"] == {400}
    assert ref.page("ess", "DescribeLifecycleActions").errors == {"InvalidParameter": {400}}
    assert ref.page("ess", "DeleteLifecycleHook").errors["InvalidLifecycleHookName.NotExist"] == {400}
    assert ref.page("ess", "ExecuteScalingRule").errors["InvalidScalingRuleAri.NotFound"] == {404}


def test_product_wide_codes():
    ess, ram = ref.common_errors("ess"), ref.common_errors("ram")
    assert ess["Throttling"] == {400} and ess["ServiceUnavailable"] == {503} and ess["SignatureDoesNotMatch"] == {403}
    assert ram["DeleteConflict.Policy.Version.Default"] == {409} and ram["EntityNotExist.User"] == {404}
    assert ram["DeleteConflict.Role.Policy"] == {409} and "DeleteConflict.Policy.Role" not in ram
    assert "DeleteConflict.PolicyVersion.Default" not in ram and ram["InvalidParameter"] == {400}
    assert "InvalidScalingGroupId.NotFound" in ref.product_errors("ess") and ref.product_errors("oos") == {}
