"""activity watch / execution watch against the sandbox, through the real SDK: the plain lines and JSON lines
checked line by line, failure, timeout, Ctrl-C, throttling, the live view on a recording console, and polling."""
import io
import json
import re
import signal
import subprocess
import sys
from collections import Counter

import pytest

from essctl.cloud.gateway import Cloud
from essctl.sandbox.scenario import parse_scenario
from essctl.watch.watcher import Pacing, Watcher, hook_templates_and_timeout
from tests.support import sandbox_steps as steps
from tests.support.cli import REPO, clean_env
from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN

FAST = ("--poll-interval", "0.02")
LINE = re.compile(r"^\[ *(\d+\.\d)s\] (\w+): (.*)$")
WITHOUT_RUN_COMMAND = [a for a in steps.RUN_COMMAND_ACTIONS if a != "ecs:RunCommand"]
FORBIDDEN = "Forbidden.RAM: User not authorized to operate on the specified resource. Action: ecs:RunCommand"


def _scenario(duration=30.0, faults=""):
    """The default world; each of the template's three work tasks takes duration/3 sandbox seconds."""
    return parse_scenario(f"""
groups: [{{id: {steps.GROUP}, min: 0, max: 5, instances: 1}}]
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}]
behaviour: {{{steps.RUN_COMMAND}: {{duration: {duration}}}}}
{faults}""")


@pytest.fixture
def paced(sandbox_factory):
    """A sandbox at 10x: a task takes 1 s, so every state lasts several poll rounds."""
    return sandbox_factory(_scenario(), speed=10)


def _cloud(box):
    return ("--endpoint", box.endpoint, "--region", "cn-hangzhou")


def _scale_out(box, actions=steps.RUN_COMMAND_ACTIONS, *, waiting=True):
    """Grant, hook, rule, execute; with `waiting`, return once the new instance waits for the hook."""
    s = steps.session(box)
    steps.grant(s, actions)
    hook_id = steps.create_hook(s, metadata={"commandContent": "echo hi"})
    activity_id = steps.execute(s, steps.create_rule(s))
    if waiting:
        steps.wait_for(lambda: [i for i in steps.instances(s, activity_id=activity_id)
                                if i.lifecycle_state == "Pending:Wait"])
    return s, hook_id, activity_id


def _masker(box, activity_id):
    """Replaces this run's ids, as the sandbox knows them, with ASA, ASH, I and EXEC."""
    ids = {activity_id: "ASA"}
    ids.update({hook_id: "ASH" for hook_id in box.backends.ess.hooks})
    ids.update({instance_id: "I" for instance_id in box.backends.ess.activities[activity_id]["instances"]})
    ids.update({execution_id: "EXEC" for execution_id in box.backends.oos.executions})
    ids.update({token: "TOKEN" for token in box.backends.ess.actions})

    def mask(text):
        for real, placeholder in ids.items():
            text = text.replace(real, placeholder)
        return text

    return mask, ids


def _events(out):
    """(elapsed, 'kind: message') of the event lines, up to the blank line before the summary."""
    head, _, _ = out.partition("\n\n")
    events = []
    for line in head.splitlines():
        match = LINE.match(line)
        assert match, f"not an event line: {line!r}"
        events.append((float(match.group(1)), f"{match.group(2)}: {match.group(3)}"))
    return events


SUCCESS_EVENTS = [
    "activity: activity ASA: InProgress 50%",
    "instance: instance I: Pending:Wait",
    "lifecycle_action: lifecycle action of hook ASH: Pending (token TOKEN, instances I)",
    f"execution: execution EXEC ({steps.RUN_COMMAND}): Running",
    "task: task runCommand (ACS::ExecuteApi): Running",
    "task: task runCommand (ACS::ExecuteApi): Success",
    "task: task waitForInvocation (ACS::ExecuteApi): Running",
    "task: task waitForInvocation (ACS::ExecuteApi): Success",
    "task: task checkInvocationResults (ACS::ExecuteApi): Running",
    "task: task checkInvocationResults (ACS::ExecuteApi): Success",
    "task: task CompleteLifecycleActionForContinue (ACS::ExecuteApi): Success",
    f'execution: execution EXEC ({steps.RUN_COMMAND}): Success; outputs {{"commandOutputs": ["hi\\n"]}}',
    'activity: activity ASA: Successful ("1" ECS instance(s) are added.)',
    "instance: instance I: InService",
    "lifecycle_action: lifecycle action of hook ASH: Completed CONTINUE",
]


