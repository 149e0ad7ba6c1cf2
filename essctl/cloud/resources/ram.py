"""RAM resources: roles, policies and their versions, and what a policy is attached to."""
from __future__ import annotations

import dataclasses
import json
from typing import Any

from essctl.cloud.resources.base import ApiObject, api


@dataclasses.dataclass(frozen=True)
class Role(ApiObject):
    name: str = api("RoleName", default="")
    arn: str | None = api("Arn")
    trust_policy: str | None = api("AssumeRolePolicyDocument")

    @property
    def trusted_services(self) -> list[str]:
        """The service principals (e.g. oos.aliyuncs.com) allowed to assume the role."""
        return trusted_services(self.trust_policy)


def trusted_services(trust_policy: str | None) -> list[str]:
    """The service principals an AssumeRolePolicyDocument allows to assume its role."""
    try:
        document = json.loads(trust_policy or "{}")
    except ValueError:
        return []
    services: list[str] = []
    statements = document.get("Statement") if isinstance(document, dict) else None
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        service = principal.get("Service") if isinstance(principal, dict) else None
        services.extend([service] if isinstance(service, str) else service or [])
    return sorted(set(services))


@dataclasses.dataclass(frozen=True)
class AttachedPolicy(ApiObject):
    name: str = api("PolicyName", default="")
    policy_type: str = api("PolicyType", default="")

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.policy_type


@dataclasses.dataclass(frozen=True)
class Policy:
    """A policy and the document of its default version (parsed; `{"unparsable": text}` when RAM's text is not
    JSON)."""

    name: str
    policy_type: str
    document: dict[str, Any]
    default_version: str | None = None


@dataclasses.dataclass(frozen=True)
class PolicyVersion(ApiObject):
    version_id: str = api("VersionId", default="")
    is_default: bool = api("IsDefaultVersion", convert=bool, default=False)


@dataclasses.dataclass(frozen=True)
class PolicyEntity:
    """Something a policy is attached to."""

    kind: str          # Role | User | Group
    name: str


@dataclasses.dataclass(frozen=True)
class NewRole(ApiObject):
    """CreateRole's request."""

    name: str = api("RoleName", default="")
    trust_policy: str = api("AssumeRolePolicyDocument", default="")
    description: str = api("Description", default="")


@dataclasses.dataclass(frozen=True)
class NewPolicy(ApiObject):
    """CreatePolicy's request, with the tags the policy is made with."""

    name: str = api("PolicyName", default="")
    document: str = api("PolicyDocument", default="")
    description: str = api("Description", default="")
    tags: tuple[tuple[str, str], ...] = ()

    def to_api(self) -> dict[str, Any]:
        mapped = super().to_api()
        if self.tags:
            mapped["Tag"] = [{"Key": key, "Value": value} for key, value in self.tags]
        return mapped


@dataclasses.dataclass(frozen=True)
class NewPolicyVersion(ApiObject):
    """CreatePolicyVersion's request: a new default version."""

    name: str = api("PolicyName", default="")
    document: str = api("PolicyDocument", default="")
    set_as_default: bool = api("SetAsDefault", default=True)
    rotate_strategy: str | None = api("RotateStrategy")


@dataclasses.dataclass(frozen=True)
class PolicyAttachment(ApiObject):
    """AttachPolicyToRole's and DetachPolicyFromRole's request."""

    policy_name: str = api("PolicyName", default="")
    policy_type: str = api("PolicyType", default="")
    role_name: str = api("RoleName", default="")
