"""The rollout's own step: starting it (an OOS execution of the rolling-update template, or an ESS instance
refresh), with a ClientToken. The role and the policy it needs are the recipe steps (RoleStep, PolicyStep,
AttachmentStep), planned with the same role impact check."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from essctl.cloud.resources import NewInstanceRefresh
from essctl.facts import rollout as facts
from essctl.recipe.steps.base import Action, ApplyContext, Change, Detail, Outcome, Outline, PlanContext, Step
from essctl.recipe.steps.trigger import client_token

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.rollout.model import RolloutSpec


class StartRolloutStep(Step):
    """StartExecution (tagged with the group, so `rollout list` finds it) or StartInstanceRefresh."""

    kind = "rollout"
    phase = "trigger"

    def __init__(self, spec: RolloutSpec, parameters: Mapping[str, Any]):
        self.spec = spec
        self.parameters = dict(parameters)

    @classmethod
    def for_recipe(cls, spec: Any) -> list[Step]:
        return []     # a rollout is not part of a recipe

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        if self.spec.refresh:
            return Change(self, Action.CREATE, "start an instance refresh (billable: instances are replaced)",
                          after=self.refresh_request())
        return Change(self, Action.CREATE, f"start {self.spec.template} (billable: changes every instance)",
                      after=self.parameters)

    def refresh_request(self) -> NewInstanceRefresh:
        spec = self.spec
        return NewInstanceRefresh(
            group_id=spec.group_id, desired={"ImageId": spec.image},
            min_healthy=spec.min_healthy if spec.min_healthy is not None else facts.MIN_HEALTHY_DEFAULT,
            max_healthy=spec.max_healthy,
            checkpoints=tuple({"Percentage": p} for p in spec.checkpoints) or None)

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        token = client_token()
        if self.spec.refresh:
            task = cloud.ess.start_instance_refresh(change.after, token)
            return Outcome("started", {"InstanceRefreshTaskId": task})
        execution = cloud.oos.start_execution(self.spec.template, self.parameters, token,
                                              tags={facts.GROUP_TAG: self.spec.group_id})
        return Outcome("started", {"ExecutionId": execution.id})

    def request(self, change: Change) -> dict[str, Any]:
        if self.spec.refresh:
            return change.after.to_api()
        return {"TemplateName": self.spec.template, "Parameters": dict(self.parameters),
                "Tags": {facts.GROUP_TAG: self.spec.group_id}}

    def details(self, change: Change) -> list[Detail]:
        return [Detail(name, None, value) for name, value in self.request(change).items()]

    def outline(self) -> list[Outline]:
        if self.spec.refresh:
            return [Outline("ESS", "StartInstanceRefresh", "with a ClientToken")]
        return [Outline("OOS", "StartExecution", f"{self.spec.template} with a ClientToken")]

    def target(self, change: Change | None = None) -> str:
        return "instance refresh" if self.spec.refresh else str(self.spec.template)
