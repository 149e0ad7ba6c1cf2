"""Does a set of RAM policy documents allow an action? The evaluation RAM documents: an explicit Deny wins,
otherwise any Allow grants, otherwise the action is denied. Action names match case-insensitively with `*` and
`?` wildcards. Conditions and resources are not evaluated (every lifecycle template acts on `*`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from essctl.policies.documents import listed, statements


@dataclass(frozen=True)
class Verdict:
    """The outcome for one action, naming the policy that decided it (None when nothing allowed it)."""

    action: str
    allowed: bool
    decided_by: str | None


@lru_cache(maxsize=512)
def _pattern(glob: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.IGNORECASE)


def _matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_pattern(p).fullmatch(action) for p in listed(statement["NotAction"]))
    return any(_pattern(p).fullmatch(action) for p in listed(statement.get("Action")))


def evaluate(action: str, policies: dict[str, dict[str, Any] | str]) -> Verdict:
    """Evaluate one action against named policy documents (a document may be given as JSON text)."""
    allowed_by = None
    for name, document in policies.items():
        for statement in statements(document):
            if not _matches(statement, action):
                continue
            if str(statement.get("Effect", "")).lower() == "deny":
                return Verdict(action, False, name)
            allowed_by = allowed_by or name
    return Verdict(action, allowed_by is not None, allowed_by)


def missing_actions(actions: Iterable[str], policies: dict[str, dict[str, Any] | str]) -> list[str]:
    """The actions, sorted, that the policies do not allow."""
    return sorted(action for action in set(actions) if not evaluate(action, policies).allowed)
