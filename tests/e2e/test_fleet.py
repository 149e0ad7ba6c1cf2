"""Fleet mode: one recipe across several scaling groups, through the real SDK clients against the sandbox."""
import json

import pytest

GROUPS = [f"asg-fleet00000000000000{n:02d}" for n in range(1, 6)]
FULL = "asg-fleetfull000000000001"       # at its MaxSize: a scale-out cannot change its capacity
FAST = ("--poll-interval", "0.02")
HI = ("-p", "commandContent=echo hi")


def _world(tmp_path, *, full=False, names=("web-1", "web-2", "web-3", "db-1", "db-2")):
    lines = ["region: cn-hangzhou", 'account_id: "1234567890123456"', "groups:"]
    if full:
        lines.append(f"  - {{id: {FULL}, name: full, min: 0, max: 1, instances: 1}}")
    lines += [f"  - {{id: {group}, name: {name}, min: 0, max: 5, instances: 1}}" for group, name in zip(GROUPS, names)]
    lines += ["roles:", "  - name: OOSServiceRole", "    trusted: [oos.aliyuncs.com]"]
    path = tmp_path / "world.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def fleet_box(sandbox_factory, tmp_path):
    return sandbox_factory(_world(tmp_path))


def _cloud(box):
    return ("--endpoint", box.endpoint, "--region", "cn-hangzhou")


def _groups(*groups):
    return [part for group in groups for part in ("--group", group)]


def _lines(result):
    return [json.loads(line) for line in result.out.splitlines() if line.strip()]


def _hooks(box, group):
    return [hook for hook in box.backends.ess.hooks.values() if hook["ScalingGroupId"] == group]


def _activities(box, group):
    return [a for a in box.backends.ess.activities.values() if a["ScalingGroupId"] == group]


def _policy_versions(box, name="ESSHookPolicyForRunCommand"):
    policy = box.backends.ram.policies.get(name)
    return len(policy["versions"]) if policy else 0


def test_plan_plans_ram_once_and_every_group_and_changes_nothing(cli, fleet_box):
    result = cli("recipe", "plan", "run-command", *_groups(*GROUPS[:3]), *HI, "-o", "json", *_cloud(fleet_box))
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert [(c["Kind"], c["Action"]) for c in plan["Shared"]] == [("role", "none"), ("policy", "create"),
                                                                  ("attachment", "attach")]
    assert [g["ScalingGroupId"] for g in plan["Groups"]] == GROUPS[:3]
    for group in plan["Groups"]:
        assert [(c["Kind"], c["Action"]) for c in group["Changes"]] == [("hook", "create"), ("rule", "create")]
    assert plan["Summary"] == {"Groups": 3, "ToChange": 3, "Unchanged": 0, "Refused": 0, "SharedChanges": 2,
                               "Triggers": 0}
    assert all(_hooks(fleet_box, group) == [] for group in GROUPS) and _policy_versions(fleet_box) == 0


def test_run_sets_up_every_group_grants_once_and_scales_none_by_default(cli, fleet_box):
    result = cli("recipe", "run", "run-command", *_groups(*GROUPS), *HI, "--yes", "-o", "json", "--parallel", "5",
                 *FAST, *_cloud(fleet_box))
    assert result.code == 0, result.err
    lines = _lines(result)
    ended = [line for line in lines if line["Event"] == "GroupEnded"]
    assert sorted(line["ScalingGroupId"] for line in ended) == GROUPS
    assert {line["Outcome"] for line in ended} == {"applied"}
    summary = lines[-1]
    assert summary["Event"] == "FleetEnded" and summary["Outcome"] == "succeeded" and summary["ExitCode"] == 0
    assert [item["Outcome"] for item in summary["Shared"]] == ["unchanged", "created", "attached"]
    assert _policy_versions(fleet_box) == 1        # five groups at once, one policy: no EntityAlreadyExists race
    for group in GROUPS:
        assert [hook["LifecycleHookName"] for hook in _hooks(fleet_box, group)] == ["ESSHookForRunCommand"]
        assert _activities(fleet_box, group) == []


def test_a_rerun_changes_nothing(cli, fleet_box):
    first = cli("recipe", "run", "run-command", *_groups(*GROUPS), *HI, "--yes", "-o", "json", *_cloud(fleet_box))
    assert first.code == 0, first.err
    again = cli("recipe", "run", "run-command", *_groups(*GROUPS), *HI, "-o", "json", *_cloud(fleet_box))
    assert again.code == 0, again.err     # nothing to change: no confirmation needed, even without --yes
    lines = _lines(again)
    assert {line["Outcome"] for line in lines if line["Event"] == "GroupEnded"} == {"unchanged"}
    assert {item["Outcome"] for item in lines[-1]["Shared"]} == {"unchanged"}
    assert _policy_versions(fleet_box) == 1


