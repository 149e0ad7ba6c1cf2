"""The fixes `essctl diagnose --fix` may apply on its own, because they only add what is missing:

- grant_missing_actions: allow the missing actions to the role, in one custom policy essctl owns
  (`EssctlGrant-<role>`: created, or given a new default version holding its old actions plus the new ones),
  attached to the role if it is not;
- raise_hook_timeout: set the hook's HeartbeatTimeout to the suggested value (never lower it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from essctl.cloud.resources import NewPolicy, NewPolicyVersion, PolicyAttachment
from essctl.facts.ram import CUSTOM, GRANT_TAG, ROTATE_STRATEGY, grant_policy
from essctl.policies.documents import allowed_actions, as_text, least_privilege

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud


@dataclass(frozen=True)
class AppliedFix:
    fix: str
    target: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"Fix": self.fix, "Target": self.target, "Detail": self.detail}


class SafeFix:
    """A fix that only adds what is missing. `name` is how the knowledge base refers to it."""

    name: ClassVar[str]

    def describe(self) -> str:
        raise NotImplementedError

    def arguments(self) -> dict[str, Any]:
        raise NotImplementedError

    def apply(self, cloud: Cloud) -> AppliedFix:
        raise NotImplementedError


@dataclass(frozen=True)
class GrantMissingActions(SafeFix):
    name: ClassVar[str] = "grant_missing_actions"
    role: str
    actions: tuple[str, ...]

    @property
    def policy(self) -> str:
        return grant_policy(self.role)

    def describe(self) -> str:
        return f"allow {', '.join(self.actions)} to role {self.role} (policy {self.policy})"

    def arguments(self) -> dict[str, Any]:
        return {"role": self.role, "actions": list(self.actions)}

    def apply(self, cloud: Cloud) -> AppliedFix:
        current = cloud.ram.get_custom_policy(self.policy)
        held = allowed_actions(current.document) if current is not None else set()
        document = as_text(least_privilege(held | set(self.actions)))
        if current is None:
            cloud.ram.create_policy(NewPolicy(name=self.policy, document=document,
                                              description=f"Actions essctl diagnose --fix granted to {self.role}",
                                              tags=((GRANT_TAG, self.role),)))
            detail = "created"
        else:
            cloud.ram.create_policy_version(NewPolicyVersion(name=self.policy, document=document,
                                                             rotate_strategy=ROTATE_STRATEGY))
            detail = "new default version"
        attached = {policy.key for policy in cloud.ram.policies_of_role(self.role)}
        if (self.policy, CUSTOM) not in attached:
            cloud.ram.attach_policy_to_role(PolicyAttachment(policy_name=self.policy, policy_type=CUSTOM,
                                                             role_name=self.role))
            detail += ", attached"
        return AppliedFix(self.name, f"{self.policy} -> {self.role}", f"{detail}: {', '.join(sorted(self.actions))}")


@dataclass(frozen=True)
class RaiseHookTimeout(SafeFix):
    name: ClassVar[str] = "raise_hook_timeout"
    hook_id: str
    timeout: int
    managed_by: str | None = None      # the recipe whose next run would set the hook's timeout back

    def describe(self) -> str:
        return f"set HeartbeatTimeout of hook {self.hook_id} to {self.timeout} s"

    def arguments(self) -> dict[str, Any]:
        return {"hook_id": self.hook_id, "timeout": self.timeout}

    def apply(self, cloud: Cloud) -> AppliedFix:
        from essctl.hooks import HookChange, describe_hook, update_hook

        hook = update_hook(cloud, describe_hook(cloud, self.hook_id), HookChange(timeout=self.timeout))
        detail = f"HeartbeatTimeout {hook.heartbeat_timeout} s"
        if self.managed_by:
            detail += (f"; recipe {self.managed_by} manages this hook: run it with --hook-timeout {self.timeout} from "
                       "now on, or its next run sets the timeout back")
        return AppliedFix(self.name, self.hook_id, detail)


SAFE_FIXES: tuple[type[SafeFix], ...] = (GrantMissingActions, RaiseHookTimeout)
