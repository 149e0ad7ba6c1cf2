"""The recipe's custom policy: created, or given a new default version when its document differs; removed by
teardown only when nothing else uses it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from essctl.cloud.resources import NewPolicy, NewPolicyVersion
from essctl.errors import PreconditionFailed
from essctl.facts.ram import GONE_CODES, RECIPE_TAG, ROTATE_STRATEGY
from essctl.impact.model import HookRef, PolicyChange
from essctl.policies.documents import allowed_actions, as_text, least_privilege, same_policy
from essctl.recipe.steps.base import (
    Action,
    ApplyContext,
    Change,
    Detail,
    Outcome,
    Outline,
    PlanContext,
    Step,
    guard,
    removal,
)
from essctl.template.permissions import Derivation, derive_required_actions

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.recipe.model import PolicySpec
    from essctl.recipe.steps.base import RunSpec
class PolicyStep(Step):
    kind = "policy"
    scope = "account"

    def __init__(self, spec: PolicySpec, *, recipe: str, role: str, templates: list[str],
                 own: tuple[HookRef, ...] = (), force: bool = False):
        self.spec = spec
        self.name = str(spec.name)
        self.recipe = recipe
        self.role = role
        self.templates = templates
        self.own = own
        self.force = force

    @classmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        if spec.policy.system:
            return []
        return [cls(spec.policy, recipe=spec.recipe.name, role=spec.recipe.role, templates=spec.recipe.templates,
                    own=spec.own_hooks, force=spec.force)]

    def _document(self, context: PlanContext) -> tuple[dict[str, Any], list[str], tuple[str, ...]]:
        """The document the recipe wants, what could not be derived, and what to know about what was."""
        if self.spec.document is not None:
            return self.spec.document, [], ()
        needs = Derivation(template=self.recipe)
        for name in self.templates:
            needs.absorb(derive_required_actions(context.templates[name], context.resolve))
        return least_privilege(needs.actions), [f"policy: {item}" for item in needs.unresolved], tuple(needs.notes())

    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        document, unresolved, derived_notes = self._document(context)
        text = as_text(document)
        current = context.cloud.ram.get_custom_policy(self.name)
        warnings = tuple(unresolved)
        if current is None:
            return Change(self, Action.CREATE, "missing: create it", warnings=warnings, notes=derived_notes,
                          after=NewPolicy(name=self.name, document=text,
                          description=self.spec.description or f"Lifecycle hook policy for essctl recipe {self.recipe}",
                          tags=((RECIPE_TAG, self.recipe),)))
        if same_policy(current.document, document):
            return Change(self, Action.NOOP, "exists with the same document", before=current, warnings=warnings)
        # A new default version reaches every role the policy is attached to, and every hook that runs as them.
        notes, refusal = guard(context, context.impact.roles_with(self.name),
                               [PolicyChange.new_version(self.name, document)], self.own, self.force)
        if refusal:
            raise PreconditionFailed(f"{refusal}; nothing was changed (--force makes the version anyway)")
        return Change(self, Action.UPDATE, "exists with another document: add a version and make it the default",
                      before=current, warnings=warnings, notes=(*derived_notes, *notes),
                      after=NewPolicyVersion(name=self.name, document=text, rotate_strategy=ROTATE_STRATEGY))

    def plan_teardown(self, context: PlanContext) -> Change | None:
        current = context.cloud.ram.get_custom_policy(self.name)
        if current is None:
            return None
        if context.cloud.ram.policy_tags(self.name).get(RECIPE_TAG) != self.recipe:
            return Change(self, Action.NOOP, "kept: not made by this recipe", before=current)
        others = [entity for entity in context.cloud.ram.policy_entities(self.name)
                  if (entity.kind, entity.name) != ("Role", self.role)]
        if others:
            shown = ", ".join(f"{entity.kind} {entity.name}" for entity in others)
            return Change(self, Action.NOOP, f"kept: also attached to {shown}", before=current)
        notes, refusal = guard(context, context.impact.roles_with(self.name), [PolicyChange.delete(self.name)],
                               self.own, self.force)
        if refusal:
            return Change(self, Action.NOOP, f"kept: {refusal}", before=current, notes=notes)
        return Change(self, Action.DELETE, "no other user, group, role or hook needs it", before=current, notes=notes)

    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        if change.action is Action.CREATE:
            cloud.ram.create_policy(change.after)
            return Outcome("created")
        if change.action is Action.UPDATE:
            return Outcome("new default version", {"VersionId": cloud.ram.create_policy_version(change.after)})
        return removal(lambda: self._delete(cloud), GONE_CODES)

    def _delete(self, cloud: Cloud) -> None:
        # RAM refuses to delete a policy with non-default versions: those go first.
        for version in cloud.ram.policy_versions(self.name):
            if not version.is_default:
                cloud.ram.delete_policy_version(self.name, version.version_id)
        cloud.ram.delete_policy(self.name)

    def verb(self, change: Change) -> str:
        return "new-version" if change.action is Action.UPDATE else super().verb(change)

    def request(self, change: Change) -> dict[str, Any]:
        if change.action is Action.DELETE:
            return {"PolicyName": self.name}
        return super().request(change)

    def details(self, change: Change) -> list[Detail]:
        if change.action is Action.CREATE:
            return [Detail("PolicyDocument", None, change.after.document)]
        if change.action is Action.UPDATE:
            before, after = allowed_actions(change.before.document), allowed_actions(change.after.document)
            added, removed = sorted(after - before), sorted(before - after)
            summary = "; ".join(part for part in (f"adds {', '.join(added)}" if added else "",
                                                  f"removes {', '.join(removed)}" if removed else "") if part)
            return [Detail("PolicyDocument", None, summary or "the same actions, other statements")]
        return []

    def outline(self) -> list[Outline]:
        what = (f"least privilege derived from {', '.join(self.templates)} at plan time" if self.spec.derive
                else "the document below")
        return [Outline("RAM", "CreatePolicy", f"custom policy {self.name}: {what}; when it exists with another "
                                               "document, CreatePolicyVersion set as default")]

    def target(self, change: Change | None = None) -> str:
        return self.name
