"""essctl rollout against the sandbox, through the real SDK clients: each documented rollout (image, script,
package) and an instance refresh from start to end with the instances changed batch by batch; a failure in batch 2
rolled back with --rollback-on-failure; a pause after the first batch and resume; cancel resuming the processes."""
import json

import pytest

from essctl.sandbox.scenario import parse_scenario
from tests.support.ground_truth import OOS_TEMPLATES, needs_shared

GROUP = "asg-rollout000000000001"
FAST = ("--poll-interval", "0.02")
SCENARIO = f"""
groups:
  - {{id: {GROUP}, name: web, max: 10, instances: 4, image: m-old}}
roles:
  - {{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}
"""
FIVE = ["ScaleIn", "ScaleOut", "HealthCheck", "AlarmNotification", "ScheduledAction"]


def _box(sandbox_factory, extra=""):
    return sandbox_factory(parse_scenario(SCENARIO + extra))


def _rollout(cli, box, verb, *args):
    result = cli("rollout", verb, *args, "--group", GROUP, "-o", "json", "--endpoint", box.endpoint,
                 "--region", "cn-hangzhou")
    return result, (json.loads(result.out) if result.out.strip() else None)


def _start(cli, box, *args):
    return _rollout(cli, box, "start", "--yes", "--batches", "2", *FAST, *args)


def _images(box):
    ess = box.world.ess
    return {i: ess.image_of(instance) for i, instance in ess.instances.items()}


def _suspended(box):
    return box.world.ess.groups[GROUP].get("SuspendedProcesses", [])


def _batches_done(report):
    return [(b["Batch"], b["Done"], len(b["Instances"])) for b in report["Watch"]["Batches"]]


def test_an_image_rollout_replaces_every_system_disk_batch_by_batch(cli, sandbox_factory):
    box = _box(sandbox_factory)
    before = set(_images(box))
    result, report = _start(cli, box, "--image", "m-new")
    assert result.code == 0, result.err
    assert report["Outcome"] == "succeeded" and _batches_done(report) == [(1, 2, 2), (2, 2, 2)]
    assert set(_images(box)) == before and set(_images(box).values()) == {"m-new"}
    assert _suspended(box) == []
    start = next(c for c in report["Calls"] if c["Action"] == "StartExecution")
    assert start["Parameters"]["ClientToken"].startswith("essctl-")
    assert json.loads(start["Parameters"]["Parameters"])["sourceImageId"] == "m-old"     # for a rollback
    assert "resume with" not in result.err and "essctl rollout watch exec-" in result.err


def test_a_script_rollout_runs_on_every_instance_with_outputs(cli, sandbox_factory):
    box = _box(sandbox_factory)
    result, report = _start(cli, box, "--script", "echo updated")
    assert result.code == 0, result.err
    assert json.loads(report["Watch"]["Execution"]["Outputs"]) == {"commandOutputs": ["updated\n"] * 4}
    assert _batches_done(report) == [(1, 2, 2), (2, 2, 2)]


def test_a_package_rollout_installs_on_every_instance(cli, sandbox_factory):
    box = _box(sandbox_factory)
    result, report = _start(cli, box, "--package", "nginx", "--package-version", "1.2")
    assert result.code == 0, result.err
    assert json.loads(report["Watch"]["Execution"]["Outputs"]) == {"commandOutputs": ["install nginx 1.2\n"] * 4}


def test_an_instance_refresh_replaces_the_instances_with_the_image(cli, sandbox_factory):
    box = _box(sandbox_factory)
    before = set(_images(box))
    result, report = _start(cli, box, "--engine", "instance-refresh", "--image", "m-new", "--min-healthy", "50")
    assert result.code == 0, result.err
    task = report["Watch"]["InstanceRefresh"]
    assert task["Status"] == "Successful" and task["FinishedUpdateCapacity"] == 4
    after = _images(box)
    assert not set(after) & before and set(after.values()) == {"m-new"}
    assert not [c for c in report["Calls"] if c["Service"] == "ram" and c["Mutating"]]    # ESS's own role


