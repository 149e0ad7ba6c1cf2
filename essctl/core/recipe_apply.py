"""Apply a plan (exactly its changes, in order) and trigger the scaling activity.

Requests are built from the plan's API-named dicts with the SDK models' own `from_map`, so what `plan` shows is
what is sent. Calls that accept a ClientToken get one; the SDK's retries resend the same token.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from essctl.core.arns import ACCOUNT_PENDING, account_from_arn
from essctl.core.events import Emit, Event
from essctl.core.recipe_plan import Change, Plan
from essctl.errors import CloudAPIError, PreconditionFailed

ALREADY_ATTACHED = "EntityAlreadyExists.Role.Policy"
TRIGGER_WAIT_CODES = frozenset({"ScalingActivityInProgress", "IncorrectScalingGroupStatus"})


@dataclass
class Applied:
    change: Change
    outcome: str                     # created | updated | new version | attached | unchanged
    ids: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.change.kind, "target": self.change.target, "action": self.change.action,
                "outcome": self.outcome, "ids": self.ids, "seconds": round(self.seconds, 2)}


@dataclass
class Triggered:
    rule_ari: str
    activity_id: str
    client_token: str
    attempts: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"rule_ari": self.rule_ari, "activity_id": self.activity_id, "client_token": self.client_token,
                "attempts": self.attempts, "seconds": round(self.seconds, 2)}


def client_token() -> str:
    return f"essctl-{uuid.uuid4()}"


def apply_plan(session: Any, plan: Plan, emit: Emit) -> list[Applied]:
    """Make the plan's changes in order; the unchanged steps are reported too."""
    results = []
    for change in plan.changes:
        started = time.monotonic()
        if change.changes_something:
            outcome, ids = _APPLY[(change.kind, change.action)](session, plan, change)
        else:
            outcome, ids = "unchanged", {}
        applied = Applied(change, outcome, ids, time.monotonic() - started)
        results.append(applied)
        shown = " ".join(f"{key}={value}" for key, value in ids.items())
        emit(Event("step", f"{change.kind} {change.target}: {outcome}" + (f" ({shown})" if shown else ""),
                   {"step": applied.to_dict()}))
    return results


def _create_role(session: Any, plan: Plan, change: Change) -> tuple[str, dict]:
    from alibabacloud_ram20150501 import models

    role = session.ram.create_role(models.CreateRoleRequest().from_map(change.request)).body.role
    plan.account_id = account_from_arn(role.arn)
    for pending in plan.changes:   # hooks planned before the account id was known
        arn = pending.request.get("NotificationArn")
        if arn and ACCOUNT_PENDING in arn:
            pending.request["NotificationArn"] = arn.replace(ACCOUNT_PENDING, plan.account_id or ACCOUNT_PENDING)
    return "created", {"Arn": role.arn}


def _create_policy(session: Any, plan: Plan, change: Change) -> tuple[str, dict]:
    from alibabacloud_ram20150501 import models

    session.ram.create_policy(models.CreatePolicyRequest().from_map(change.request))
    return "created", {}


def _new_policy_version(session: Any, plan: Plan, change: Change) -> tuple[str, dict]:
    from alibabacloud_ram20150501 import models

    version = session.ram.create_policy_version(models.CreatePolicyVersionRequest().from_map(change.request)).body
    return "new default version", {"VersionId": version.policy_version.version_id if version.policy_version else None}


def _attach(session: Any, plan: Plan, change: Change) -> tuple[str, dict]:
    from alibabacloud_ram20150501 import models

    try:
        session.ram.attach_policy_to_role(models.AttachPolicyToRoleRequest().from_map(change.request))
    except CloudAPIError as exc:
        if exc.code != ALREADY_ATTACHED:
            raise
        return "already attached", {}
    return "attached", {}


def _create_hook(session: Any, plan: Plan, change: Change) -> tuple[str, dict]:
    from alibabacloud_ess20220222 import models

    body = session.ess.create_lifecycle_hook(models.CreateLifecycleHookRequest().from_map(change.request)).body
    return "created", {"LifecycleHookId": body.lifecycle_hook_id}


def _update_hook(session: Any, plan: Plan, change: Change) -> tuple[str, dict]:
    from alibabacloud_ess20220222 import models

    request = models.ModifyLifecycleHookRequest().from_map({"RegionId": plan.region, **change.request})
    session.ess.modify_lifecycle_hook(request)
    return "updated", {"LifecycleHookId": change.request["LifecycleHookId"]}


def _create_rule(session: Any, plan: Plan, change: Change) -> tuple[str, dict]:
    from alibabacloud_ess20220222 import models

    request = models.CreateScalingRuleRequest().from_map({"RegionId": plan.region, **change.request})
    body = session.ess.create_scaling_rule(request).body
    plan.rule_ari = body.scaling_rule_ari
    return "created", {"ScalingRuleId": body.scaling_rule_id, "ScalingRuleAri": body.scaling_rule_ari}


_APPLY: dict[tuple[str, str], Callable[[Any, Plan, Change], tuple[str, dict]]] = {
    ("role", "create"): _create_role,
    ("policy", "create"): _create_policy,
    ("policy", "new-version"): _new_policy_version,
    ("attachment", "attach"): _attach,
    ("hook", "create"): _create_hook,
    ("hook", "update"): _update_hook,
    ("rule", "create"): _create_rule,
}


def trigger(session: Any, plan: Plan, emit: Emit, *, deadline: float, retry_interval: float,
            sleep: Callable[[float], None] = time.sleep) -> Triggered:
    """ExecuteScalingRule by the rule's ARI with a ClientToken. While another activity runs or the group is changing
    state, wait `retry_interval` and retry until `deadline` (time.monotonic()); a rule that cannot change capacity
    is explained."""
    from alibabacloud_ess20220222 import models

    if not plan.rule_ari:
        raise PreconditionFailed("the recipe has no scaling rule to execute (trigger: none); use --no-trigger")
    started, attempts = time.monotonic(), 0
    while True:
        attempts += 1
        token = client_token()
        try:
            body = session.ess.execute_scaling_rule(models.ExecuteScalingRuleRequest(
                region_id=plan.region, scaling_rule_ari=plan.rule_ari, client_token=token)).body
        except CloudAPIError as exc:
            if exc.code == "IncorrectCapacity.NoChange":
                group = plan.group
                raise PreconditionFailed(
                    f"rule {plan.recipe.trigger.rule} cannot change the capacity of {plan.group_id} "
                    f"(IncorrectCapacity.NoChange): min {group.get('MinSize')}, max {group.get('MaxSize')}, "
                    f"current {group.get('TotalCapacity', group.get('ActiveCapacity'))}; raise the group's MaxSize "
                    "or scale in first") from exc
            if exc.code not in TRIGGER_WAIT_CODES or time.monotonic() >= deadline:
                raise
            emit(Event("wait", f"trigger: {exc.code}; retrying in {retry_interval:g} s",
                       {"code": exc.code, "request_id": exc.request_id}))
            sleep(0 if session.replaying else retry_interval)
            continue
        triggered = Triggered(plan.rule_ari, body.scaling_activity_id, token, attempts, time.monotonic() - started)
        emit(Event("step", f"trigger {plan.recipe.trigger.rule}: scaling activity {body.scaling_activity_id}",
                   {"trigger": triggered.to_dict()}))
        return triggered
