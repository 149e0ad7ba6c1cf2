"""The rollout core over the in-memory gateways: the template a change picks, batches as Fn::CalculateBatch makes
them, the plan (instances, processes, the policy derived from Alibaba's own template, failing preconditions), the
watch batch by batch, pause/resume/cancel/rollback, and List parameters checked item by item."""
from __future__ import annotations

import pytest

from essctl.cloud.resources import Execution, InstanceRefresh, ScalingInstance, TaskExecution
from essctl.errors import PreconditionFailed, UsageError
from essctl.events import BatchChanged, RefreshChanged
from essctl.facts import rollout as facts
from essctl.rollout import control
from essctl.rollout.model import Change, RolloutSpec, choose
from essctl.rollout.plan import make_rollout_plan
from essctl.rollout.run import WatchOptions, follow, start_rollout
from essctl.template.model import parse_template
from essctl.template.parameters import ParameterError, notification_metadata, typed_values
from essctl.watch.watcher import Pacing
from tests.support.ground_truth import OOS_TEMPLATES, needs_shared

GROUP = "asg-fake0001"
SCRIPT = facts.BY_KIND["script"].name
IMAGE = facts.BY_KIND["image"].name
PACKAGE = facts.BY_KIND["package"].name
NO_WAIT = Pacing(first=0.0, longest=0.0, sleep=lambda _s: None)   # a fake answers at once


def _load(cloud, *names):
    for name in names:
        cloud.oos.templates[name] = (OOS_TEMPLATES / "PublicTemplates" / f"{name}.yml").read_text(encoding="utf-8")
    for path in (OOS_TEMPLATES / "CloudProductActions").glob("*.yml"):
        cloud.oos.templates[path.stem] = path.read_text(encoding="utf-8")


def _instances(cloud, count, state="InService", config="asc-fake1"):
    cloud.ess.instances[GROUP] = [ScalingInstance(id=f"i-{n:03d}", lifecycle_state=state,
                                                  scaling_configuration_id=config) for n in range(count)]


def _spec(template=SCRIPT, params=None, **fields):
    return RolloutSpec(group_id=GROUP, engine=fields.pop("engine", facts.ENGINE_OOS), template=template,
                       parameters=params if params is not None else {"invokeScript": "echo hi"}, **fields)


def test_each_flag_picks_its_documented_template():
    assert choose(Change(image="m-1")) == (IMAGE, {"imageId": "m-1"})
    assert choose(Change(script="echo", rollback_script="undo")) == (SCRIPT, {"invokeScript": "echo",
                                                                               "rollbackScript": "undo"})
    assert choose(Change(package="nginx", package_version="1.2")) == (
        PACKAGE, {"packageName": "nginx", "packageVersion": "1.2", "action": "install"})
    name = "ACS-ESS-RollingUpdateByDownloadFileAndRunCommand"
    assert choose(Change(template=name, parameters={"invokeScript": "x"})) == (name, {"invokeScript": "x"})
    with pytest.raises(UsageError, match="give one of"):
        choose(Change(image="m-1", script="echo"))
    with pytest.raises(UsageError, match="not a rolling-update template"):
        choose(Change(template="ACS-ESS-LifeCycleRunCommand"))
    with pytest.raises(UsageError, match="--image"):
        choose(Change(script="echo"), engine=facts.ENGINE_REFRESH)


@pytest.mark.parametrize("count, number, sizes", [(10, 5, [2, 2, 2, 2, 2]), (7, 3, [3, 3, 1]), (2, 5, [1, 1]),
                                                  (1, 1, [1]), (0, 5, [])])
def test_batches_are_ceil_n_over_batch_number_each(count, number, sizes):
    assert [len(b) for b in facts.batches_of(list(range(count)), number)] == sizes