def _before(lines, first, second):
    return lines.index(first) < lines.index(second)


def test_activity_watch_prints_one_plain_line_per_change(cli, paced):
    _, _, activity_id = _scale_out(paced)
    result = cli("activity", "watch", activity_id, "-o", "table", *FAST, *_cloud(paced))
    assert result.code == 0, result.err
    assert result.err == ""
    mask, _ = _masker(paced, activity_id)
    events = _events(result.out)
    elapsed = [seconds for seconds, _ in events]
    assert elapsed == sorted(elapsed)
    lines = [mask(line) for _, line in events]
    # Each change once and nothing else; a task's brief Running state may fall between two polls on a loaded
    # machine, so those lines may be missing, never anything else.
    assert len(lines) == len(set(lines)) and set(lines) <= set(SUCCESS_EVENTS)
    assert {line for line in SUCCESS_EVENTS if not line.endswith(": Running")} <= set(lines)
    assert lines[:4] == SUCCESS_EVENTS[:4]                                # the first round, in poll order
    tasks = [line for line in lines if line.startswith("task: ")]
    assert tasks == [line for line in SUCCESS_EVENTS[4:11] if line in tasks]   # tasks in the order they ran
    execution_lines = [line for line in lines if line.startswith("execution: ")]
    assert _before(lines, execution_lines[0], tasks[0]) and _before(lines, tasks[-1], execution_lines[1])
    for running, ended in ((0, 12), (1, 13), (2, 14)):                    # activity, instance, lifecycle action
        assert _before(lines, SUCCESS_EVENTS[running], SUCCESS_EVENTS[ended])
    summary = mask(result.out.partition("\n\n")[2]).splitlines()
    assert summary == [
        "Result: SUCCEEDED",
        '  activity   ASA: Successful - "1" ECS instance(s) are added.',
        "  instance   I: InService",
        "  lifecycle  hook ASH: Completed CONTINUE (I; token TOKEN)",
        f"  execution  EXEC ({steps.RUN_COMMAND}): Success",
        '             outputs: {"commandOutputs": ["hi\\n"]}',
    ]


EVENT_FIELDS = {
    "activity": {"ActivityId", "Status", "Progress", "StatusMessage"},
    "instance": {"InstanceId", "State"},
    "lifecycle_action": {"HookId", "Status", "Result", "InstanceIds", "Token"},
    "execution": {"ExecutionId", "Template", "Status", "StatusMessage", "Outputs"},
    "task": {"ExecutionId", "Task", "Status", "StatusMessage"},
}