def test_trigger_one_scales_only_the_first_group_and_all_scales_each(cli, fleet_box):
    one = cli("recipe", "run", "run-command", *_groups(*GROUPS[:3]), *HI, "--yes", "-o", "json", "--trigger", "one",
              *FAST, *_cloud(fleet_box))
    assert one.code == 0, one.err
    assert [len(_activities(fleet_box, group)) for group in GROUPS[:3]] == [1, 0, 0]
    every = cli("recipe", "run", "run-command", *_groups(*GROUPS[:3]), *HI, "--yes", "-o", "json", "--trigger", "all",
                *FAST, *_cloud(fleet_box))
    assert every.code == 0, every.err
    ended = [line for line in _lines(every) if line["Event"] == "GroupEnded"]
    assert {line["Outcome"] for line in ended} == {"succeeded"}
    assert all(line["Watch"]["Activity"]["StatusCode"] == "Successful" for line in ended)
    assert [len(_activities(fleet_box, group)) for group in GROUPS[:3]] == [2, 1, 1]


def test_one_group_failing_does_not_stop_the_others(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_world(tmp_path, full=True))
    result = cli("recipe", "run", "run-command", *_groups(FULL, *GROUPS[:3]), *HI, "--yes", "-o", "json",
                 "--trigger", "all", *FAST, *_cloud(box))
    assert result.code != 0
    outcomes = {line["ScalingGroupId"]: line for line in _lines(result) if line["Event"] == "GroupEnded"}
    assert outcomes[FULL]["Outcome"] == "stopped"       # set up, then the trigger was refused
    assert "IncorrectCapacity.NoChange" in outcomes[FULL]["Reason"]
    assert [outcomes[group]["Outcome"] for group in GROUPS[:3]] == ["succeeded"] * 3
    assert _lines(result)[-1]["ExitCode"] == result.code


def test_fail_fast_skips_the_groups_not_started(cli, sandbox_factory, tmp_path):
    box = sandbox_factory(_world(tmp_path, full=True))
    result = cli("recipe", "run", "run-command", *_groups(FULL, *GROUPS[:3]), *HI, "--yes", "-o", "json",
                 "--trigger", "all", "--parallel", "1", "--fail-fast", *FAST, *_cloud(box))
    assert result.code == 1
    summary = _lines(result)[-1]
    assert summary["Outcomes"].get("skipped", 0) >= 1 and summary["Outcomes"]["stopped"] == 1
    skipped = [group for group in GROUPS[:3] if not _hooks(box, group)]
    assert len(skipped) == summary["Outcomes"]["skipped"]


def test_groups_from_a_file_and_from_group_list_json_on_stdin(cli, fleet_box, tmp_path, monkeypatch):
    import io

    listed = tmp_path / "groups.txt"
    listed.write_text(f"# web tier\n{GROUPS[0]}\n\n{GROUPS[1]}  # second\n", encoding="utf-8")
    result = cli("recipe", "plan", "run-command", "--groups-from", listed, *HI, "-o", "json", *_cloud(fleet_box))
    assert result.code == 0, result.err
    assert [g["ScalingGroupId"] for g in json.loads(result.out)["Groups"]] == GROUPS[:2]
    groups = cli("group", "list", "-o", "json", *_cloud(fleet_box))
    monkeypatch.setattr("sys.stdin", io.StringIO(groups.out))
    result = cli("recipe", "plan", "run-command", "--groups-from", "-", *HI, "-o", "json", *_cloud(fleet_box))
    assert result.code == 0, result.err
    assert sorted(g["ScalingGroupId"] for g in json.loads(result.out)["Groups"]) == GROUPS


def test_a_bad_group_list_names_its_line_and_column_and_sends_nothing(cli, fleet_box, tmp_path):
    listed = tmp_path / "groups.txt"
    listed.write_text(f"{GROUPS[0]}\n  asg-$(reboot)\n", encoding="utf-8")
    result = cli("recipe", "run", "run-command", "--groups-from", listed, *HI, "--yes", *_cloud(fleet_box))
    assert result.code == 2
    assert f"{listed}:2:3: group id" in result.err and len(result.err.strip().splitlines()) == 1
    broken = tmp_path / "groups.json"
    broken.write_text('[\n  {"ScalingGroupId": "asg-x",}\n]', encoding="utf-8")
    result = cli("recipe", "run", "run-command", "--groups-from", broken, *HI, "--yes", *_cloud(fleet_box))
    assert result.code == 2 and f"{broken}:2:" in result.err
    assert _policy_versions(fleet_box) == 0 and all(_hooks(fleet_box, group) == [] for group in GROUPS)


def test_all_groups_where_keeps_the_groups_the_filter_is_true_for(cli, fleet_box):
    result = cli("recipe", "plan", "run-command", "--all-groups", "--where", "starts_with(ScalingGroupName, 'web-')",
                 *HI, "-o", "json", *_cloud(fleet_box))
    assert result.code == 0, result.err
    assert [g["ScalingGroupId"] for g in json.loads(result.out)["Groups"]] == GROUPS[:3]
    bad = cli("recipe", "plan", "run-command", "--all-groups", "--where", "starts_with(", *HI, *_cloud(fleet_box))
    assert bad.code == 2 and bad.err.startswith("essctl: error: --where:")