@needs_shared
def test_list_parameters_with_allowed_values_are_checked_item_by_item():
    template = parse_template((OOS_TEMPLATES / "PublicTemplates" / f"{SCRIPT}.yml").read_text(encoding="utf-8"),
                              name=SCRIPT, source="file")
    required = {"invokeType": "invoke", "scalingGroupId": GROUP}
    assert '"lifecycleState":"[\\"InService\\"]"' in notification_metadata(
        template, {**required, "lifecycleState": "InService"})
    notification_metadata(template, {**required, "lifecycleState": '["InService","Protected"]'})
    with pytest.raises(ParameterError, match="lifecycleState: must be one of InService, Protected, got 'Standby'"):
        notification_metadata(template, {**required, "lifecycleState": "InService,Standby"})
    assert typed_values(template, {"invokeType": "invoke", "scalingGroupId": GROUP,
                                         "lifecycleState": "Protected"})["lifecycleState"] == ["Protected"]


@needs_shared
def test_the_plan_shows_batches_processes_the_derived_policy_and_the_start(cloud):
    _load(cloud, SCRIPT)
    _instances(cloud, 5)
    cloud.ess.instances[GROUP].append(ScalingInstance(id="i-pending", lifecycle_state="Pending"))
    plan = make_rollout_plan(cloud, _spec(batches=2, pause="first"))
    assert plan.batches == (("i-000", "i-001", "i-002"), ("i-003", "i-004"))
    assert [i.id for i in plan.skipped] == ["i-pending"]
    assert [(c.kind, c.verb) for c in plan.changes] == [("role", "none"), ("policy", "create"),
                                                         ("attachment", "attach"), ("rollout", "create")]
    document = plan.changes[1].request()["PolicyDocument"]
    assert "ess:SuspendProcesses" in document and "ecs:RunCommand" in document
    started = plan.start.request()["Parameters"]
    assert started["batchPauseOption"] == "FirstBatchPause" and started["batchNumber"] == 2
    assert started["enterProcess"] == list(facts.DEFAULT_PROCESSES) and started["OOSAssumeRole"] == "OOSServiceRole"
    assert plan.failing == ()
    assert not [m for m in cloud.mutations() if m not in ("group_instances", "configuration_image")]


@needs_shared
def test_an_image_update_fails_its_precondition_for_instances_without_a_scaling_configuration(cloud):
    _load(cloud, IMAGE)
    _instances(cloud, 2, config=None)
    cloud.ess.groups[GROUP] = cloud.ess.groups[GROUP].__class__(id=GROUP, lifecycle_state="Active",
                                                                scaling_configuration_id="asc-1")
    cloud.ess.images["asc-1"] = "m-old"
    plan = make_rollout_plan(cloud, _spec(IMAGE, {"imageId": "m-new"}))
    assert any("not created from a scaling configuration" in text for text in plan.failing)
    assert plan.parameters["sourceImageId"] == "m-old"      # kept for the rollback
    with pytest.raises(PreconditionFailed, match="nothing was started"):
        start_rollout(cloud, _spec(IMAGE, {"imageId": "m-new"}), WatchOptions(pacing=NO_WAIT),
                      confirm=lambda _plan: True, emit=lambda _e: None)
    assert not cloud.oos.started


def _iteration(parent, n, status):
    return TaskExecution(id=f"t-{n}", name="invokeByRunCommand", parent_id=parent, status=status,
                         loop_item={"InstanceId": f"i-{n:03d}", "LifecycleState": "InService"})


def _answers(execution_id, parameters, *rounds):
    """(execution, tasks) answers: each round a status and the iteration statuses."""
    answers = []
    for status, states in rounds:
        loop = TaskExecution(id="t-loop", name="invokeByRunCommand", status="Running")
        tasks = [loop, *(_iteration("t-loop", n, s) for n, s in enumerate(states))]
        answers.append((Execution(id=execution_id, template_name=SCRIPT, status=status, parameters=parameters,
                                  status_message="Failed: InvalidCommand exit 1" if status == "Failed" else None),
                        tasks))
    return answers


