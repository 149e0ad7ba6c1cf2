"""essctl diagnose against the sandbox, through the real SDK: the documented failures, their evidence, and --fix."""
import json

import sandbox_steps as steps
from essctl.core.recipes import builtin_recipe_paths

GROUP = steps.GROUP
TUTORIAL_ACTIONS = steps.RUN_COMMAND_ACTIONS


def _cloud(box):
    return ("--endpoint", box.endpoint, "--region", "cn-hangzhou")


def _diagnose(cli, box, *args):
    result = cli("diagnose", "-o", "json", *_cloud(box), *args)
    return result, (json.loads(result.out) if result.out.strip() else None)


def _scenario(tmp_path, text):
    path = tmp_path / "scenario.yaml"
    path.write_text("region: cn-hangzhou\naccount_id: '1234567890123456'\n"
                    "roles: [{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}]\n" + text)
    return path


def _scale_out(box, *, timeout=600, actions=TUTORIAL_ACTIONS):
    s = steps.session(box)
    steps.grant(s, actions)
    steps.create_hook(s, timeout=timeout, metadata={"commandContent": "yum install -y httpd"},
                      name="ESSHookForRunCommand")
    return s, steps.execute(s, steps.create_rule(s, name="Add1"))


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
    first = json.loads(run.out)["diagnosis"]["findings"][0]
    assert (first["code"], first["where"], first["safe_fix"]) == ("Forbidden.RAM", "oos_task", "grant_missing_actions")
    assert any("runCommand" in line and "Forbidden.RAM" in line for line in first["evidence"])
    assert first["safe_fix_arguments"] == {"role": "OOSServiceRole", "actions": ["ecs:RunCommand"]}

    result, report = _diagnose(cli, sandbox, "--group", GROUP)
    assert result.code == 1 and report["findings"][0]["code"] == "Forbidden.RAM"
    allows = next(c for c in report["checks"] if c["name"] == "role_allows_template_actions")
    assert allows["passed"] is False and allows["evidence"]["missing"] == ["ecs:RunCommand"]

    result, report = _diagnose(cli, sandbox, "--group", GROUP, "--fix", "--yes")
    assert result.code == 0, result.out
    assert [fix["fix"] for fix in report["fixes_applied"]] == ["grant_missing_actions"]
    run = cli("recipe", "run", str(recipe), "--group", GROUP, "--yes", "-o", "json", "--poll-interval", "0.02",
              "-p", "commandContent=echo hi", *_cloud(sandbox))
    assert run.code == 0, run.err
    assert json.loads(run.out)["outcome"] == "succeeded"


def test_fix_without_yes_off_a_terminal_changes_nothing(cli, sandbox):
    s, activity_id = _scale_out(sandbox, actions=["ess:CompleteLifecycleAction"])
    _watch(cli, sandbox, activity_id)
    result = cli("diagnose", "--activity", activity_id, "--fix", *_cloud(sandbox))
    assert result.code == 2 and "without --yes" in result.err
    assert "EssctlGrant-OOSServiceRole" not in sandbox.backends.ram.policies


def test_hook_timeout_shorter_than_the_task_suggests_a_longer_timeout(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(tmp_path, (
        "groups: [{id: asg-sandbox000000000001, min: 0, max: 5, instances: 1}]\n"
        "behaviour: {ACS-ESS-LifeCycleRunCommand: {duration: 120}}\n")))
    s, activity_id = _scale_out(box, timeout=30)
    events = _watch(cli, box, activity_id)
    assert events[-1]["event"] == "summary" and events[-1]["succeeded"] is False
    result, report = _diagnose(cli, box, "--activity", activity_id)
    assert result.code == 1
    first = report["findings"][0]
    assert first["code"] == "LifecycleHookIdAndLifecycleActionToken.Invalid"
    check = next(c for c in report["checks"] if c["name"] == "hook_timeout_covers_execution")
    assert check["passed"] is False and check["evidence"]["heartbeat_timeout"] == 30
    suggested = check["evidence"]["suggested_timeout"]
    assert suggested > 120
    assert first["fix_command"].endswith(f"--timeout {suggested}")


def test_rejected_activity_points_at_the_one_in_progress(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(tmp_path, (
        "groups: [{id: asg-sandbox000000000001, min: 0, max: 5, instances: 1}]\n"
        "behaviour: {ACS-ESS-LifeCycleRunCommand: {duration: 3000}}\n"
        "scheduled_tasks: [{group: asg-sandbox000000000001, after: 20, adjustment: 1}]\n")))
    s, busy = _scale_out(box, timeout=3600)
    steps.wait_for(lambda: [a for a in steps.activities(s) if a.status_code == "Rejected"])
    result, report = _diagnose(cli, box, "--group", GROUP)
    assert result.code == 1
    assert report["subject"]["activity"] != busy
    assert report["findings"][0]["code"] == "ScalingActivityInProgress"
    check = next(c for c in report["checks"] if c["name"] == "no_other_activity_in_progress")
    assert check["passed"] is False and busy in json.dumps(check["evidence"])


def test_throttled_list_executions_recovers(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(tmp_path, (
        "groups: [{id: asg-sandbox000000000001, min: 0, max: 5, instances: 1}]\n"
        "faults: {rules: [{action: ListExecutions, call: 1, error: {code: Throttling.User, status: 400,"
        " retry_after_ms: 50}}]}\n")))
    s, activity_id = _scale_out(box, actions=["ess:CompleteLifecycleAction"])
    events = _watch(cli, box, activity_id)
    assert events[-1]["executions"][0]["Status"] == "Failed"
    calls_before = box.faults.calls("ListExecutions")
    result, report = _diagnose(cli, box, "--activity", activity_id)
    assert result.code == 1
    assert report["subject"]["execution"] == events[-1]["executions"][0]["ExecutionId"]
    assert report["findings"][0]["code"] == "Forbidden.RAM"
    assert calls_before >= 2, "the throttled first ListExecutions was retried"


def test_table_output_orders_findings_and_lists_checks(cli, sandbox):
    s, activity_id = _scale_out(sandbox, actions=["ess:CompleteLifecycleAction"])
    _watch(cli, sandbox, activity_id)
    result = cli("diagnose", "--activity", activity_id, "-o", "table", *_cloud(sandbox))
    lines = result.out.splitlines()
    assert lines[0].startswith(f"Diagnosis of activity {activity_id}, group {GROUP}, execution exec-")
    assert lines[1].startswith("1. [error] Forbidden.RAM")
    assert "Checks:" in lines
    assert any(line.startswith("  FAIL  role_allows_template_actions:") for line in lines)
    assert any(line.startswith("  pass  role_exists_and_trusts_oos:") for line in lines)
