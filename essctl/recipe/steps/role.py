"""The role OOS assumes to run the recipe's templates: it must exist and trust OOS; created only when asked."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from essctl.cloud.resources import NewRole
from essctl.errors import PreconditionFailed
from essctl.facts.arns import account_from_arn
from essctl.facts.oos import OOS_SERVICE
from essctl.facts.ram import OOS_TRUST_POLICY
from essctl.policies.documents import as_text
from essctl.recipe.steps.base import ACCOUNT_ID, Action, ApplyContext, Change, Outcome, Outline, PlanContext, Step

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.recipe.steps.base import RunSpec


class RoleStep(Step):
    kind = "role"
    scope = "account"

    def __init__(self, name: str, *, create: bool = False):
        self.name = name
        self.create = create

    @classmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        return [cls(spec.recipe.role, create=spec.create_role)]

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        role = context.role(self.name)
        if role is not None:
            trusted = role.trusted_services
            if OOS_SERVICE not in trusted:
                raise PreconditionFailed(f"role {self.name} does not trust {OOS_SERVICE} (it trusts "
                                         f"{', '.join(trusted) or 'nothing'}): OOS cannot assume it; fix its trust "
                                         "policy")
            return Change(self, Action.NOOP, f"exists and trusts {OOS_SERVICE}", before=role,
                          known={ACCOUNT_ID: account_from_arn(role.arn)})
        if not self.create:
            raise PreconditionFailed(f"role {self.name} does not exist; rerun with --create-role to create it with "
                                     "the OOS trust policy")
        return Change(self, Action.CREATE, f"missing: create it, trusted by {OOS_SERVICE}", after=NewRole(
            name=self.name, trust_policy=as_text(OOS_TRUST_POLICY),
            description="Role that OOS assumes to run lifecycle hook templates (created by essctl)"))

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        role = cloud.ram.create_role(change.after)
        return Outcome("created", {"Arn": role.arn}, known={ACCOUNT_ID: account_from_arn(role.arn)})

    def outline(self) -> list[Outline]:
        return [Outline("RAM", "GetRole", f"{self.name} must exist and trust {OOS_SERVICE} (created only with "
                                          "--create-role); the account id comes from its Arn")]

    def target(self, change: Change | None = None) -> str:
        return self.name