def test_activity_watch_json_lines_end_with_the_summary(cli, paced):
    _, _, activity_id = _scale_out(paced)
    result = cli("activity", "watch", activity_id, "-o", "json", *FAST, *_cloud(paced))
    assert result.code == 0, result.err
    objects = [json.loads(line) for line in result.out.splitlines()]
    *events, summary = objects
    mask, ids = _masker(paced, activity_id)
    for event in events:
        assert set(event) == {"Event", "Message", "Elapsed"} | EVENT_FIELDS[event["Event"]]
        assert isinstance(event["Elapsed"], float)
    lines = [f"{e['Event']}: {mask(e['Message'])}" for e in events]
    assert len(lines) == len(set(lines)) and set(lines) <= set(SUCCESS_EVENTS)   # (see the test above)
    assert {line for line in SUCCESS_EVENTS if not line.endswith(": Running")} <= set(lines)
    assert {(e["Event"], e.get("Status") or e.get("State")) for e in events if e["Event"] != "task"} == {
        ("activity", "InProgress"), ("activity", "Successful"), ("instance", "Pending:Wait"),
        ("instance", "InService"), ("lifecycle_action", "Pending"), ("lifecycle_action", "Completed"),
        ("execution", "Running"), ("execution", "Success")}
    ended = [e for e in events if e["Event"] == "execution" and e["Status"] == "Success"]
    assert ended[0]["Outputs"] == {"commandOutputs": ["hi\n"]} and ids[ended[0]["ExecutionId"]] == "EXEC"
    assert summary["Event"] == "summary" and summary["Succeeded"] is True and summary["TimedOut"] is False
    assert summary["Activity"]["ScalingActivityId"] == activity_id
    assert summary["Activity"]["StatusCode"] == "Successful" and summary["StillRunning"] == []
    assert [i["State"] for i in summary["Instances"]] == ["InService"]
    assert [(a["LifecycleActionStatus"], a["LifecycleActionResult"]) for a in summary["LifecycleActions"]] == [
        ("Completed", "CONTINUE")]
    assert [e["Status"] for e in summary["Executions"]] == ["Success"]


def test_a_failing_run_exits_1_with_the_failing_tasks_message(cli, paced):
    _, _, activity_id = _scale_out(paced, WITHOUT_RUN_COMMAND, waiting=False)
    result = cli("activity", "watch", activity_id, "-o", "table", *FAST, *_cloud(paced))
    assert result.code == 1, result.err
    mask, _ = _masker(paced, activity_id)
    lines = [mask(line) for _, line in _events(result.out)]
    assert f"task: task runCommand (ACS::ExecuteApi): Failed: {FORBIDDEN}" in lines
    assert f"execution: execution EXEC ({steps.RUN_COMMAND}): Failed: {FORBIDDEN}" in lines
    assert "task: task CompleteLifecycleActionForAbandon (ACS::ExecuteApi): Success" in lines
    assert "lifecycle_action: lifecycle action of hook ASH: Completed ABANDON" in lines
    assert any(line.startswith("activity: activity ASA: Failed (Failed to add \"1\" ECS instance(s)")
               for line in lines)
    released = [line for line in lines if line.startswith("instance: ")]
    assert released[-1].endswith(": released")
    summary = result.out.partition("\n\n")[2].splitlines()
    assert summary[0] == "Result: FAILED"
    assert f"             failed task runCommand: {FORBIDDEN}" in summary
    assert any(line.startswith("  execution  ") and line.endswith(f"Failed - {FORBIDDEN}") for line in summary)


def test_timeout_exits_4_naming_what_still_runs_and_how_to_resume(cli, sandbox_factory):
    box = sandbox_factory(_scenario(duration=6000), speed=20)     # the hook waits 600 s: 30 s here, the task longer
    s, _, activity_id = _scale_out(box)
    [execution] = steps.executions(s, activity_id)
    [instance] = steps.instances(s, activity_id=activity_id)
    result = cli("activity", "watch", activity_id, "--timeout", "1", "-o", "table", *FAST, *_cloud(box))
    assert result.code == 4
    running = (f"activity {activity_id} InProgress, execution {execution.execution_id} Running, "
               f"instance {instance.instance_id} Pending:Wait")
    resume = (f"; resume with: essctl activity watch {activity_id} --region cn-hangzhou; then: essctl diagnose "
              f"--activity {activity_id} --region cn-hangzhou\n")
    assert result.err.startswith(f"essctl: timed out; still running: activity {activity_id} InProgress, execution ")
    assert result.err.endswith(resume) and len(result.err) <= 301     # what runs is shortened, never what to do
    summary = result.out.partition("\n\n")[2].splitlines()
    assert summary[0] == "Result: TIMED OUT"
    assert summary[-3:] == [f"  still running: {item}" for item in running.split(", ")]
    assert steps.activity(s, activity_id).status_code == "InProgress"       # the watch stopped, not the work


