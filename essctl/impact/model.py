"""What depends on a RAM role: the lifecycle hooks whose OOS template runs as it, what each template needs, and what
the role's policies allow today. Plain data with its JSON form (the API's PascalCase field names, as `role show`)."""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from essctl.facts.ram import CUSTOM
from essctl.policies.evaluation import missing_actions

if TYPE_CHECKING:
    from essctl.cloud.resources import AttachedPolicy, LifecycleHook, ScalingGroup

OK, MISSING, UNREADABLE = "ok", "missing", "unreadable"


class ChangeKind(enum.Enum):
    NEW_VERSION = "new-version"     # CreatePolicyVersion set as default: the document is replaced
    DETACH = "detach"               # DetachPolicyFromRole
    DELETE = "delete"               # DeletePolicy (detached from every role first)
    ATTACH = "attach"               # AttachPolicyToRole: takes something only through a Deny statement


@dataclass(frozen=True)
class PolicyChange:
    """One change to one of the role's policies. `document` is the new version's (NEW_VERSION) or the attached
    policy's (ATTACH; ImpactAnalysis.check looks it up when not given)."""

    kind: ChangeKind
    policy: str
    policy_type: str = CUSTOM
    document: dict[str, Any] | None = None

    @classmethod
    def new_version(cls, policy: str, document: dict[str, Any]) -> PolicyChange:
        return cls(ChangeKind.NEW_VERSION, policy, CUSTOM, document)

    @classmethod
    def detach(cls, policy: str, policy_type: str = CUSTOM) -> PolicyChange:
        return cls(ChangeKind.DETACH, policy, policy_type)

    @classmethod
    def delete(cls, policy: str) -> PolicyChange:
        return cls(ChangeKind.DELETE, policy, CUSTOM)

    @classmethod
    def attach(cls, policy: str, policy_type: str = CUSTOM, document: dict[str, Any] | None = None) -> PolicyChange:
        return cls(ChangeKind.ATTACH, policy, policy_type, document)

    def describe(self) -> str:
        """`the new version of P`, `detaching P`, `deleting P`, `attaching P`."""
        return {ChangeKind.NEW_VERSION: f"the new version of {self.policy}",
                ChangeKind.DETACH: f"detaching {self.policy}", ChangeKind.DELETE: f"deleting {self.policy}",
                ChangeKind.ATTACH: f"attaching {self.policy}"}[self.kind]

    def to_data(self) -> dict[str, Any]:
        return {"Change": self.kind.value, "PolicyName": self.policy, "PolicyType": self.policy_type}


@dataclass(frozen=True, order=True)
class HookRef:
    """A hook as a recipe knows its own: by scaling group and hook name."""

    group_id: str
    hook_name: str

    def __str__(self) -> str:
        return f"{self.hook_name} in {self.group_id}"


