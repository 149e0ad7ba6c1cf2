"""Plan a recipe in a scaling group, as Terraform plans: read-only calls compare what the recipe wants (role,
policy, attachment, hooks, rule) with what exists, and list the changes `recipe_apply` will make. Nothing here
changes anything in the cloud.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from essctl.core import lookups
from essctl.core.arns import account_from_arn, notification_arn
from essctl.core.inventory import list_lifecycle_hooks, trusted_services
from essctl.core.permissions import derive_required_actions, least_privilege_policy
from essctl.core.policy_eval import same_policy
from essctl.core.recipes import PolicySpec, Recipe, Stage, check_against_template, stage_parameters
from essctl.core.template_parameters import check_heartbeat_timeout, notification_metadata
from essctl.core.templates import Template, load_template_from_oos, oos_resolver
from essctl.errors import PreconditionFailed, UsageError

HOOKS_PER_GROUP = 6           # the 7th CreateLifecycleHook fails with QuotaExceeded.LifecycleHook
ROTATE_STRATEGY = "DeleteOldestNonDefaultVersionWhenLimitExceeded"   # avoids LimitExceeded.Policy.Version
OOS_SERVICE = "oos.aliyuncs.com"
OOS_TRUST_POLICY = {
    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [OOS_SERVICE]}}],
    "Version": "1",
}


@dataclass
class Change:
    """One step of the plan. `action` "none" means already in place; `request` is what apply sends."""

    kind: str                 # role | policy | attachment | hook | rule
    action: str               # create | update | new-version | attach | none
    target: str
    reason: str
    request: dict[str, Any] = field(default_factory=dict)
    current: dict[str, Any] | None = None

    @property
    def changes_something(self) -> bool:
        return self.action != "none"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "action": self.action, "target": self.target, "reason": self.reason,
                "request": self.request}


@dataclass
class Plan:
    recipe: Recipe
    region: str
    group_id: str
    group: dict[str, Any]
    inputs: dict[str, Any]
    account_id: str | None
    changes: list[Change]
    templates: dict[str, Template]
    policy: PolicySpec
    warnings: list[str] = field(default_factory=list)
    rule_ari: str | None = None

    @property
    def pending(self) -> list[Change]:
        return [change for change in self.changes if change.changes_something]

    def hook_timeout(self) -> int:
        return max(stage.hook.timeout for stage in self.recipe.stages)

    def to_dict(self) -> dict[str, Any]:
        return {"recipe": self.recipe.name, "region": self.region, "group": self.group_id,
                "account_id": self.account_id, "inputs": self.inputs,
                "changes": [change.to_dict() for change in self.changes], "warnings": self.warnings}


def policy_document_text(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def make_plan(session: Any, recipe: Recipe, group_id: str, inputs: dict[str, Any], *,
              variant: str | None = None, create_role: bool = False) -> Plan:
    """Read what exists and list the changes; raises PreconditionFailed when the recipe cannot run."""
    policy = _policy_spec(recipe, variant)
    group = lookups.scaling_group(session, group_id)
    if group is None:
        raise PreconditionFailed(f"scaling group {group_id} not found in region {session.region}")
    plan = Plan(recipe=recipe, region=session.region, group_id=group_id, group=group, inputs=inputs, account_id=None, changes=[],
                templates={}, policy=policy)
    if group.get("LifecycleState") not in (None, "Active"):
        plan.warnings.append(f"scaling group {group_id} is {group.get('LifecycleState')}: the trigger will be "
                             "rejected (IncorrectScalingGroupStatus) until it is Active")

    role = lookups.role(session, recipe.role)
    plan.changes.append(_role_change(recipe.role, role, create_role))
    plan.account_id = account_from_arn(role["Arn"]) if role else None

    for stage in recipe.stages:
        template = load_template_from_oos(session, stage.template)
        check_against_template(recipe, stage, template)
        plan.templates[stage.template] = template
    plan.changes.extend(_policy_changes(session, plan, role))
    plan.changes.extend(_hook_changes(session, plan))
    if recipe.trigger is not None:
        plan.changes.append(_rule_change(session, plan))
    return plan


def _policy_spec(recipe: Recipe, variant: str | None) -> PolicySpec:
    if variant is None:
        return recipe.policy
    if variant not in recipe.policy_variants:
        known = ", ".join(sorted(recipe.policy_variants)) or "none"
        raise UsageError(f"--policy-variant: recipe {recipe.name} has no variant {variant!r} (variants: {known})")
    return recipe.policy_variants[variant]


def _role_change(name: str, role: dict[str, Any] | None, create_role: bool) -> Change:
    if role is not None:
        trusted = trusted_services(role.get("AssumeRolePolicyDocument"))
        if OOS_SERVICE not in trusted:
            raise PreconditionFailed(f"role {name} does not trust {OOS_SERVICE} (it trusts "
                                     f"{', '.join(trusted) or 'nothing'}): OOS cannot assume it; fix its trust policy")
        return Change("role", "none", name, f"exists and trusts {OOS_SERVICE}", current=role)
    if not create_role:
        raise PreconditionFailed(f"role {name} does not exist; rerun with --create-role to create it with the OOS "
                                 "trust policy")
    return Change("role", "create", name, f"missing: create it, trusted by {OOS_SERVICE}", request={
        "RoleName": name, "AssumeRolePolicyDocument": policy_document_text(OOS_TRUST_POLICY),
        "Description": "Role that OOS assumes to run lifecycle hook templates (created by essctl)"})


def _desired_document(session: Any, plan: Plan) -> dict[str, Any]:
    if plan.policy.document is not None:
        return plan.policy.document
    actions: dict[str, Any] = {}
    resolve = oos_resolver(session)
    for template in plan.templates.values():
        derivation = derive_required_actions(template, resolve)
        actions.update(derivation.actions)
        plan.warnings.extend(f"policy: {item}" for item in derivation.unresolved)
    return least_privilege_policy(actions)


def _policy_changes(session: Any, plan: Plan, role: dict[str, Any] | None) -> list[Change]:
    spec, role_name = plan.policy, plan.recipe.role
    attached = lookups.role_policies(session, role_name) if role is not None else set()
    changes: list[Change] = []
    if spec.system:
        wanted = [(name, "System") for name in spec.system]
    else:
        document = _desired_document(session, plan)
        text = policy_document_text(document)
        current = lookups.custom_policy_document(session, spec.name)
        if current is None:
            changes.append(Change("policy", "create", spec.name, "missing: create it", request={
                "PolicyName": spec.name, "PolicyDocument": text,
                "Description": spec.description or f"Lifecycle hook policy for essctl recipe {plan.recipe.name}"}))
        elif same_policy(current, document):
            changes.append(Change("policy", "none", spec.name, "exists with the same document"))
        else:
            changes.append(Change("policy", "new-version", spec.name,
                                  "exists with another document: add a version and make it the default", request={
                                      "PolicyName": spec.name, "PolicyDocument": text, "SetAsDefault": True,
                                      "RotateStrategy": ROTATE_STRATEGY}, current=current))
        wanted = [(spec.name, "Custom")]
    for name, policy_type in wanted:
        if (name, policy_type) in attached:
            changes.append(Change("attachment", "none", f"{name} -> {role_name}", "already attached"))
        else:
            changes.append(Change("attachment", "attach", f"{name} -> {role_name}", f"attach the {policy_type} policy",
                                  request={"PolicyName": name, "PolicyType": policy_type, "RoleName": role_name}))
    return changes


def desired_hook(plan: Plan, stage: Stage) -> dict[str, Any]:
    """The hook as ESS will hold it: API field names, NotificationMetadata validated against the template."""
    template = plan.templates[stage.template]
    values = stage_parameters(stage, plan.inputs)
    advice = check_heartbeat_timeout(template, stage.hook.timeout, values)
    if advice is not None:
        plan.warnings.append(f"hook {stage.hook.name}: {advice.reason}")
    return {
        "LifecycleHookName": stage.hook.name,
        "LifecycleTransition": stage.hook.transition,
        "HeartbeatTimeout": stage.hook.timeout,
        "DefaultResult": stage.hook.default_result,
        "NotificationArn": notification_arn(plan.region, plan.account_id, stage.template),
        "NotificationMetadata": notification_metadata(template, values),
    }


def _hook_differences(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    changed = {}
    for key, value in desired.items():
        if key == "NotificationMetadata":
            try:
                same = json.loads(current.get(key) or "{}") == json.loads(value)
            except ValueError:
                same = False
        else:
            same = str(current.get(key)) == str(value)
        if not same:
            changed[key] = value
    if current.get("LifecycleHookStatus") == "InActive":
        changed["LifecycleHookStatus"] = "Active"
    return changed


def _hook_changes(session: Any, plan: Plan) -> list[Change]:
    existing = {hook["LifecycleHookName"]: hook for hook in list_lifecycle_hooks(session, plan.group_id)}
    changes = []
    for stage in plan.recipe.stages:
        desired = desired_hook(plan, stage)
        current = existing.get(stage.hook.name)
        if current is None:
            changes.append(Change("hook", "create", stage.hook.name,
                                  f"missing: create the {stage.hook.transition} hook that starts {stage.template}",
                                  request={"ScalingGroupId": plan.group_id, **desired}))
            continue
        differences = _hook_differences(current, desired)
        if not differences:
            changes.append(Change("hook", "none", f"{stage.hook.name} ({current['LifecycleHookId']})",
                                  "exists as the recipe wants it", current=current))
        else:
            changes.append(Change("hook", "update", f"{stage.hook.name} ({current['LifecycleHookId']})",
                                  f"differs in {', '.join(sorted(differences))}",
                                  request={"LifecycleHookId": current["LifecycleHookId"], **differences},
                                  current=current))
    creating = sum(1 for change in changes if change.action == "create")
    if creating and len(existing) + creating > HOOKS_PER_GROUP:
        raise PreconditionFailed(f"scaling group {plan.group_id} has {len(existing)} lifecycle hooks; ESS allows "
                                 f"{HOOKS_PER_GROUP} (QuotaExceeded.LifecycleHook): delete one first "
                                 f"(essctl hook list --group {plan.group_id})")
    return changes


def _rule_change(session: Any, plan: Plan) -> Change:
    trigger = plan.recipe.trigger
    rule = lookups.scaling_rule(session, plan.group_id, trigger.rule)
    if rule is None:
        return Change("rule", "create", trigger.rule, f"missing: create a simple rule that adds {trigger.adjustment:+d}",
                      request={"ScalingGroupId": plan.group_id, "ScalingRuleName": trigger.rule,
                               "ScalingRuleType": "SimpleScalingRule", "AdjustmentType": "QuantityChangeInCapacity",
                               "AdjustmentValue": trigger.adjustment})
    plan.rule_ari = rule.get("ScalingRuleAri")
    if (rule.get("AdjustmentType"), rule.get("AdjustmentValue")) != ("QuantityChangeInCapacity", trigger.adjustment):
        plan.warnings.append(f"rule {trigger.rule} exists as {rule.get('AdjustmentType')} "
                             f"{rule.get('AdjustmentValue')}, not QuantityChangeInCapacity {trigger.adjustment:+d}: "
                             "it is used as it is (rename trigger.rule to get a new one)")
    return Change("rule", "none", f"{trigger.rule} ({rule.get('ScalingRuleId')})", "exists", current=rule)
