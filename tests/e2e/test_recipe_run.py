"""recipe plan / run / teardown against the sandbox, through the real SDK clients (signing, retries, error mapping)."""
import json

import pytest

from essctl.recipe.catalog import builtin_recipe_paths, find_recipe
from tests.support.recipe_examples import example_arguments

GROUP = "asg-sandbox000000000001"
FAST = ("--poll-interval", "0.02")


def _hooks(box):
    return [hook for hook in box.backends.ess.hooks.values() if hook["ScalingGroupId"] == GROUP]


def _examples(name):
    return example_arguments(find_recipe(name))


def _cloud(sandbox):
    return ("--endpoint", sandbox.endpoint, "--region", "cn-hangzhou")


def _run(cli, sandbox, name, *extra):
    result = cli("recipe", "run", name, "--group", GROUP, "--yes", "-o", "json", *FAST, *_cloud(sandbox),
                 *_examples(name) if not str(name).endswith(".yaml") else (), *extra)
    return result, (json.loads(result.out) if result.out.strip() else None)


@pytest.mark.parametrize("name", sorted(builtin_recipe_paths()))
def test_every_builtin_recipe_runs_live_to_success(cli, sandbox, name):
    result, report = _run(cli, sandbox, name)
    assert result.code == 0, result.err
    assert report["Outcome"] == "succeeded"
    watch = report["Watch"]
    assert watch["Activity"]["StatusCode"] == "Successful"
    assert [e["Status"] for e in watch["Executions"]] == ["Success"]
    assert all(i["State"] == "InService" for i in watch["Instances"])
    recipe = find_recipe(name)
    hooks = {h["LifecycleHookName"]: h for h in _hooks(sandbox)}
    assert set(hooks) == {stage.hook.name for stage in recipe.stages}
    main = hooks[recipe.stages[0].hook.name]
    assert main["NotificationArn"] == f"acs:oos:cn-hangzhou:1234567890123456:template/{recipe.stages[0].template}"
    created = [c for c in report["Calls"] if c["Mutating"]]
    assert created[-1]["Action"] == "ExecuteScalingRule" and created[-1]["Parameters"]["ClientToken"]


def test_second_run_changes_nothing_but_the_trigger(cli, sandbox):
    first, _ = _run(cli, sandbox, "redis-whitelist")
    assert first.code == 0, first.err
    again, report = _run(cli, sandbox, "redis-whitelist", "--no-trigger")
    assert again.code == 0, again.err
    assert report["Outcome"] == "applied"
    assert [c["Action"] for c in report["Calls"] if c["Mutating"]] == []
    assert {step["Outcome"] for step in report["Applied"]} == {"unchanged"}
    third, report = _run(cli, sandbox, "redis-whitelist")
    assert third.code == 0, third.err
    assert [c["Action"] for c in report["Calls"] if c["Mutating"]] == ["ExecuteScalingRule"]


def test_plan_is_read_only_and_shows_the_hook_it_would_create(cli, sandbox):
    result = cli("recipe", "plan", "run-command", "--group", GROUP, "-o", "table", *_cloud(sandbox),
                 "-p", "commandContent=echo hi")
    assert result.code == 0, result.err
    assert "+ hook ESSHookForRunCommand" in result.out
    assert "NotificationArn: acs:oos:cn-hangzhou:1234567890123456:template/ACS-ESS-LifeCycleRunCommand" in result.out
    assert '"commandContent": "echo hi"' in result.out      # NotificationMetadata, one member a line
    assert _hooks(sandbox) == []
    assert sandbox.faults.calls("CreatePolicy") == 0


def test_changed_input_updates_the_hook_in_place(cli, sandbox):
    _run(cli, sandbox, "run-command", "--no-trigger")
    hook_id = _hooks(sandbox)[0]["LifecycleHookId"]
    result = cli("recipe", "run", "run-command", "--group", GROUP, "--yes", "-o", "json", "--no-trigger",
                 *_cloud(sandbox), "-p", "commandContent=echo changed")
    report = json.loads(result.out)
    assert [c["Action"] for c in report["Calls"] if c["Mutating"]] == ["ModifyLifecycleHook"]
    hooks = _hooks(sandbox)
    assert [h["LifecycleHookId"] for h in hooks] == [hook_id]
    assert json.loads(hooks[0]["NotificationMetadata"])["commandContent"] == "echo changed"


def test_teardown_removes_hook_rule_and_policy(cli, sandbox):
    _run(cli, sandbox, "run-command", "--no-trigger")
    result = cli("recipe", "teardown", "run-command", "--group", GROUP, "--policy", "--yes", "-o", "json",
                 *_cloud(sandbox))
    assert result.code == 0, result.err
    outcomes = {(d["Kind"], d["Outcome"]) for d in json.loads(result.out)["Done"]}
    assert outcomes == {("hook", "deleted"), ("rule", "deleted"), ("attachment", "detached"), ("policy", "deleted")}
    assert _hooks(sandbox) == []
    assert "ESSHookPolicyForRunCommand" not in sandbox.backends.ram.policies