def test_the_default_timeout_is_the_longest_active_hook_plus_the_margin(sandbox_factory):
    from alibabacloud_ess20220222 import models

    box = sandbox_factory(_scenario(duration=6000), speed=20)
    s, _, activity_id = _scale_out(box)
    steps.create_hook(s, template=None, timeout=1800, name="no-template")
    inactive = steps.create_hook(s, template="ACS-ESS-LifeCycleModifyRedisIPWhitelist", timeout=3600, name="off")
    s.ess.modify_lifecycle_hook(models.ModifyLifecycleHookRequest(
        region_id="cn-hangzhou", lifecycle_hook_id=inactive, lifecycle_hook_status="InActive"))
    # the hook without a template counts for the time, the inactive one not at all
    assert hook_templates_and_timeout(Cloud(steps.session(box)), activity_id, Pacing()) == ([steps.RUN_COMMAND],
                                                                                       1800 + 300)


def test_execution_watch_follows_one_execution_to_success(cli, paced):
    s, _, activity_id = _scale_out(paced)
    [execution] = steps.executions(s, activity_id)
    result = cli("execution", "watch", execution.execution_id, "-o", "table", *FAST, *_cloud(paced))
    assert result.code == 0, result.err
    mask, _ = _masker(paced, activity_id)
    lines = [mask(line) for _, line in _events(result.out)]
    assert lines[0] == f"execution: execution EXEC ({steps.RUN_COMMAND}): Running"
    assert lines[-1] == SUCCESS_EVENTS[11]
    assert [line for line in lines if line.startswith("task: ")][-1] == SUCCESS_EVENTS[10]
    assert not [line for line in lines if line.split(":")[0] in ("activity", "instance", "lifecycle_action")]
    summary = mask(result.out.partition("\n\n")[2]).splitlines()
    assert summary == ["Result: SUCCEEDED", f"  execution  EXEC ({steps.RUN_COMMAND}): Success",
                       '             outputs: {"commandOutputs": ["hi\\n"]}']


def test_execution_watch_of_a_failed_execution_exits_1(cli, paced):
    s, _, activity_id = _scale_out(paced, WITHOUT_RUN_COMMAND, waiting=False)
    [execution] = steps.wait_for(lambda: steps.executions(s, activity_id))
    result = cli("execution", "watch", execution.execution_id, "-o", "json", *FAST, *_cloud(paced))
    assert result.code == 1, result.err
    *events, summary = [json.loads(line) for line in result.out.splitlines()]
    failed = [e for e in events if e["Event"] == "task" and e["Status"] == "Failed"]
    assert [(e["Task"], e["StatusMessage"]) for e in failed] == [("runCommand", FORBIDDEN)]
    assert events[-1]["Event"] == "execution" and events[-1]["Status"] == "Failed"
    assert summary["Succeeded"] is False and summary["Activity"] is None
    assert summary["Executions"][0]["StatusMessage"] == FORBIDDEN


def test_an_unknown_execution_is_one_line(cli, sandbox):
    result = cli("execution", "watch", "exec-sbx0000000000000000000000000000", *FAST, *_cloud(sandbox))
    assert result.code == 1
    assert result.err == ("essctl: error: OOS execution exec-sbx0000000000000000000000000000 not found in region "
                          "cn-hangzhou\n")


