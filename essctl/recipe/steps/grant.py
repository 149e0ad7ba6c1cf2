"""The policy `diagnose --fix` made for the recipe's role (EssctlGrant-<role>): a teardown removes it once no other
hook that runs as the role needs what it grants. A run never makes it (diagnose does), so this step only tears down."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from essctl.cloud.resources import PolicyAttachment
from essctl.facts.ram import CUSTOM, GONE_CODES, GRANT_TAG, grant_policy
from essctl.impact.model import HookRef, PolicyChange
from essctl.recipe.steps.base import Action, ApplyContext, Change, Outcome, Outline, PlanContext, Step, guard, removal

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.recipe.steps.base import RunSpec


class GrantStep(Step):
    kind = "grant"
    scope = "account"
    phase = "teardown"

    def __init__(self, role: str, *, own: tuple[HookRef, ...], force: bool = False):
        self.role = role
        self.name = grant_policy(role)
        self.own = own
        self.force = force

    @classmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        return [cls(spec.recipe.role, own=spec.own_hooks, force=spec.force)]

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        """Never called: a run takes no step of the teardown phase (diagnose --fix makes this policy)."""
        raise AssertionError("GrantStep is a teardown step")

    def plan_teardown(self, context: PlanContext) -> Change | None:
        ram = context.cloud.ram
        if (self.name, CUSTOM) not in context.attached(self.role) or ram.policy_tags(self.name).get(GRANT_TAG) != self.role:
            return None
        notes, refusal = guard(context, [self.role], [PolicyChange.detach(self.name), PolicyChange.delete(self.name)],
                               self.own, self.force)
        if refusal:
            return Change(self, Action.NOOP, f"kept: {refusal}", notes=notes)
        return Change(self, Action.DELETE, "no hook left needs what diagnose --fix granted", notes=notes)

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        attachment = PolicyAttachment(policy_name=self.name, policy_type=CUSTOM, role_name=self.role)
        removal(lambda: cloud.ram.detach_policy_from_role(attachment), GONE_CODES, "detached")

        def delete() -> None:
            for version in cloud.ram.policy_versions(self.name):
                if not version.is_default:
                    cloud.ram.delete_policy_version(self.name, version.version_id)
            cloud.ram.delete_policy(self.name)

        return removal(delete, GONE_CODES)

    def request(self, change: Change) -> dict[str, Any]:
        return {"PolicyName": self.name, "RoleName": self.role} if change.changes_something else {}

    def outline(self) -> list[Outline]:
        return []

    def target(self, change: Change | None = None) -> str:
        return f"{self.name} -> {self.role}"
