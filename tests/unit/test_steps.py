"""Each step kind against the in-memory gateways: in place, create, update, delete, and drift (the cloud changed
since the last run), with what apply sends and what it makes known to the steps after it."""
import dataclasses
import json

import pytest

from essctl.errors import CloudAPIError, PreconditionFailed
from essctl.events import Waiting
from essctl.recipe.plan import load_templates
from essctl.recipe.steps import (
    Action,
    ApplyContext,
    AttachmentStep,
    HookStep,
    PlanContext,
    PolicyStep,
    RoleStep,
    RuleStep,
    TriggerStep,
    steps_for,
)
from essctl.recipe.steps.base import ACCOUNT_ID, RULE_ARI
from essctl.watch.watcher import Pacing
from tests.support import recipe_fixtures as fx
from tests.support.fake_cloud import ACCOUNT, api_error


def context(cloud, spec=None):
    recipe = (spec or fx.spec()).recipe
    return PlanContext(cloud, cloud.ess.groups["asg-fake0001"], templates=load_templates(cloud, recipe))


def apply(cloud, change, known=None, **extra):
    return change.step.apply(cloud, change, ApplyContext(known=dict(known or {}), emit=lambda event: None, **extra))


def one(kind, spec=None):
    return next(step for step in steps_for(spec or fx.spec()) if isinstance(step, kind))


# --- role --------------------------------------------------------------------------------------------------------

def test_role_in_place_makes_the_account_known(cloud):
    change = RoleStep("OOSServiceRole").plan(context(cloud), {})
    assert change.action is Action.NOOP and change.known == {ACCOUNT_ID: ACCOUNT}


def test_missing_role_is_created_only_when_asked(cloud):
    del cloud.ram.roles["OOSServiceRole"]
    with pytest.raises(PreconditionFailed, match="does not exist; rerun with --create-role"):
        RoleStep("OOSServiceRole").plan(context(cloud), {})
    change = RoleStep("OOSServiceRole", create=True).plan(context(cloud), {})
    assert change.action is Action.CREATE
    assert json.loads(change.request()["AssumeRolePolicyDocument"])["Statement"][0]["Principal"] == {
        "Service": ["oos.aliyuncs.com"]}
    outcome = apply(cloud, change)
    assert outcome.known == {ACCOUNT_ID: ACCOUNT} and "OOSServiceRole" in cloud.ram.roles


def test_a_role_whose_trust_drifted_away_from_oos_stops_the_plan(cloud):
    cloud.ram.add_role("OOSServiceRole", trust=json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}))
    with pytest.raises(PreconditionFailed, match="does not trust oos.aliyuncs.com \\(it trusts ecs.aliyuncs.com\\)"):
        RoleStep("OOSServiceRole").plan(context(cloud), {})


# --- policy ------------------------------------------------------------------------------------------------------

def test_missing_policy_is_created_with_the_derived_least_privilege_document(cloud):
    change = one(PolicyStep).plan(context(cloud), {})
    assert change.action is Action.CREATE and change.verb == "create"
    document = json.loads(change.request()["PolicyDocument"])
    assert [st["Action"] for st in document["Statement"]] == [
        ["ecs:DescribeInvocations", "ecs:RunCommand"], ["ess:CompleteLifecycleAction"]]
    assert apply(cloud, change).text == "created"
    assert json.loads(cloud.ram.policies["ESSHookPolicyForScript"].versions["v1"]) == document


def test_a_policy_reformatted_by_ram_is_in_place(cloud):
    step = one(PolicyStep)
    apply(cloud, step.plan(context(cloud), {}))
    stored = json.loads(cloud.ram.policies["ESSHookPolicyForScript"].versions["v1"])
    for statement in stored["Statement"]:
        statement["Action"] = list(reversed(statement["Action"]))
    cloud.ram.policies["ESSHookPolicyForScript"].versions["v1"] = json.dumps(stored, indent=4)
    assert step.plan(context(cloud), {}).action is Action.NOOP