def test_ctrl_c_exits_130_with_the_command_that_resumes(sandbox_factory, tmp_path):
    box = sandbox_factory(_scenario(duration=6000), speed=20)
    _, _, activity_id = _scale_out(box)
    env = clean_env(tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID=FAKE_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=FAKE_KEY_SECRET,
                    ALIBABA_CLOUD_SECURITY_TOKEN=FAKE_STS_TOKEN)
    proc = subprocess.Popen([sys.executable, "-m", "essctl", "activity", "watch", activity_id, "-o", "table",
                             "--poll-interval", "5", *_cloud(box)], env=env, cwd=REPO, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = proc.stdout.readline()       # the first round has been shown: the watch now sleeps
        proc.send_signal(signal.SIGINT)      # what Ctrl-C sends
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert first.startswith("[") and f"activity {activity_id}: InProgress" in first
    assert proc.returncode == 130
    assert err == (f"essctl: interrupted; resume with: essctl activity watch {activity_id} --region cn-hangzhou; "
                   f"then: essctl diagnose --activity {activity_id} --region cn-hangzhou\n")
    assert "Traceback" not in out + err


def test_a_throttled_list_executions_is_retried_and_the_watch_succeeds(cli, sandbox_factory):
    box = sandbox_factory(_scenario(faults="""faults: {rules: [{action: ListExecutions, call: 1,
  error: {code: Throttling.User, status: 400, message: Request was denied due to user flow control.,
          retry_after_ms: 50}}]}"""), speed=10)
    _, _, activity_id = _scale_out(box)
    result = cli("activity", "watch", activity_id, "-o", "json", "-v", *FAST, *_cloud(box))
    assert result.code == 0, result.err
    summary = json.loads(result.out.splitlines()[-1])
    assert summary["Succeeded"] is True and summary["Activity"]["StatusCode"] == "Successful"
    listed = [line for line in result.err.splitlines() if line.startswith("essctl: api oos:ListExecutions")]
    assert listed and all("-> 200" in line for line in listed)
    assert box.faults.calls("ListExecutions") == len(listed) + 1          # the throttled first try, then retried
    # -v shows the retry itself: the attempt, why, and the wait the server asked for
    [retry] = [line for line in result.err.splitlines() if line.startswith("essctl: retry ")]
    assert re.fullmatch(r"essctl: retry oos:ListExecutions: attempt 2 of 4 after Throttling\.User, HTTP 400, request "
                        r"id [0-9A-F-]+; waiting 0\.05 s \(as the server asked\)", retry), retry
    assert result.err.index(retry) < result.err.index(listed[0])


def test_verbose_shows_each_retry_of_a_5xx_without_secrets(cli, sandbox_factory):
    box = sandbox_factory(_scenario(faults="""faults: {rules: [{action: DescribeScalingActivities, call: 1,
  error: {code: ServiceUnavailable, status: 503}}, {action: DescribeScalingActivities, call: 2,
  error: {code: ServiceUnavailable, status: 503}}]}"""), speed=10)
    s = steps.session(box)
    activity_id = steps.execute(s, steps.create_rule(s))
    result = cli("activity", "list", "--group", steps.GROUP, "-o", "json", "-v", *_cloud(box))
    assert result.code == 0, result.err
    retries = [line for line in result.err.splitlines() if line.startswith("essctl: retry ")]
    assert [line.split(" after ")[0] for line in retries] == [
        "essctl: retry ess:DescribeScalingActivities: attempt 2 of 4",
        "essctl: retry ess:DescribeScalingActivities: attempt 3 of 4"]
    assert all(re.search(r"after ServiceUnavailable, HTTP 503.*; waiting \d+\.\d\d s$", line) for line in retries)
    assert activity_id in result.out
    for secret in (FAKE_KEY_SECRET, FAKE_STS_TOKEN, "Signature", "Authorization"):
        assert secret not in result.err


def _final_rows(text, title):
    """(mark, resource, status) of each row of the last frame a recording console holds."""
    frame = text[text.rindex(title):]
    rows = []
    for line in frame.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if len(cells) == 4 and cells[1]:
            rows.append(tuple(cells[:3]))
    return frame.splitlines()[0], rows


def _live_render(events, title):
    from rich.console import Console

    from essctl.env import Environment
    from essctl.render.watch_views import LiveWatchView

    console = Console(record=True, width=120, file=io.StringIO(), force_terminal=True)
    env = Environment.from_options(output="table", query=None, no_color=False, verbose=False)
    with LiveWatchView(env, title, console=console) as view:
        for event in events:
            view.event(event)
    return console.export_text()


def _watched(box, actions):
    """Watch a scale-out with the Watcher itself, collecting its events."""
    s, hook_id, activity_id = _scale_out(box, actions, waiting=actions is steps.RUN_COMMAND_ACTIONS)
    events = []
    Watcher(Cloud(steps.session(box)), events.append, timeout=30, pacing=Pacing(0.02, 0.15)).activity(activity_id)
    return s, hook_id, activity_id, events


def test_live_view_has_one_row_per_resource_with_the_final_status(paced):
    s, hook_id, activity_id, events = _watched(paced, steps.RUN_COMMAND_ACTIONS)
    [execution] = steps.executions(s, activity_id)
    [instance] = steps.instances(s, activity_id=activity_id)
    title = f"Activity {activity_id}"
    heading, rows = _final_rows(_live_render(events, title), title)
    assert re.fullmatch(rf"{title}  \(\d+ s\) *", heading)
    assert rows == [
        ("✓", f"activity {activity_id}", "Successful"),
        ("✓", f"instance {instance.instance_id}", "InService"),
        ("✓", f"lifecycle action of {hook_id}", "Completed"),
        ("✓", f"execution {execution.execution_id}", "Success"),
        ("✓", "task runCommand", "Success"),
        ("✓", "task waitForInvocation", "Success"),
        ("✓", "task checkInvocationResults", "Success"),
        ("✓", "task CompleteLifecycleActionForContinue", "Success"),
    ]


def test_live_view_marks_failures_and_spins_on_what_runs(paced):
    s, hook_id, activity_id, events = _watched(paced, WITHOUT_RUN_COMMAND)
    [execution] = steps.executions(s, activity_id)
    instance_id = paced.backends.ess.activities[activity_id]["instances"][0]
    title = f"Activity {activity_id}"
    _, rows = _final_rows(_live_render(events, title), title)
    assert rows[:4] == [("✗", f"activity {activity_id}", "Failed"), ("-", f"instance {instance_id}", "released"),
                        ("✗", f"lifecycle action of {hook_id}", "Completed"),     # it ended with ABANDON
                        ("✗", f"execution {execution.execution_id}", "Failed")]
    assert ("✗", "task runCommand", "Failed") in rows[4:]
    _, rows = _final_rows(_live_render(events[:1], title), title)
    assert rows[0][1:] == (f"activity {activity_id}", "InProgress") and rows[0][0] in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def test_polling_stays_short_while_an_execution_runs_with_one_call_per_resource_per_round(sandbox_factory):
    box = sandbox_factory(_scenario(duration=6000), speed=20)
    s, _, activity_id = _scale_out(box)
    steps.wait_for(lambda: steps.executions(s, activity_id))
    session = steps.session(box)
    now, sleeps, round_ends = [0.0], [], []

    def sleep(seconds):
        sleeps.append(seconds)
        round_ends.append(len(session.calls))
        now[0] += seconds

    pacing = Pacing(first=2.0, longest=15.0, sleep=sleep, clock=lambda: now[0])
    result = Watcher(Cloud(session), lambda event: None, timeout=100, pacing=pacing).activity(activity_id)
    # 1 s after the first round (all of it new), then growing to 3 s while the execution runs: never 15 s
    assert sleeps[:4] == pytest.approx([1.0, 1.5, 2.25, 3.0])
    assert max(sleeps) == pytest.approx(3.0) and all(wait in (1.0, 1.5, 2.25, 3.0) for wait in sleeps)
    assert result.timed_out and now[0] >= 100
    bounds = [0, *round_ends, len(session.calls)]
    rounds = [Counter(call.action for call in session.calls[a:b]) for a, b in zip(bounds, bounds[1:])]
    assert len(rounds) == len(sleeps) + 1 > 30
    for calls in rounds:
        assert calls == {"DescribeScalingActivities": 1, "DescribeScalingInstances": 1,
                         "DescribeLifecycleActions": 1, "ListExecutions": 1, "ListTaskExecutions": 1}


def test_polling_backs_off_while_only_a_time_out_can_end_the_wait(sandbox_factory):
    """A hook that starts nothing: the activity waits for its lifecycle action, which nothing watched can end but
    its time-out (600 s), so the rounds spread out to the longest interval."""
    box = sandbox_factory(_scenario(), speed=20)
    s = steps.session(box)
    steps.create_hook(s, template=None)
    activity_id = steps.execute(s, steps.create_rule(s))
    steps.wait_for(lambda: [i for i in steps.instances(s, activity_id=activity_id)
                            if i.lifecycle_state == "Pending:Wait"])
    now, sleeps = [0.0], []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    pacing = Pacing(first=2.0, longest=15.0, sleep=sleep, clock=lambda: now[0])
    result = Watcher(Cloud(steps.session(box)), lambda event: None, timeout=100, pacing=pacing).activity(activity_id, [])
    assert result.timed_out and list(result.lifecycle_actions.values())[0].status == "Pending"
    assert sleeps[:5] == pytest.approx([1.0, 1.5, 2.25, 3.375, 5.0625])
    assert sleeps[-1] == pytest.approx(15.0) and len(sleeps) < 15


@pytest.fixture
def outlived(sandbox_factory):
    """A scale-out whose hook timed out (30 s) while its script (6000 s) still runs, the hook deleted since: the
    activity has ended, its execution has not, and no hook of the group names the template any more."""
    from alibabacloud_ess20220222 import models

    box = sandbox_factory(_scenario(duration=6000), speed=20)
    s = steps.session(box)
    steps.grant(s, steps.RUN_COMMAND_ACTIONS)
    hook_id = steps.create_hook(s, metadata={"commandContent": "echo hi"}, timeout=30)
    activity_id = steps.execute(s, steps.create_rule(s))
    steps.wait_for(lambda: steps.finished(s, activity_id))
    s.ess.delete_lifecycle_hook(models.DeleteLifecycleHookRequest(region_id="cn-hangzhou", lifecycle_hook_id=hook_id))
    [execution] = steps.executions(s, activity_id)
    assert execution.status == "Running"
    return box, activity_id, execution.execution_id


def test_executions_are_found_by_their_tag_after_the_hook_is_gone_and_only_what_can_change_is_polled(outlived):
    box, activity_id, execution_id = outlived
    session = steps.session(box)
    result = Watcher(Cloud(session), lambda event: None, timeout=1.0, pacing=Pacing(0.05, 0.1)).activity(activity_id)
    assert result.timed_out and list(result.executions) == [execution_id]
    calls = Counter(call.action for call in session.calls)
    rounds = calls["ListExecutions"]
    assert rounds >= 3
    # the ended activity, its instances and lifecycle actions once; the running execution and its tasks each round
    assert calls == {"DescribeScalingActivities": 1, "DescribeScalingInstances": 1, "DescribeLifecycleActions": 1,
                     "ListExecutions": rounds, "ListTaskExecutions": rounds}
    listed = [call.parameters for call in session.calls if call.action == "ListExecutions"]
    assert all("TemplateName" not in parameters for parameters in listed)


def test_diagnose_finds_the_execution_after_the_hook_is_gone_and_names_what_still_runs(cli, outlived):
    box, activity_id, execution_id = outlived
    result = cli("diagnose", "--activity", activity_id, "-o", "json", *_cloud(box))
    report = json.loads(result.out)
    assert report["Subject"]["ExecutionId"] == execution_id
    assert any(item.startswith(f"execution {execution_id} ({steps.RUN_COMMAND}) Running") for item in
               report["InProgress"])
    [action] = report["LifecycleActions"]
    assert action["LifecycleActionStatus"] == "Timeout" and action["LifecycleActionToken"] in box.backends.ess.actions