def test_a_failure_in_batch_2_is_diagnosed_and_rolled_back(cli, sandbox_factory):
    box = _box(sandbox_factory, """
behaviour:
  ACS-ESS-RollingUpdateByRunCommandInScalingGroup:
    fail: {task: invokeByRunCommand, batch: 2, code: CommandFailed, message: exit code 1}
""")
    result, report = _start(cli, box, "--script", "echo updated", "--rollback-script", "echo undone",
                            "--rollback-on-failure")
    assert result.code == 1, result.err
    assert report["Outcome"] == "rolled back"
    diagnosis = report["Diagnosis"]
    assert diagnosis["Batch"] == 2 and len(diagnosis["Instances"]) == 2 and "CommandFailed" in diagnosis["Message"]
    rollback = report["Rollback"]["Execution"]
    assert rollback["Status"] == "Success" and rollback["Parameters"]["invokeType"] == "rollback"
    assert json.loads(rollback["Outputs"]) == {"commandOutputs": ["undone\n"] * 2}     # batch 1's instances only
    assert _suspended(box) == []


def test_a_rollout_paused_after_the_first_batch_resumes_to_the_end(cli, sandbox_factory):
    box = _box(sandbox_factory)
    result, report = _start(cli, box, "--image", "m-new", "--pause", "first")
    assert result.code == 0, result.err
    assert report["Outcome"] == "paused" and _batches_done(report) == [(1, 2, 2), (2, 0, 2)]
    assert sorted(_images(box).values()) == ["m-new", "m-new", "m-old", "m-old"]
    assert _suspended(box) == FIVE
    rollout = report["RolloutId"]
    assert f"essctl rollout resume {rollout}" in result.err
    resumed, _ = _rollout(cli, box, "resume", rollout)
    assert resumed.code == 0, resumed.err
    watched = cli("rollout", "watch", rollout, "--group", GROUP, *FAST, "--endpoint", box.endpoint,
                  "--region", "cn-hangzhou")
    assert watched.code == 0, watched.err
    assert set(_images(box).values()) == {"m-new"} and _suspended(box) == []


def test_cancel_stops_the_rollout_and_resumes_the_processes_it_suspended(cli, sandbox_factory):
    box = _box(sandbox_factory)
    result, report = _start(cli, box, "--script", "echo updated", "--pause", "every")
    assert result.code == 0 and report["Outcome"] == "paused", result.err
    assert _suspended(box) == FIVE
    cancelled, data = _rollout(cli, box, "cancel", report["RolloutId"])
    assert cancelled.code == 0, cancelled.err
    assert data["Status"]["Status"] == "Cancelled" and _suspended(box) == []
    listed, rows = _rollout(cli, box, "list")
    assert [(r["RolloutId"], r["Status"]) for r in rows] == [(report["RolloutId"], "Cancelled")]


def test_off_a_terminal_without_yes_nothing_is_sent(cli, sandbox_factory):
    box = _box(sandbox_factory)
    result, _ = _rollout(cli, box, "start", "--script", "echo updated")
    assert result.code == 2 and "without --yes" in result.err
    assert not box.world.oos.executions and _suspended(box) == []


@pytest.mark.parametrize("flags", [("--image", "m-new", "--batches", "2"), ("--script", "echo x", "--batches", "2"),
                                   ("--package", "nginx", "--batches", "2"),
                                   ("--engine", "instance-refresh", "--image", "m-new", "--min-healthy", "50")])
def test_the_plan_is_read_only(cli, sandbox_factory, flags):
    box = _box(sandbox_factory)
    result, plan = _rollout(cli, box, "plan", *flags)
    assert result.code == 0, result.err
    assert [len(batch) for batch in plan["Batches"]] == [2, 2] and plan["Failing"] == []
    assert not box.world.oos.executions and not box.world.ram.policies and not box.world.ess.refreshes.tasks


DRY_RUNS = {
    "image": ("--image", "m-mine"), "script": ("--script", "echo mine"), "package": ("--package", "nginx"),
    "download-file": ("--template", "ACS-ESS-RollingUpdateByDownloadFileAndRunCommand",
                      "-p", "invokeSourcePath=https://example.com/a", "-p", "invokeDestinationDir=/opt",
                      "-p", "rollbackSourcePath=https://example.com/b", "-p", "rollbackDestinationDir=/opt"),
    "download-oss-file": ("--template", "ACS-ESS-RollingUpdateByDownloadOSSFileAndRunCommand",
                          "-p", "invokeBucketName=b", "-p", "invokeObjectName=a", "-p", "invokeDestinationDir=/opt",
                          "-p", "rollbackBucketName=b", "-p", "rollbackObjectName=o", "-p",
                          "rollbackDestinationDir=/opt"),
    "refresh": ("--engine", "instance-refresh", "--image", "m-mine"),
}


