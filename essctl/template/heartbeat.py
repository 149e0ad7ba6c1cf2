"""How long a hook must wait for its template: the check that prevents LifecycleHookIdAndLifecycleActionToken.Invalid
(api-facts §2.3), shared by recipes, `template check` and diagnose."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from essctl.facts.ess import HEARTBEAT_RANGE_S
from essctl.facts.oos import HEARTBEAT_MARGIN_S
from essctl.template.model import Template


@dataclass(frozen=True)
class HeartbeatAdvice:
    heartbeat_timeout: int
    needed: int
    suggested: int
    reason: str


def suggested_timeout(needed_s: float) -> int:
    """A hook timeout that covers `needed_s`: rounded up to a whole minute, at most ESS's maximum."""
    return min(HEARTBEAT_RANGE_S[1], int(math.ceil(needed_s / 60) * 60))


def template_timeout(template: Template, values: dict[str, Any] | None = None) -> float | None:
    """The template's own `timeout` parameter (the given value, else its default), when it has a numeric one."""
    parameter = template.parameters.get("timeout")
    if parameter is None or parameter.type != "Number":
        return None
    try:
        return float((values or {}).get("timeout", parameter.default))
    except (TypeError, ValueError):
        return None


def _batches(template: Template, values: dict[str, Any] | None, instances: int) -> int:
    parameter = template.parameters.get("rateControl")
    rate = (values or {}).get("rateControl", parameter.default if parameter else None)
    if isinstance(rate, str):
        try:
            rate = json.loads(rate)
        except ValueError:
            rate = None
    if isinstance(rate, dict) and rate.get("Mode") == "Concurrency" and int(rate.get("Concurrency") or 0) > 0:
        return math.ceil(instances / int(rate["Concurrency"]))
    return 1


def check_heartbeat_timeout(template: Template, heartbeat_timeout: int, values: dict[str, Any] | None = None,
                            instances: int = 1) -> HeartbeatAdvice | None:
    """Advice when the hook would time out before the template's own `timeout` can elapse, or None."""
    task_timeout = template_timeout(template, values)
    if task_timeout is None:
        return None
    batches = _batches(template, values, instances)
    needed = int(task_timeout * batches) + HEARTBEAT_MARGIN_S
    if heartbeat_timeout >= needed:
        return None
    return HeartbeatAdvice(
        heartbeat_timeout=heartbeat_timeout, needed=needed, suggested=suggested_timeout(needed),
        reason=(f"the template's timeout is {int(task_timeout)} s"
                + (f" x {batches} batches" if batches > 1 else "")
                + f" plus {HEARTBEAT_MARGIN_S} s for OOS and CompleteLifecycleAction; a hook timeout of "
                  f"{heartbeat_timeout} s ends the wait first, and the late CompleteLifecycleAction fails with "
                  "LifecycleHookIdAndLifecycleActionToken.Invalid"),
    )