def test_a_policy_edited_by_hand_gets_a_new_default_version(cloud):
    step = one(PolicyStep)
    apply(cloud, step.plan(context(cloud), {}))
    cloud.ram.policies["ESSHookPolicyForScript"].versions["v1"] = json.dumps(
        {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ecs:RunCommand", "Resource": "*"}]})
    change = step.plan(context(cloud), {})
    assert change.action is Action.UPDATE and change.verb == "new-version"
    assert change.request()["RotateStrategy"] == "DeleteOldestNonDefaultVersionWhenLimitExceeded"
    outcome = apply(cloud, change)
    assert outcome.text == "new default version" and cloud.ram.policies["ESSHookPolicyForScript"].default == "v2"


def test_policy_teardown_deletes_versions_then_the_policy_unless_something_else_uses_it(cloud):
    step = one(PolicyStep)
    apply(cloud, step.plan(context(cloud), {}))
    cloud.ram.policies["ESSHookPolicyForScript"].versions["v9"] = "{}"
    cloud.ram.add_role("OtherRole")
    cloud.ram.attached["OtherRole"].append(("ESSHookPolicyForScript", "Custom"))
    kept = step.plan_teardown(context(cloud))
    assert kept.action is Action.NOOP and kept.reason == "kept: also attached to Role OtherRole"
    cloud.ram.attached["OtherRole"].clear()
    change = step.plan_teardown(context(cloud))
    assert change.action is Action.DELETE
    assert apply(cloud, change).text == "deleted" and "ESSHookPolicyForScript" not in cloud.ram.policies
    assert cloud.mutations()[-2:] == ["delete_policy_version", "delete_policy"]


def test_policy_teardown_when_someone_deleted_it_meanwhile(cloud):
    step = one(PolicyStep)
    apply(cloud, step.plan(context(cloud), {}))
    change = step.plan_teardown(context(cloud))
    del cloud.ram.policies["ESSHookPolicyForScript"]
    cloud.failures["policy_versions"] = [api_error("ram", "ListPolicyVersions", "EntityNotExist.Policy")]
    assert apply(cloud, change).text == "already gone"
    assert step.plan_teardown(context(cloud)) is None


# --- attachment --------------------------------------------------------------------------------------------------

def test_attachment_create_in_place_and_teardown(cloud):
    apply(cloud, one(PolicyStep).plan(context(cloud), {}))
    step = one(AttachmentStep)
    change = step.plan(context(cloud), {})
    assert (change.action, change.verb, change.target) == (Action.CREATE, "attach",
                                                           "ESSHookPolicyForScript -> OOSServiceRole")
    assert change.request() == {"PolicyName": "ESSHookPolicyForScript", "PolicyType": "Custom",
                                "RoleName": "OOSServiceRole"}
    assert apply(cloud, change).text == "attached"
    assert step.plan(context(cloud), {}).action is Action.NOOP
    removal = step.plan_teardown(context(cloud))
    assert (removal.action, removal.verb) == (Action.DELETE, "detach")
    assert apply(cloud, removal).text == "detached" and cloud.ram.attached["OOSServiceRole"] == []
    assert step.plan_teardown(context(cloud)) is None


def test_attached_by_someone_else_between_plan_and_apply_is_success(cloud):
    step = one(AttachmentStep)
    change = step.plan(context(cloud), {})
    cloud.ram.attached["OOSServiceRole"].append(("ESSHookPolicyForScript", "Custom"))
    assert apply(cloud, change).text == "already attached"


def test_system_policies_are_attachments_only():
    spec = fx.spec(fx.RECIPE.split("policy:")[0] + fx.SYSTEM_POLICY)
    steps = steps_for(spec)
    assert not any(isinstance(step, PolicyStep) for step in steps)
    assert [step.target() for step in steps if isinstance(step, AttachmentStep)] == [
        "AliyunECSFullAccess -> OOSServiceRole", "AliyunESSFullAccess -> OOSServiceRole"]


# --- hook --------------------------------------------------------------------------------------------------------

def test_missing_hook_is_created_with_arn_and_metadata(cloud):
    change = one(HookStep).plan(context(cloud), {ACCOUNT_ID: ACCOUNT})
    assert change.action is Action.CREATE
    request = change.request()
    assert request["ScalingGroupId"] == "asg-fake0001" and request["HeartbeatTimeout"] == 900
    assert request["NotificationArn"] == f"acs:oos:cn-hangzhou:{ACCOUNT}:template/{fx.TEMPLATE_NAME}"
    assert json.loads(request["NotificationMetadata"]) == {"commandContent": "echo hello"}
    outcome = apply(cloud, change)
    assert outcome.text == "created" and outcome.ids["LifecycleHookId"] in cloud.ess.hooks


def test_a_hook_planned_before_the_role_existed_gets_the_account_at_apply(cloud):
    change = one(HookStep).plan(context(cloud), {})
    assert "{account}" in change.request()["NotificationArn"]
    hook_id = apply(cloud, change, {ACCOUNT_ID: "9999888877776666"}).ids["LifecycleHookId"]
    assert cloud.ess.hooks[hook_id].notification_arn.startswith("acs:oos:cn-hangzhou:9999888877776666:")
    assert "{account}" in change.request()["NotificationArn"], "apply wrote to the plan"


def test_a_hook_as_the_recipe_wants_it_is_in_place_and_drift_updates_only_what_differs(cloud):
    step = one(HookStep)
    apply(cloud, step.plan(context(cloud), {ACCOUNT_ID: ACCOUNT}))
    assert step.plan(context(cloud), {ACCOUNT_ID: ACCOUNT}).action is Action.NOOP
    (hook_id,) = cloud.ess.hooks
    cloud.ess.hooks[hook_id] = dataclasses.replace(cloud.ess.hooks[hook_id], heartbeat_timeout=1500,
                                                                 status="InActive")
    change = step.plan(context(cloud), {ACCOUNT_ID: ACCOUNT})
    assert change.action is Action.UPDATE and change.reason == "differs in HeartbeatTimeout, LifecycleHookStatus"
    assert change.request() == {"LifecycleHookId": hook_id, "HeartbeatTimeout": 900, "LifecycleHookStatus": "Active"}
    assert change.target == f"ESSHookForScript ({hook_id})"
    assert apply(cloud, change).text == "updated" and cloud.ess.hooks[hook_id].heartbeat_timeout == 900


def test_metadata_that_means_the_same_is_no_change(cloud):
    step = one(HookStep)
    apply(cloud, step.plan(context(cloud), {ACCOUNT_ID: ACCOUNT}))
    (hook_id,) = cloud.ess.hooks
    cloud.ess.hooks[hook_id] = dataclasses.replace(
        cloud.ess.hooks[hook_id], notification_metadata='{ "commandContent" : "echo hello" }')
    assert step.plan(context(cloud), {ACCOUNT_ID: ACCOUNT}).action is Action.NOOP


def test_hook_teardown_and_a_hook_deleted_meanwhile(cloud):
    step = one(HookStep)
    apply(cloud, step.plan(context(cloud), {ACCOUNT_ID: ACCOUNT}))
    change = step.plan_teardown(context(cloud))
    assert change.action is Action.DELETE
    cloud.ess.hooks.clear()
    assert apply(cloud, change).text == "already gone"
    assert step.plan_teardown(context(cloud)).action is Action.NOOP


def test_the_seventh_hook_is_refused_before_anything_is_sent(cloud):
    from essctl.cloud.resources import HookFields

    for number in range(6):
        cloud.ess.create_lifecycle_hook("asg-fake0001", HookFields(name=f"other{number}", transition="SCALE_OUT"))
    ctx = context(cloud)
    changes = [one(HookStep).plan(ctx, {ACCOUNT_ID: ACCOUNT})]
    with pytest.raises(PreconditionFailed, match="has 6 lifecycle hooks; ESS allows 6"):
        HookStep.validate(changes, ctx)


def test_a_hook_timeout_shorter_than_the_template_is_a_plan_warning(cloud):
    spec = fx.spec(fx.RECIPE.replace("timeout: 900", "timeout: 600"))
    ctx = context(cloud, spec)
    spec.recipe.stages[0].parameters["timeout"] = 400
    change = one(HookStep, spec).plan(ctx, {ACCOUNT_ID: ACCOUNT})
    assert change.warnings and "the template's timeout is 400 s" in change.warnings[0]


# --- rule and trigger --------------------------------------------------------------------------------------------

def test_rule_created_makes_its_ari_known_after_apply(cloud):
    step = one(RuleStep)
    change = step.plan(context(cloud), {})
    assert change.action is Action.CREATE and change.known == {}
    assert change.request() == {"ScalingGroupId": "asg-fake0001", "ScalingRuleName": "run-script-add1",
                                "ScalingRuleType": "SimpleScalingRule", "AdjustmentType": "QuantityChangeInCapacity",
                                "AdjustmentValue": 1}
    outcome = apply(cloud, change)
    assert outcome.known[RULE_ARI].endswith(outcome.ids["ScalingRuleId"])
    in_place = step.plan(context(cloud), {})
    assert in_place.action is Action.NOOP and in_place.known == {RULE_ARI: outcome.known[RULE_ARI]}


def test_a_rule_that_drifted_is_used_as_it_is_with_a_warning(cloud):
    step = one(RuleStep)
    apply(cloud, step.plan(context(cloud), {}))
    (rule_id,) = cloud.ess.rules
    cloud.ess.rules[rule_id] = dataclasses.replace(cloud.ess.rules[rule_id], adjustment_value=3)
    change = step.plan(context(cloud), {})
    assert change.action is Action.NOOP and "exists as QuantityChangeInCapacity 3" in change.warnings[0]
    removal = step.plan_teardown(context(cloud))
    assert removal.action is Action.DELETE and apply(cloud, removal).text == "deleted"


def test_trigger_executes_the_known_rule_with_a_client_token_and_retries_while_busy(cloud):
    step = one(TriggerStep)
    change = step.plan(context(cloud), {})
    cloud.failures["execute_scaling_rule"] = [api_error("ess", "ExecuteScalingRule", "ScalingActivityInProgress")]
    waited, slept = [], []
    outcome = step.apply(cloud, change, ApplyContext(
        known={RULE_ARI: "ari:acs:ess:cn-hangzhou:1:scalingrule/asr-x"}, emit=waited.append,
        pacing=Pacing(first=0.01, longest=0.01, sleep=slept.append), deadline=float("inf")))
    assert outcome.ids["attempts"] == 2 and outcome.ids["activity_id"].startswith("asa-")
    assert [type(event) for event in waited] == [Waiting] and slept == [0.01]
    ari, token = cloud.ess.executed[-1]
    assert ari.endswith("asr-x") and token.startswith("essctl-")


def test_a_rule_that_cannot_change_the_capacity_is_explained(cloud):
    step = one(TriggerStep)
    change = step.plan(context(cloud), {})
    cloud.failures["execute_scaling_rule"] = [api_error("ess", "ExecuteScalingRule", "IncorrectCapacity.NoChange")]
    with pytest.raises(PreconditionFailed, match="min 0, max 5, current 1; raise the group's MaxSize"):
        apply(cloud, change, {RULE_ARI: "ari:x"})


def test_other_trigger_errors_are_not_retried(cloud):
    step = one(TriggerStep)
    change = step.plan(context(cloud), {})
    cloud.failures["execute_scaling_rule"] = [api_error("ess", "ExecuteScalingRule", "Forbidden.Unauthorized")]
    with pytest.raises(CloudAPIError, match="Forbidden.Unauthorized"):
        apply(cloud, change, {RULE_ARI: "ari:x"}, pacing=Pacing(sleep=lambda s: None), deadline=float("inf"))
    assert len(cloud.ess.executed) == 0


# --- ownership: what essctl made, and what it leaves alone ------------------------------------------------------

def test_what_a_run_makes_is_recorded_on_the_group_and_the_policy(cloud):
    for kind in (PolicyStep, HookStep, RuleStep):
        apply(cloud, one(kind).plan(context(cloud), {ACCOUNT_ID: ACCOUNT}))
    (hook_id,), (rule_id,) = cloud.ess.hooks, cloud.ess.rules
    assert cloud.ess.tags["asg-fake0001"] == {f"essctl:{hook_id}": "run-script", f"essctl:{rule_id}": "run-script"}
    assert cloud.ram.policies["ESSHookPolicyForScript"].tags == {"essctl:recipe": "run-script"}
    removal = one(HookStep).plan_teardown(context(cloud))
    assert removal.action is Action.DELETE and apply(cloud, removal).text == "deleted"
    assert cloud.ess.tags["asg-fake0001"] == {f"essctl:{rule_id}": "run-script"}


def test_a_hook_rule_and_policy_essctl_did_not_make_are_kept_by_teardown(cloud):
    from essctl.cloud.resources import HookFields, NewPolicy, NewRule

    cloud.ess.create_lifecycle_hook("asg-fake0001", HookFields(
        name="ESSHookForScript", transition="SCALE_OUT",
        notification_arn=f"acs:oos:cn-hangzhou:{ACCOUNT}:template/{fx.TEMPLATE_NAME}"))
    cloud.ess.create_scaling_rule(NewRule(group_id="asg-fake0001", name="run-script-add1", adjustment_value=1))
    cloud.ram.create_policy(NewPolicy(name="ESSHookPolicyForScript", document='{"Statement": []}'))
    cloud.ram.attached["OOSServiceRole"].append(("ESSHookPolicyForScript", "Custom"))
    for kind in (HookStep, RuleStep, PolicyStep, AttachmentStep):
        change = one(kind).plan_teardown(context(cloud))
        assert change.action is Action.NOOP and "not made by this recipe" in change.reason, kind


def test_a_hook_of_the_recipes_name_that_starts_another_template_is_refused(cloud):
    from essctl.cloud.resources import HookFields

    cloud.ess.create_lifecycle_hook("asg-fake0001", HookFields(
        name="ESSHookForScript", transition="SCALE_OUT",
        notification_arn=f"acs:oos:cn-hangzhou:{ACCOUNT}:template/Someone-ElsesTemplate"))
    with pytest.raises(PreconditionFailed, match="starts Someone-ElsesTemplate, not Test-LifeCycleRunScript: it is "
                                                 "not this recipe's hook"):
        one(HookStep).plan(context(cloud), {ACCOUNT_ID: ACCOUNT})


# --- a role shared with other groups' hooks -----------------------------------------------------------------------

def _other_group_hook(cloud, actions_template=fx.TEMPLATE_NAME):
    """A hook in another group that runs the same template as the same role (made by hand, say)."""
    from essctl.cloud.resources import HookFields

    cloud.add_group("asg-fake0002")
    cloud.ess.create_lifecycle_hook("asg-fake0002", HookFields(
        name="OtherHook", transition="SCALE_OUT",
        notification_arn=f"acs:oos:cn-hangzhou:{ACCOUNT}:template/{actions_template}"))


def _narrower(step):
    """The same policy step, with a document that drops ecs:DescribeInvocations (another recipe's view of it)."""
    narrow = dataclasses.replace(step.spec, derive=False, document={"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ecs:RunCommand", "ess:CompleteLifecycleAction"], "Resource": "*"}]})
    return PolicyStep(narrow, recipe="other-recipe", role="OOSServiceRole", templates=step.templates,
                      own=(("asg-fake0001", "ESSHookForScript"),))


