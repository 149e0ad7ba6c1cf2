"""Rendering at 80 columns (issue 15): every list table, the live watch and a plan drawn on a recording rich Console
80 columns wide keep each resource id whole on one line, one line per row; --wide shows every column."""
import io
import json
import re
from types import SimpleNamespace

import pytest

from essctl.env import Environment
from essctl.render import Listing, fold, write_lines
from essctl.render.console import ShownConsole
from essctl.render.views import LISTINGS

# Ids as long as ESS, OOS and the sandbox make them (the sandbox's execution ids are the longest: 37 characters).
GROUP = "asg-bp1fo4tcwnbqkv8l6gtv"
HOOK = "ash-bp1fo4tcwnbqkv8l6gtw"
ACTIVITY = "asa-bp13o672yeautiil0xg"
EXECUTION = "exec-sbxb3ae2787c4bd8fb21f3d7fb627472"
REAL_EXECUTION = "exec-f4e61f2f21fe4907a3cd"
LONG = "a rather long free text that says more than eighty columns can hold, and then some more words on top"

ITEMS = {
    "scaling_groups": ([{"ScalingGroupId": GROUP, "ScalingGroupName": "web-tier-production-" + "x" * 30,
                         "LifecycleState": "Active", "MinSize": 0, "MaxSize": 100, "TotalCapacity": 12,
                         "ActiveCapacity": 10, "PendingWaitCapacity": 2, "RemovingWaitCapacity": 0,
                         "VpcId": "vpc-bp1qpo0kug3a20qqe2a3e"}], [GROUP]),
    "lifecycle_hooks": ([{"LifecycleHookId": HOOK, "LifecycleHookName": "ESSHookForRunCommand-" + "y" * 20,
                          "LifecycleTransition": "SCALE_OUT", "LifecycleHookStatus": "Active",
                          "HeartbeatTimeout": 600, "DefaultResult": "CONTINUE",
                          "NotificationArn": "acs:oos:cn-hangzhou:1234567890123456:template/ACS-ESS-LifeCycleRunCommand"
                          }], [HOOK]),
    "scaling_activities": ([{"ScalingActivityId": ACTIVITY, "StatusCode": "Failed", "Progress": 100,
                             "StartTime": "2026-11-30T20:15Z", "EndTime": "2026-11-30T20:16Z", "Cause": LONG,
                             "StatusMessage": LONG},
                            {"ScalingActivityId": ACTIVITY[:-1] + "h", "StatusCode": "Successful",
                             "StartTime": "2026-11-30T20:10Z", "StatusMessage": "ok"}], [ACTIVITY]),
    "executions": ([{"ExecutionId": EXECUTION, "TemplateName": "ACS-ESS-LifeCycleRunCommand", "Status": "Failed",
                     "StartDate": "2026-11-30T20:15:47Z", "EndDate": "2026-11-30T20:16:47Z", "Mode": "Automatic",
                     "StatusMessage": LONG},
                    {"ExecutionId": REAL_EXECUTION, "TemplateName": "ACS-ESS-LifeCycleRunCommand",
                     "Status": "Success", "StartDate": "2026-11-30T20:15:47Z"}], [EXECUTION, REAL_EXECUTION]),
    "templates": ([{"TemplateName": "ACS-ESS-LifeCycleCreateNetworkInterfaceAndEipAndAttachToInstance",
                    "TemplateVersion": "v3", "ShareType": "Public", "UpdatedDate": "2026-01-01T00:00:00Z",
                    "Description": LONG}], ["ACS-ESS-LifeCycleCreateNetworkInterfaceAndEipAndAttachToInstance"]),
    "recipes": ([{"Name": "analyticdb-whitelist", "Title": LONG, "Template": "ACS-ESS-LifeCycleModifyAnalyticDB",
                  "Transitions": ["SCALE_OUT", "SCALE_IN"], "Policy": "derived"}], ["analyticdb-whitelist"]),
}


def _draw(renderables, width=80, colour=False):
    console = ShownConsole(record=True, width=width, file=io.StringIO(), force_terminal=colour,
                           color_system="standard" if colour else None, highlight=False)
    for renderable in renderables:
        console.print(renderable, crop=False)
    return console


