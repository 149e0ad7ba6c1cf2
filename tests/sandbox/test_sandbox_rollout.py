"""Rolling updates in the sandbox, through the real SDK clients: SuspendProcesses/ResumeProcesses and their effect
on scaling, ESS instance refresh, and the OOS rolling-update templates (batches, pause, resume, rollback)."""
import json

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


def test_list_templates_filters_and_pages(sandbox_factory, tmp_path):
    from alibabacloud_oos20190601 import models

    (tmp_path / "MyPrivateRollout.yaml").write_text(
        "FormatVersion: OOS-2019-06-01\nDescription: mine\nParameters: {}\nTasks:\n"
        "- Name: wait\n  Action: ACS::Sleep\n  Properties: {Duration: PT1S}\n", encoding="utf-8")
    sandbox = sandbox_factory(template_dirs=[tmp_path])
    s = session(sandbox)

    def listed(**filters):
        names, token = [], None
        while True:
            body = s.oos.list_templates(models.ListTemplatesRequest(max_results=10, next_token=token,
                                                                    **filters)).body
            names += [t.template_name for t in body.templates]
            token = body.next_token
            if not token:
                return names, body

    rolling, body = listed(template_name="RollingUpdate", share_type="Public")
    assert "ACS-ESS-RollingUpdateByRunCommandInScalingGroup" in rolling and all("RollingUpdate" in n for n in rolling)
    assert listed(share_type="Private")[0] == ["MyPrivateRollout"]
    assert listed(created_by="ACS", template_name="MyPrivate")[0] == []
    everything, _ = listed()
    assert len(everything) == len(set(everything)) > 10                        # more than one page, no repeats
    assert _error(lambda: s.oos.list_templates(models.ListTemplatesRequest(share_type="Shared"))).code == (
        "InvalidParameter")


# --- the OOS rolling-update templates (built-in stand-ins, and the public files when ../shared is there) ---------

IMAGE = "ACS-ESS-RollingUpdateByReplaceSystemDiskInScalingGroup"
SCRIPT = "ACS-ESS-RollingUpdateByRunCommandInScalingGroup"
PACKAGE = "ACS-ESS-RollingUpdateByConfigureOOSPackage"
ROLLING_SCENARIO = REFRESH_SCENARIO.replace("instances: 5", "instances: 4").replace("m-old000000000001", "m-old")
FIVE = ["ScaleIn", "ScaleOut", "HealthCheck", "AlarmNotification", "ScheduledAction"]


def _template_dirs():
    from tests.support.ground_truth import OOS_TEMPLATES

    return [[]] + ([[OOS_TEMPLATES]] if OOS_TEMPLATES.is_dir() else [])


def _start(s, template, **parameters):
    import json

    from alibabacloud_oos20190601 import models

    parameters = {"scalingGroupId": RG, "invokeType": "invoke", **parameters}
    return s.oos.start_execution(models.StartExecutionRequest(
        template_name=template, parameters=json.dumps(parameters))).body.execution.execution_id


def _execution(s, execution_id):
    from alibabacloud_oos20190601 import models

    return s.oos.list_executions(models.ListExecutionsRequest(execution_id=execution_id)).body.executions[0]


