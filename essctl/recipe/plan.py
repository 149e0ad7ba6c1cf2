"""Plan a recipe in a scaling group, as Terraform plans: each step reads what exists and plans one change; the plan
is fixed once made, and `recipe.apply` makes exactly its changes. Nothing here changes anything in the cloud."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from essctl.errors import PreconditionFailed
from essctl.recipe.check import check_against_template
from essctl.recipe.steps import STEP_KINDS, Change, PlanContext, RunSpec, Step, steps_for
from essctl.recipe.steps.base import ACCOUNT_ID
from essctl.template.source import load_template_from_oos, oos_resolver

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud, Where
    from essctl.cloud.resources import ScalingGroup
    from essctl.recipe.model import Recipe
    from essctl.template.model import Template


@dataclass(frozen=True)
class Plan:
    recipe: Recipe
    region: str
    group: ScalingGroup
    inputs: Mapping[str, Any]
    changes: tuple[Change, ...]          # in the order they are made: the setup, then the trigger
    known: Mapping[str, Any]             # values known at plan time (account id, rule ARI)
    where: Where
    group_warnings: tuple[str, ...] = ()
    title = "Plan"

    @property
    def group_id(self) -> str:
        return self.group.id

    @property
    def account_id(self) -> str | None:
        return self.known.get(ACCOUNT_ID)

    @property
    def setup(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.step.phase == "setup")

    @property
    def trigger(self) -> Change | None:
        """The rule's execution: a change like any other, made after the setup."""
        return next((change for change in self.changes if change.step.phase == "trigger"), None)

    @property
    def pending(self) -> list[Change]:
        return [change for change in self.changes if change.changes_something]

    @property
    def warnings(self) -> list[str]:
        return [*self.group_warnings, *(warning for change in self.changes for warning in change.warnings)]

    def to_data(self) -> dict[str, Any]:
        return {"Recipe": self.recipe.name, "Region": self.region, "ScalingGroupId": self.group_id,
                "AccountId": self.account_id, "Inputs": dict(self.inputs),
                "Changes": [change.to_dict() for change in self.changes], "Warnings": self.warnings}


def read_group(cloud: Cloud, group_id: str) -> ScalingGroup:
    group = cloud.ess.get_scaling_group(group_id)
    if group is None:
        raise PreconditionFailed(f"scaling group {group_id} not found in region {cloud.region}")
    return group


def make_plan(cloud: Cloud, spec: RunSpec) -> Plan:
    """Read what exists and list the changes; raises PreconditionFailed when the recipe cannot run."""
    group = read_group(cloud, spec.group_id)
    context = PlanContext(cloud, group, templates=load_templates(cloud, spec.recipe), resolve=oos_resolver(cloud))
    known: dict[str, Any] = {}
    changes = plan_changes(context, steps_for(spec), known)
    return Plan(recipe=spec.recipe, region=cloud.region, group=group, inputs=spec.inputs, changes=tuple(changes),
                known=MappingProxyType(known), where=cloud.where(), group_warnings=group_warnings(group))


def plan_changes(context: PlanContext, steps: list[Step], known: dict[str, Any]) -> list[Change]:
    """Each step's change in order, the values each makes known passed on (into `known`); then the checks across
    the changes of each kind."""
    changes: list[Change] = []
    for step in steps:
        change = step.plan(context, known)
        known.update({key: value for key, value in change.known.items() if value is not None})
        changes.append(change)
    for kind in STEP_KINDS:
        kind.validate([change for change in changes if isinstance(change.step, kind)], context)
    return changes


def group_warnings(group: ScalingGroup) -> tuple[str, ...]:
    if group.lifecycle_state not in (None, "Active"):
        return (f"scaling group {group.id} is {group.lifecycle_state}: the trigger will be rejected "
                "(IncorrectScalingGroupStatus) until it is Active",)
    return ()


def load_templates(cloud: Cloud, recipe: Recipe) -> dict[str, Template]:
    """Each stage's template from OOS, checked against the recipe: the configuration every step plans from. A hook
    timeout too short for the template is the hook step's warning here (it may be a --hook-timeout of this run)."""
    templates: dict[str, Template] = {}
    for stage in recipe.stages:
        if stage.template not in templates:
            templates[stage.template] = load_template_from_oos(cloud, stage.template)
        check_against_template(recipe, stage, templates[stage.template], hook_timeout=False)
    return templates