@pytest.mark.parametrize("kind", sorted(DRY_RUNS))
def test_a_dry_run_of_each_rollout_needs_no_credentials_nor_network(kind, tmp_path):
    from tests.support.cli import clean_env, run_essctl

    result = run_essctl("rollout", "start", *DRY_RUNS[kind], "--dry-run", "-o", "json", env=clean_env(tmp_path))
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["DryRun"] is True and report["Outcome"] == "succeeded" and report["Resume"] == []
    assert report["Calls"] and all(call["Replayed"] for call in report["Calls"])
    started = [c for c in report["Calls"] if c["Action"] in ("StartExecution", "StartInstanceRefresh")]
    assert len(started) == 1 and started[0]["Parameters"]["ClientToken"].startswith("essctl-")
    if kind != "refresh":
        assert [b["Done"] for b in report["Watch"]["Batches"]] == [2, 2]
        sent = json.loads(started[0]["Parameters"]["Parameters"])
        assert sent.get("imageId", "m-mine") == "m-mine" and sent["scalingGroupId"] == report["Plan"]["ScalingGroupId"]


@needs_shared
def test_execution_start_grants_the_template_its_policy_and_runs_it(cli, sandbox_factory):
    box = sandbox_factory(parse_scenario(SCENARIO), template_dirs=[OOS_TEMPLATES])
    result = cli("execution", "start", "ACS-ESS-AdjustScalingGroupInstanceCount", "-p", f"scalingGroupId={GROUP}",
                 "--yes", *FAST, "-o", "json", "--endpoint", box.endpoint, "--region", "cn-hangzhou")
    assert result.code == 0, result.err
    summary = json.loads(result.out.splitlines()[-1])
    assert summary["Event"] == "summary" and summary["Executions"][0]["Status"] == "Success"
    assert "Essctl-AdjustScalingGroupInstanceCount" in box.world.ram.policies
    refused = cli("execution", "start", "ACS-ESS-AdjustScalingGroupInstanceCount", "-p", f"scalingGroupId={GROUP}",
                  "--endpoint", box.endpoint, "--region", "cn-hangzhou")
    assert refused.code == 2 and "without --yes" in refused.err
    assert len(box.world.oos.executions) == 1


def test_an_instance_refresh_pauses_at_its_checkpoint_is_suspended_resumed_and_rolled_back(cli, sandbox_factory):
    box = _box(sandbox_factory)
    before = _images(box)
    result, report = _start(cli, box, "--engine", "instance-refresh", "--image", "m-new", "--checkpoint", "25")
    assert result.code == 0 and report["Outcome"] == "paused", result.err
    task = report["RolloutId"]
    assert report["Watch"]["InstanceRefresh"]["Status"] == "CheckpointPause"
    assert f"essctl rollout resume {task}" in result.err
    paused, data = _rollout(cli, box, "pause", task)
    assert paused.code == 0 and data["Status"]["Status"] == "Paused", paused.err
    resumed, data = _rollout(cli, box, "resume", task)
    assert resumed.code == 0 and data["Status"]["Status"] == "InProgress", resumed.err
    rolled, data = _rollout(cli, box, "rollback", task, "--yes")
    assert rolled.code == 0 and data["Status"]["Status"] == "RollbackInProgress", rolled.err
    watched = cli("rollout", "watch", task, "--group", GROUP, *FAST, "--endpoint", box.endpoint,
                  "--region", "cn-hangzhou", "-o", "json")
    assert watched.code == 0, watched.err
    assert json.loads(watched.out.splitlines()[-1])["Status"] == "RollbackSuccessful"
    assert set(_images(box).values()) == {"m-old"} and len(_images(box)) == len(before)


def test_an_instance_refresh_is_cancelled(cli, sandbox_factory):
    box = _box(sandbox_factory)
    result, report = _start(cli, box, "--engine", "instance-refresh", "--image", "m-new", "--checkpoint", "25")
    assert result.code == 0, result.err
    cancelled, data = _rollout(cli, box, "cancel", report["RolloutId"])
    assert cancelled.code == 0, cancelled.err
    assert data["Calls"] == ["ess:CancelInstanceRefresh"]
    assert data["Status"]["Status"] in ("Cancelling", "Cancelled")
