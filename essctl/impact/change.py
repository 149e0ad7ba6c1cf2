"""A proposed change to a role's policies (a new default version, a detach, a delete, an attach) and what it would
take from the hooks that run as the role: the check a recipe makes before it touches a policy another recipe may
share (issue 11). Pure: the reads are ImpactAnalysis's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence, Union

from essctl.impact.model import (
    ChangeKind,
    Dependent,
    HookRef,
    PolicyChange,
    RoleDependents,
    hooks_in_groups,
    plural,
)


@dataclass(frozen=True)
class HookActions:
    """Some actions of one dependent hook (granted by the change, or missing before and after it)."""

    dependent: Dependent
    actions: tuple[str, ...]

    def to_data(self) -> dict[str, Any]:
        d = self.dependent
        return {"ScalingGroupId": d.group.id, "LifecycleHookId": d.hook.id, "LifecycleHookName": d.hook.name,
                "LifecycleHookStatus": d.hook.status, "TemplateName": d.template, "Actions": list(self.actions)}


@dataclass(frozen=True)
class Loss(HookActions):
    """Actions a hook holds today that `change` would take from it."""

    change: PolicyChange
    own: bool = False      # a hook of the change's own (named by the caller)

    def to_data(self) -> dict[str, Any]:
        return {**super().to_data(), **self.change.to_data(), "OwnHook": self.own}


Own = Iterable[Union[HookRef, "tuple[str, str]"]]


def _refs(own: Own) -> frozenset[HookRef]:
    return frozenset(ref if isinstance(ref, HookRef) else HookRef(*ref) for ref in own)


@dataclass(frozen=True)
class ChangeImpact:
    """What a change would do to the hooks that run as the role. `losses` are the ones that refuse it: the other
    hooks' (and the change's own hooks' too when the caller counts them); `own_losses` are the own hooks' when not
    counted. Actions missing before and after are `already_missing`, never blamed on the change."""

    role: RoleDependents
    changes: tuple[PolicyChange, ...]
    losses: tuple[Loss, ...]
    own_losses: tuple[Loss, ...]
    grants: tuple[HookActions, ...]
    already_missing: tuple[HookActions, ...]
    unreadable: tuple[Dependent, ...]
    own: frozenset[HookRef]
    unevaluated: tuple[str, ...]           # policies (after the change) whose document is unknown

    @property
    def keeps_everything(self) -> bool:
        """No dependent that counts loses an action it holds today."""
        return not self.losses

    def _subject(self) -> str:
        return "this change" if len(self.changes) == 1 else "these changes"

    def summary(self) -> str:
        """One line a plan prints: `= role R: 4 hooks in 3 groups depend on it; this change keeps every action they
        need`, or `! role R: ...; this change would take 1 action from 1 hook in 1 group`."""
        dependents = self.role.dependents
        subject = self._subject()
        if not dependents:
            return f"= role {self.role.role}: no lifecycle hook in the region runs as it; {subject} takes nothing"
        head = f"role {self.role.role}: {hooks_in_groups(dependents)} {'depends' if len(dependents) == 1 else 'depend'} on it"
        mine = sum(d.ref in self.own for d in dependents)
        if mine:
            head += f" ({mine} of them its own)"
        if self.losses:
            taken = sorted({a for loss in self.losses for a in loss.actions})
            hurt = list({loss.dependent.ref: loss.dependent for loss in self.losses}.values())
            text = f"! {head}; {subject} would take {plural(len(taken), 'action')} from {hooks_in_groups(hurt)}"
        elif self.already_missing:
            text = f"= {head}; {subject} takes nothing they hold today"
        else:
            text = f"= {head}; {subject} keeps every action they need"
        if self.own_losses:
            taken = sorted({a for loss in self.own_losses for a in loss.actions})
            text += f"; its own hooks would lose {', '.join(taken)} (not counted)"
        if self.already_missing:
            n = len(self.already_missing)
            text += f"; {plural(n, 'hook')} already {'lacks' if n == 1 else 'lack'} actions (not this change's doing)"
        if self.unreadable:
            text += f"; {plural(len(self.unreadable), 'template')} could not be read"
        if self.unevaluated:
            text += f" (not evaluated: {', '.join(self.unevaluated)})"
        return text

    def refusal(self) -> str | None:
        """One line naming what would be lost, by change, hook, group and template; None when nothing is:
        `role R: the new version of P would take ecs:DescribeInstances from hook H in asg-2 (template T)`."""
        if not self.losses:
            return None
        parts = []
        for change in self.changes:
            these = [loss for loss in self.losses if loss.change == change]
            if these:
                taken = "; ".join(f"{', '.join(loss.actions)} from {'own ' if loss.own else ''}{loss.dependent.label()}"
                                  for loss in these)
                parts.append(f"{change.describe()} would take {taken}")
        text = f"role {self.role.role}: " + "; and ".join(parts)
        kinds = {loss.change.kind for loss in self.losses}
        if ChangeKind.NEW_VERSION in kinds:
            text += " (keep them in the new version, or give the new document a policy of its own)"
        elif kinds & {ChangeKind.DETACH, ChangeKind.DELETE}:
            text += " (keep the policy attached, or grant them another way first)"
        if self.unevaluated:
            text += f"; policies not evaluated, which may still allow them: {', '.join(self.unevaluated)}"
        return text

    def to_data(self) -> dict[str, Any]:
        return {
            "RoleName": self.role.role, "Changes": [change.to_data() for change in self.changes],
            "KeepsEveryAction": self.keeps_everything, "Losses": [loss.to_data() for loss in self.losses],
            "OwnLosses": [loss.to_data() for loss in self.own_losses],
            "Grants": [item.to_data() for item in self.grants],
            "AlreadyMissing": [item.to_data() for item in self.already_missing],
            "Unreadable": [d.to_data() for d in self.unreadable],
            "UnevaluatedPolicies": list(self.unevaluated),
            "Summary": self.summary(), "Refusal": self.refusal(),
        }


def assess(role: RoleDependents, changes: PolicyChange | Sequence[PolicyChange], *, own: Own = (),
           count_own: bool = False) -> ChangeImpact:
    """What `changes`, applied in order to the role's policies, would take from each dependent hook. An action
    lost is blamed on the first change after which the role no longer allows it. Hooks in `own` (the change's
    own, by group and hook name) are kept apart unless `count_own`. ATTACH changes must carry their document
    (ImpactAnalysis.check fills it in)."""
    changes = (changes,) if isinstance(changes, PolicyChange) else tuple(changes)
    own_refs = _refs(own)
    states = [role.policies]
    for change in changes:
        states.append(states[-1].changed(change))
    losses: list[Loss] = []
    own_losses: list[Loss] = []
    grants: list[HookActions] = []
    already: list[HookActions] = []
    unreadable: list[Dependent] = []
    for dependent in role.dependents:
        if dependent.template_error:
            unreadable.append(dependent)
            continue
        missing = [set(state.missing(dependent.needs)) for state in states]
        before, after = missing[0], missing[-1]
        mine = dependent.ref in own_refs
        lost = after - before
        for index, change in enumerate(changes):
            taken = tuple(sorted(a for a in lost if a in missing[index + 1]
                                 and all(a not in m for m in missing[1:index + 1])))
            if taken:
                loss = Loss(dependent, taken, change, own=mine)
                (own_losses if mine and not count_own else losses).append(loss)
        if before - after:
            grants.append(HookActions(dependent, tuple(sorted(before - after))))
        if before & after:
            already.append(HookActions(dependent, tuple(sorted(before & after))))
    return ChangeImpact(role=role, changes=changes, losses=tuple(losses), own_losses=tuple(own_losses),
                        grants=tuple(grants), already_missing=tuple(already), unreadable=tuple(unreadable),
                        own=own_refs, unevaluated=tuple(states[-1].unevaluated))
