"""The kinds of step a recipe takes, in the order they apply. A new kind is one Step subclass, registered here."""
from __future__ import annotations

from essctl.recipe.steps.attachment import AttachmentStep
from essctl.recipe.steps.base import (
    Action,
    ApplyContext,
    Change,
    Outcome,
    Outline,
    PlanContext,
    RunSpec,
    Step,
)
from essctl.recipe.steps.grant import GrantStep
from essctl.recipe.steps.hook import HookStep
from essctl.recipe.steps.policy import PolicyStep
from essctl.recipe.steps.role import RoleStep
from essctl.recipe.steps.rule import RuleStep
from essctl.recipe.steps.trigger import TriggerStep

STEP_KINDS: tuple[type[Step], ...] = (RoleStep, PolicyStep, AttachmentStep, HookStep, RuleStep, TriggerStep,
                                      GrantStep)


def steps_for(spec: RunSpec, *, teardown: bool = False) -> list[Step]:
    """Every step a run of the recipe takes, in order; with `teardown`, also the steps only a teardown takes."""
    return [step for kind in STEP_KINDS if teardown or kind.phase != "teardown" for step in kind.for_recipe(spec)]


__all__ = ["Action", "ApplyContext", "AttachmentStep", "Change", "GrantStep", "HookStep", "Outcome", "Outline", "PlanContext",
           "PolicyStep", "RoleStep", "RuleStep", "RunSpec", "STEP_KINDS", "Step", "TriggerStep", "steps_for"]
