"""essctl hook update against the sandbox, through the real SDK: ModifyLifecycleHook, then the hook read back."""
import json

import pytest

from essctl.diagnose.knowledge import load_knowledge
from tests.support import sandbox_steps as steps


def _cloud(box):
    return ("--endpoint", box.endpoint, "--region", "cn-hangzhou")


@pytest.fixture
def hook_id(sandbox):
    return steps.create_hook(steps.session(sandbox), timeout=60, default="CONTINUE")


def test_timeout_default_result_and_status_change_in_place(cli, sandbox, hook_id):
    result = cli("hook", "update", hook_id, "--timeout", "900", "--default-result", "abandon", "--status", "InActive",
                 "--yes", "-o", "json", *_cloud(sandbox))
    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert shown["LifecycleHookId"] == hook_id
    assert (shown["HeartbeatTimeout"], shown["DefaultResult"], shown["LifecycleHookStatus"]) == (900, "ABANDON",
                                                                                                  "InActive")
    stored = sandbox.backends.ess.hooks[hook_id]
    assert (stored["HeartbeatTimeout"], stored["DefaultResult"], stored["LifecycleHookStatus"]) == (900, "ABANDON",
                                                                                                    "InActive")
    assert stored["NotificationArn"].endswith("template/ACS-ESS-LifeCycleRunCommand")   # untouched


def test_only_the_given_field_is_sent(cli, sandbox, hook_id):
    result = cli("hook", "update", hook_id, "--status", "InActive", "--timeout", "60", "--yes", "-o", "json", "-v",
                 *_cloud(sandbox))
    assert result.code == 0, result.err
    sent = [line for line in result.err.splitlines() if "ess:ModifyLifecycleHook" in line]
    assert len(sent) == 1
    assert "LifecycleHookStatus=InActive" in sent[0] and f"ScalingGroupId={steps.GROUP}" in sent[0]
    assert "HeartbeatTimeout" not in sent[0] and "DefaultResult" not in sent[0]
    assert sandbox.backends.ess.hooks[hook_id]["HeartbeatTimeout"] == 60


def test_the_fix_command_of_the_knowledge_base_works_as_written(cli, sandbox, hook_id):
    templates = {entry.fix_command for entry in load_knowledge() if entry.fix_command
                 and entry.fix_command.startswith("essctl hook update")}
    assert templates == {"essctl hook update {hook_id} --timeout {suggested_timeout}"}
    command = next(iter(templates)).format(hook_id=hook_id, suggested_timeout=480).split()[1:]
    result = cli(*command, "--yes", "-o", "table", *_cloud(sandbox))   # a person answers the question instead
    assert result.code == 0, result.err
    assert "480" in result.out and hook_id in result.out
    assert sandbox.backends.ess.hooks[hook_id]["HeartbeatTimeout"] == 480


@pytest.mark.parametrize("args, message", [
    ((), "nothing to change: give --timeout, --default-result or --status"),
    (("--timeout", "29"), "--timeout: the hook timeout must be 30 to 21600 seconds, got 29"),
    (("--timeout", "21601"), "--timeout: the hook timeout must be 30 to 21600 seconds, got 21601"),
    (("--default-result", "RETRY"), "--default-result: expected one of CONTINUE, ABANDON, ROLLBACK, got 'RETRY'"),
    (("--status", "Paused"), "--status: expected one of Active, InActive, got 'Paused'"),
])
def test_bad_input_is_one_line_and_nothing_is_sent(cli, sandbox, args, message):
    result = cli("hook", "update", "ash-sbx0000000000000000", *args, *_cloud(sandbox))
    assert result.code == 2
    assert result.err == f"essctl: error: {message}\n"
    assert sandbox.bodies == []


def test_an_unknown_hook_is_reported_and_nothing_modified(cli, sandbox):
    result = cli("hook", "update", "ash-sbx0000000000000000", "--timeout", "900", *_cloud(sandbox))
    assert result.code == 1
    assert result.err == "essctl: error: lifecycle hook ash-sbx0000000000000000 not found in region cn-hangzhou\n"
    assert [action for _, action, _ in sandbox.bodies] == ["DescribeLifecycleHooks"]


def test_each_changed_field_is_shown_before_and_after_and_confirmed(cli, sandbox, hook_id):
    result = cli("hook", "update", hook_id, "--timeout", "900", "--default-result", "CONTINUE", "--yes", "-o", "json",
                 *_cloud(sandbox))
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert lines[0].startswith(f"essctl: ~ hook {hook_id} (") and lines[0].endswith(f") in {steps.GROUP}:")
    assert lines[1:] == ["essctl:     HeartbeatTimeout: 60 -> 900"]      # DefaultResult is CONTINUE already


def test_off_a_terminal_without_yes_the_change_is_shown_and_nothing_is_sent(cli, sandbox, hook_id):
    result = cli("hook", "update", hook_id, "--timeout", "900", *_cloud(sandbox))
    assert result.code == 2
    assert "essctl:     HeartbeatTimeout: 60 -> 900" in result.err
    assert result.err.splitlines()[-1] == ("essctl: error: refusing to change the hook without --yes: not on a "
                                           "terminal (nothing was changed)")
    assert "ModifyLifecycleHook" not in [action for _, action, _ in sandbox.bodies]
    assert sandbox.backends.ess.hooks[hook_id]["HeartbeatTimeout"] == 60


def test_values_the_hook_has_already_send_nothing(cli, sandbox, hook_id):
    result = cli("hook", "update", hook_id, "--timeout", "60", "-o", "json", *_cloud(sandbox))
    assert result.code == 0, result.err
    assert "already has these values: nothing was sent" in result.err
    assert "ModifyLifecycleHook" not in [action for _, action, _ in sandbox.bodies]
