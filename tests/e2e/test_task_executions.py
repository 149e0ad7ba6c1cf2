"""OOS lists a loop's iterations only when asked (IncludeChildTaskExecution) and runs a nested action such as
ACS::ECS::RunCommand as a child execution: essctl asks for both, so the real error is never missed."""
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