def _rows(text):
    """The body rows of a boxed table: lines between the header rule and the bottom rule."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("┡"))
    end = next(i for i, line in enumerate(lines) if line.startswith("└"))
    return lines[start + 1:end]


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_every_list_fits_80_columns_with_each_id_whole_and_one_line_a_row(kind):
    items, ids = ITEMS[kind]
    text = _draw(LISTINGS[kind](Listing(kind, items))).export_text()
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), text
    assert len(_rows(text)) == len(items), text          # no row wraps onto a second line
    for ident in ids:
        assert any(ident in line for line in lines), (ident, text)
    assert "--wide adds" in text                          # what the default leaves out is named


@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_wide_shows_every_column_and_still_keeps_the_ids_whole(kind):
    items, ids = ITEMS[kind]
    narrow = _draw(LISTINGS[kind](Listing(kind, items))).export_text()
    wide = _draw(LISTINGS[kind](Listing(kind, items, wide=True))).export_text()
    header = lambda text: re.findall(r"[A-Za-z:()#]+", next(line for line in text.splitlines() if "┃" in line))  # noqa: E731
    assert len(header(wide)) > len(header(narrow)) and "--wide adds" not in wide
    assert len(_rows(wide)) == len(items)
    if kind == "scaling_groups":            # too wide for 80 columns anyway: nothing is cut
        assert "web-tier-production-" + "x" * 30 in wide and "…" not in wide
    for ident in ids:
        assert any(ident in line for line in wide.splitlines())


def test_free_text_is_cut_with_an_ellipsis_not_wrapped():
    items, _ = ITEMS["scaling_activities"]
    text = _draw(LISTINGS["scaling_activities"](Listing("scaling_activities", items))).export_text()
    first = _rows(text)[0]
    assert "…" in first and LONG not in text and LONG[:10] in first


def test_a_narrow_terminal_drops_an_optional_column_before_the_ids():
    items, ids = ITEMS["executions"]
    at_80 = _draw(LISTINGS["executions"](Listing("executions", items))).export_text()
    at_120 = _draw(LISTINGS["executions"](Listing("executions", items)), width=120).export_text()
    assert "Started" not in _rows(at_80)[0] and "2026-11-30T20:15:47Z" not in at_80      # 37-character ids
    assert "2026-11-30T20:15:47Z" in at_120 and "ACS-ESS-LifeCycleRunCommand" in at_120
    assert "--wide adds Ended, Mode, Message, Started" in at_80


def test_ids_stay_whole_at_60_columns_too():
    items, ids = ITEMS["scaling_groups"]
    text = _draw(LISTINGS["scaling_groups"](Listing("scaling_groups", items)), width=60).export_text()
    assert any(GROUP in line for line in text.splitlines()) and len(_rows(text)) == 1


def _live_rows(width):
    from essctl.events import ActivityChanged, ExecutionChanged, TaskChanged
    from essctl.render.watch_views import LiveWatchView

    console = ShownConsole(record=True, width=width, file=io.StringIO(), force_terminal=True)
    env = Environment(output="table", color=True, stdout=console.file)
    view = LiveWatchView(env, f"Activity {ACTIVITY}", console=console)
    view.event(ActivityChanged(activity_id=ACTIVITY, status="InProgress", progress=40, status_message=None))
    view.event(ExecutionChanged(execution_id=EXECUTION, status="Failed", template="ACS-ESS-LifeCycleRunCommand",
                                status_message=LONG, outputs=None))
    view.event(TaskChanged(execution_id=EXECUTION, task="runCommandOnTheNewInstances", action="ACS::ECS::RunCommand",
                           status="Failed", status_message=LONG))
    console.print(view)
    return console.export_text()


@pytest.mark.parametrize("width", [80, 60])
def test_the_live_watch_keeps_execution_ids_and_task_names_whole(width):
    text = _live_rows(width)
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines), text
    assert any(f"execution {EXECUTION}" in line for line in lines), text
    assert any("task runCommandOnTheNewInstances" in line for line in lines), text
    assert len(_rows(text)) == 3, text
    assert "--wide" not in text                       # the watch has no --wide to offer


def test_the_live_watch_shows_the_detail_where_there_is_room():
    assert "ACS-ESS-LifeCycleRunCommand" in _live_rows(120) and "ACS-ESS-LifeCycleRunC" not in _live_rows(60)


# --- plans: a JSON value indented, lines folded at spaces on a terminal --------------------------------------------

POLICY = json.dumps({"Version": "1", "Statement": [
    {"Effect": "Allow", "Action": ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand"],
     "Resource": "*"}, {"Effect": "Allow", "Action": ["ess:CompleteLifecycleAction"], "Resource": "*"}]},
    separators=(",", ":"))


def _plan(*details):
    from essctl.recipe.steps.base import Action

    change = SimpleNamespace(action=Action.CREATE, kind="policy", target="ESSHookPolicyForRunCommand",
                             reason="missing: create it", notes=[], changes_something=True,
                             details=lambda: list(details))
    where = SimpleNamespace(region="cn-hangzhou", endpoint="https://ess.aliyuncs.com", credentials="profile p")
    return SimpleNamespace(title="Plan", recipe=SimpleNamespace(name="run-command"), group_id=GROUP, where=where,
                           account_id="1234567890123456", changes=[change], warnings=["a warning"])


def test_a_long_json_value_in_a_plan_is_indented_and_still_the_same_document():
    from essctl.recipe.steps.base import Detail
    from essctl.render.progress import plan_lines

    lines = list(plan_lines(_plan(Detail("PolicyDocument", None, POLICY), Detail("Short", None, '{"a":1}'))))
    start = next(i for i, line in enumerate(lines) if "PolicyDocument: {" in line)
    end = next(i for i, line in enumerate(lines) if line.startswith("        Short:"))
    document = "\n".join(lines[start:end]).split("PolicyDocument: ", 1)[1]
    assert json.loads(document) == json.loads(POLICY)
    assert all(len(line) <= 80 for line in lines[start:end]) and end - start > 3
    assert '"Action": ["ess:CompleteLifecycleAction"],' in document      # a member that fits stays on its line
    assert '        Short: {"a":1}' in lines                                # a short one stays as it is


def test_a_line_folds_at_spaces_under_its_indent_and_an_arn_moves_left_whole():
    arn = "acs:oos:cn-hangzhou:1234567890123456:template/ACS-ESS-LifeCycleRunCommand"
    parts = fold(f"        NotificationArn: {arn}", 80)
    assert parts == ["        NotificationArn:", " " * (80 - len(arn)) + arn]
    ari = "ari:acs:ess:cn-hangzhou:1234567890123456:scalingrule/asr-sbxb746031b6116d568b"
    assert fold(f"• rule r: created (ScalingRuleId=asr-1 ScalingRuleAri={ari})", 80) == [
        "• rule r: created (ScalingRuleId=asr-1 ScalingRuleAri=", " " * (80 - len(ari) - 1) + ari + ")"]
    words = fold("  + trigger run-command-add1: scale out by 1 (group at 1 of max 5); then watch the activity", 40)
    assert all(len(part) <= 40 for part in words) and all(part.startswith("      ") for part in words[1:])
    assert " ".join(part.strip() for part in words) == ("+ trigger run-command-add1: scale out by 1 (group at 1 "
                                                        "of max 5); then watch the activity")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_lines_fold_on_a_terminal_but_not_into_a_file():
    long = "  " + " ".join(["word"] * 40)
    env = Environment(output="table", stdout=io.StringIO())
    write_lines(env, [long])
    assert env.stdout.getvalue() == long + "\n"
    terminal = Environment(output="table", stdout=Terminal())
    terminal._consoles["stdout"] = ShownConsole(file=terminal.stdout, width=80)
    write_lines(terminal, [long])
    assert all(len(line) <= 80 for line in terminal.stdout.getvalue().splitlines())
    assert len(terminal.stdout.getvalue().splitlines()) > 1


def test_a_query_result_keeps_its_ids_whole_and_wraps_its_text():
    from essctl.render.views import generic_view

    data = [{"ExecutionId": EXECUTION, "TemplateName": "ACS-ESS-LifeCycleRunCommand", "StatusMessage": LONG}]
    text = _draw(generic_view(data)).export_text()
    assert all(len(line) <= 80 for line in text.splitlines()), text
    assert any(EXECUTION in line for line in text.splitlines())
    assert any("ACS-ESS-LifeCycleRunCommand" in line for line in text.splitlines())
    assert "…" not in text and len(_rows(text)) > 1           # the message wraps: nothing of it is lost


def test_an_update_of_a_json_value_shows_only_the_members_that_change():
    from essctl.recipe.steps.base import Detail
    from essctl.render.progress import plan_lines

    before = '{"commandType":"RunShellScript","commandContent":"echo one","OOSAssumeRole":"OOSServiceRole"}'
    after = '{"commandType":"RunShellScript","commandContent":"echo two; sleep 5","regionId":"cn-hangzhou"}'
    lines = list(plan_lines(_plan(Detail("NotificationMetadata", before, after))))
    members = [line.strip() for line in lines if line.strip().startswith("NotificationMetadata")]
    assert members == ['NotificationMetadata.commandContent: "echo one" -> "echo two; sleep 5"',
                       'NotificationMetadata.OOSAssumeRole: "OOSServiceRole" -> (removed)',
                       'NotificationMetadata.regionId: (added) "cn-hangzhou"']
    plain = list(plan_lines(_plan(Detail("HeartbeatTimeout", 600, 900))))
    assert "        HeartbeatTimeout: 600 -> 900" in plain
