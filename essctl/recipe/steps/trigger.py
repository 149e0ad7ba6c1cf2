"""Executing the recipe's scaling rule: the scaling activity the hooks act on. Applied after the setup steps."""
from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any, Mapping

from essctl.errors import CloudAPIError, PreconditionFailed
from essctl.events import Waiting
from essctl.facts.ess import NO_CAPACITY_CHANGE, TRIGGER_WAIT_CODES, transition_of
from essctl.facts.oos import HEARTBEAT_MARGIN_S
from essctl.recipe.steps.base import RULE_ARI, Action, ApplyContext, Change, Outcome, Outline, PlanContext, Step
from essctl.watch.watcher import paced, replay_position

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.recipe.model import Recipe, Trigger
    from essctl.recipe.steps.base import RunSpec


def client_token() -> str:
    return f"essctl-{uuid.uuid4()}"


class TriggerStep(Step):
    kind = "trigger"
    phase = "trigger"

    def __init__(self, trigger: Trigger, recipe: Recipe):
        self.trigger = trigger
        self.recipe = recipe

    @classmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        trigger = spec.recipe.trigger
        return [cls(trigger, spec.recipe)] if trigger is not None and spec.trigger else []

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        group, adjustment = context.group, self.trigger.adjustment
        if adjustment > 0:
            what = f"scale out by {adjustment} (group at {group.current_capacity} of max {group.max_size})"
        else:
            what = f"scale in by {-adjustment} (group at {group.current_capacity} of min {group.min_size})"
        return Change(self, Action.CREATE, f"{what}; then watch the activity and the OOS executions", before=group)

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        """ExecuteScalingRule by the rule's ARI with a ClientToken. While another activity runs or the group is
        changing state, wait and retry until the context's deadline; a rule that cannot change capacity is
        explained."""
        ari = context.known.get(RULE_ARI)
        if not ari:
            raise PreconditionFailed("the recipe has no scaling rule to execute (trigger: none); use --no-trigger")
        pacing = paced(cloud, context.pacing) if context.pacing is not None else None
        started, attempts = time.monotonic(), 0
        while True:
            attempts += 1
            token = client_token()
            position = replay_position(cloud)
            try:
                activity_id = cloud.ess.execute_scaling_rule(ari, token)
            except CloudAPIError as exc:
                if exc.code == NO_CAPACITY_CHANGE:
                    group = change.before
                    raise PreconditionFailed(
                        f"rule {self.trigger.rule} cannot change the capacity of {group.id} ({NO_CAPACITY_CHANGE}): "
                        f"min {group.min_size}, max {group.max_size}, current {group.current_capacity}; raise the "
                        "group's MaxSize or scale in first") from exc
                ended = position is not None and replay_position(cloud) == position   # a replay's last answer
                if (exc.code not in TRIGGER_WAIT_CODES or pacing is None or context.deadline is None
                        or pacing.clock() >= context.deadline or ended):
                    raise
                context.emit(Waiting(f"trigger: {exc.code}; retrying in {pacing.longest:g} s", exc.code,
                                     exc.request_id))
                pacing.sleep(pacing.longest)
                continue
            return Outcome("triggered", {"rule_ari": ari, "activity_id": activity_id, "client_token": token,
                                         "attempts": attempts, "seconds": time.monotonic() - started})

    def outline(self) -> list[Outline]:
        fired = [stage for stage in self.recipe.stages if stage.hook.transition == transition_of(self.trigger.adjustment)]
        longest = max(stage.hook.timeout for stage in fired)
        templates = ", ".join(dict.fromkeys(stage.template for stage in fired))
        return [Outline("ESS", "ExecuteScalingRule", f"{self.trigger.rule} by its ScalingRuleAri, with a ClientToken"),
                Outline("ESS, OOS", "watch", "DescribeScalingActivities until Successful, Warning, Failed or "
                                             "Rejected; DescribeLifecycleActions; OOS ListExecutions tagged "
                                             f"ESS:ScalingActivityId for {templates}; at most "
                                             f"{longest + HEARTBEAT_MARGIN_S} s")]

    def verb(self, change: Change) -> str:
        return "execute"

    def target(self, change: Change | None = None) -> str:
        return self.trigger.rule
