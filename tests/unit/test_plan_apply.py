"""The plan/apply engine over the in-memory gateways: the order of changes, a plan that apply never writes to, a
second run with nothing to do, teardown in reverse, and values known only at apply time flowing forward."""
import dataclasses

import pytest

from essctl.errors import PreconditionFailed
from essctl.events import StepApplied
from essctl.recipe.apply import apply_plan
from essctl.recipe.plan import make_plan
from essctl.recipe.steps import STEP_KINDS, Action, Step
from essctl.recipe.teardown import apply_teardown, plan_teardown
from tests.support import recipe_fixtures as fx
from tests.support.fake_cloud import ACCOUNT


def test_every_step_kind_is_registered_once_in_apply_order():
    assert [kind.kind for kind in STEP_KINDS] == ["role", "policy", "attachment", "hook", "rule", "trigger", "grant"]
    assert [kind.phase for kind in STEP_KINDS].count("teardown") == 1
    assert all(issubclass(kind, Step) for kind in STEP_KINDS)


def test_a_first_plan_lists_each_change_in_order_and_the_trigger_apart(cloud):
    plan = make_plan(cloud, fx.spec(fx.RECIPE + fx.SCALE_IN))
    assert [(c.kind, c.action.symbol) for c in plan.changes] == [
        ("role", "="), ("policy", "+"), ("attachment", "+"), ("hook", "+"), ("hook", "+"), ("rule", "+"),
        ("trigger", "+")]
    assert plan.trigger is plan.changes[-1] and plan.setup == plan.changes[:-1] and plan.account_id == ACCOUNT
    assert plan.trigger.reason.startswith("scale out by 1 (group at 1 of max 5)")
    assert len(plan.pending) == 6 and cloud.mutations() == []


def test_apply_makes_exactly_the_plan_in_order_and_leaves_the_plan_as_it_was(cloud):
    plan = make_plan(cloud, fx.spec())
    frozen = [dataclasses.replace(change) for change in plan.changes]
    events = []
    applied, context = apply_plan(cloud, plan, events.append)
    assert cloud.mutations() == ["create_policy", "attach_policy_to_role", "create_lifecycle_hook", "tag_group",
                                 "create_scaling_rule", "tag_group"]
    assert [a.outcome.text for a in applied] == ["unchanged", "created", "attached", "created", "created"]
    assert [type(event) for event in events] == [StepApplied] * 5
    assert plan.changes == tuple(frozen) and "rule_ari" not in plan.known
    assert context.known["rule_ari"] == cloud.ess.rules[next(iter(cloud.ess.rules))].ari


def test_a_second_run_changes_nothing_but_asks_again_to_trigger(cloud):
    apply_plan(cloud, make_plan(cloud, fx.spec()), lambda event: None)
    before = len(cloud.mutations())
    again = make_plan(cloud, fx.spec())
    assert [change.kind for change in again.pending] == ["trigger"]
    assert all(change.action is Action.NOOP for change in again.setup)
    assert make_plan(cloud, fx.spec(trigger=False)).pending == []
    apply_plan(cloud, again, lambda event: None)
    assert len(cloud.mutations()) == before


def test_a_new_role_flows_its_account_into_the_hook(cloud):
    del cloud.ram.roles["OOSServiceRole"]
    plan = make_plan(cloud, fx.spec(create_role=True))
    assert plan.account_id is None
    apply_plan(cloud, plan, lambda event: None)
    (hook,) = cloud.ess.hooks.values()
    assert hook.notification_arn == f"acs:oos:cn-hangzhou:{ACCOUNT}:template/{fx.TEMPLATE_NAME}"


def test_no_trigger_plans_no_trigger(cloud):
    assert make_plan(cloud, fx.spec(trigger=False)).trigger is None


def test_a_missing_group_or_template_stops_the_plan_before_any_change(cloud):
    with pytest.raises(PreconditionFailed, match="scaling group asg-nothere not found"):
        make_plan(cloud, fx.spec(group_id="asg-nothere"))
    assert cloud.mutations() == []


def test_an_inactive_group_is_a_warning(cloud):
    cloud.add_group(state="Inactive")
    assert "is Inactive: the trigger will be rejected" in make_plan(cloud, fx.spec()).warnings[0]


def test_teardown_plans_in_reverse_and_removes_what_the_run_made(cloud):
    spec = fx.spec(fx.RECIPE + fx.SCALE_IN)
    apply_plan(cloud, make_plan(cloud, spec), lambda event: None)
    plan = plan_teardown(cloud, spec.recipe, "asg-fake0001", policy=spec.policy)
    assert [(c.kind, c.action.symbol, c.target.split(" ")[0]) for c in plan.changes] == [
        ("rule", "-", "run-script-add1"), ("hook", "-", "ESSHookForScriptIn"), ("hook", "-", "ESSHookForScript"),
        ("attachment", "-", "ESSHookPolicyForScript"), ("policy", "-", "ESSHookPolicyForScript")]
    done = apply_teardown(cloud, plan, lambda event: None)
    assert [a.outcome.text for a in done] == ["deleted", "deleted", "deleted", "detached", "deleted"]
    assert cloud.ess.hooks == {} and cloud.ess.rules == {} and cloud.ram.policies == {}
    assert plan_teardown(cloud, spec.recipe, "asg-fake0001", policy=spec.policy).pending == []


def test_teardown_without_the_policy_leaves_it(cloud):
    spec = fx.spec()
    apply_plan(cloud, make_plan(cloud, spec), lambda event: None)
    plan = plan_teardown(cloud, spec.recipe, "asg-fake0001", policy=None)
    assert {change.kind for change in plan.changes} == {"rule", "hook"}


def test_what_another_run_made_between_plan_and_apply_is_in_place_and_the_outcome_says_so(cloud):
    plan = make_plan(cloud, fx.spec())
    apply_plan(cloud, make_plan(cloud, fx.spec()), lambda event: None)     # the other run, first to apply
    made = len(cloud.mutations())
    applied, _ = apply_plan(cloud, plan, lambda event: None)
    assert len(cloud.ess.hooks) == 1 and len(cloud.ess.rules) == 1 and len(cloud.ram.policies) == 1
    # Each create was sent and found its resource in place; the group's record of the hook and rule is written again.
    assert cloud.mutations()[made:] == ["create_policy", "attach_policy_to_role", "create_lifecycle_hook", "tag_group",
                                        "create_scaling_rule", "tag_group"]
    assert [a.outcome.text for a in applied] == [
        "unchanged", "already there; EntityAlreadyExists.Policy, read back: exists with the same document",
        "already attached", "already there; InvalidLifecycleHookName.Duplicate, read back: exists with the same fields",
        "already there; InvalidScalingRuleName.Duplicate, read back: exists with the same adjustment"]