def test_without_yes_off_a_terminal_nothing_is_changed(cli, sandbox):
    result = cli("recipe", "run", "run-command", "--group", GROUP, *_cloud(sandbox), "-p", "commandContent=x")
    assert result.code == 2
    assert "without --yes" in result.err
    assert sandbox.faults.calls("CreatePolicy") == 0 and _hooks(sandbox) == []


def test_missing_role_is_reported_before_any_change(cli, sandbox_factory, tmp_path):
    scenario = tmp_path / "norole.yaml"
    scenario.write_text("region: cn-hangzhou\naccount_id: '1234567890123456'\n"
                        "groups: [{id: asg-sandbox000000000001, min: 0, max: 5, instances: 0}]\n")
    box = sandbox_factory(scenario)
    result, _ = _run(cli, box, "run-command")
    assert result.code == 1
    assert "role OOSServiceRole does not exist" in result.err and "--create-role" in result.err
    result, report = _run(cli, box, "run-command", "--create-role")
    assert result.code == 0, result.err
    assert report["Applied"][0] == {**report["Applied"][0], "Kind": "role", "Outcome": "created"}


def test_policy_without_run_command_fails_with_forbidden_ram(cli, sandbox, tmp_path):
    text = builtin_recipe_paths()["run-command"].read_text(encoding="utf-8")
    broken = tmp_path / "no-run-command.yaml"
    broken.write_text(text.replace("ecs:DescribeInvocations, ecs:RunCommand]", "ecs:DescribeInvocations]")
                      .replace("name: run-command", "name: no-run-command"), encoding="utf-8")
    result, report = _run(cli, sandbox, str(broken), "-p", "commandContent=echo hi")
    assert result.code == 1
    assert report["Outcome"] == "failed"
    execution = report["Watch"]["Executions"][0]
    assert execution["Status"] == "Failed"
    failed = [t for t in execution["Tasks"] if t["Status"] == "Failed"]
    assert "Forbidden.RAM" in failed[0]["StatusMessage"] and "ecs:RunCommand" in failed[0]["StatusMessage"]
    assert [i["State"] for i in report["Watch"]["Instances"]] == ["released"]


def test_trigger_waits_for_the_activity_in_progress(cli, sandbox_factory, tmp_path):
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(
        "region: cn-hangzhou\naccount_id: '1234567890123456'\n"
        "groups: [{id: asg-sandbox000000000001, min: 0, max: 5, instances: 1}]\n"
        "roles: [{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}]\n"
        "faults: {rules: [{action: ExecuteScalingRule, call: 1, error: {code: ScalingActivityInProgress, status: 400,"
        " message: 'You cannot launch a new scaling activity while there is a scaling activity in progress.'}}]}\n")
    box = sandbox_factory(scenario)
    result, report = _run(cli, box, "run-command")
    assert result.code == 0, result.err
    assert report["Trigger"]["Attempts"] == 2


def test_a_full_group_is_explained(cli, sandbox_factory, tmp_path):
    scenario = tmp_path / "full.yaml"
    scenario.write_text("region: cn-hangzhou\naccount_id: '1234567890123456'\n"
                        "groups: [{id: asg-sandbox000000000001, min: 0, max: 1, instances: 1}]\n"
                        "roles: [{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}]\n")
    result, report = _run(cli, sandbox_factory(scenario), "run-command")
    assert result.code == 1
    assert "IncorrectCapacity.NoChange" in result.err and "max 1" in result.err
    # Refused outright, the scale-out did not start: no "may have started", nothing to resume.
    assert "may have started" not in result.err and report["Resume"] == []
    assert report["Stopped"]["Phase"] == "trigger" and report["Stopped"]["NotDone"] == ["trigger run-command-add1"]


def test_on_a_terminal_the_watch_is_a_live_table_after_the_step_lines(sandbox):
    import io

    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings
    from essctl.env import Environment
    from essctl.recipe.inputs import resolve_inputs
    from essctl.recipe.run import RunOptions, run_recipe
    from essctl.recipe.steps import RunSpec
    from essctl.render.progress import EventPrinter
    from essctl.watch.watcher import Pacing

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    env = Environment(output="table", color=False, stdout=Terminal())
    printer = EventPrinter(env, show_calls=False, live=True)
    recipe = find_recipe("run-command")
    spec = RunSpec(recipe=recipe, group_id=GROUP, inputs=resolve_inputs(recipe, {"commandContent": "echo hi"}),
                   policy=recipe.policy)
    cloud = Cloud(CloudSession(CloudSettings(region="cn-hangzhou", endpoint=sandbox.endpoint)))
    try:
        report = run_recipe(cloud, spec, RunOptions(pacing=Pacing(0.02, 0.15)), confirm=lambda plan: True,
                            emit=printer.event)
    finally:
        printer.close()
    assert report.outcome == "succeeded"
    out = env.stdout.getvalue()
    assert "• hook ESSHookForRunCommand: created (LifecycleHookId=ash-" in out
    activity_id = report.triggered.activity_id
    final = out[out.rindex(f"Activity {activity_id}"):]          # the last frame the live table drew
    assert "Successful" in final and "InService" in final and "CompleteLifecycleAction" in final
    assert "] • " not in final, "no plain event line inside the live table"
