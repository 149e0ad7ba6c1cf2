"""RAM policy documents as data: the least-privilege document for a set of actions, its text as sent, what a
document allows, and whether two documents mean the same."""
from __future__ import annotations

import json
from typing import Any, Iterable


def as_text(document: dict[str, Any]) -> str:
    """A document as essctl sends it: compact JSON with sorted keys, so equal documents are equal text."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def least_privilege(actions: Iterable[str]) -> dict[str, Any]:
    """A document granting exactly `actions`: one statement per service prefix, sorted."""
    grouped: dict[str, list[str]] = {}
    for action in sorted(set(actions)):
        grouped.setdefault(action.split(":", 1)[0], []).append(action)
    return {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": names, "Resource": "*"} for _, names in sorted(grouped.items())],
    }


def listed(value: Any) -> list[str]:
    """A policy field that may be one string or a list of them."""
    return [value] if isinstance(value, str) else list(value or [])


def statements(document: dict[str, Any] | str) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    found = document.get("Statement", []) if isinstance(document, dict) else []
    return [found] if isinstance(found, dict) else [item for item in found if isinstance(item, dict)]


def _canonical(document: dict[str, Any] | str) -> list[tuple]:
    def key(value: Any) -> tuple:
        return tuple(sorted(listed(value)))

    return sorted((str(st.get("Effect")), key(st.get("Action")), key(st.get("NotAction")), key(st.get("Resource")),
                   json.dumps(st.get("Condition"), sort_keys=True)) for st in statements(document))


def same_policy(current: dict[str, Any] | str, wanted: dict[str, Any] | str) -> bool:
    """Whether two documents mean the same, whatever their layout (a one-item list equals the string; order and
    whitespace do not matter), so RAM reformatting a document is no change."""
    return _canonical(current) == _canonical(wanted)


def allowed_actions(document: dict[str, Any] | str | None) -> set[str]:
    """The action patterns a document's Allow statements name."""
    return {action for statement in statements(document or {})
            if str(statement.get("Effect", "")).lower() == "allow" for action in listed(statement.get("Action"))}
