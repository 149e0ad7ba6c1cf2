"""How long a hook must wait for its template: the check that prevents LifecycleHookIdAndLifecycleActionToken.Invalid
(api-facts §2.3), shared by recipes, `template check` and diagnose."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from essctl.errors import shorten
from essctl.facts.ess import HEARTBEAT_RANGE_S
from essctl.facts.oos import HEARTBEAT_MARGIN_S
from essctl.limits import MAX_NUMBER
from essctl.template.model import Template
from essctl.template.parameters import ParameterError


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
    """The template's own `timeout` parameter (the given value, else its default), when it has a finite numeric
    one."""
    parameter = template.parameters.get("timeout")
    if parameter is None or parameter.type != "Number":
        return None
    try:
        timeout = float((values or {}).get("timeout", parameter.default))
    except (TypeError, ValueError, OverflowError):
        return None
    return timeout if math.isfinite(timeout) else None


def _batches(template: Template, values: dict[str, Any] | None, instances: int) -> int:
    """How many batches OOS runs `instances` in, by the rateControl parameter's Concurrency (a count, or a
    percentage such as "20%"); a Concurrency of another kind is a ParameterError."""
    parameter = template.parameters.get("rateControl")
    rate = (values or {}).get("rateControl", parameter.default if parameter else None)
    if isinstance(rate, str):
        try:
            rate = json.loads(rate)
        except (ValueError, RecursionError):
            rate = None
    if not isinstance(rate, dict) or rate.get("Mode") != "Concurrency" or rate.get("Concurrency") is None:
        return 1
    concurrency = rate["Concurrency"]
    percent = re.fullmatch(r"(\d{1,3})%", concurrency) if isinstance(concurrency, str) else None
    if percent and 0 < int(percent.group(1)) <= 100:
        concurrency = max(1, instances * int(percent.group(1)) // 100)
    elif isinstance(concurrency, str) and concurrency.isdigit() and len(concurrency) <= 9:
        concurrency = int(concurrency)
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_NUMBER:
        raise ParameterError(f"rateControl.Concurrency: must be a positive integer or a percentage such as 20%, "
                             f"got {shorten(concurrency)}")
    return math.ceil(instances / concurrency)


def check_heartbeat_timeout(template: Template, heartbeat_timeout: int, values: dict[str, Any] | None = None,
                            instances: int = 1) -> HeartbeatAdvice | None:
    """Advice when the hook would time out before the template's own `timeout` can elapse, or None."""
    task_timeout = template_timeout(template, values)
    if task_timeout is None:
        return None
    batches = _batches(template, values, instances)
    needed = int(min(task_timeout * batches, MAX_NUMBER)) + HEARTBEAT_MARGIN_S
    if heartbeat_timeout >= needed:
        return None
    return HeartbeatAdvice(
        heartbeat_timeout=heartbeat_timeout, needed=needed, suggested=suggested_timeout(needed),
        reason=(f"the template's timeout is {task_timeout:g} s"
                + (f" x {batches} batches" if batches > 1 else "")
                + f" plus {HEARTBEAT_MARGIN_S} s for OOS and CompleteLifecycleAction; a hook timeout of "
                  f"{heartbeat_timeout} s ends the wait first, and the late CompleteLifecycleAction fails with "
                  "LifecycleHookIdAndLifecycleActionToken.Invalid"),
    )
