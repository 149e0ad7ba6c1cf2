"""The fixes `essctl diagnose --fix` may apply on its own, because they only add what is missing:

- grant_missing_actions: allow the missing actions to the role, in one custom policy essctl owns
  (`EssctlGrant-<role>`: created, or given a new default version holding its old actions plus the new ones),
  attached to the role if it is not;
- raise_hook_timeout: set the hook's HeartbeatTimeout to the suggested value (never lower it).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from essctl.core import lookups
from essctl.core.diagnosis import Finding
from essctl.core.permissions import least_privilege_policy
from essctl.core.policy_eval import allowed_actions
from essctl.core.recipe_plan import ROTATE_STRATEGY, policy_document_text

GRANT_POLICY_PREFIX = "EssctlGrant-"


@dataclass
class AppliedFix:
    fix: str
    target: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"fix": self.fix, "target": self.target, "detail": self.detail}


def safe_fixes(findings: list[Finding]) -> list[Finding]:
    """The findings with a safe fix and the arguments to apply it, one per fix and target."""
    chosen, seen = [], set()
    for finding in findings:
        if not finding.safe_fix or not finding.safe_fix_arguments:
            continue
        key = (finding.safe_fix, json.dumps(finding.safe_fix_arguments, sort_keys=True))
        if key not in seen:
            seen.add(key)
            chosen.append(finding)
    return chosen


def describe_fix(finding: Finding) -> str:
    args = finding.safe_fix_arguments
    if finding.safe_fix == "grant_missing_actions":
        return f"allow {', '.join(args['actions'])} to role {args['role']} (policy {GRANT_POLICY_PREFIX}{args['role']})"
    return f"set HeartbeatTimeout of hook {args['hook_id']} to {args['timeout']} s"


def apply_fix(session: Any, finding: Finding) -> AppliedFix:
    args = finding.safe_fix_arguments
    if finding.safe_fix == "grant_missing_actions":
        return _grant(session, args["role"], list(args["actions"]))
    if finding.safe_fix == "raise_hook_timeout":
        return _raise_timeout(session, args["hook_id"], int(args["timeout"]))
    raise ValueError(f"not a safe fix: {finding.safe_fix}")


def _grant(session: Any, role: str, actions: list[str]) -> AppliedFix:
    from alibabacloud_ram20150501 import models

    name = f"{GRANT_POLICY_PREFIX}{role}"[:128]
    current = lookups.custom_policy_document(session, name)
    document = policy_document_text(least_privilege_policy(allowed_actions(current) | set(actions)))
    if current is None:
        session.ram.create_policy(models.CreatePolicyRequest(
            policy_name=name, policy_document=document,
            description=f"Actions essctl diagnose --fix granted to {role}"))
        detail = "created"
    else:
        session.ram.create_policy_version(models.CreatePolicyVersionRequest(
            policy_name=name, policy_document=document, set_as_default=True, rotate_strategy=ROTATE_STRATEGY))
        detail = "new default version"
    if (name, "Custom") not in lookups.role_policies(session, role):
        session.ram.attach_policy_to_role(models.AttachPolicyToRoleRequest(
            policy_name=name, policy_type="Custom", role_name=role))
        detail += ", attached"
    return AppliedFix("grant_missing_actions", f"{name} -> {role}", f"{detail}: {', '.join(sorted(actions))}")


def _raise_timeout(session: Any, hook_id: str, timeout: int) -> AppliedFix:
    from essctl.core.hooks import update_hook

    hook = update_hook(session, hook_id, timeout=timeout)
    return AppliedFix("raise_hook_timeout", hook_id, f"HeartbeatTimeout {hook.get('HeartbeatTimeout')} s")
