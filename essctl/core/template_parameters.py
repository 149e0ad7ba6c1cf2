"""User parameters checked against a template, serialised as ESS passes them (NotificationMetadata), and the
hook-timeout check that prevents LifecycleHookIdAndLifecycleActionToken.Invalid (api-facts §2.3)."""
from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from typing import Any

from essctl.core.templates import Parameter, Template
from essctl.errors import UsageError

NOTIFICATION_METADATA_LIMIT = 4096
HEARTBEAT_MARGIN_S = 300   # OOS start-up, the CompleteLifecycleAction call, and slack
HEARTBEAT_MAX_S = 21600


class ParameterError(UsageError):
    """User parameters that do not fit the template (every problem, on one line)."""


def coerce(parameter: Parameter, raw: Any) -> tuple[Any, str | None]:
    """(value, problem) for a value given as text (from -p k=v) or already typed (from a recipe file)."""
    kind = parameter.type
    if kind == "Number":
        try:
            value = raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else float(str(raw))
        except ValueError:
            return raw, f"{parameter.name}: must be a number, got {raw!r}"
        value = int(value) if float(value).is_integer() else value
        if parameter.min_value is not None and value < parameter.min_value:
            return value, f"{parameter.name}: must be >= {parameter.min_value}, got {value}"
        if parameter.max_value is not None and value > parameter.max_value:
            return value, f"{parameter.name}: must be <= {parameter.max_value}, got {value}"
        return value, None
    if kind == "Boolean":
        text = str(raw).lower()
        if text not in ("true", "false"):
            return raw, f"{parameter.name}: must be true or false, got {raw!r}"
        return text == "true", None
    if kind in ("List", "Json"):
        if isinstance(raw, str):
            try:
                value = json.loads(raw)
            except ValueError:
                if kind == "Json":
                    return raw, f"{parameter.name}: must be JSON, got {raw!r}"
                value = [item.strip() for item in raw.split(",") if item.strip()]
        else:
            value = raw
        if kind == "List" and not isinstance(value, list):
            return value, f"{parameter.name}: must be a list (JSON array or comma-separated), got {raw!r}"
        return value, None
    return ("" if raw is None else str(raw)), None


def ess_text(value: Any) -> str:
    """A value as ESS passes it in NotificationMetadata: text, with lists and mappings as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _as_ess_string(parameter: Parameter, value: Any) -> str:
    """ESS passes every NotificationMetadata value as a string; Json and List values as JSON text."""
    if parameter.type in ("List", "Json"):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if parameter.type == "Boolean":
        return "true" if value else "false"
    return str(value)


def notification_metadata(template: Template, values: dict[str, Any], *, force_placeholders: bool = False) -> str:
    """The NotificationMetadata JSON for a hook that runs `template` with the user's `values`.

    Only the values the user sets are sent; parameters with defaults keep them, and the ESS placeholders are
    left for ESS to fill. Raises ParameterError naming every problem.
    """
    problems: list[str] = []
    metadata: dict[str, str] = {}
    for name, raw in values.items():
        parameter = template.parameters.get(name)
        if parameter is None:
            close = difflib.get_close_matches(name, list(template.parameters), n=1)
            problems.append(f"{name}: not a parameter of {template.name}"
                            + (f" (did you mean {close[0]}?)" if close else ""))
            continue
        if parameter.placeholder and not force_placeholders:
            problems.append(f"{name}: filled by ESS with ${{{parameter.placeholder}}}; do not set it (or force it)")
            continue
        value, problem = coerce(parameter, raw)
        if problem is None and parameter.allowed_values and value not in parameter.allowed_values:
            problem = f"{name}: must be one of {', '.join(map(str, parameter.allowed_values))}, got {raw!r}"
        if problem:
            problems.append(problem)
            continue
        metadata[name] = _as_ess_string(parameter, value)
    missing = [p.name for p in template.parameters.values() if p.required and p.name not in values]
    problems.extend(f"{name}: required by {template.name} (it has no default)" for name in missing)
    if problems:
        raise ParameterError("; ".join(problems))
    text = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"))
    if len(text) > NOTIFICATION_METADATA_LIMIT:
        raise ParameterError(f"NotificationMetadata is {len(text)} characters; ESS accepts at most "
                             f"{NOTIFICATION_METADATA_LIMIT} (shorten the longest values, e.g. commandContent)")
    return text


@dataclass
class HeartbeatAdvice:
    heartbeat_timeout: int
    needed: int
    suggested: int
    reason: str


def check_heartbeat_timeout(template: Template, heartbeat_timeout: int, values: dict[str, Any] | None = None,
                            instances: int = 1) -> HeartbeatAdvice | None:
    """Advice when the hook would time out before the template's own `timeout` can elapse, or None."""
    parameter = template.parameters.get("timeout")
    if parameter is None or parameter.type != "Number":
        return None
    raw = (values or {}).get("timeout", parameter.default)
    try:
        task_timeout = float(raw)
    except (TypeError, ValueError):
        return None
    batches = 1
    rate_parameter = template.parameters.get("rateControl")
    rate = (values or {}).get("rateControl", rate_parameter.default if rate_parameter else None)
    if isinstance(rate, str):
        try:
            rate = json.loads(rate)
        except ValueError:
            rate = None
    if isinstance(rate, dict) and rate.get("Mode") == "Concurrency" and int(rate.get("Concurrency") or 0) > 0:
        batches = math.ceil(instances / int(rate["Concurrency"]))
    needed = int(task_timeout * batches) + HEARTBEAT_MARGIN_S
    if heartbeat_timeout >= needed:
        return None
    suggested = min(HEARTBEAT_MAX_S, int(math.ceil(needed / 60) * 60))
    return HeartbeatAdvice(
        heartbeat_timeout=heartbeat_timeout, needed=needed, suggested=suggested,
        reason=(f"the template's timeout is {int(task_timeout)} s"
                + (f" x {batches} batches" if batches > 1 else "")
                + f" plus {HEARTBEAT_MARGIN_S} s for OOS and CompleteLifecycleAction; a hook timeout of "
                  f"{heartbeat_timeout} s ends the wait first, and the late CompleteLifecycleAction fails with "
                  "LifecycleHookIdAndLifecycleActionToken.Invalid"),
    )
