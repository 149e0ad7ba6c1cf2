"""One recipe across many scaling groups: what RAM needs (role, policy, attachment) is planned once for the account,
with every group's hooks counted as the recipe's own; each group's hooks, rule and trigger are planned in the
group, several groups at a time. A group that cannot be planned is set aside with its reason; the others go on."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable

from essctl.errors import EssctlError
from essctl.fleet.pool import each
from essctl.recipe.plan import Plan, group_warnings, load_templates, plan_changes
from essctl.recipe.steps import PlanContext, steps_for
from essctl.template.source import oos_resolver

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import ScalingGroup
    from essctl.fleet.pool import Stopper
    from essctl.fleet.targets import Target
    from essctl.recipe.model import Recipe
    from essctl.recipe.steps import Change, RunSpec
    from essctl.template.model import Template

TRIGGERS = ("none", "one", "all")


@dataclass(frozen=True)
class GroupPlan:
    """One group's part of a fleet plan: its changes, or why it cannot be planned."""

    target: Target
    cloud: Cloud
    spec: RunSpec
    plan: Plan | None = None
    error: EssctlError | None = None

    @property
    def pending(self) -> list[Change]:
        return self.plan.pending if self.plan is not None else []

    def to_data(self) -> dict[str, Any]:
        data = {"Region": self.target.region, "ScalingGroupId": self.target.group_id}
        if self.plan is None:
            return {**data, "Error": str(self.error), "ExitCode": int(self.error.exit_code)}
        return {**data, "Changes": [change.to_dict() for change in self.plan.changes], "Warnings": self.plan.warnings}


@dataclass(frozen=True)
class FleetPlan:
    recipe: Recipe
    shared: Plan                   # the account's changes (RAM), planned once
    groups: tuple[GroupPlan, ...]  # in the order the groups were given
    trigger: str                   # which groups scale: none, one (the first that can) or all
    title = "Fleet plan"

    @property
    def pending(self) -> list[Change]:
        return [*self.shared.pending, *(change for group in self.groups for change in group.pending)]

    @property
    def regions(self) -> list[str]:
        return list(dict.fromkeys(group.target.region for group in self.groups))

    @property
    def refused(self) -> list[GroupPlan]:
        return [group for group in self.groups if group.plan is None]

    @property
    def warnings(self) -> list[str]:
        return [*self.shared.warnings, *(f"{group.target.group_id}: {warning}" for group in self.groups
                                          if group.plan is not None for warning in group.plan.warnings)]

    def to_data(self) -> dict[str, Any]:
        return {"Recipe": self.recipe.name, "Regions": self.regions, "Trigger": self.trigger,
                "AccountId": self.shared.account_id,
                "Shared": [change.to_dict() for change in self.shared.changes],
                "Groups": [group.to_data() for group in self.groups],
                "Summary": self.summary()}

    def summary(self) -> dict[str, int]:
        planned = [group for group in self.groups if group.plan is not None]
        return {"Groups": len(self.groups), "ToChange": sum(1 for group in planned if group.pending),
                "Unchanged": sum(1 for group in planned if not group.pending), "Refused": len(self.refused),
                "SharedChanges": len(self.shared.pending),
                "Triggers": sum(1 for group in planned if group.plan.trigger is not None)}


def make_fleet_plan(home: Cloud, groups: dict[Target, tuple[Cloud, ScalingGroup]], spec_for: Callable[..., RunSpec],
                    *, trigger: str, parallel: int, stop: Stopper | None = None) -> FleetPlan:
    """Plan the recipe in every group: RAM's changes once in `home` (the first region), then each group in its own
    cloud, `parallel` at a time. `spec_for(target, trigger)` is the run spec of one group."""
    targets = list(groups)
    first = targets[0]
    shared_spec = spec_for(first, False)
    clouds = _region_clouds(home, groups)
    templates = {region: load_templates(cloud, shared_spec.recipe) for region, cloud in clouds.items()}
    others = tuple(cloud for region, cloud in clouds.items() if region != home.region)
    context = PlanContext(home, groups[first][1], templates=templates[home.region], resolve=oos_resolver(home),
                          other_regions=others)
    known: dict[str, Any] = {}
    account_steps = [step for step in steps_for(shared_spec) if step.scope == "account"]
    changes = plan_changes(context, account_steps, known)
    shared = Plan(recipe=shared_spec.recipe, region=home.region, group=groups[first][1], inputs=shared_spec.inputs,
                  changes=tuple(changes), known=MappingProxyType(known), where=home.where())

    def plan_one(target: Target, triggers: bool) -> GroupPlan:
        cloud, group = groups[target]
        spec = spec_for(target, triggers)
        try:
            return GroupPlan(target, cloud, spec, plan=_group_plan(cloud, group, spec, templates[target.region],
                                                                   dict(known)))
        except EssctlError as exc:
            return GroupPlan(target, cloud, spec, error=exc)

    if trigger == "one":
        # the canary: the first group that plans well; the others are planned without a trigger
        planned = [plan_one(targets[0], True)]
        rest = targets[1:]
        while planned[-1].plan is None and rest:
            planned.append(plan_one(rest.pop(0), True))
        planned += each(rest, lambda target: plan_one(target, False), parallel, stop)
        order = {target: n for n, target in enumerate(targets)}
        planned.sort(key=lambda group: order[group.target])
    else:
        planned = each(targets, lambda target: plan_one(target, trigger == "all"), parallel, stop)
    return FleetPlan(recipe=shared_spec.recipe, shared=shared, groups=tuple(planned), trigger=trigger)


def _group_plan(cloud: Cloud, group: ScalingGroup, spec: RunSpec, templates: dict[str, Template],
                known: dict[str, Any]) -> Plan:
    context = PlanContext(cloud, group, templates=templates, resolve=oos_resolver(cloud))
    changes = plan_changes(context, [step for step in steps_for(spec) if step.scope == "group"], known)
    return Plan(recipe=spec.recipe, region=cloud.region, group=group, inputs=spec.inputs, changes=tuple(changes),
                known=MappingProxyType(known), where=cloud.where(), group_warnings=group_warnings(group))


def _region_clouds(home: Cloud, groups: dict[Target, tuple[Cloud, ScalingGroup]]) -> dict[str, Cloud]:
    """A cloud for each region of the fleet (the home cloud for its own)."""
    clouds = {home.region: home}
    for target, (cloud, _) in groups.items():
        clouds.setdefault(target.region, cloud)
    return clouds