@needs_shared
def test_start_watches_batch_by_batch_and_a_failure_in_batch_2_rolls_back(cloud):
    _load(cloud, SCRIPT)
    _instances(cloud, 4)
    events = []
    spec = _spec(params={"invokeScript": "echo hi", "rollbackScript": "echo undo"}, batches=2,
                 rollback_on_failure=True)

    def confirm(plan):
        execution_id = "exec-fake000001"
        cloud.oos.executions[execution_id] = _answers(
            execution_id, plan.parameters, ("Running", ["Success", "Running"]), ("Running", ["Success", "Success",
                                                                                           "Running"]),
            ("Failed", ["Success", "Success", "Failed", "Success"]))
        cloud.oos.executions["exec-fake000002"] = [(Execution(id="exec-fake000002", template_name=SCRIPT,
                                                              status="Success"), [])]
        return True

    report = start_rollout(cloud, spec, WatchOptions(timeout=5, pacing=NO_WAIT), confirm=confirm, emit=events.append)
    batches = [e for e in events if isinstance(e, BatchChanged)]
    assert (batches[-1].batch, batches[-1].of, batches[-1].failed) == (2, 2, 1)
    assert any(e.batch == 1 and e.done == 2 for e in batches)
    assert report.diagnosis.batch == 2 and report.diagnosis.instances == ("i-002",)
    template, parameters, token, tags = cloud.oos.started[-1]
    assert parameters["invokeType"] == "rollback" and parameters["sourceExecutionId"] == "exec-fake000001"
    assert parameters["rollbackScript"] == "echo undo" and tags == {facts.GROUP_TAG: GROUP}
    assert cloud.oos.started[0][2] != token and token.startswith("essctl-")
    assert report.outcome == "rolled back" and int(report.exit_code) == 1
    assert report.resume()[0] == f"essctl rollout watch exec-fake000002 --group {GROUP} --region cn-hangzhou"


@needs_shared
def test_declined_or_refused_confirmation_sends_nothing(cloud):
    _load(cloud, SCRIPT)
    _instances(cloud, 2)
    report = start_rollout(cloud, _spec(), WatchOptions(pacing=NO_WAIT), confirm=lambda _p: False,
                           emit=lambda _e: None)
    assert report.outcome == "cancelled" and int(report.exit_code) == 1
    assert not cloud.oos.started and "create_policy" not in cloud.mutations()


def test_a_paused_batch_ends_the_watch_and_resume_notifies_the_execution(cloud):
    execution_id = "exec-paused"
    params = {"batchNumber": 2, "batchPauseOption": "FirstBatchPause", "enterProcess": ["ScaleIn"]}
    cloud.oos.executions[execution_id] = _answers(execution_id, params, ("Waiting", ["Success", "Success"]))
    seen = follow(cloud, GROUP, execution_id, WatchOptions(pacing=NO_WAIT), lambda _e: None)
    assert seen.paused and not seen.failed
    with pytest.raises(PreconditionFailed, match="not found"):
        control.resume(cloud, GROUP, "exec-missing")
    result = control.resume(cloud, GROUP, execution_id)
    assert ("oos", "notify_execution", {"execution_id": execution_id, "notify_type": facts.NOTIFY_RESUME}) \
        in cloud.calls
    assert result.status.status == "Running"


def test_an_automatic_rollout_cannot_be_paused_by_oos(cloud):
    cloud.oos.executions["exec-a"] = _answers("exec-a", {"batchPauseOption": "Automatic"}, ("Running", ["Running"]))
    with pytest.raises(PreconditionFailed, match="pauses itself between batches only"):
        control.pause(cloud, GROUP, "exec-a")
    assert "notify_execution" not in cloud.mutations()


