"""Does a set of RAM policy documents allow an action? The evaluation RAM documents: an explicit Deny wins,
otherwise any Allow grants, otherwise the action is denied. Action names match case-insensitively with `*` and
`?` wildcards. Conditions and resources are not evaluated (every lifecycle template acts on `*`)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable


@dataclass(frozen=True)
class Verdict:
    """The outcome for one action, naming the policy that decided it (None when nothing allowed it)."""

    action: str
    allowed: bool
    decided_by: str | None


@lru_cache(maxsize=1)
def system_policy_documents() -> dict[str, dict[str, Any]]:
    """System policy name -> a policy document, from essctl/data/system_policies.yaml."""
    import yaml

    table = yaml.safe_load((resources.files("essctl") / "data" / "system_policies.yaml").read_text(encoding="utf-8"))
    return {name: {"Version": "1", "Statement": [{"Effect": "Allow", "Action": entry["actions"], "Resource": "*"}]}
            for name, entry in table.items()}


@lru_cache(maxsize=512)
def _pattern(glob: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob), re.IGNORECASE)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _statements(document: dict[str, Any] | str) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _canonical(document: dict[str, Any] | str) -> list[tuple]:
    def listed(value: Any) -> tuple:
        return tuple(sorted(_listed(value)))

    return sorted((str(st.get("Effect")), listed(st.get("Action")), listed(st.get("NotAction")),
                   listed(st.get("Resource")), json.dumps(st.get("Condition"), sort_keys=True))
                  for st in _statements(document) if isinstance(st, dict))


def same_policy(current: dict[str, Any] | str, wanted: dict[str, Any] | str) -> bool:
    """Whether two documents mean the same, whatever their layout (a one-item list equals the string; order and
    whitespace do not matter), so RAM reformatting a document is no change."""
    return _canonical(current) == _canonical(wanted)


def allowed_actions(document: dict[str, Any] | str | None) -> set[str]:
    """The action patterns a document's Allow statements name."""
    return {action for statement in _statements(document or {})
            if str(statement.get("Effect", "")).lower() == "allow" for action in _listed(statement.get("Action"))}


def _matches(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return not any(_pattern(p).fullmatch(action) for p in _listed(statement["NotAction"]))
    return any(_pattern(p).fullmatch(action) for p in _listed(statement.get("Action")))


def evaluate(action: str, policies: dict[str, dict[str, Any] | str]) -> Verdict:
    """Evaluate one action against named policy documents (a document may be given as JSON text)."""
    allowed_by = None
    for name, document in policies.items():
        for statement in _statements(document):
            if not _matches(statement, action):
                continue
            if str(statement.get("Effect", "")).lower() == "deny":
                return Verdict(action, False, name)
            allowed_by = allowed_by or name
    return Verdict(action, allowed_by is not None, allowed_by)


def missing_actions(actions: Iterable[str], policies: dict[str, dict[str, Any] | str]) -> list[str]:
    """The actions, sorted, that the policies do not allow."""
    return sorted(action for action in set(actions) if not evaluate(action, policies).allowed)
