"""essctl diagnose against the sandbox, through the real SDK: the documented failures, their evidence, and --fix."""
import json

from essctl.recipe.catalog import builtin_recipe_paths
from tests.support import sandbox_steps as steps
from tests.support.failure_scenarios import SCENARIOS, scale_out, stage

GROUP = steps.GROUP


def _cloud(box):
    return ("--endpoint", box.endpoint, "--region", "cn-hangzhou")


def _diagnose(cli, box, *args):
    result = cli("diagnose", "-o", "json", *_cloud(box), *args)
    return result, (json.loads(result.out) if result.out.strip() else None)


def _scenario(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(SCENARIOS[name])
    return path


def _watch(cli, box, activity_id):
    result = cli("activity", "watch", activity_id, "--poll-interval", "0.02", "-o", "json", *_cloud(box))
    return [json.loads(line) for line in result.out.splitlines()]


def test_forbidden_ram_names_the_task_and_the_missing_action_and_fix_makes_the_next_run_succeed(cli, sandbox,
                                                                                                  tmp_path):
    text = builtin_recipe_paths()["run-command"].read_text(encoding="utf-8")
    recipe = tmp_path / "no-run-command.yaml"
    recipe.write_text(text.replace("ecs:DescribeInvocations, ecs:RunCommand]", "ecs:DescribeInvocations]")
                      .replace("name: run-command", "name: no-run-command"), encoding="utf-8")
    run = cli("recipe", "run", str(recipe), "--group", GROUP, "--yes", "-o", "json", "--poll-interval", "0.02",
              "-p", "commandContent=echo hi", *_cloud(sandbox))
    assert run.code == 1
    first = json.loads(run.out)["Diagnosis"]["Findings"][0]
    assert (first["Code"], first["Where"], first["SafeFix"]) == ("Forbidden.RAM", "oos_task", "grant_missing_actions")
    assert any("runCommand" in line and "Forbidden.RAM" in line for line in first["Evidence"])
    assert first["SafeFixArguments"] == {"Role": "OOSServiceRole", "Actions": ["ecs:RunCommand"]}
    assert first["FixCommand"] == f"essctl recipe run {recipe} --group {GROUP}"

    result, report = _diagnose(cli, sandbox, "--group", GROUP)
    assert result.code == 1 and report["Findings"][0]["Code"] == "Forbidden.RAM"
    assert report["Findings"][0]["FixCommand"] == f"essctl diagnose --activity {report['Subject']['ScalingActivityId']} --fix"
    allows = next(c for c in report["Checks"] if c["Name"] == "role_allows_template_actions")
    assert allows["Passed"] is False and allows["Evidence"]["Missing"] == ["ecs:RunCommand"]

    result, report = _diagnose(cli, sandbox, "--group", GROUP, "--fix", "--yes")
    assert result.code == 0, result.out
    assert [fix["Fix"] for fix in report["FixesApplied"]] == ["grant_missing_actions"]
    run = cli("recipe", "run", str(recipe), "--group", GROUP, "--yes", "-o", "json", "--poll-interval", "0.02",
              "-p", "commandContent=echo hi", *_cloud(sandbox))
    assert run.code == 0, run.err
    assert json.loads(run.out)["Outcome"] == "succeeded"


def test_fix_without_yes_off_a_terminal_changes_nothing(cli, sandbox):
    activity_id = stage("forbidden-ram", sandbox)
    result = cli("diagnose", "--activity", activity_id, "--fix", *_cloud(sandbox))
    assert result.code == 2 and "without --yes" in result.err
    assert "EssctlGrant-OOSServiceRole" not in sandbox.backends.ram.policies


def test_hook_timeout_shorter_than_the_task_suggests_a_longer_timeout(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(tmp_path, "hook-timeout"))
    s, activity_id = scale_out(box, timeout=30)
    events = _watch(cli, box, activity_id)
    assert events[-1]["Event"] == "summary" and events[-1]["Succeeded"] is False
    result, report = _diagnose(cli, box, "--activity", activity_id)
    assert result.code == 1
    first = report["Findings"][0]
    assert first["Code"] == "LifecycleHookIdAndLifecycleActionToken.Invalid"
    check = next(c for c in report["Checks"] if c["Name"] == "hook_timeout_covers_execution")
    assert check["Passed"] is False and check["Evidence"]["HeartbeatTimeout"] == 30
    suggested = check["Evidence"]["SuggestedTimeout"]
    assert suggested > 120
    assert first["FixCommand"].endswith(f"--timeout {suggested}")


def test_rejected_activity_points_at_the_one_in_progress(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(tmp_path, "activity-in-progress"))
    rejected = stage("activity-in-progress", box)
    busy = next(a.scaling_activity_id for a in steps.activities(steps.session(box)) if a.status_code == "InProgress")
    result, report = _diagnose(cli, box, "--group", GROUP)
    assert result.code == 1
    assert report["Subject"]["ScalingActivityId"] == rejected
    assert report["Findings"][0]["Code"] == "ScalingActivityInProgress"
    check = next(c for c in report["Checks"] if c["Name"] == "no_other_activity_in_progress")
    assert check["Passed"] is False and busy in json.dumps(check["Evidence"])


def test_throttled_list_executions_recovers(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(tmp_path, "throttled"))
    s, activity_id = scale_out(box, actions=["ess:CompleteLifecycleAction"])
    events = _watch(cli, box, activity_id)
    assert events[-1]["Executions"][0]["Status"] == "Failed"
    calls_before = box.faults.calls("ListExecutions")
    result, report = _diagnose(cli, box, "--activity", activity_id)
    assert result.code == 1
    assert report["Subject"]["ExecutionId"] == events[-1]["Executions"][0]["ExecutionId"]
    assert report["Findings"][0]["Code"] == "Forbidden.RAM"
    assert calls_before >= 2, "the throttled first ListExecutions was retried"


def test_table_output_orders_findings_and_lists_checks(cli, sandbox):
    activity_id = stage("forbidden-ram", sandbox)
    result = cli("diagnose", "--activity", activity_id, "-o", "table", *_cloud(sandbox))
    lines = result.out.splitlines()
    assert lines[0].startswith(f"Diagnosis of activity {activity_id}, group {GROUP}, execution exec-")
    assert lines[1].startswith("1. [error] Forbidden.RAM")
    assert "Checks:" in lines
    assert any(line.startswith("  FAIL  role_allows_template_actions:") for line in lines)
    assert any(line.startswith("  pass  role_exists_and_trusts_oos:") for line in lines)


def test_fix_raises_the_hook_timeout_it_suggests(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(tmp_path, "hook-timeout"))
    activity_id = stage("hook-timeout", box)
    result, report = _diagnose(cli, box, "--activity", activity_id, "--fix", "--yes")
    assert result.code == 0, result.out
    suggested = next(c for c in report["Checks"]
                     if c["Name"] == "hook_timeout_covers_execution")["Evidence"]["SuggestedTimeout"]
    assert [(f["Fix"], f["Detail"]) for f in report["FixesApplied"]] == [
        ("raise_hook_timeout", f"HeartbeatTimeout {suggested} s")]
    assert [h["HeartbeatTimeout"] for h in box.backends.ess.hooks.values()] == [suggested]
