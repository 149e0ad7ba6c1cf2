"""Remove a recipe from many groups: each group's hooks and rule, `parallel` groups at a time; then, with the
policy, RAM's part once, judged with every group's hooks as the recipe's own (they are being removed)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from essctl.errors import EssctlError
from essctl.exitcodes import ExitCode
from essctl.fleet.pool import each, outcome_counts, shared_exit_code
from essctl.recipe.teardown import TeardownPlan, apply_teardown, plan_teardown

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import ScalingGroup
    from essctl.events import Emit
    from essctl.fleet.pool import Stopper
    from essctl.fleet.targets import Target
    from essctl.recipe.apply import Applied
    from essctl.recipe.model import PolicySpec, Recipe


@dataclass
class GroupTeardown:
    target: Target
    cloud: Cloud
    plan: TeardownPlan | None = None
    error: EssctlError | None = None
    done: list[Applied] = field(default_factory=list)
    skipped: bool = False

    @property
    def outcome(self) -> str:
        if self.skipped:
            return "skipped"
        if self.error is not None:
            return "failed"
        return "removed" if any(item.change.changes_something for item in self.done) else "unchanged"

    def to_data(self) -> dict[str, Any]:
        return {"Region": self.target.region, "ScalingGroupId": self.target.group_id, "Outcome": self.outcome,
                "Error": str(self.error) if self.error else None,
                "Changes": [change.to_dict() for change in self.plan.changes] if self.plan else [],
                "Done": [item.to_dict() for item in self.done]}


@dataclass
class FleetTeardown:
    recipe: Recipe
    groups: list[GroupTeardown]
    shared: TeardownPlan | None              # with --policy: RAM's part, once
    shared_done: list[Applied] = field(default_factory=list)
    shared_error: EssctlError | None = None
    title = "Fleet teardown plan"

    @property
    def pending(self) -> list[Any]:
        return [*(change for group in self.groups if group.plan for change in group.plan.pending),
                *(self.shared.pending if self.shared else [])]

    @property
    def exit_code(self) -> ExitCode:
        codes = {ExitCode(group.error.exit_code) for group in self.groups if group.error is not None}
        codes |= {ExitCode.OPERATION_FAILED for group in self.groups if group.skipped}
        if self.shared_error is not None:
            codes.add(ExitCode(self.shared_error.exit_code))
        return shared_exit_code(codes)

    def counts(self) -> dict[str, int]:
        return outcome_counts(group.outcome for group in self.groups)

    def to_data(self) -> dict[str, Any]:
        return {"Recipe": self.recipe.name, "ExitCode": int(self.exit_code), "Outcomes": self.counts(),
                "Groups": [group.to_data() for group in self.groups],
                "Shared": [change.to_dict() for change in self.shared.changes] if self.shared else [],
                "SharedDone": [item.to_dict() for item in self.shared_done],
                "SharedError": str(self.shared_error) if self.shared_error else None}


def plan_fleet_teardown(home: Cloud, groups: dict[Target, tuple[Cloud, ScalingGroup]], recipe: Recipe, *,
                        policy: PolicySpec | None, force: bool, parallel: int, stop: Stopper) -> FleetTeardown:
    def plan_one(target: Target) -> GroupTeardown:
        cloud = groups[target][0]
        try:
            return GroupTeardown(target, cloud, plan_teardown(cloud, recipe, target.group_id, policy=None,
                                                              scope="group"))
        except EssctlError as exc:
            return GroupTeardown(target, cloud, error=exc)

    planned = each(list(groups), plan_one, parallel, stop)
    shared = None
    if policy is not None:
        others: dict[str, Cloud] = {}
        for target, (cloud, _) in groups.items():
            if target.region != home.region:
                others.setdefault(target.region, cloud)
        shared = plan_teardown(home, recipe, next(iter(groups)).group_id, policy=policy, force=force,
                               scope="account", fleet=tuple(target.group_id for target in groups),
                               other_regions=tuple(others.values()))
    return FleetTeardown(recipe, planned, shared)


def apply_fleet_teardown(home: Cloud, teardown: FleetTeardown, *, parallel: int, stop: Stopper, emit: Emit) -> None:
    """Each group's removal, then RAM's (only when every group's hooks went: a policy a hook still needs stays)."""

    def remove(group: GroupTeardown) -> None:
        if group.plan is None or not group.plan.pending:
            return
        try:
            apply_teardown(group.cloud, group.plan, emit, group.done)
        except EssctlError as exc:
            group.error = exc

    def skip(group: GroupTeardown) -> None:
        group.skipped = group.plan is not None and bool(group.plan.pending)

    each(teardown.groups, remove, parallel, stop, skipped=skip)
    if teardown.shared is None or not teardown.shared.pending:
        return
    if any(group.error is not None or group.skipped for group in teardown.groups):
        teardown.shared_error = EssctlError("RAM's part was kept: not every group's hooks were removed")
        return
    try:
        teardown.shared_done = apply_teardown(home, teardown.shared, emit)
    except EssctlError as exc:
        teardown.shared_error = exc
