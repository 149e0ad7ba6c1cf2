"""Answers shaped as the real services give them, against the stub: OOS lists a loop's iterations only when asked
(IncludeChildTaskExecution) and runs a nested action such as ACS::ECS::RunCommand as a child execution, so essctl
asks for both and never misses the real error; a new activity may not be listed on the first poll."""
from essctl.cloud.gateway import Cloud
from essctl.cloud.session import CloudSession
from essctl.cloud.settings import CloudSettings

PARENT, CHILD = "exec-parent", "exec-child"
DENIED = "Forbidden.RAM: User not authorized to operate on the specified resource, or this API doesn't support RAM."


def _task(task_id, name, action, status, message="", **extra):
    from alibabacloud_oos20190601 import models

    return models.ListTaskExecutionsResponseBodyTaskExecutions(
        task_execution_id=task_id, task_name=name, task_action=action, status=status, status_message=message,
        start_date="2026-11-30T10:00:00Z", end_date="2026-11-30T10:01:00Z", **extra).to_map()


def _list_tasks(seen):
    """What OOS documents: without IncludeChildTaskExecution the loop's iterations are hidden; the nested
    action's own tasks belong to the child execution."""
    if seen.query.get("ExecutionId") == CHILD:
        return {"TaskExecutions": [_task("t-c1", "runCommand", "ACS::ExecuteApi", "Failed", DENIED,
                                         execution_id=CHILD)]}
    tasks = [_task("t-1", "runCommandOnInstances", "ACS::ECS::RunCommand", "Failed", "Task failed",
                   loop={"Items": "[i-1]"}, execution_id=PARENT)]
    if seen.query.get("IncludeChildTaskExecution", "").lower() == "true":   # the SDK sends True
        tasks.append(_task("t-1-0", "runCommandOnInstances", "ACS::ECS::RunCommand", "Failed", "Task failed",
                           parent_task_execution_id="t-1", child_execution_id=CHILD, loop_item="i-1",
                           execution_id=PARENT))
    return {"TaskExecutions": tasks}


def test_loop_iterations_and_child_executions_are_read(stub):
    stub.on("ListTaskExecutions", _list_tasks)
    cloud = Cloud(CloudSession(CloudSettings(region="cn-hangzhou", endpoint=stub.url)))
    tasks = cloud.oos.task_executions(PARENT)
    assert [(t.id, t.parent_id, t.child_execution_id) for t in tasks] == [
        ("t-1", None, None), ("t-1-0", "t-1", CHILD), ("t-c1", None, None)]
    assert tasks[-1].status_message == DENIED
    calls = stub.calls("ListTaskExecutions")
    assert [(c.query["ExecutionId"], c.query["IncludeChildTaskExecution"]) for c in calls] == [
        (PARENT, "True"), (CHILD, "True")]


def test_diagnosis_finds_the_error_of_the_nested_execution(stub):
    from essctl.diagnose.evidence import Evidence
    from essctl.diagnose.findings import diagnose

    stub.on("ListTaskExecutions", _list_tasks)
    cloud = Cloud(CloudSession(CloudSettings(region="cn-hangzhou", endpoint=stub.url)))
    diagnosis = diagnose(Evidence(region="cn-hangzhou", task_executions=cloud.oos.task_executions(PARENT)))
    assert "Forbidden.RAM" in [finding.code for finding in diagnosis.findings]


def test_a_new_activity_not_yet_listed_is_polled_for_not_refused(stub, cli):
    """ExecuteScalingRule returns the activity id; whether DescribeScalingActivities lists it at once is not
    documented. The watch polls a few rounds before calling it absent."""
    from alibabacloud_ess20220222 import models

    listed = models.DescribeScalingActivitiesResponseBody(total_count=1, page_number=1, page_size=50, scaling_activities=[
        models.DescribeScalingActivitiesResponseBodyScalingActivities(
            scaling_activity_id="asa-new", scaling_group_id="asg-1", status_code="Successful", progress=100)]).to_map()
    empty = {"TotalCount": 0, "PageNumber": 1, "PageSize": 50, "ScalingActivities": []}
    stub.on("DescribeScalingActivities", empty, empty, listed)
    stub.on("DescribeLifecycleHooks", {"TotalCount": 0, "LifecycleHooks": []})
    stub.on("DescribeScalingInstances", {"TotalCount": 0, "ScalingInstances": []})
    stub.on("DescribeLifecycleActions", {"LifecycleActions": []})
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "activity", "watch", "asa-new",
                 "--poll-interval", "0.01")
    assert result.code == 0, result.err
    assert len(stub.calls("DescribeScalingActivities")) >= 3


def test_an_activity_never_listed_is_one_line_after_the_rounds(stub, cli):
    stub.on("DescribeScalingActivities", {"TotalCount": 0, "PageNumber": 1, "PageSize": 50, "ScalingActivities": []})
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "activity", "watch", "asa-gone",
                 "--poll-interval", "0.01")
    assert result.code == 1
    assert result.err == "essctl: error: scaling activity asa-gone not found in region cn-hangzhou (polled 5 times)\n"
    assert len(stub.calls("DescribeScalingActivities")) == 5