@dataclass(frozen=True)
class RolePolicies:
    """A role's attached policies as read, with the document of each one essctl can evaluate (custom policies from
    GetPolicy, system ones from essctl/data/system_policies.yaml)."""

    role: str
    exists: bool
    attached: tuple[tuple[str, str], ...] = ()                          # (name, type), as ListPoliciesForRole
    documents: Mapping[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def unevaluated(self) -> list[str]:
        """Attached policies whose document is unknown (a system policy essctl has no table for, a custom policy
        gone since it was listed): they may allow more than the evaluation says."""
        return [name for name, kind in self.attached if (name, kind) not in self.documents]

    def _named(self) -> dict[str, dict[str, Any]]:
        return {f"{kind}:{name}": self.documents[(name, kind)] for name, kind in self.attached
                if (name, kind) in self.documents}

    def missing(self, actions: Iterable[str]) -> list[str]:
        """The actions, sorted, that the role does not allow (all of them when the role does not exist)."""
        if not self.exists:
            return sorted(set(actions))
        return missing_actions(actions, self._named())

    def changed(self, change: PolicyChange) -> RolePolicies:
        """The policies as they would be after `change` (an ATTACH carries its document, when known)."""
        key = (change.policy, change.policy_type)
        attached, documents = list(self.attached), dict(self.documents)
        if change.kind is ChangeKind.NEW_VERSION:
            if key in documents or key in attached:
                documents[key] = dict(change.document or {})
        elif change.kind in (ChangeKind.DETACH, ChangeKind.DELETE):
            attached = [item for item in attached if item != key]
            documents.pop(key, None)
        elif change.kind is ChangeKind.ATTACH and key not in attached:
            attached.append(key)
            if change.document is not None:
                documents[key] = dict(change.document)
        return dataclasses.replace(self, attached=tuple(attached), documents=documents)

    def to_data(self) -> list[dict[str, Any]]:
        return [{"PolicyName": name, "PolicyType": kind, "Evaluated": (name, kind) in self.documents}
                for name, kind in self.attached]

    @classmethod
    def of(cls, role: str, policies: Iterable[AttachedPolicy],
           documents: Mapping[tuple[str, str], Any]) -> RolePolicies:
        attached = tuple(policy.key for policy in policies)
        return cls(role, True, attached, {key: doc for key, doc in documents.items() if doc is not None})


@dataclass(frozen=True)
class Dependent:
    """One lifecycle hook whose OOS template runs as the role: what the template needs and what is missing today."""

    group: ScalingGroup
    hook: LifecycleHook
    template: str
    role_from: str                       # where the role comes from (essctl.template.parameters.ROLE_FROM_*)
    needs: tuple[str, ...] = ()          # RAM actions the template needs, sorted
    missing: tuple[str, ...] = ()        # of those, the ones the role's policies do not allow today
    unresolved: tuple[str, ...] = ()     # calls that could not be derived statically
    template_error: str | None = None    # the template could not be read: needs unknown

    @property
    def ref(self) -> HookRef:
        return HookRef(self.group.id, self.hook.name)

    @property
    def active(self) -> bool:
        return self.hook.active

    @property
    def status(self) -> str:
        """ok, missing (lacks actions today) or unreadable (its template could not be read)."""
        return UNREADABLE if self.template_error else MISSING if self.missing else OK

    def label(self) -> str:
        """hook NAME [(inactive)] in GROUP (template T), as refusals name it."""
        inactive = " (inactive)" if not self.active else ""
        return f"hook {self.hook.name}{inactive} in {self.group.id} (template {self.template})"

    def to_data(self) -> dict[str, Any]:
        return {
            "ScalingGroupId": self.group.id, "ScalingGroupName": self.group.name,
            "LifecycleHookId": self.hook.id, "LifecycleHookName": self.hook.name,
            "LifecycleHookStatus": self.hook.status, "LifecycleTransition": self.hook.transition,
            "TemplateName": self.template, "RoleFrom": self.role_from, "Status": self.status,
            "RequiredActions": list(self.needs), "MissingActions": list(self.missing),
            "Unresolved": list(self.unresolved), "TemplateError": self.template_error,
        }


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def hooks_in_groups(dependents: Iterable[Dependent]) -> str:
    """"4 hooks in 3 groups"."""
    dependents = list(dependents)
    return f"{plural(len(dependents), 'hook')} in {plural(len({d.group.id for d in dependents}), 'group')}"


@dataclass(frozen=True)
class RoleDependents:
    """Every lifecycle hook in the region whose OOS template runs as `role`, inactive ones included (they can be
    re-activated), with the role's policies as read."""

    role: str
    policies: RolePolicies
    dependents: tuple[Dependent, ...]
    groups_scanned: int = 0
    hooks_scanned: int = 0

    @property
    def lacking(self) -> list[Dependent]:
        """The dependents that would fail today: actions missing, or a template that cannot be read."""
        return [d for d in self.dependents if d.status != OK]

    @property
    def templates(self) -> list[str]:
        return sorted({d.template for d in self.dependents})

    def summary(self) -> str:
        """One line: `role R: 4 hooks in 3 groups depend on it (2 templates); every one has what it needs`."""
        if not self.dependents:
            text = f"role {self.role}: no lifecycle hook in the region runs as it"
        else:
            verb = "depends" if len(self.dependents) == 1 else "depend"
            text = (f"role {self.role}: {hooks_in_groups(self.dependents)} {verb} on it "
                    f"({plural(len(self.templates), 'template')}); ")
            lacking = [d for d in self.dependents if d.status == MISSING]
            unreadable = [d for d in self.dependents if d.status == UNREADABLE]
            if not lacking and not unreadable:
                text += "every one has the actions it needs"
            else:
                parts = [f"{plural(len(lacking), 'hook')} {'lacks' if len(lacking) == 1 else 'lack'} actions "
                         "today"] if lacking else []
                parts += [f"{plural(len(unreadable), 'template')} could not be read"] if unreadable else []
                text += ", ".join(parts)
        if not self.policies.exists:
            text += " (the role does not exist)"
        elif self.policies.unevaluated:
            text += f" (not evaluated: {', '.join(self.policies.unevaluated)})"
        return text

    def to_data(self) -> dict[str, Any]:
        return {
            "RoleName": self.role, "RoleExists": self.policies.exists, "Policies": self.policies.to_data(),
            "UnevaluatedPolicies": self.policies.unevaluated,
            "Dependents": [d.to_data() for d in self.dependents],
            "Summary": {"Hooks": len(self.dependents), "Groups": len({d.group.id for d in self.dependents}),
                        "Templates": self.templates, "HooksLacking": len(self.lacking),
                        "GroupsScanned": self.groups_scanned, "HooksScanned": self.hooks_scanned,
                        "Text": self.summary()},
        }

