"""hook complete | heartbeat against the sandbox, through the real SDK: an instance stuck in Pending:Wait is freed
(or released with ABANDON), a wait is extended, and nothing is sent without confirmation."""
import json

import pytest

from tests.support import sandbox_steps as steps


def _cloud(box):
    return ("--endpoint", box.endpoint, "--region", "cn-hangzhou")


@pytest.fixture
def stuck(sandbox):
    """A scale-out held by a hook that starts nothing (no NotificationArn): its instance waits in Pending:Wait until
    someone completes the action (or 600 s pass)."""
    s = steps.session(sandbox)
    hook_id = steps.create_hook(s, template=None, timeout=600)
    activity_id = steps.execute(s, steps.create_rule(s))
    [instance] = steps.wait_for(lambda: [i for i in steps.instances(s, activity_id=activity_id)
                                         if i.lifecycle_state == "Pending:Wait"])
    return s, hook_id, activity_id, instance.instance_id


def _sent(box):
    return [action for _, action, _ in box.bodies]


def test_hook_complete_frees_an_instance_in_pending_wait(cli, sandbox, stuck):
    s, hook_id, activity_id, instance_id = stuck
    result = cli("hook", "complete", instance_id, "--yes", "-o", "json", *_cloud(sandbox))
    assert result.code == 0, result.err
    [done] = json.loads(result.out)
    [token] = [a.lifecycle_action_token for a in steps.lifecycle_actions(s, activity_id)]
    assert done == {"LifecycleHookId": hook_id, "LifecycleActionToken": token, "ScalingActivityId": activity_id,
                    "InstanceIds": [instance_id], "LifecycleActionResult": "CONTINUE"}
    assert f"complete with CONTINUE: lifecycle action {token} (hook {hook_id} of activity {activity_id}, holding " \
           f"{instance_id})" in result.err
    assert f"essctl activity watch {activity_id}" in result.err
    finished = steps.wait_for(lambda: steps.finished(s, activity_id))
    assert finished.status_code == "Successful"
    [instance] = steps.instances(s, activity_id=activity_id)
    assert instance.lifecycle_state == "InService"
    assert _sent(sandbox).count("CompleteLifecycleAction") == 1


def test_hook_complete_with_abandon_releases_the_new_instance(cli, sandbox, stuck):
    s, hook_id, activity_id, instance_id = stuck
    result = cli("hook", "complete", instance_id, "--result", "abandon", "--yes", *_cloud(sandbox))
    assert result.code == 0, result.err
    assert steps.wait_for(lambda: steps.finished(s, activity_id)).status_code == "Failed"
    assert steps.instances(s, activity_id=activity_id) == []


def test_hook_complete_by_token_and_hook(cli, sandbox, stuck):
    s, hook_id, activity_id, instance_id = stuck
    [action] = steps.lifecycle_actions(s, activity_id)
    result = cli("hook", "complete", "--token", action.lifecycle_action_token, "--hook", hook_id, "--yes",
                 *_cloud(sandbox))
    assert result.code == 0, result.err
    assert steps.wait_for(lambda: steps.finished(s, activity_id)).status_code == "Successful"


def test_off_a_terminal_without_yes_nothing_is_sent(cli, sandbox, stuck):
    s, hook_id, activity_id, instance_id = stuck
    for command in (("complete", instance_id), ("heartbeat", instance_id, "--timeout", "900")):
        result = cli("hook", *command, *_cloud(sandbox))
        assert result.code == 2
        assert result.err.splitlines()[-1] == ("essctl: error: refusing to "
                                               f"{'complete with CONTINUE' if command[0] == 'complete' else 'extend by 900 s'}"
                                               " without --yes: not on a terminal (nothing was changed)")
    assert "CompleteLifecycleAction" not in _sent(sandbox)
    assert "RecordLifecycleActionHeartbeat" not in _sent(sandbox)
    [instance] = steps.instances(s, activity_id=activity_id)
    assert instance.lifecycle_state == "Pending:Wait"


def test_hook_heartbeat_extends_the_wait(cli, sandbox, stuck):
    s, hook_id, activity_id, instance_id = stuck
    [action] = steps.lifecycle_actions(s, activity_id)
    stored = sandbox.backends.ess.actions[action.lifecycle_action_token]
    before = stored["deadline"]
    result = cli("hook", "heartbeat", instance_id, "--timeout", "3600", "--yes", *_cloud(sandbox))
    assert result.code == 0, result.err
    assert stored["heartbeats"] == 1
    assert stored["deadline"] >= before + 3000
    assert "extended 1 lifecycle action(s) by 3600 s from now" in result.err


@pytest.mark.parametrize("args, message", [
    (("--result", "RETRY"), "--result: expected one of CONTINUE, ABANDON, ROLLBACK, got 'RETRY'"),
    (("--token", "t-1"), "--token needs --hook ID: `essctl activity watch` and `diagnose` list both"),
    ((), "give an instance id or --token (with --hook), not both"),
])
def test_bad_input_is_one_line_and_nothing_is_sent(cli, sandbox, args, message):
    result = cli("hook", "complete", *args, "--yes", *_cloud(sandbox))
    assert result.code == 2
    assert result.err == f"essctl: error: {message}\n"
    assert sandbox.bodies == []


def test_an_instance_with_no_pending_action_is_named_with_its_state(cli, sandbox, stuck):
    s, hook_id, activity_id, instance_id = stuck
    assert cli("hook", "complete", instance_id, "--yes", *_cloud(sandbox)).code == 0
    steps.wait_for(lambda: steps.finished(s, activity_id))
    result = cli("hook", "complete", instance_id, "--yes", *_cloud(sandbox))
    assert result.code == 1
    assert result.err == f"essctl: error: instance {instance_id} (InService) has no pending lifecycle action\n"
