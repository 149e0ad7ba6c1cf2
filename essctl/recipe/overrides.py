"""What a user changes in a recipe for one run without copying its file (--hook-timeout, --default-result,
--adjustment, --rule): checked before anything is sent, and kept by every later run that passes them again."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from essctl.errors import InputError, shorten
from essctl.facts.ess import ADJUSTMENT_RANGE, DEFAULT_RESULTS, HEARTBEAT_RANGE_S, HOOK_NAME, NAME_RULE, transition_of
from essctl.recipe.model import HookSpec, Recipe, Stage, Trigger, rule_name


@dataclass(frozen=True)
class Overrides:
    hook_timeout: int | None = None       # every hook's HeartbeatTimeout
    default_result: str | None = None     # every hook's DefaultResult
    adjustment: int | None = None         # the trigger: +N scales out, -N scales in
    rule: str | None = None               # the trigger's rule name

    def apply(self, recipe: Recipe) -> Recipe:
        """The recipe as this run uses it."""
        stages = tuple(dataclasses.replace(stage, hook=self._hook(stage.hook)) for stage in recipe.stages)
        return dataclasses.replace(recipe, stages=stages, trigger=self._trigger(recipe, stages))

    def _hook(self, hook: HookSpec) -> HookSpec:
        timeout, result = hook.timeout, hook.default_result
        if self.hook_timeout is not None:
            low, high = HEARTBEAT_RANGE_S
            if not low <= self.hook_timeout <= high:
                raise InputError("hook_timeout", f"must be {low} to {high} seconds, got {self.hook_timeout}")
            timeout = self.hook_timeout
        if self.default_result is not None:
            result = next((r for r in DEFAULT_RESULTS if r.lower() == self.default_result.lower()), None)
            if result is None:
                raise InputError("default_result", f"expected one of {', '.join(DEFAULT_RESULTS)}, "
                                                   f"got {shorten(self.default_result)}")
        return dataclasses.replace(hook, timeout=timeout, default_result=result)

    def _trigger(self, recipe: Recipe, stages: tuple[Stage, ...]) -> Trigger | None:
        trigger = recipe.trigger
        if self.adjustment is None and self.rule is None:
            return trigger
        if trigger is None:
            raise InputError("adjustment" if self.adjustment is not None else "rule",
                             f"recipe {recipe.name} has no trigger (trigger: none)")
        adjustment = trigger.adjustment if self.adjustment is None else self.adjustment
        low, high = ADJUSTMENT_RANGE
        if adjustment == 0 or not low <= adjustment <= high:
            raise InputError("adjustment", f"must be a nonzero integer from {low} to {high} (+N adds, -N removes), "
                                           f"got {shorten(adjustment)}")
        needed = transition_of(adjustment)
        if all(stage.hook.transition != needed for stage in stages):
            raise InputError("adjustment", f"{adjustment:+d} starts a {needed.lower().replace('_', '-')} activity, "
                                           f"which no hook of recipe {recipe.name} handles")
        if self.rule is not None:
            if not HOOK_NAME.fullmatch(self.rule):
                raise InputError("rule", f"must be {NAME_RULE}, got {shorten(self.rule)}")
            return Trigger(rule=self.rule, adjustment=adjustment, named=True)
        if adjustment == trigger.adjustment:
            return trigger
        # Another adjustment is another rule: named after the recipe, it cannot be the file's rule for +1.
        return Trigger(rule=rule_name(recipe.name, adjustment), adjustment=adjustment)
