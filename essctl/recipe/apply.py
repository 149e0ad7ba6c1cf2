"""Apply a plan: exactly its changes, in order, without writing to it. Values known only once a change is made (a
new role's account id, a new rule's ARI) flow forward to the steps after it."""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from essctl.events import Emit, StepApplied
from essctl.recipe.steps import ApplyContext, Change, Outcome

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.recipe.plan import Plan


@dataclass(frozen=True)
class Applied:
    change: Change
    outcome: Outcome
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"Kind": self.change.kind, "Target": self.change.target, "Action": self.change.verb,
                "Outcome": self.outcome.text, "Ids": dict(self.outcome.ids), "Seconds": round(self.seconds, 2)}


def apply_changes(cloud: Cloud, changes: Iterable[Change], context: ApplyContext,
                  results: list[Applied] | None = None) -> list[Applied]:
    """Make each change that changes something; the unchanged ones are reported too. Each is added to `results` as
    it is made, so a run stopped half-way still knows what it did."""
    results = [] if results is None else results
    for change in changes:
        started = time.monotonic()
        checked = len(cloud.checks)
        outcome = change.step.apply(cloud, change, context) if change.changes_something else Outcome("unchanged")
        found = [check for check in cloud.checks[checked:] if check.in_place]
        if found:
            # The gateway found the change made: by this call whose answer was lost, or by someone else since the
            # plan ("already exists"). Say which.
            check = found[-1]
            done = outcome.text if check.lost else "already there"
            outcome = dataclasses.replace(outcome, text=f"{done}; {check.summary}")
        context.known.update(outcome.known)
        applied = Applied(change, outcome, time.monotonic() - started)
        results.append(applied)
        context.emit(StepApplied(applied))
    return results


def apply_plan(cloud: Cloud, plan: Plan, emit: Emit, results: list[Applied] | None = None,
               known: Mapping[str, Any] | None = None) -> tuple[list[Applied], ApplyContext]:
    """Apply a recipe plan's setup (into `results` as it goes), knowing also `known`; the context carries what is
    known afterwards (to trigger with)."""
    context = ApplyContext(known={**plan.known, **(known or {})}, emit=emit)
    return apply_changes(cloud, plan.setup, context, results), context
