"""One key casing for every JSON document essctl writes: the API's own, PascalCase (`ScalingGroupId`,
`LifecycleHookId`), so that what essctl invents (a plan's `Changes`, a diagnosis's `Findings`, a watch event's
`HookId`) reads like what it passes through from ESS, OOS and RAM, as aws-cli's documents do."""
from __future__ import annotations

from typing import Any


def pascal(name: str) -> str:
    """`hook_id` -> `HookId`, `elapsed_ms` -> `ElapsedMs`, `ids` -> `Ids`; a name already PascalCase stays."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def pascal_keys(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping's own keys in PascalCase; the values (API maps, user inputs) as they are."""
    return {pascal(key): value for key, value in mapping.items()}
