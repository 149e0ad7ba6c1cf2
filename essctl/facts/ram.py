"""RAM 2015-05-01 facts: names, limits, error codes and the trust policy OOS needs."""
from __future__ import annotations

import re

from essctl.facts.oos import OOS_SERVICE

POLICY_DOCUMENT_LIMIT = 6144            # characters of a PolicyDocument
ROTATE_STRATEGY = "DeleteOldestNonDefaultVersionWhenLimitExceeded"   # avoids LimitExceeded.Policy.Version
POLICY_NAME = re.compile(r"[A-Za-z0-9-]{1,128}")
ROLE_NAME = re.compile(r"[A-Za-z0-9.-]{1,64}")
RAM_ACTION = re.compile(r"[a-z][a-z0-9-]*:[A-Za-z0-9*?]+")
CUSTOM, SYSTEM = "Custom", "System"
OOS_TRUST_POLICY = {
    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": [OOS_SERVICE]}}],
    "Version": "1",
}

ALREADY_ATTACHED = "EntityAlreadyExists.Role.Policy"
POLICY_EXISTS = "EntityAlreadyExists.Policy"
ROLE_EXISTS = "EntityAlreadyExists.Role"
NOT_FOUND_CODES = frozenset({"EntityNotExist.Role", "EntityNotExist.Policy"})
GONE_CODES = frozenset({"EntityNotExist.Policy", "EntityNotExist.Role.Policy"})
ROLE_MISSING_CODES = frozenset({"EntityNotExist.Role", "AssumeRoleNotExist"})
GRANT_POLICY_PREFIX = "EssctlGrant-"    # the policy `diagnose --fix` owns, one per role


def grant_policy(role: str) -> str:
    """The policy `diagnose --fix` grants a role its missing actions with."""
    return f"{GRANT_POLICY_PREFIX}{role}"[:128]


# The tags on a policy essctl made: the recipe it was made for, or the role a diagnose grant is for.
RECIPE_TAG = "essctl:recipe"
GRANT_TAG = "essctl:grant"
POLICY_RESOURCE_TYPE = "policy"
