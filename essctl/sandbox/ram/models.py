"""RAM state: roles, custom policies with versions, attachments; system policies pre-exist (system_policies.yaml)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from essctl.sandbox.clock import iso
from essctl.sandbox.errors import ApiError, invalid_parameter
from essctl.sandbox.ram import policy as evaluation

MAX_POLICY_VERSIONS = 5
MAX_DOCUMENT_LENGTH = 6144


@lru_cache(maxsize=1)
def system_policy_documents() -> dict[str, dict[str, Any]]:
    """The system policies the sandbox knows (essctl/sandbox/ram/system_policies.yaml): name -> document."""
    import yaml

    table = yaml.safe_load((resources.files("essctl.sandbox.ram") / "system_policies.yaml").read_text(encoding="utf-8"))
    return {name: {"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(entry["actions"]), "Resource": "*"}]}
            for name, entry in table.items()}


def trust_document(services: list[str]) -> str:
    return json.dumps({"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                      "Principal": {"Service": services}}], "Version": "1"})


class RamBackend:
    def __init__(self, world: Any):
        self.world = world
        self.state: dict[str, Any] = {"roles": {}, "policies": {}}

    @property
    def roles(self) -> dict[str, dict]:
        return self.state["roles"]

    @property
    def policies(self) -> dict[str, dict]:
        return self.state["policies"]

    def seed(self, scenario: Any) -> None:
        for policy in scenario.policies:
            self.create_policy(policy.name, policy.document, policy.description)
        for role in scenario.roles:
            self.create_role(role.name, trust_document(role.trusted_services), role.description)
            for name in role.policies:
                self.attach(role.name, name, "Custom" if name in self.policies else "System")

    # roles
    def role(self, name: str) -> dict:
        role = self.roles.get(name)
        if role is None:
            raise ApiError("EntityNotExist.Role", f"The role does not exist: {name}.", 404)
        return role

    def create_role(self, name: str, document: str, description: str = "", max_session: int = 3600) -> dict:
        if name in self.roles:
            raise ApiError("EntityAlreadyExists.Role", f"The role does already exist: {name}.", 409)
        try:
            json.loads(document)
        except ValueError:
            raise ApiError("MalformedPolicyDocument", "The AssumeRolePolicyDocument is not valid JSON.") from None
        now = iso(self.world.now())
        self.roles[name] = {
            "RoleName": name, "RoleId": self.world.new_id("role", 19).split("-", 1)[1],
            "Arn": f"acs:ram::{self.world.account_id}:role/{name.lower()}", "AssumeRolePolicyDocument": document,
            "Description": description, "CreateDate": now, "UpdateDate": now, "MaxSessionDuration": max_session,
            "attached": []}
        self.world.changed = True
        return self.roles[name]

    def trusts(self, role_name: str, service: str) -> bool:
        role = self.roles.get(role_name)
        return role is not None and evaluation.trusts(role["AssumeRolePolicyDocument"], service)

    def role_documents(self, role_name: str) -> dict[str, Any]:
        """Attached policy name -> document, for the policy evaluation."""
        documents: dict[str, Any] = {}
        for attachment in self.role(role_name)["attached"]:
            name, kind = attachment["PolicyName"], attachment["PolicyType"]
            if kind == "System":
                documents[name] = system_policy_documents()[name]
            else:
                documents[name] = self.default_version(self.policies[name])["PolicyDocument"]
        return documents

    # policies
    def policy(self, name: str, kind: str | None = None) -> dict:
        if kind in (None, "Custom") and name in self.policies:
            return self.policies[name]
        if kind in (None, "System") and name in system_policy_documents():
            return self._system_policy(name)
        raise ApiError("EntityNotExist.Policy", f"The policy does not exist: {name}.", 404)

    def _system_policy(self, name: str) -> dict:
        document = json.dumps(system_policy_documents()[name])
        return {"PolicyName": name, "PolicyType": "System", "Description": "", "DefaultVersion": "v1",
                "CreateDate": "2015-04-28T06:45:00Z", "UpdateDate": "2015-04-28T06:45:00Z",
                "versions": [{"VersionId": "v1", "PolicyDocument": document, "CreateDate": "2015-04-28T06:45:00Z"}]}

    @staticmethod
    def default_version(policy: dict) -> dict:
        return next(v for v in policy["versions"] if v["VersionId"] == policy["DefaultVersion"])

    def roles_using(self, name: str, kind: str) -> list[dict]:
        """The roles a policy is attached to (the sandbox has no RAM users or groups)."""
        self.policy(name, kind)
        return [role for role in self.roles.values()
                if any(a["PolicyName"] == name and a["PolicyType"] == kind for a in role["attached"])]

    def attachment_count(self, name: str) -> int:
        return sum(1 for role in self.roles.values() for a in role["attached"] if a["PolicyName"] == name)

    @staticmethod
    def _check_document(document: str) -> None:
        if not 1 <= len(document) <= MAX_DOCUMENT_LENGTH:
            raise ApiError("InvalidParameter.PolicyDocument.Length",
                           f"The PolicyDocument must be 1 to {MAX_DOCUMENT_LENGTH} characters long.")
        try:
            parsed = json.loads(document)
        except ValueError:
            raise ApiError("MalformedPolicyDocument", "The policy document is not valid JSON.") from None
        if not isinstance(parsed, dict) or "Statement" not in parsed:
            raise ApiError("MalformedPolicyDocument", "The policy document has no Statement.")

    def create_policy(self, name: str, document: str, description: str = "",
                      tags: dict[str, str] | None = None) -> dict:
        if name in self.policies or name in system_policy_documents():
            raise ApiError("EntityAlreadyExists.Policy", f"The policy does already exist: {name}.", 409)
        self._check_document(document)
        now = iso(self.world.now())
        self.policies[name] = {"PolicyName": name, "PolicyType": "Custom", "Description": description,
                               "DefaultVersion": "v1", "CreateDate": now, "UpdateDate": now, "next_version": 2,
                               "versions": [{"VersionId": "v1", "PolicyDocument": document, "CreateDate": now}],
                               "tags": dict(tags or {})}
        self.world.changed = True
        return self.policies[name]

    def create_version(self, name: str, document: str, set_default: bool, rotate: str) -> dict:
        policy = self.policy(name, "Custom")
        self._check_document(document)
        if rotate not in ("None", "DeleteOldestNonDefaultVersionWhenLimitExceeded"):
            raise invalid_parameter("RotateStrategy", f"Valid values: None, "
                                                      f"DeleteOldestNonDefaultVersionWhenLimitExceeded; got {rotate}.")
        if len(policy["versions"]) >= MAX_POLICY_VERSIONS:
            if rotate == "None":
                raise ApiError("LimitExceeded.Policy.Version", "The count of policy version beyond the current "
                                                              "limits.", 409)
            oldest = next(v for v in policy["versions"] if v["VersionId"] != policy["DefaultVersion"])
            policy["versions"].remove(oldest)
        now = iso(self.world.now())
        version = {"VersionId": f"v{policy['next_version']}", "PolicyDocument": document, "CreateDate": now}
        policy["next_version"] += 1
        policy["versions"].append(version)
        if set_default:
            policy["DefaultVersion"] = version["VersionId"]
        policy["UpdateDate"] = now
        self.world.changed = True
        return version

    def version(self, name: str, kind: str, version_id: str) -> dict:
        policy = self.policy(name, kind)
        for version in policy["versions"]:
            if version["VersionId"] == version_id:
                return version
        raise ApiError("EntityNotExist.Policy.Version", f"The policy version does not exist: {version_id}.", 404)

    def delete_version(self, name: str, version_id: str) -> None:
        policy = self.policy(name, "Custom")
        version = self.version(name, "Custom", version_id)
        if version_id == policy["DefaultVersion"]:
            raise ApiError("DeleteConflict.Policy.Version.Default", "The default policy version CAN NOT been deleted "
                                                                    "directly.", 409)
        policy["versions"].remove(version)
        self.world.changed = True

    def delete_policy(self, name: str) -> None:
        policy = self.policy(name, "Custom")
        if self.attachment_count(name):
            # RAM documents .Policy.User and .Policy.Group; for a role it answers DeleteConflict.Role.Policy
            # (terraform-provider-alicloud resource_alicloud_ram_policy.go retries DeletePolicy on it).
            raise ApiError("DeleteConflict.Role.Policy", "The policy is attached to a role: detach it first.", 409)
        if len(policy["versions"]) > 1:
            raise ApiError("DeleteConflict.Policy.Version", "The policy has non-default versions: delete them "
                                                            "first.", 409)
        del self.policies[name]
        self.world.changed = True

    # attachments
    def attach(self, role_name: str, policy_name: str, kind: str) -> None:
        if kind not in ("System", "Custom"):
            raise ApiError("InvalidParameter.PolicyType", f"The PolicyType is not valid: {kind}.")
        role = self.role(role_name)
        self.policy(policy_name, kind)
        if any(a["PolicyName"] == policy_name and a["PolicyType"] == kind for a in role["attached"]):
            raise ApiError("EntityAlreadyExists.Role.Policy", "The policy is already attached to the role.", 409)
        limits = self.world.scenario.ram_limits
        limit = limits.system_per_role if kind == "System" else limits.custom_per_role
        if sum(1 for a in role["attached"] if a["PolicyType"] == kind) >= limit:
            # api-docs/ram/_ErrorMessages.md: LimitExceeded.Role.Policy, 409 (20 system, 5 custom per role)
            raise ApiError("LimitExceeded.Role.Policy", "The count of policies attached to the role beyond the "
                                                        "current limits.", 409)
        role["attached"].append({"PolicyName": policy_name, "PolicyType": kind, "AttachDate": iso(self.world.now())})
        self.world.changed = True

    def detach(self, role_name: str, policy_name: str, kind: str) -> None:
        role = self.role(role_name)
        self.policy(policy_name, kind)
        for attachment in role["attached"]:
            if attachment["PolicyName"] == policy_name and attachment["PolicyType"] == kind:
                role["attached"].remove(attachment)
                self.world.changed = True
                return
        raise ApiError("EntityNotExist.Role.Policy", "The policy is not attached to the role.", 404)
