"""`role show`: a RAM role, the services its trust policy names, and the policies attached to it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from essctl.errors import PreconditionFailed

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import AttachedPolicy, Role


@dataclass(frozen=True)
class RoleReport:
    role: Role
    policies: list[AttachedPolicy]

    def to_data(self) -> dict[str, Any]:
        return {"Role": self.role.to_api(), "TrustedServices": self.role.trusted_services,
                "Policies": [policy.to_api() for policy in self.policies]}


def role_report(cloud: Cloud, name: str) -> RoleReport:
    role = cloud.ram.get_role(name)
    if role is None:
        raise PreconditionFailed(f"role {name} does not exist")
    return RoleReport(role, cloud.ram.policies_of_role(name))