def _until(s, execution_id, statuses=("Success", "Failed", "Cancelled"), timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = _execution(s, execution_id)
        if execution.status in statuses:
            return execution
        time.sleep(0.05)
    raise AssertionError(f"{execution_id} stayed {execution.status}")


def _images(sandbox):
    ess = sandbox.world.ess
    return {i: ess.image_of(instance) for i, instance in ess.instances.items()}


def _batches(s, execution_id, task):
    """Loop items of a task by batch number: {1: [instance, ...], ...} from ListTaskExecutions."""
    import json

    from alibabacloud_oos20190601 import models

    runs = s.oos.list_task_executions(models.ListTaskExecutionsRequest(
        execution_id=execution_id, include_child_task_execution=True, max_results=100)).body.task_executions
    found = {}
    for run in runs:
        if run.task_name == task and run.parent_task_execution_id:
            item = json.loads(run.loop_item) if run.loop_item.startswith("{") else run.loop_item
            found.setdefault(run.loop_batch_number, []).append(item["InstanceId"] if isinstance(item, dict) else item)
    return found


@pytest.mark.parametrize("dirs", _template_dirs(), ids=lambda d: "public-files" if d else "stand-ins")
def test_an_image_rollout_pauses_after_the_first_batch_resumes_and_rolls_back(sandbox_factory, dirs):
    from alibabacloud_oos20190601 import models

    sandbox = sandbox_factory(parse_scenario(ROLLING_SCENARIO), template_dirs=dirs)
    s = session(sandbox)
    execution_id = _start(s, IMAGE, imageId="m-new", batchNumber=2, batchPauseOption="FirstBatchPause",
                          lifecycleState=["InService"])
    waiting = _until(s, execution_id, ("Waiting", "Success", "Failed"))
    assert waiting.status == "Waiting" and "batch 1 of 2" in waiting.status_message
    first = _batches(s, execution_id, "invokeByReplaceImage")[1]
    assert len(first) == 2 and sorted(_images(sandbox).values()) == ["m-new", "m-new", "m-old", "m-old"]
    assert {i for i, image in _images(sandbox).items() if image == "m-new"} == set(first)
    assert _group(s, RG).suspended_processes == FIVE                               # suspended while it runs
    s.oos.notify_execution(models.NotifyExecutionRequest(execution_id=execution_id, notify_type="Approve"))
    done = _until(s, execution_id)
    assert done.status == "Success" and set(_images(sandbox).values()) == {"m-new"}
    assert _group(s, RG).suspended_processes == []                                 # and resumed at the end
    assert len(json.loads(done.outputs)["commandOutputs"]) == 4                  # a new system disk each
    back = _start(s, IMAGE, invokeType="rollback", sourceExecutionId=execution_id, sourceImageId="m-old",
                  batchNumber=2)
    assert _until(s, back).status == "Success" and set(_images(sandbox).values()) == {"m-old"}
    assert _group(s, RG).suspended_processes == []


@pytest.mark.parametrize("dirs", _template_dirs(), ids=lambda d: "public-files" if d else "stand-ins")
def test_a_script_rollout_failing_in_batch_2_stops_there_and_rolls_back_with_the_rollback_script(sandbox_factory,
                                                                                                   dirs):
    failing = ROLLING_SCENARIO + f"""
behaviour:
  {SCRIPT}:
    fail: {{task: invokeByRunCommand, batch: 2, code: CommandFailed, message: exit code 1}}
"""
    sandbox = sandbox_factory(parse_scenario(failing), template_dirs=dirs)
    s = session(sandbox)
    execution_id = _start(s, SCRIPT, invokeScript="echo updated", rollbackScript="echo restored", batchNumber=2)
    failed = _until(s, execution_id)
    assert failed.status == "Failed" and "CommandFailed: exit code 1" in failed.status_message
    batches = _batches(s, execution_id, "invokeByRunCommand")
    assert sorted(batches) == [1, 2] and len(batches[1]) == 2
    assert _group(s, RG).suspended_processes == FIVE            # the template resumes nothing when it fails
    back = _start(s, SCRIPT, invokeType="rollback", sourceExecutionId=execution_id, rollbackScript="echo restored",
                  batchNumber=2)
    done = _until(s, back)
    # the rollback runs on the instances the source execution reached (its child executions): batch 1 ran, batch 2
    # failed before it started any
    assert done.status == "Success" and json.loads(done.outputs)["commandOutputs"] == ["restored\n"] * 2


def test_a_package_rollout_gives_per_instance_outputs_and_rolls_back_to_the_previous_version(sandbox_factory):
    sandbox = sandbox_factory(parse_scenario(ROLLING_SCENARIO))
    s = session(sandbox)
    execution_id = _start(s, PACKAGE, packageName="nginx", packageVersion="1.2", batchNumber=4)
    done = _until(s, execution_id)
    assert done.status == "Success" and json.loads(done.outputs)["commandOutputs"] == ["install nginx 1.2\n"] * 4
    assert sorted(len(b) for b in _batches(s, execution_id, "invokeByConfigureOOSPackage").values()) == [1, 1, 1, 1]
    back = _start(s, PACKAGE, invokeType="rollback", sourceExecutionId=execution_id, packageName="nginx",
                  packageVersion="1.1")
    assert json.loads(_until(s, back).outputs)["commandOutputs"] == ["install nginx 1.1\n"] * 4


def test_cancel_stops_a_paused_rollout_and_leaves_the_processes_for_the_caller(sandbox_factory):
    from alibabacloud_oos20190601 import models

    sandbox = sandbox_factory(parse_scenario(ROLLING_SCENARIO))
    s = session(sandbox)
    execution_id = _start(s, IMAGE, imageId="m-new", batchNumber=4, batchPauseOption="EveryBatchPause")
    assert _until(s, execution_id, ("Waiting",)).status == "Waiting"
    s.oos.notify_execution(models.NotifyExecutionRequest(execution_id=execution_id, notify_type="Approve"))
    assert "batch 2 of 4" in _until(s, execution_id, ("Waiting",)).status_message
    s.oos.cancel_execution(models.CancelExecutionRequest(execution_id=execution_id))
    cancelled = _execution(s, execution_id)
    assert cancelled.status == "Cancelled" and sorted(_images(sandbox).values()).count("m-new") == 2
    assert _group(s, RG).suspended_processes == FIVE
    _processes(s, FIVE, resume=True, group=RG)
    assert _group(s, RG).suspended_processes == []
    error = _error(lambda: s.oos.notify_execution(models.NotifyExecutionRequest(execution_id=execution_id,
                                                                                notify_type="Approve")))
    assert error.code == "InvalidStatus.Execution"


def test_list_parameters_are_checked_item_by_item(sandbox_factory):
    sandbox = sandbox_factory(parse_scenario(ROLLING_SCENARIO))
    s = session(sandbox)
    assert _until(s, _start(s, SCRIPT, invokeScript="echo x", lifecycleState=["InService", "Protected"])).status == (
        "Success")
    error = _error(lambda: _start(s, SCRIPT, invokeScript="echo x", lifecycleState=["InService", "Standby"]))
    assert error.code == "InvalidParameter" and "'Standby'" in error.message


DOWNLOADS = {
    "ACS-ESS-RollingUpdateByDownloadFileAndRunCommand": {
        "invokeSourcePath": "https://example.com/app-2.tgz", "invokeDestinationDir": "/opt/app",
        "rollbackSourcePath": "https://example.com/app-1.tgz", "rollbackDestinationDir": "/opt/app"},
    "ACS-ESS-RollingUpdateByDownloadOSSFileAndRunCommand": {
        "invokeBucketName": "apps", "invokeObjectName": "app-2.tgz", "invokeDestinationDir": "/opt/app",
        "rollbackBucketName": "apps", "rollbackObjectName": "app-1.tgz", "rollbackDestinationDir": "/opt/app"}}


@pytest.mark.parametrize("dirs", _template_dirs(), ids=lambda d: "public-files" if d else "stand-ins")
@pytest.mark.parametrize("template", sorted(DOWNLOADS))
def test_the_download_variants_run_their_script_per_instance_and_roll_back(sandbox_factory, template, dirs):
    sandbox = sandbox_factory(parse_scenario(ROLLING_SCENARIO), template_dirs=dirs)
    s = session(sandbox)
    execution_id = _start(s, template, invokeScript="echo v2", rollbackScript="echo v1", batchNumber=2,
                          **DOWNLOADS[template])
    done = _until(s, execution_id)
    assert done.status == "Success" and json.loads(done.outputs)["commandOutputs"] == ["v2\n"] * 4
    assert _group(s, RG).suspended_processes == []
    back = _start(s, template, invokeType="rollback", sourceExecutionId=execution_id, invokeScript="echo v2",
                  rollbackScript="echo v1", batchNumber=2, **DOWNLOADS[template])
    assert json.loads(_until(s, back).outputs)["commandOutputs"] == ["v1\n"] * 4


def test_a_failure_injected_for_one_instance_fails_only_its_item(sandbox_factory):
    probe = sandbox_factory(parse_scenario(ROLLING_SCENARIO))
    victim = sorted(probe.world.ess.instances)[0]             # ids are deterministic per scenario
    failing = ROLLING_SCENARIO + f"""
behaviour:
  {IMAGE}:
    fail: {{instance: {victim}, code: DiskReplaceFailed, message: the disk is busy}}
"""
    sandbox = sandbox_factory(parse_scenario(failing))
    s = session(sandbox)
    execution_id = _start(s, IMAGE, imageId="m-new", batchNumber=1, maxErrors=1)
    done = _until(s, execution_id)
    images = _images(sandbox)
    assert done.status == "Success"                          # maxErrors 1 forgives one failed instance
    assert images[victim] == "m-old" and sorted(images.values()).count("m-new") == 3


def test_a_paused_rollout_survives_a_restart_with_a_state_file(sandbox_factory, tmp_path):
    from alibabacloud_oos20190601 import models

    state = tmp_path / "world.json"
    first = sandbox_factory(parse_scenario(ROLLING_SCENARIO), state_file=state)
    s = session(first)
    execution_id = _start(s, IMAGE, imageId="m-new", batchNumber=2, batchPauseOption="FirstBatchPause")
    assert _until(s, execution_id, ("Waiting",)).status == "Waiting"
    first.stop()
    again = sandbox_factory(parse_scenario(ROLLING_SCENARIO), state_file=state)
    s = session(again)
    assert _execution(s, execution_id).status == "Waiting"
    s.oos.notify_execution(models.NotifyExecutionRequest(execution_id=execution_id, notify_type="Approve"))
    assert _until(s, execution_id).status == "Success" and set(_images(again).values()) == {"m-new"}


def test_start_execution_loop_mode_pauses_a_loop_that_does_not_say_otherwise(sandbox_factory):
    from alibabacloud_oos20190601 import models

    sandbox = sandbox_factory(parse_scenario(ROLLING_SCENARIO))
    s = session(sandbox)
    execution_id = s.oos.start_execution(models.StartExecutionRequest(
        template_name=SCRIPT, loop_mode="FirstBatchPause", parameters=json.dumps(
            {"scalingGroupId": RG, "invokeType": "invoke", "invokeScript": "echo x", "batchNumber": 2}))
    ).body.execution.execution_id
    assert "batch 1 of 2" in _until(s, execution_id, ("Waiting",)).status_message
    s.oos.notify_execution(models.NotifyExecutionRequest(execution_id=execution_id, notify_type="Reject"))
    assert _execution(s, execution_id).status == "Cancelled"


def test_a_refresh_batch_is_a_scaling_activity_that_blocks_rule_executions(sandbox_factory):
    from tests.support.sandbox_steps import activities

    sandbox = sandbox_factory(parse_scenario(REFRESH_SCENARIO), speed=50)    # a batch: 1.2 s, room to call
    s = session(sandbox)
    rule = create_rule(s, group=RG, change=1)
    task_id = _refresh(s, min_healthy_percentage=60, max_healthy_percentage=100)     # 2 at a time
    _wait_status(s, task_id, {"InProgress"})
    import time

    deadline = time.monotonic() + 10
    while not any(a.status_code == "InProgress" for a in activities(s, RG)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _error(lambda: execute(s, rule)).code == "ScalingActivityInProgress"
    _wait_status(s, task_id, {"Successful"})
    done = activities(s, RG)
    assert len(done) == 3 and {a.status_code for a in done} == {"Successful"}
    assert sorted(len(a.created_instances) for a in done) == [1, 2, 2]
    assert all(a.trigger_source_id == task_id for a in done)
