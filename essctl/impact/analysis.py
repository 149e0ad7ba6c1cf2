"""The reads of one impact analysis, each made once: the region's lifecycle hooks (DescribeScalingGroups, then
DescribeLifecycleHooks per group), each template and nested action (GetTemplate), each role's attached policies
(ListPoliciesForRole) and each custom policy's document (GetPolicy)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from essctl.errors import CloudAPIError
from essctl.facts.arns import oos_template_of
from essctl.facts.ess import GROUP_NOT_FOUND
from essctl.facts.oos import TEMPLATE_NOT_FOUND_PREFIX
from essctl.facts.ram import CUSTOM, NOT_FOUND_CODES, SYSTEM
from essctl.impact.change import ChangeImpact, Own, assess
from essctl.impact.model import ChangeKind, Dependent, PolicyChange, RoleDependents, RolePolicies
from essctl.policies.system import system_policy_documents
from essctl.template.model import Template, TemplateError
from essctl.template.parameters import assumed_role
from essctl.template.permissions import Derivation, derive_required_actions
from essctl.template.source import load_template_from_oos

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import LifecycleHook, ScalingGroup


class ImpactAnalysis:
    """What depends on RAM roles, read once through `cloud` and cached for the analysis's life (make a new one to
    see changes made since)."""

    def __init__(self, cloud: Cloud, *, other_regions: Sequence[Cloud] = ()):
        self.cloud = cloud
        self.other_regions = tuple(other_regions)     # RAM is global: hooks there run as the same roles
        self._hooks: list[tuple[ScalingGroup, LifecycleHook]] | None = None
        self._groups_scanned = 0
        self._templates: dict[str, Template | None] = {}
        self._template_errors: dict[str, str] = {}
        self._derivations: dict[str, Derivation] = {}
        self._policies: dict[str, RolePolicies] = {}
        self._custom: dict[str, dict | None] = {}
        self._roles_with: dict[str, list[str]] = {}

    # --- reads, each once --------------------------------------------------------------------------------------

    def oos_hooks(self) -> list[tuple[ScalingGroup, LifecycleHook]]:
        """(group, hook) for every hook in the region (and the other regions asked) whose NotificationArn names an
        OOS template."""
        if self._hooks is None:
            found, scanned = [], 0
            for cloud in (self.cloud, *self.other_regions):
                groups = cloud.ess.list_scaling_groups()
                scanned += len(groups)
                for group in groups:
                    try:
                        hooks = cloud.ess.list_lifecycle_hooks(group.id)
                    except CloudAPIError as exc:
                        if exc.code != GROUP_NOT_FOUND:   # deleted since it was listed
                            raise
                        continue
                    found += [(group, hook) for hook in hooks if oos_template_of(hook.notification_arn)]
            self._hooks, self._groups_scanned = found, scanned
        return self._hooks

    def template(self, name: str) -> Template | None:
        """The template (or nested action) from OOS; None when OOS does not have it or it cannot be parsed
        (template_error says why)."""
        if name not in self._templates:
            try:
                self._templates[name] = load_template_from_oos(self.cloud, name)
            except CloudAPIError as exc:
                if not exc.code.startswith(TEMPLATE_NOT_FOUND_PREFIX):
                    raise
                self._templates[name] = None
                self._template_errors[name] = f"template {name} not found ({exc.code})"
            except TemplateError as exc:
                self._templates[name] = None
                self._template_errors[name] = str(exc)
        return self._templates[name]

    def template_error(self, name: str) -> str | None:
        return self._template_errors.get(name)

    def derivation(self, name: str) -> Derivation | None:
        """The RAM actions the template needs, nested actions included; None when it cannot be read."""
        if name not in self._derivations:
            template = self.template(name)
            if template is None:
                return None
            try:
                self._derivations[name] = derive_required_actions(template, self.template)
            except TemplateError as exc:   # nested actions that form a cycle
                self._template_errors[name] = str(exc)
                return None
        return self._derivations[name]

    def custom_document(self, name: str) -> dict | None:
        """A custom policy's default document (None: no such policy)."""
        if name not in self._custom:
            policy = self.cloud.ram.get_custom_policy(name)
            self._custom[name] = policy.document if policy is not None else None
        return self._custom[name]

    def policies(self, role: str) -> RolePolicies:
        """The role's attached policies and the documents essctl can evaluate."""
        if role not in self._policies:
            try:
                attached = self.cloud.ram.policies_of_role(role)
            except CloudAPIError as exc:
                if exc.code not in NOT_FOUND_CODES:
                    raise
                self._policies[role] = RolePolicies(role, exists=False)
                return self._policies[role]
            documents = {policy.key: self._document(policy.name, policy.policy_type) for policy in attached}
            self._policies[role] = RolePolicies.of(role, attached, documents)
        return self._policies[role]

    def _document(self, name: str, policy_type: str) -> dict | None:
        if policy_type == CUSTOM:
            return self.custom_document(name)
        return system_policy_documents().get(name) if policy_type == SYSTEM else None

    def roles_with(self, policy: str) -> list[str]:
        """The roles a custom policy is attached to (ListEntitiesForPolicy): a new version or a deletion reaches
        every one of them, so a caller checks each."""
        if policy not in self._roles_with:
            self._roles_with[policy] = sorted(entity.name for entity in self.cloud.ram.policy_entities(policy)
                                              if entity.kind == "Role")
        return self._roles_with[policy]

    # --- answers -----------------------------------------------------------------------------------------------

    def dependents(self, role: str) -> RoleDependents:
        """Every OOS hook in the region whose template runs as `role`, what it needs and what is missing today."""
        policies = self.policies(role)
        found = []
        hooks = self.oos_hooks()
        for group, hook in hooks:
            name = oos_template_of(hook.notification_arn) or ""
            template = self.template(name)
            runs_as, role_from = assumed_role(hook.notification_metadata, template)
            if runs_as != role:
                continue
            derivation = self.derivation(name)
            if derivation is None:
                found.append(Dependent(group, hook, name, role_from,
                                       template_error=self.template_error(name) or f"template {name} not read"))
                continue
            needs = tuple(sorted(derivation.actions))
            found.append(Dependent(group, hook, name, role_from, needs=needs, missing=tuple(policies.missing(needs)),
                                   unresolved=tuple(derivation.unresolved)))
        found.sort(key=lambda d: (d.group.id, d.hook.name))
        return RoleDependents(role, policies, tuple(found), groups_scanned=self._groups_scanned,
                              hooks_scanned=len(hooks))

    def check(self, role: str, changes: PolicyChange | Sequence[PolicyChange], *, own: Own = (),
              count_own: bool = False) -> ChangeImpact:
        """What `changes` to the role's policies would take from the hooks that run as it (see change.assess)."""
        changes = (changes,) if isinstance(changes, PolicyChange) else tuple(changes)
        completed = tuple(self._with_document(change) for change in changes)
        return assess(self.dependents(role), completed, own=own, count_own=count_own)

    def _with_document(self, change: PolicyChange) -> PolicyChange:
        if change.kind is not ChangeKind.ATTACH or change.document is not None:
            return change
        document = self._document(change.policy, change.policy_type)
        return PolicyChange(change.kind, change.policy, change.policy_type, document)


def role_impact(cloud: Cloud, role: str) -> RoleDependents:
    """What depends on `role` today (`essctl role impact`)."""
    return ImpactAnalysis(cloud).dependents(role)


def check_policy_change(cloud: Cloud, role: str, changes: PolicyChange | Sequence[PolicyChange], *, own: Own = (),
                        count_own: bool = False) -> ChangeImpact:
    """What `changes` to `role`'s policies would take from the hooks that run as it; `own` names the change's own
    hooks (group id, hook name), kept apart unless `count_own`."""
    return ImpactAnalysis(cloud).check(role, changes, own=own, count_own=count_own)