def test_cancel_resumes_the_processes_the_rollout_suspended(cloud):
    cloud.oos.executions["exec-c"] = _answers("exec-c", {"enterProcess": ["ScaleIn", "ScaleOut"]},
                                              ("Running", ["Running"]))
    cloud.ess.suspended[GROUP] = {"ScaleIn", "ScaleOut", "HealthCheck"}     # HealthCheck: suspended by someone else
    result = control.cancel(cloud, GROUP, "exec-c")
    assert result.status.status == "Cancelled"
    assert cloud.ess.suspended[GROUP] == {"HealthCheck"}
    assert result.calls == ("oos:CancelExecution", "ess:ResumeProcesses ScaleIn,ScaleOut")


def test_a_package_rollback_uninstalls_unless_a_previous_version_is_given(cloud):
    source = {"packageName": "nginx", "packageVersion": "2", "action": "install", "batchNumber": 1,
              "scalingGroupId": GROUP, "invokeType": "invoke"}
    cloud.oos.executions["exec-p"] = [(Execution(id="exec-p", template_name=PACKAGE, status="Success",
                                                 parameters=source), [])]
    control.rollback(cloud, GROUP, "exec-p", {})
    assert cloud.oos.started[-1][1]["action"] == "uninstall"
    control.rollback(cloud, GROUP, "exec-p", {"packageVersion": "1"})
    assert cloud.oos.started[-1][1]["packageVersion"] == "1" and cloud.oos.started[-1][1]["action"] == "install"


def test_an_instance_refresh_is_followed_to_its_end_and_paused_resumed_cancelled(cloud):
    task = "ir-1"
    cloud.ess.refreshes[task] = [InstanceRefresh(id=task, status="InProgress", finished=1, total=4),
                                 InstanceRefresh(id=task, status="InProgress", finished=3, total=4),
                                 InstanceRefresh(id=task, status="Successful", finished=4, total=4)]
    events = []
    seen = follow(cloud, GROUP, task, WatchOptions(pacing=NO_WAIT), events.append)
    assert seen.succeeded
    assert [e.finished for e in events if isinstance(e, RefreshChanged)] == [1, 3, 4]
    assert control.pause(cloud, GROUP, task).status.status == "Paused"
    assert control.resume(cloud, GROUP, task).status.status == "InProgress"
    assert control.cancel(cloud, GROUP, task).status.status == "Cancelled"


@needs_shared
def test_instance_refresh_plan_needs_no_role_and_starts_with_the_image(cloud):
    _instances(cloud, 3)
    plan = make_rollout_plan(cloud, _spec(None, {}, engine=facts.ENGINE_REFRESH, image="m-new", min_healthy=50,
                                          checkpoints=(50,)))
    assert [c.kind for c in plan.changes] == ["rollout"]
    assert plan.start.request() == {"ScalingGroupId": GROUP, "DesiredConfiguration": {"ImageId": "m-new"},
                                    "MinHealthyPercentage": 50, "Checkpoints": [{"Percentage": 50}]}


@needs_shared
def test_ctrl_c_during_the_watch_ends_130_and_names_the_command_that_resumes(cloud):
    from essctl.render.rollout_views import stopped_line

    _load(cloud, SCRIPT)
    _instances(cloud, 2)

    def confirm(plan):
        cloud.oos.executions["exec-fake000001"] = _answers("exec-fake000001", plan.parameters,
                                                           ("Running", ["Running"]))
        return True

    def emit(event):
        if isinstance(event, BatchChanged):
            raise KeyboardInterrupt

    report = start_rollout(cloud, _spec(), WatchOptions(timeout=5, pacing=NO_WAIT), confirm=confirm, emit=emit)
    assert report.outcome == "interrupted" and int(report.exit_code) == 130
    assert stopped_line(report) == ("essctl: interrupted during the watch; rollout exec-fake000001 goes on: essctl "
                                    f"rollout watch exec-fake000001 --group {GROUP} --region cn-hangzhou")
