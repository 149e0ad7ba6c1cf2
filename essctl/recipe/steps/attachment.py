"""A policy attached to the recipe's role ("already attached" is success); teardown detaches it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from essctl.cloud.resources import PolicyAttachment
from essctl.facts.ram import CUSTOM, GONE_CODES, RECIPE_TAG, SYSTEM
from essctl.impact.model import HookRef, PolicyChange
from essctl.recipe.steps.base import Action, ApplyContext, Change, Outcome, Outline, PlanContext, Step, guard, removal

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.recipe.steps.base import RunSpec
class AttachmentStep(Step):
    kind = "attachment"
    scope = "account"

    def __init__(self, policy: str, policy_type: str, role: str, *, recipe: str, own: tuple[HookRef, ...] = (),
                 force: bool = False):
        self.attachment = PolicyAttachment(policy_name=policy, policy_type=policy_type, role_name=role)
        self.recipe = recipe
        self.own = own
        self.force = force

    @classmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        role, options = spec.recipe.role, {"recipe": spec.recipe.name, "own": spec.own_hooks, "force": spec.force}
        if spec.policy.system:
            return [cls(name, SYSTEM, role, **options) for name in spec.policy.system]
        return [cls(str(spec.policy.name), CUSTOM, role, **options)]

    @property
    def _key(self) -> tuple[str, str]:
        return self.attachment.policy_name, self.attachment.policy_type

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        if self._key in context.attached(self.attachment.role_name):
            return Change(self, Action.NOOP, "already attached")
        return Change(self, Action.CREATE, f"attach the {self.attachment.policy_type} policy", after=self.attachment)

    def plan_teardown(self, context: PlanContext) -> Change | None:
        if self._key not in context.attached(self.attachment.role_name):
            return None
        policy = self.attachment.policy_name
        if self.attachment.policy_type == CUSTOM and context.cloud.ram.policy_tags(policy).get(RECIPE_TAG) != self.recipe:
            return Change(self, Action.NOOP, "kept: the policy was not made by this recipe", before=self.attachment)
        notes, refusal = guard(context, [self.attachment.role_name],
                               [PolicyChange.detach(policy, self.attachment.policy_type)], self.own, self.force)
        if refusal:
            return Change(self, Action.NOOP, f"kept: {refusal}", before=self.attachment, notes=notes)
        return Change(self, Action.DELETE, "attached by the recipe", before=self.attachment, notes=notes)

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        if change.action is Action.CREATE:
            return Outcome("attached" if cloud.ram.attach_policy_to_role(self.attachment) else "already attached")
        return removal(lambda: cloud.ram.detach_policy_from_role(self.attachment), GONE_CODES, "detached")

    def verb(self, change: Change) -> str:
        return {Action.CREATE: "attach", Action.DELETE: "detach"}.get(change.action, super().verb(change))

    def request(self, change: Change) -> dict[str, Any]:
        return self.attachment.to_api() if change.changes_something else {}

    def outline(self) -> list[Outline]:
        kind = "system" if self.attachment.policy_type == SYSTEM else "custom"
        return [Outline("RAM", "AttachPolicyToRole", f"{kind} policy {self.attachment.policy_name} to "
                                                     f"{self.attachment.role_name} (already attached is fine)")]

    def target(self, change: Change | None = None) -> str:
        return f"{self.attachment.policy_name} -> {self.attachment.role_name}"
