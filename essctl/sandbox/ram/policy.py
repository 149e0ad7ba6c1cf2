"""How RAM decides whether a role's policies allow an action, and whether a role trusts a service: the sandbox's
own reading of RAM's documented rules (it never asks essctl what a policy allows).

- Deny by default; an explicit Deny in any policy that applies overrides every Allow
  (https://help.aliyun.com/en/ram/policy-evaluation-process, "Core principles"; also
  https://www.alibabacloud.com/help/doc-detail/93738.htm, Effect).
- A statement names its operations with Action, or with NotAction: it then applies to every operation except those
  (93738, Action/NotAction).
  A single string equals a one-item list (https://www.alibabacloud.com/help/doc-detail/93739.htm).
- Action values compare case-insensitively (93738: "In most cases, the value of the Action element is not
  case-sensitive"); `*` matches any run of characters (https://www.alibabacloud.com/help/en/ram/policy-structure-
  and-syntax, Wildcards). `?` matching exactly one character is taken from the same list, whose copy we read was cut
  off after `*`.
- Element names and predefined values such as Allow and Deny are case-sensitive (policy-structure-and-syntax): a
  statement whose Effect is spelt otherwise decides nothing.
- A role's trust policy (AssumeRolePolicyDocument) lets a service assume the role when a statement allows
  sts:AssumeRole to a Principal whose Service lists it (the OOS trust policy in api-facts §4.2); a Deny for that
  principal wins here too.
Resources and conditions are not evaluated: every call the sandbox makes acts on `*`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping

ASSUME_ROLE = "sts:AssumeRole"


@dataclass(frozen=True)
class Decision:
    """The outcome for one action: allowed or not, and the policy whose statement decided it (None: no statement
    applied, the default deny)."""

    action: str
    allowed: bool
    decided_by: str | None = None


@lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL)


def _values(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _statements(document: Mapping[str, Any] | str) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    found = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(found, dict):
        return [found]
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def statement_applies(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers `action`."""
    if "NotAction" in statement:
        return not any(_glob(p).fullmatch(action) for p in _values(statement["NotAction"]))
    return any(_glob(p).fullmatch(action) for p in _values(statement.get("Action")))


def decide(action: str, policies: Mapping[str, Mapping[str, Any] | str]) -> Decision:
    """Evaluate one action against named policy documents (dicts or JSON text)."""
    allowed_by = None
    for name, document in policies.items():
        for statement in _statements(document):
            effect = statement.get("Effect")
            if effect not in ("Allow", "Deny") or not statement_applies(statement, action):
                continue
            if effect == "Deny":
                return Decision(action, False, name)
            allowed_by = allowed_by or name
    return Decision(action, allowed_by is not None, allowed_by)


def denied(actions: Iterable[str], policies: Mapping[str, Mapping[str, Any] | str]) -> list[str]:
    """The actions (sorted, each once) that the policies do not allow."""
    return sorted(a for a in set(actions) if not decide(a, policies).allowed)


def trusts(trust_document: Mapping[str, Any] | str, service: str) -> bool:
    """Whether a role's trust policy lets `service` (e.g. oos.aliyuncs.com) assume the role."""
    allowed = False
    for statement in _statements(trust_document):
        principal = statement.get("Principal")
        services = _values(principal.get("Service")) if isinstance(principal, dict) else []
        if not any(s.lower() == service.lower() for s in services) or not statement_applies(statement, ASSUME_ROLE):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def least_privilege(actions: Iterable[str]) -> dict[str, Any]:
    """A document allowing exactly `actions` on every resource: Version 1, one Allow statement per RAM code."""
    by_code: dict[str, list[str]] = {}
    for action in sorted(set(actions)):
        by_code.setdefault(action.split(":", 1)[0], []).append(action)
    return {"Version": "1",
            "Statement": [{"Effect": "Allow", "Action": names, "Resource": "*"} for _, names in sorted(by_code.items())]}