def test_a_new_version_that_takes_an_action_from_another_groups_hook_is_refused(cloud):
    for kind in (PolicyStep, AttachmentStep):
        apply(cloud, one(kind).plan(context(cloud), {}))
    _other_group_hook(cloud)
    with pytest.raises(PreconditionFailed, match="the new version of ESSHookPolicyForScript would take "
                                                 "ecs:DescribeInvocations from hook OtherHook in asg-fake0002"):
        _narrower(one(PolicyStep)).plan(context(cloud), {})
    assert cloud.ram.policies["ESSHookPolicyForScript"].default == "v1"
    forced = _narrower(one(PolicyStep))
    forced.force = True
    change = forced.plan(context(cloud), {})
    assert change.action is Action.UPDATE
    assert change.notes[0] == ("! role OOSServiceRole: 1 hook in 1 group depends on it; this change would take 1 "
                               "action from 1 hook in 1 group")
    assert change.notes[1].startswith("! --force: role OOSServiceRole: the new version")


def test_a_change_that_keeps_every_action_says_so(cloud):
    for kind in (PolicyStep, AttachmentStep, HookStep):
        apply(cloud, one(kind).plan(context(cloud), {ACCOUNT_ID: ACCOUNT}))
    _other_group_hook(cloud)
    cloud.ram.policies["ESSHookPolicyForScript"].versions["v1"] = '{"Version": "1", "Statement": []}'
    change = one(PolicyStep).plan(context(cloud), {})
    assert change.action is Action.UPDATE
    assert change.notes == ("= role OOSServiceRole: 2 hooks in 2 groups depend on it (1 of them its own); this change "
                            "keeps every action they need",)


