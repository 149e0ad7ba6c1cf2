"""Remove what a recipe made in a scaling group: its hooks and its rule; with the policy, also detach its policy
from the role and delete the policy when nothing else uses it. Planned first, applied in reverse order of a run."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from essctl.facts.arns import account_from_arn
from essctl.recipe.apply import Applied, apply_changes
from essctl.recipe.plan import read_group
from essctl.recipe.steps import (
    ApplyContext,
    AttachmentStep,
    Change,
    GrantStep,
    PlanContext,
    PolicyStep,
    RunSpec,
    steps_for,
)

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud, Where
    from essctl.events import Emit
    from essctl.recipe.model import PolicySpec, Recipe


@dataclass(frozen=True)
class TeardownPlan:
    recipe: Recipe
    region: str
    group_id: str
    changes: tuple[Change, ...]
    where: Where
    account_id: str | None = None
    title = "Teardown plan"

    @property
    def account_unknown(self) -> str:
        """What the header says in place of the account, read from the role's Arn, when the role is not there."""
        return f"unknown (role {self.recipe.role} not found)"

    @property
    def pending(self) -> list[Change]:
        return [change for change in self.changes if change.changes_something]

    def to_data(self) -> dict[str, Any]:
        return {"Recipe": self.recipe.name, "ScalingGroupId": self.group_id,
                "Changes": [change.to_dict() for change in self.changes]}

    def report(self, done: list[Applied]) -> TeardownReport:
        """The plan with what applying it did."""
        return TeardownReport(self, done)


@dataclass(frozen=True)
class TeardownReport:
    plan: TeardownPlan
    done: list[Applied]

    def to_data(self) -> dict[str, Any]:
        return {**self.plan.to_data(), "Done": [applied.to_dict() for applied in self.done]}


def plan_teardown(cloud: Cloud, recipe: Recipe, group_id: str, *, policy: PolicySpec | None,
                  force: bool = False, scope: str | None = None, fleet: tuple[str, ...] = (),
                  other_regions: tuple[Cloud, ...] = ()) -> TeardownPlan:
    """What removing the recipe from the group takes; with `policy` (the recipe's policy or one of its variants),
    its policy too, and the policy diagnose --fix granted its role, where no other hook needs them (`force`: even
    then). A fleet plans each `scope` apart: "group" in every group, "account" once, with all the `fleet`'s groups
    (and their `other_regions`) in view."""
    spec = RunSpec(recipe=recipe, group_id=group_id, inputs={}, policy=policy or recipe.policy, force=force,
                   fleet=fleet)
    context = PlanContext(cloud, read_group(cloud, group_id), other_regions=other_regions)
    changes = []
    for step in reversed(steps_for(spec, teardown=True)):
        if (isinstance(step, (PolicyStep, AttachmentStep, GrantStep)) and policy is None
                or scope is not None and step.scope != scope):
            continue
        change = step.plan_teardown(context)
        if change is not None:
            changes.append(change)
    role = context.role(recipe.role)
    return TeardownPlan(recipe, cloud.region, group_id, tuple(changes), cloud.where(),
                        account_from_arn(role.arn) if role is not None else None)


def apply_teardown(cloud: Cloud, plan: TeardownPlan, emit: Emit, results: list[Applied] | None = None) -> list[Applied]:
    """Make the plan's changes (into `results` as they are made)."""
    return apply_changes(cloud, plan.changes, ApplyContext(known={}, emit=emit), results)
