"""Rolling updates in the sandbox, through the real SDK clients: SuspendProcesses/ResumeProcesses and their effect
on scaling, ESS instance refresh, and the OOS rolling-update templates (batches, pause, resume, rollback)."""
import pytest

from essctl.errors import CloudAPIError
from essctl.sandbox.scenario import parse_scenario
from tests.support.sandbox_steps import GROUP, REGION, create_rule, execute, session


def _error(call):
    with pytest.raises(CloudAPIError) as caught:
        call()
    return caught.value


def _group(s, group=GROUP):
    from alibabacloud_ess20220222 import models

    return s.ess.describe_scaling_groups(models.DescribeScalingGroupsRequest(
        region_id=REGION, scaling_group_ids=[group])).body.scaling_groups[0]


def _processes(s, processes, *, resume=False, group=GROUP):
    from alibabacloud_ess20220222 import models

    if resume:
        return s.ess.resume_processes(models.ResumeProcessesRequest(region_id=REGION, scaling_group_id=group,
                                                                    processes=processes))
    return s.ess.suspend_processes(models.SuspendProcessesRequest(region_id=REGION, scaling_group_id=group,
                                                                  processes=processes))


def test_a_suspended_scale_out_refuses_rule_executions_until_resumed(sandbox):
    s = session(sandbox)
    out, inward = create_rule(s, change=1, name="out"), create_rule(s, change=-1, name="in")
    _processes(s, ["ScaleOut", "HealthCheck", "ScaleOut"])
    assert _group(s).suspended_processes == ["ScaleOut", "HealthCheck"]      # duplicates removed
    error = _error(lambda: execute(s, out))
    assert error.code == "IncorrectScalingGroupStatus" and "ScaleOut" in error.message
    execute(s, inward)                                                      # scale-in is not suspended
    _processes(s, ["ScaleOut"], resume=True)
    assert _group(s).suspended_processes == ["HealthCheck"]


def test_processes_are_checked(sandbox):
    s = session(sandbox)
    assert _error(lambda: _processes(s, ["Launch"])).code == "InvalidParameter"
    assert _error(lambda: _processes(s, ["ScaleIn"], group="asg-nosuch")).status == 404


REFRESH_SCENARIO = """
groups:
  - id: asg-refresh000000000001
    name: web
    max: 10
    instances: 5
    image: m-old000000000001
roles:
  - name: OOSServiceRole
    trusted: [oos.aliyuncs.com]
"""
RG = "asg-refresh000000000001"


def _refresh(s, **fields):
    from alibabacloud_ess20220222 import models

    desired = fields.pop("desired", {"image_id": "m-new000000000001"})
    return s.ess.start_instance_refresh(models.StartInstanceRefreshRequest(
        region_id=REGION, scaling_group_id=RG,
        desired_configuration=models.StartInstanceRefreshRequestDesiredConfiguration(**desired), **fields)
    ).body.instance_refresh_task_id


def _refreshes(s):
    from alibabacloud_ess20220222 import models

    return s.ess.describe_instance_refreshes(models.DescribeInstanceRefreshesRequest(
        region_id=REGION, scaling_group_id=RG)).body.instance_refresh_tasks


def _task(s, task_id):
    return next(t for t in _refreshes(s) if t.instance_refresh_task_id == task_id)


