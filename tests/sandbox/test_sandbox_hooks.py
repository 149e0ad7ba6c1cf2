"""Several lifecycle hooks on one transition, as the ESS API reference documents them
(api-docs/ess/CompleteLifecycleAction.md, CreateLifecycleHook.md): ESS waits for every hook and the wait that ends
last decides; only during a scale-in does a wait that times out with ABANDON or ROLLBACK end the others early."""
from essctl.sandbox.scenario import parse_scenario
from tests.support.sandbox_steps import (
    GROUP,
    REGION,
    create_hook,
    create_rule,
    execute,
    finished,
    instances,
    lifecycle_actions,
    session,
    wait_for,
)


def _session(sandbox_factory, instances_at_start=0):
    scenario = parse_scenario(f"groups: [{{id: {GROUP}, max: 5, instances: {instances_at_start}}}]\n")
    return session(sandbox_factory(scenario))


def _hooks(s, transition, *specs):
    """(name, timeout, default) -> hook id; the hooks notify nobody, so only their timeouts or a
    CompleteLifecycleAction end their waits."""
    return {name: create_hook(s, template=None, transition=transition, timeout=timeout, default=default, name=name)
            for name, timeout, default in specs}


def _complete(s, action, result):
    from alibabacloud_ess20220222 import models

    s.ess.complete_lifecycle_action(models.CompleteLifecycleActionRequest(
        region_id=REGION, lifecycle_hook_id=action.lifecycle_hook_id,
        lifecycle_action_token=action.lifecycle_action_token, lifecycle_action_result=result))


def _actions(s, activity_id, count=2):
    found = wait_for(lambda: len(lifecycle_actions(s, activity_id)) == count and lifecycle_actions(s, activity_id))
    return {a.lifecycle_hook_id: a for a in found}


def _states(s):
    return sorted(i.lifecycle_state for i in instances(s))


def test_scale_out_waits_for_the_last_hook_even_after_an_abandon_timeout(sandbox_factory):
    s = _session(sandbox_factory)
    hooks = _hooks(s, "SCALE_OUT", ("quick", 30, "ABANDON"), ("slow", 300, "CONTINUE"))
    activity_id = execute(s, create_rule(s))
    _actions(s, activity_id)
    wait_for(lambda: {a.lifecycle_action_status for a in lifecycle_actions(s, activity_id)} != {"Pending"})
    statuses = {a.lifecycle_hook_id: a.lifecycle_action_status for a in lifecycle_actions(s, activity_id)}
    assert statuses == {hooks["quick"]: "Timeout", hooks["slow"]: "Pending"}
    assert _states(s) == ["Pending:Wait"] and finished(s, activity_id) is None      # still waiting for "slow"
    done = wait_for(lambda: finished(s, activity_id))
    assert done.status_code == "Successful" and _states(s) == ["InService"]         # the last (CONTINUE) decided
    assert {a.lifecycle_hook_id: (a.lifecycle_action_status, a.lifecycle_action_result)
            for a in lifecycle_actions(s, activity_id)} == {hooks["quick"]: ("Timeout", "ABANDON"),
                                                            hooks["slow"]: ("Timeout", "CONTINUE")}


def test_scale_out_the_hook_completed_last_decides(sandbox_factory):
    s = _session(sandbox_factory)
    hooks = _hooks(s, "SCALE_OUT", ("first", 600, "CONTINUE"), ("second", 600, "CONTINUE"))
    first = execute(s, create_rule(s, name="one"))
    actions = _actions(s, first)
    _complete(s, actions[hooks["first"]], "ABANDON")                  # an early ABANDON does not end "second"'s wait
    assert finished(s, first) is None and _states(s) == ["Pending:Wait"]
    _complete(s, actions[hooks["second"]], "CONTINUE")
    assert wait_for(lambda: finished(s, first)).status_code == "Successful" and _states(s) == ["InService"]

    second = execute(s, create_rule(s, name="two"))
    actions = _actions(s, second)
    _complete(s, actions[hooks["second"]], "CONTINUE")
    _complete(s, actions[hooks["first"]], "ABANDON")                  # last: its ABANDON decides
    done = wait_for(lambda: finished(s, second))
    assert done.status_code == "Failed" and f'"{hooks["first"]}" ended the wait with ABANDON' in done.status_message
    assert _states(s) == ["InService"]                            # the second activity's instance was released


def test_scale_in_an_abandon_timeout_ends_the_other_waits_early(sandbox_factory):
    s = _session(sandbox_factory, instances_at_start=2)
    hooks = _hooks(s, "SCALE_IN", ("quick", 30, "ABANDON"), ("slow", 3600, "CONTINUE"))
    activity_id = execute(s, create_rule(s, change=-1))
    _actions(s, activity_id)
    done = wait_for(lambda: finished(s, activity_id))             # long before "slow" would time out
    assert done.status_code == "Successful" and len(done.destroyed_instances) == 1
    assert {a.lifecycle_hook_id: (a.lifecycle_action_status, a.lifecycle_action_result)
            for a in lifecycle_actions(s, activity_id)} == {hooks["quick"]: ("Timeout", "ABANDON"),
                                                            hooks["slow"]: ("Completed", "ABANDON")}


def test_scale_in_a_rollback_timeout_ends_the_waits_and_keeps_the_instances(sandbox_factory):
    s = _session(sandbox_factory, instances_at_start=2)
    _hooks(s, "SCALE_IN", ("quick", 30, "ROLLBACK"), ("slow", 3600, "CONTINUE"))
    activity_id = execute(s, create_rule(s, change=-1))
    done = wait_for(lambda: finished(s, activity_id))
    assert done.status_code == "Failed" and "ROLLBACK" in done.status_message
    assert _states(s) == ["InService", "InService"]


def test_scale_in_a_completed_rollback_does_not_end_the_other_waits(sandbox_factory):
    s = _session(sandbox_factory, instances_at_start=2)
    hooks = _hooks(s, "SCALE_IN", ("first", 3600, "CONTINUE"), ("second", 3600, "CONTINUE"))
    activity_id = execute(s, create_rule(s, change=-1))
    actions = _actions(s, activity_id)
    _complete(s, actions[hooks["first"]], "ROLLBACK")                 # completed, not timed out: no early end
    assert finished(s, activity_id) is None and "Removing:Wait" in _states(s)
    _complete(s, actions[hooks["second"]], "CONTINUE")                 # the last decides: the scale-in goes on
    done = wait_for(lambda: finished(s, activity_id))
    assert done.status_code == "Successful" and len(done.destroyed_instances) == 1
    assert _states(s) == ["InService"]
