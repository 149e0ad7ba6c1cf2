"""The simple scaling rule a recipe's trigger executes: created when the group has none of that name."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from essctl.cloud.resources import NewRule
from essctl.facts.ess import GONE_CODES, QUANTITY_CHANGE, SIMPLE_RULE, owner_tag
from essctl.recipe.steps.base import (
    RULE_ARI,
    Action,
    ApplyContext,
    Change,
    Outcome,
    Outline,
    PlanContext,
    Step,
    removal,
)

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.recipe.model import Trigger
    from essctl.recipe.steps.base import RunSpec


class RuleStep(Step):
    kind = "rule"

    def __init__(self, trigger: Trigger, *, recipe: str, group_id: str):
        self.trigger = trigger
        self.recipe = recipe
        self.group_id = group_id

    @classmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        trigger = spec.recipe.trigger
        return [cls(trigger, recipe=spec.recipe.name, group_id=spec.group_id)] if trigger is not None else []

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        trigger = self.trigger
        rule = context.cloud.ess.find_scaling_rule(self.group_id, trigger.rule)
        if rule is None:
            return Change(self, Action.CREATE, f"missing: create a simple rule that adds {trigger.adjustment:+d}",
                          after=NewRule(group_id=self.group_id, name=trigger.rule, rule_type=SIMPLE_RULE,
                                        adjustment_type=QUANTITY_CHANGE, adjustment_value=trigger.adjustment))
        warnings: tuple[str, ...] = ()
        if (rule.adjustment_type, rule.adjustment_value) != (QUANTITY_CHANGE, trigger.adjustment):
            warnings = (f"rule {trigger.rule} exists as {rule.adjustment_type} {rule.adjustment_value}, not "
                        f"{QUANTITY_CHANGE} {trigger.adjustment:+d}: it is used as it is (rename trigger.rule to get "
                        "a new one)",)
        return Change(self, Action.NOOP, "exists", before=rule, warnings=warnings, known={RULE_ARI: rule.ari})

    def plan_teardown(self, context: PlanContext) -> Change | None:
        rule = context.cloud.ess.find_scaling_rule(self.group_id, self.trigger.rule)
        if rule is None:
            return Change(self, Action.NOOP, "not in the group")
        if context.made_by(rule.id) != self.recipe:
            return Change(self, Action.NOOP, "kept: not made by this recipe", before=rule)
        return Change(self, Action.DELETE, "made by this recipe", before=rule)

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        if change.action is Action.CREATE:
            rule = cloud.ess.create_scaling_rule(change.after)
            cloud.ess.tag_group(self.group_id, {owner_tag(rule.id): self.recipe})
            return Outcome("created", {"ScalingRuleId": rule.id, "ScalingRuleAri": rule.ari},
                           known={RULE_ARI: rule.ari})
        outcome = removal(lambda: cloud.ess.delete_scaling_rule(change.before.id), GONE_CODES)
        cloud.ess.untag_group(self.group_id, [owner_tag(change.before.id)])
        return outcome

    def request(self, change: Change) -> dict[str, Any]:
        if change.action is Action.DELETE:
            return {"ScalingRuleId": change.before.id}
        return super().request(change)

    def outline(self) -> list[Outline]:
        return [Outline("ESS", "CreateScalingRule", f"{self.trigger.rule}: {SIMPLE_RULE}, {QUANTITY_CHANGE} "
                                                    f"{self.trigger.adjustment:+d} (when the group has no rule of "
                                                    "that name)")]

    def target(self, change: Change | None = None) -> str:
        before = change.before if change is not None else None
        return f"{self.trigger.rule} ({before.id})" if before is not None else self.trigger.rule