def _wait_status(s, task_id, statuses, timeout=20.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = _task(s, task_id)
        if task.status in statuses:
            return task
        time.sleep(0.05)
    raise AssertionError(f"refresh {task_id} stayed {task.status}")


def _ids(s, group=RG):
    from alibabacloud_ess20220222 import models

    return {i.instance_id for i in s.ess.describe_scaling_instances(models.DescribeScalingInstancesRequest(
        region_id=REGION, scaling_group_id=group, page_size=100)).body.scaling_instances}


def _image(s, group=RG):
    from alibabacloud_ess20220222 import models

    active = _group(s, group).active_scaling_configuration_id
    configs = s.ess.describe_scaling_configurations(models.DescribeScalingConfigurationsRequest(
        region_id=REGION, scaling_group_id=group)).body.scaling_configurations
    return next(c.image_id for c in configs if c.scaling_configuration_id == active)


def test_an_instance_refresh_replaces_instances_in_batches_and_updates_the_image(sandbox_factory):
    sandbox = sandbox_factory(parse_scenario(REFRESH_SCENARIO))
    s = session(sandbox)
    before = _ids(s)
    assert _image(s) == "m-old000000000001"
    task_id = _refresh(s, min_healthy_percentage=80, max_healthy_percentage=120, client_token="tok-1")
    assert _refresh(s, client_token="tok-1") == task_id                          # idempotent
    assert _error(lambda: _refresh(s)).code == "IncorrectInstanceRefreshStatus"   # one at a time
    task = _wait_status(s, task_id, {"Successful", "Failed"})
    assert task.status == "Successful" and task.total_need_update_capacity == 5
    assert task.finished_update_capacity == 5 and task.desired_configuration.image_id == "m-new000000000001"
    after = _ids(s)
    assert len(after) == 5 and not after & before
    assert _image(s) == "m-new000000000001"
    assert sandbox.world.ess.refreshes.tasks[task_id]["batch"] == 3               # 5 instances, 2 per batch
    assert {sandbox.world.ess.image_of(sandbox.world.ess.instances[i]) for i in after} == {"m-new000000000001"}


def test_one_at_a_time_checkpoints_suspend_resume_and_rollback(sandbox_factory):
    from alibabacloud_ess20220222 import models

    sandbox = sandbox_factory(parse_scenario(REFRESH_SCENARIO))
    s = session(sandbox)
    before = _ids(s)
    task_id = _refresh(s, min_healthy_percentage=100, max_healthy_percentage=100,
                       checkpoints=[models.StartInstanceRefreshRequestCheckpoints(percentage=40)],
                       checkpoint_pause_time=60)
    task = _wait_status(s, task_id, {"CheckpointPause"})
    assert task.finished_update_capacity == 2                                    # one per batch: 40% after 2
    req = dict(region_id=REGION, scaling_group_id=RG, instance_refresh_task_id=task_id)
    s.ess.suspend_instance_refresh(models.SuspendInstanceRefreshRequest(**req))
    assert _task(s, task_id).status == "Paused"
    assert _error(lambda: s.ess.suspend_instance_refresh(models.SuspendInstanceRefreshRequest(**req))).code == (
        "IncorrectInstanceRefreshStatus")
    s.ess.resume_instance_refresh(models.ResumeInstanceRefreshRequest(**req))
    _wait_status(s, task_id, {"InProgress"})
    s.ess.rollback_instance_refresh(models.RollbackInstanceRefreshRequest(**req))
    task = _wait_status(s, task_id, {"RollbackSuccessful", "RollbackFailed"})
    assert task.status == "RollbackSuccessful"
    assert _image(s) == "m-old000000000001"
    images = {sandbox.world.ess.image_of(sandbox.world.ess.instances[i]) for i in _ids(s)}
    assert images == {"m-old000000000001"} and len(_ids(s)) == 5 and _ids(s) != before


def test_a_refresh_fails_in_the_batch_the_scenario_names_and_cancel_cancels(sandbox_factory):
    from alibabacloud_ess20220222 import models

    failing = REFRESH_SCENARIO + """
behaviour:
  ESS::InstanceRefresh:
    fail: {batch: 2, code: InstanceLaunchFailed, message: no stock}
"""
    sandbox = sandbox_factory(parse_scenario(failing))
    s = session(sandbox)
    task_id = _refresh(s, min_healthy_percentage=100, max_healthy_percentage=100)
    task = _wait_status(s, task_id, {"Failed", "Successful"})
    assert task.status == "Failed" and task.finished_update_capacity == 1 and "no stock" in task.detail
    assert _image(s) == "m-old000000000001" and len(_ids(s)) == 5
    second = _refresh(s, desired={"image_id": "m-other"})
    s.ess.cancel_instance_refresh(models.CancelInstanceRefreshRequest(region_id=REGION, scaling_group_id=RG,
                                                                      instance_refresh_task_id=second))
    assert _wait_status(s, second, {"Cancelled"}).status == "Cancelled"