def test_teardown_keeps_a_policy_and_its_attachment_another_groups_hook_needs(cloud):
    for kind in (PolicyStep, AttachmentStep):
        apply(cloud, one(kind).plan(context(cloud), {}))
    _other_group_hook(cloud)
    detach = one(AttachmentStep).plan_teardown(context(cloud))
    assert detach.action is Action.NOOP and detach.reason.startswith(
        "kept: role OOSServiceRole: detaching ESSHookPolicyForScript would take")
    delete = one(PolicyStep).plan_teardown(context(cloud))
    assert delete.action is Action.NOOP and "OtherHook in asg-fake0002" in delete.reason


def test_the_grant_diagnose_made_goes_with_the_last_hook_that_needed_it(cloud):
    from essctl.cloud.resources import NewPolicy
    from essctl.recipe.steps import GrantStep

    grant = '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:RunCommand"], "Resource": "*"}]}'
    cloud.ram.create_policy(NewPolicy(name="EssctlGrant-OOSServiceRole", document=grant,
                                      tags=(("essctl:grant", "OOSServiceRole"),)))
    cloud.ram.attached["OOSServiceRole"].append(("EssctlGrant-OOSServiceRole", "Custom"))
    step = next(s for s in steps_for(fx.spec(), teardown=True) if isinstance(s, GrantStep))
    _other_group_hook(cloud)
    kept = step.plan_teardown(context(cloud))
    assert kept.action is Action.NOOP and "would take ecs:RunCommand from hook OtherHook" in kept.reason
    cloud.ess.hooks.clear()
    removal = step.plan_teardown(context(cloud))
    assert removal.action is Action.DELETE
    assert apply(cloud, removal).text == "deleted" and "EssctlGrant-OOSServiceRole" not in cloud.ram.policies
    assert step.plan_teardown(context(cloud)) is None
