"""Role impact: which lifecycle hooks run their OOS template as a RAM role, what each needs, what the role's policies
lack today, and what a proposed change to those policies would take from them (issue 11: a policy shared by two
recipes). Terminal-free: reads go through a `Cloud`, results are data with their JSON form and their text."""
from essctl.impact.analysis import ImpactAnalysis, check_policy_change, role_impact
from essctl.impact.change import ChangeImpact, HookActions, Loss, assess
from essctl.impact.model import ChangeKind, Dependent, HookRef, PolicyChange, RoleDependents, RolePolicies

__all__ = [
    "ChangeImpact", "ChangeKind", "Dependent", "HookActions", "HookRef", "ImpactAnalysis", "Loss", "PolicyChange",
    "RoleDependents", "RolePolicies", "assess", "check_policy_change", "role_impact",
]
