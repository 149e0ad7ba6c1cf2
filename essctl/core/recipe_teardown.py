"""Remove what a recipe created in a scaling group: its hooks and its rule; with `policy`, also detach its policy
from the role and delete the policy when nothing else uses it. System policies are only ever detached."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from essctl.core import lookups
from essctl.core.events import Emit, Event
from essctl.core.recipe_plan import Change
from essctl.core.recipes import Recipe
from essctl.errors import CloudAPIError

GONE_CODES = frozenset({"InvalidLifecycleHookId.NotExist", "InvalidScalingRuleId.NotFound",
                        "EntityNotExist.Policy", "EntityNotExist.Role.Policy"})


@dataclass
class TeardownPlan:
    recipe: Recipe
    group_id: str
    changes: list[Change]

    @property
    def pending(self) -> list[Change]:
        return [change for change in self.changes if change.changes_something]

    def to_dict(self) -> dict[str, Any]:
        return {"recipe": self.recipe.name, "group": self.group_id,
                "changes": [change.to_dict() for change in self.changes]}


def plan_teardown(session: Any, recipe: Recipe, group_id: str, *, policy: bool) -> TeardownPlan:
    changes = []
    for stage in recipe.stages:
        hook = lookups.lifecycle_hook(session, group_id, stage.hook.name)
        if hook is None:
            changes.append(Change("hook", "none", stage.hook.name, "not in the group"))
        else:
            changes.append(Change("hook", "delete", f"{stage.hook.name} ({hook['LifecycleHookId']})", "created by the recipe",
                                  request={"LifecycleHookId": hook["LifecycleHookId"]}))
    if recipe.trigger is not None:
        rule = lookups.scaling_rule(session, group_id, recipe.trigger.rule)
        if rule is None:
            changes.append(Change("rule", "none", recipe.trigger.rule, "not in the group"))
        else:
            changes.append(Change("rule", "delete", f"{recipe.trigger.rule} ({rule['ScalingRuleId']})",
                                  "created by the recipe", request={"ScalingRuleId": rule["ScalingRuleId"]}))
    if policy:
        changes.extend(_policy_teardown(session, recipe))
    return TeardownPlan(recipe, group_id, changes)


def _policy_teardown(session: Any, recipe: Recipe) -> list[Change]:
    role_name = recipe.role
    role = lookups.role(session, role_name)
    attached = lookups.role_policies(session, role_name) if role else set()
    names = [(name, "System") for name in recipe.policy.system] or [(recipe.policy.name, "Custom")]
    changes = []
    for name, policy_type in names:
        if (name, policy_type) in attached:
            changes.append(Change("attachment", "detach", f"{name} -> {role_name}", "attached by the recipe",
                                  request={"PolicyName": name, "PolicyType": policy_type, "RoleName": role_name}))
        if policy_type != "Custom" or lookups.custom_policy_document(session, name) is None:
            continue
        others = [entity for entity in lookups.policy_users(session, name) if entity != ("Role", role_name)]
        if others:
            shown = ", ".join(f"{kind} {entity}" for kind, entity in others)
            changes.append(Change("policy", "none", name, f"kept: also attached to {shown}"))
        else:
            changes.append(Change("policy", "delete", name, "no other user, group or role uses it",
                                  request={"PolicyName": name}))
    return changes


def apply_teardown(session: Any, plan: TeardownPlan, emit: Emit) -> list[dict[str, Any]]:
    from alibabacloud_ess20220222 import models as ess
    from alibabacloud_ram20150501 import models as ram

    done = []
    for change in plan.changes:
        outcome = "unchanged"
        if change.changes_something:
            try:
                if change.kind == "hook":
                    session.ess.delete_lifecycle_hook(ess.DeleteLifecycleHookRequest(
                        region_id=session.region, lifecycle_hook_id=change.request["LifecycleHookId"]))
                elif change.kind == "rule":
                    session.ess.delete_scaling_rule(ess.DeleteScalingRuleRequest(
                        region_id=session.region, scaling_rule_id=change.request["ScalingRuleId"]))
                elif change.kind == "attachment":
                    session.ram.detach_policy_from_role(ram.DetachPolicyFromRoleRequest().from_map(change.request))
                elif change.kind == "policy":
                    _delete_policy(session, change.request["PolicyName"])
                outcome = "deleted" if change.action == "delete" else "detached"
            except CloudAPIError as exc:
                if exc.code not in GONE_CODES:
                    raise
                outcome = "already gone"
        done.append({"kind": change.kind, "target": change.target, "outcome": outcome})
        emit(Event("step", f"{change.kind} {change.target}: {outcome}", {"step": done[-1]}))
    return done


def _delete_policy(session: Any, name: str) -> None:
    """RAM refuses to delete a policy with non-default versions: delete those first."""
    from alibabacloud_ram20150501 import models

    body = session.ram.list_policy_versions(models.ListPolicyVersionsRequest(policy_name=name, policy_type="Custom")).body
    versions = (body.policy_versions.policy_version if body.policy_versions else None) or []
    for version in versions:
        if not version.is_default_version:
            session.ram.delete_policy_version(models.DeletePolicyVersionRequest(
                policy_name=name, version_id=version.version_id))
    session.ram.delete_policy(models.DeletePolicyRequest(policy_name=name))
