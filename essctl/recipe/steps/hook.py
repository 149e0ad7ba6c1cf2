"""A lifecycle hook that starts the stage's OOS template: created, or changed in just the fields that differ."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Mapping

from essctl.cloud.resources import HookFields
from essctl.errors import PreconditionFailed
from essctl.facts.arns import ACCOUNT_PENDING, notification_arn, oos_template_of
from essctl.facts.ess import GONE_CODES, HOOKS_PER_GROUP, owner_tag
from essctl.recipe.inputs import stage_parameters
from essctl.recipe.steps.base import (
    ACCOUNT_ID,
    Action,
    ApplyContext,
    Change,
    Detail,
    Outcome,
    Outline,
    PlanContext,
    Step,
    removal,
)
from essctl.template.heartbeat import check_heartbeat_timeout
from essctl.template.parameters import ess_text, notification_metadata

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import LifecycleHook
    from essctl.recipe.model import Stage
    from essctl.recipe.steps.base import RunSpec


# What a person checks in a new hook, in this order (its name is the plan line's target).
_SHOWN = ("notification_arn", "notification_metadata", "heartbeat_timeout", "default_result", "transition")


def differences(current: LifecycleHook, desired: HookFields) -> HookFields:
    """The fields of `desired` that the hook does not have yet (and Active, when it is InActive)."""
    changed = desired.unmet_by(current).given()
    if current.status == "InActive":
        changed["status"] = "Active"
    return HookFields(**changed)


class HookStep(Step):
    kind = "hook"

    def __init__(self, stage: Stage, *, recipe: str, group_id: str, inputs: Mapping[str, Any]):
        self.stage = stage
        self.hook = stage.hook
        self.recipe = recipe
        self.group_id = group_id
        self.inputs = dict(inputs)

    @classmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        return [cls(stage, recipe=spec.recipe.name, group_id=spec.group_id, inputs=spec.inputs)
                for stage in spec.recipe.stages]

    def _check_template(self, current: LifecycleHook) -> None:
        """A hook of the recipe's name that starts another template is someone else's: never changed."""
        template = oos_template_of(current.notification_arn)
        if template != self.stage.template:
            raise PreconditionFailed(
                f"hook {self.hook.name} ({current.id}) in {self.group_id} starts "
                f"{template or current.notification_arn or 'nothing'}, not {self.stage.template}: it is not this "
                f"recipe's hook, so essctl leaves it alone; rename the hook in the recipe, or remove that hook")

    def _current(self, context: PlanContext) -> LifecycleHook | None:
        return next((hook for hook in context.hooks if hook.name == self.hook.name), None)

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        template = context.templates[self.stage.template]
        values = stage_parameters(self.stage, self.inputs)
        advice = check_heartbeat_timeout(template, self.hook.timeout, values)
        warnings = (f"hook {self.hook.name}: {advice.reason}",) if advice is not None else ()
        desired = HookFields(
            name=self.hook.name, transition=self.hook.transition, heartbeat_timeout=self.hook.timeout,
            default_result=self.hook.default_result,
            notification_arn=notification_arn(context.region, known.get(ACCOUNT_ID), self.stage.template),
            notification_metadata=notification_metadata(template, values))
        current = self._current(context)
        if current is None:
            return Change(self, Action.CREATE, f"missing: create the {self.hook.transition} hook that starts "
                                               f"{self.stage.template}", after=desired, warnings=warnings)
        self._check_template(current)
        changed = differences(current, desired)
        if not changed.given():
            return Change(self, Action.NOOP, "exists as the recipe wants it", before=current, warnings=warnings)
        if changed.heartbeat_timeout is not None and (current.heartbeat_timeout or 0) > changed.heartbeat_timeout:
            warnings += (f"hook {self.hook.name}: HeartbeatTimeout {current.heartbeat_timeout} -> "
                         f"{changed.heartbeat_timeout} lowers what the hook waits now (raised since the last run, "
                         f"e.g. by a diagnose fix); to keep it, run with --hook-timeout {current.heartbeat_timeout}",)
        return Change(self, Action.UPDATE, f"differs in {', '.join(sorted(changed.to_api()))}", before=current,
                      after=changed, warnings=warnings)

    @classmethod
    def validate(cls, changes: list[Change], context: PlanContext) -> None:
        creating = sum(1 for change in changes if change.action is Action.CREATE)
        if creating and len(context.hooks) + creating > HOOKS_PER_GROUP:
            raise PreconditionFailed(f"scaling group {context.group_id} has {len(context.hooks)} lifecycle hooks; "
                                     f"ESS allows {HOOKS_PER_GROUP} (QuotaExceeded.LifecycleHook): delete one first "
                                     f"(essctl hook list --group {context.group_id})")

    def plan_teardown(self, context: PlanContext) -> Change | None:
        current = self._current(context)
        if current is None:
            return Change(self, Action.NOOP, "not in the group")
        if context.made_by(current.id) != self.recipe or oos_template_of(current.notification_arn) != self.stage.template:
            return Change(self, Action.NOOP, "kept: not made by this recipe", before=current)
        return Change(self, Action.DELETE, "made by this recipe", before=current)

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        if change.action is Action.CREATE:
            fields: HookFields = change.after
            if fields.notification_arn and ACCOUNT_PENDING in fields.notification_arn:
                # Planned before the role existed: its account id is known now.
                account = context.known.get(ACCOUNT_ID) or ACCOUNT_PENDING
                fields = HookFields(**{**fields.given(),
                                       "notification_arn": fields.notification_arn.replace(ACCOUNT_PENDING, account)})
            hook_id = cloud.ess.create_lifecycle_hook(self.group_id, fields)
            cloud.ess.tag_group(self.group_id, {owner_tag(hook_id): self.recipe})
            return Outcome("created", {"LifecycleHookId": hook_id})
        hook_id = change.before.id
        if change.action is Action.UPDATE:
            cloud.ess.modify_lifecycle_hook(hook_id, change.after)
            return Outcome("updated", {"LifecycleHookId": hook_id})
        outcome = removal(lambda: cloud.ess.delete_lifecycle_hook(hook_id), GONE_CODES)
        cloud.ess.untag_group(self.group_id, [owner_tag(hook_id)])
        return outcome

    def request(self, change: Change) -> dict[str, Any]:
        if change.action is Action.CREATE:
            return {"ScalingGroupId": self.group_id, **change.after.to_api()}
        if change.action is Action.UPDATE:
            return {"LifecycleHookId": change.before.id, **change.after.to_api()}
        if change.action is Action.DELETE:
            return {"LifecycleHookId": change.before.id}
        return {}

    def details(self, change: Change) -> list[Detail]:
        if change.action is Action.CREATE:
            fields = change.after.given()
            return [Detail(HookFields.api_name(name), None, fields[name]) for name in _SHOWN if name in fields]
        if change.action is Action.UPDATE:
            return [Detail(HookFields.api_name(name), getattr(change.before, name), value)
                    for name, value in change.after.given().items()]
        return []

    def outline(self) -> list[Outline]:
        metadata = {name: ess_text(value) for name, value in stage_parameters(self.stage, self.inputs).items()}
        hook = self.hook
        return [Outline("ESS", "CreateLifecycleHook",
                        f"{hook.name}: {hook.transition}, HeartbeatTimeout {hook.timeout} s, DefaultResult "
                        f"{hook.default_result}, NotificationArn "
                        f"{notification_arn('{region}', None, self.stage.template)}, NotificationMetadata "
                        f"{json.dumps(metadata, ensure_ascii=False, separators=(',', ':'))} (ModifyLifecycleHook when "
                        "the group's hook of that name differs)")]

    def target(self, change: Change | None = None) -> str:
        before = change.before if change is not None else None
        return f"{self.hook.name} ({before.id})" if before is not None else self.hook.name