def test_teardown_removes_every_group_s_part_then_the_policy_once(cli, fleet_box):
    run = cli("recipe", "run", "run-command", *_groups(*GROUPS[:3]), *HI, "--yes", "-o", "json", *_cloud(fleet_box))
    assert run.code == 0, run.err
    result = cli("recipe", "teardown", "run-command", *_groups(*GROUPS[:3]), "--policy", "--yes", "-o", "json",
                 *_cloud(fleet_box))
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["Outcomes"] == {"removed": 3}
    assert [item["Outcome"] for item in report["SharedDone"]] == ["detached", "deleted"]
    assert all(_hooks(fleet_box, group) == [] for group in GROUPS) and _policy_versions(fleet_box) == 0


def test_throttling_is_absorbed_and_counted(cli, sandbox_factory, tmp_path):
    world = _world(tmp_path)
    world.write_text(world.read_text() + "faults: {seed: 3, throttle_rate: 0.25, retry_after_ms: 10}\n")
    box = sandbox_factory(world)
    result = cli("recipe", "run", "run-command", *_groups(*GROUPS), *HI, "--yes", "-o", "json", *FAST, *_cloud(box))
    assert result.code == 0, result.err
    summary = _lines(result)[-1]
    assert summary["Outcome"] == "succeeded" and summary["Throttled"] > 0
    assert _policy_versions(box) == 1


def test_several_regions_are_for_fleet_commands_only(cli, fleet_box):
    result = cli("group", "list", "--region", "cn-hangzhou", "--region", "cn-shanghai", "--endpoint",
                 fleet_box.endpoint)
    assert result.code == 2 and "--region: given 2 times" in result.err


def test_dry_run_is_one_group_at_a_time(cli):
    result = cli("recipe", "run", "run-command", *_groups(*GROUPS[:2]), "--dry-run")
    assert result.code == 2 and "--dry-run" in result.err


def test_ctrl_c_ends_every_group_at_once_with_its_resume_commands(sandbox_factory, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from tests.support.cli import REPO, clean_env
    from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN

    box = sandbox_factory(_world(tmp_path), speed=1)      # real pacing: a scale-out takes about 40 s
    env = clean_env(tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID=FAKE_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=FAKE_KEY_SECRET,
                    ALIBABA_CLOUD_SECURITY_TOKEN=FAKE_STS_TOKEN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "essctl", "recipe", "run", "run-command", *_groups(*GROUPS[:3]), *HI, "--yes",
         "-o", "json", "--trigger", "all", *_cloud(box)], env=env, cwd=REPO, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # a background job ignores SIGINT
    deadline = time.monotonic() + 60
    while sum(len(_activities(box, group)) for group in GROUPS[:3]) < 3 and proc.poll() is None:
        assert time.monotonic() < deadline, "no scale-out started within a minute"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    lines = [json.loads(line) for line in out.splitlines()]
    ended = [line for line in lines if line["Event"] == "GroupEnded"]
    assert len(ended) == 3 and lines[-1]["Outcome"] == "interrupted"
    for line in ended:
        assert line["Outcome"] == "interrupted"
        assert line["Resume"][0] == f"essctl activity watch {line['ActivityId']} --region cn-hangzhou"
    assert err.startswith("essctl: interrupted: 3 interrupted; 3 scaling activities go on") and err.count("\n") == 1


def test_several_regions_find_each_group_in_its_own_and_grant_once(cli, sandbox_factory):
    from essctl.sandbox.scenario import fleet_scenario, parse_scenario

    regions = ["cn-hangzhou", "cn-shanghai"]
    box = sandbox_factory(parse_scenario(fleet_scenario(2, regions)))
    groups = [f"asg-fleet{r:02d}{n:06d}" for r in range(2) for n in range(2)]
    result = cli("recipe", "run", "run-command", *_groups(*groups), *HI, "--yes", "-o", "json", "--trigger", "all",
                 *FAST, "--endpoint", box.endpoint, "--region", regions[0], "--region", regions[1])
    assert result.code == 0, result.err
    ended = {line["ScalingGroupId"]: line for line in _lines(result) if line["Event"] == "GroupEnded"}
    assert {group: ended[group]["Region"] for group in groups} == dict(zip(groups, [regions[0]] * 2 + [regions[1]] * 2))
    assert {line["Outcome"] for line in ended.values()} == {"succeeded"}
    assert _policy_versions(box) == 1        # RAM is global: one policy for both regions
    for region in regions:
        hooks = box.world.regions[region].ess.hooks.values()
        assert sorted(hook["NotificationArn"] for hook in hooks) == [
            f"acs:oos:{region}:1234567890123456:template/ACS-ESS-LifeCycleRunCommand"] * 2
    missing = cli("recipe", "plan", "run-command", "--group", "asg-nowhere0000001", *HI, "--endpoint", box.endpoint,
                  "--region", regions[0], "--region", regions[1])
    assert missing.code == 1 and "asg-nowhere0000001 not found in cn-hangzhou, cn-shanghai" in missing.err
