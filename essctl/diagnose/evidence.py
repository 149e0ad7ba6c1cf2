"""Everything fetched about one run, as typed objects, and the facts read off it (which role OOS assumed, which
hook the run went through)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from essctl.facts.arns import oos_template_of, role_name
from essctl.facts.ess import owner_tag
from essctl.facts.oos import DEFAULT_ROLE
from essctl.template.parameters import ASSUME_ROLE_PARAMETER, ROLE_FROM_METADATA, assumed_role

if TYPE_CHECKING:
    from essctl.cloud.resources import (
        Execution,
        LifecycleAction,
        LifecycleHook,
        Role,
        ScalingActivity,
        ScalingGroup,
        ScalingInstance,
        TaskExecution,
    )
    from essctl.errors import CloudAPIError


@dataclass
class Evidence:
    """What was fetched about one run; None means not fetched (a check then reports it could not check)."""

    group: ScalingGroup | None = None
    activity: ScalingActivity | None = None                 # the activity diagnosed
    other_activities: list[ScalingActivity] | None = None   # the group's other recent activities
    instances: list[ScalingInstance] | None = None
    lifecycle_actions: list[LifecycleAction] | None = None
    hooks: list[LifecycleHook] | None = None
    execution: Execution | None = None
    task_executions: list[TaskExecution] | None = None
    role: Role | None = None
    role_found: bool | None = None                          # False: GetRole answered EntityNotExist.Role
    role_policies: dict[str, Any] | None = None             # policy name -> document (None: a system policy)
    required_actions: set[str] | None = None                # service:Action the template needs
    template_timeout_s: int | None = None                   # the template's own timeout parameter value
    generated_missing: list[str] | None = None              # GenerateExecutionPolicy MissingPolicy actions
    api_error: CloudAPIError | None = None
    region: str | None = None
    account_id: str | None = None
    recipe: str | None = None                               # the recipe that ran, for fix commands
    group_tags: dict[str, str] | None = None                # the group's tags: which recipe made which hook
    request_ids: dict[str, str] = field(default_factory=dict)   # API action -> request id, quoted in evidence

    def request_id_note(self, action: str) -> str:
        rid = self.request_ids.get(action)
        return f" (request id {rid})" if rid else ""

    def assumed_role(self) -> str:
        """The role OOS assumed (or will assume): the one fetched, the execution's, a hook's OOSAssumeRole, else
        the default OOSServiceRole."""
        if self.role is not None and self.role.name:
            return self.role.name
        if self.execution is not None:
            named = self.execution.ram_role or self.execution.parameters.get(ASSUME_ROLE_PARAMETER)
            return role_name(named) if isinstance(named, str) and named.strip() else DEFAULT_ROLE
        for hook in self.hooks or []:
            role, source = assumed_role(hook.notification_metadata)
            if source == ROLE_FROM_METADATA:
                return role
        return DEFAULT_ROLE

    def relevant_hook(self) -> LifecycleHook | None:
        """The hook this run went through: named by the execution, by the activity's lifecycle actions, by the
        template in its NotificationArn, or the group's only hook."""
        hooks = self.hooks or []
        wanted = [self.execution.parameters.get("lifecycleHookId") if self.execution else None]
        wanted += [action.hook_id for action in self.lifecycle_actions or []]
        for hook_id in wanted:
            hook = next((h for h in hooks if hook_id and h.id == hook_id), None)
            if hook:
                return hook
        template = self.execution.template_name if self.execution else None
        by_template = [h for h in hooks if template and oos_template_of(h.notification_arn) == template]
        if len(by_template) == 1:
            return by_template[0]
        return hooks[0] if len(hooks) == 1 else None

    def hook_recipe(self) -> str | None:
        """The recipe that manages the run's hook (the group's tags record it), as a command line names it."""
        hook = self.relevant_hook()
        managed = (self.group_tags or {}).get(owner_tag(hook.id)) if hook is not None else None
        return (self.recipe or managed) if managed else None

    def group_id(self) -> str | None:
        hook = self.relevant_hook()
        for found in (self.group.id if self.group else None, self.activity.group_id if self.activity else None,
                      hook.group_id if hook else None):
            if found:
                return found
        return None
