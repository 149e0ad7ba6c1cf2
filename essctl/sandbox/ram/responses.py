"""RAM 2015-05-01 on the wire: request parameters in, response bodies in the SDK models' (wrapped) shapes."""
from __future__ import annotations

from typing import Any, Callable

from essctl.sandbox.errors import ApiError, invalid_parameter
from essctl.sandbox.params import Params

VERSION = "2015-05-01"



def throttling(retry_after_ms: int | None) -> ApiError:
    """A call over its quota (faults.quotas): the gateway's per-user flow control (RAM's error page lists no throttling code;
    api-facts-ess-oos-ram.md §4; known_exceptions.yaml, Throttling.User)."""
    return ApiError("Throttling.User", "Request was denied due to user flow control.", 400,
                    retry_after_ms=retry_after_ms)


def _version(version: dict, policy: dict) -> dict:
    return {"CreateDate": version["CreateDate"], "IsDefaultVersion": version["VersionId"] == policy["DefaultVersion"],
            "PolicyDocument": version["PolicyDocument"], "VersionId": version["VersionId"]}


def _role(role: dict) -> dict:
    return {key: role[key] for key in ("Arn", "AssumeRolePolicyDocument", "CreateDate", "Description",
                                       "MaxSessionDuration", "RoleId", "RoleName")}


def get_role(world: Any, p: Params) -> dict:
    role = world.ram.role(p.str("RoleName", required=True))
    return {"Role": {**_role(role), "UpdateDate": role["UpdateDate"], "IsServiceLinkedRole": False,
                     "RolePrincipalName": f"{role['RoleName']}@role.{world.account_id}.onaliyunservice.com"}}


def create_role(world: Any, p: Params) -> dict:
    role = world.ram.create_role(p.str("RoleName", required=True), p.str("AssumeRolePolicyDocument", required=True),
                                 p.str("Description", default=""),
                                 p.int("MaxSessionDuration", default=3600, low=3600, high=43200))
    return {"Role": _role(role)}


def list_policies_for_role(world: Any, p: Params) -> dict:
    role = world.ram.role(p.str("RoleName", required=True))
    items = []
    for attachment in role["attached"]:
        policy = world.ram.policy(attachment["PolicyName"], attachment["PolicyType"])
        items.append({"AttachDate": attachment["AttachDate"], "DefaultVersion": policy["DefaultVersion"],
                      "Description": policy["Description"], "PolicyName": policy["PolicyName"],
                      "PolicyType": policy["PolicyType"]})
    return {"Policies": {"Policy": items}}


def create_policy(world: Any, p: Params) -> dict:
    tags = {tag["Key"]: tag.get("Value", "") for tag in p.objects("Tag") if tag.get("Key")}
    policy = world.ram.create_policy(p.str("PolicyName", required=True), p.str("PolicyDocument", required=True),
                                     p.str("Description", default=""), tags)
    return {"Policy": {key: policy[key] for key in ("CreateDate", "DefaultVersion", "Description", "PolicyName",
                                                    "PolicyType")}}


def get_policy(world: Any, p: Params) -> dict:
    policy = world.ram.policy(p.str("PolicyName", required=True), p.str("PolicyType", required=True))
    default = world.ram.default_version(policy)
    return {"Policy": {"AttachmentCount": world.ram.attachment_count(policy["PolicyName"]),
                       "CreateDate": policy["CreateDate"], "DefaultVersion": policy["DefaultVersion"],
                       "Description": policy["Description"], "PolicyName": policy["PolicyName"],
                       "PolicyType": policy["PolicyType"], "UpdateDate": policy["UpdateDate"]},
            "DefaultPolicyVersion": _version(default, policy)}


def get_policy_version(world: Any, p: Params) -> dict:
    name, kind = p.str("PolicyName", required=True), p.str("PolicyType", required=True)
    version = world.ram.version(name, kind, p.str("VersionId", required=True))
    return {"PolicyVersion": _version(version, world.ram.policy(name, kind))}


def create_policy_version(world: Any, p: Params) -> dict:
    name = p.str("PolicyName", required=True)
    version = world.ram.create_version(name, p.str("PolicyDocument", required=True), p.bool("SetAsDefault"),
                                       p.str("RotateStrategy", default="None"))
    return {"PolicyVersion": _version(version, world.ram.policy(name, "Custom"))}


def list_policy_versions(world: Any, p: Params) -> dict:
    policy = world.ram.policy(p.str("PolicyName", required=True), p.str("PolicyType", required=True))
    return {"PolicyVersions": {"PolicyVersion": [_version(v, policy) for v in policy["versions"]]}}


def delete_policy_version(world: Any, p: Params) -> dict:
    world.ram.delete_version(p.str("PolicyName", required=True), p.str("VersionId", required=True))
    return {}


def attach_policy_to_role(world: Any, p: Params) -> dict:
    world.ram.attach(p.str("RoleName", required=True), p.str("PolicyName", required=True),
                     p.str("PolicyType", required=True))
    return {}


def detach_policy_from_role(world: Any, p: Params) -> dict:
    world.ram.detach(p.str("RoleName", required=True), p.str("PolicyName", required=True),
                     p.str("PolicyType", required=True))
    return {}


def delete_policy(world: Any, p: Params) -> dict:
    world.ram.delete_policy(p.str("PolicyName", required=True))
    return {}


def list_entities_for_policy(world: Any, p: Params) -> dict:
    roles = world.ram.roles_using(p.str("PolicyName", required=True), p.str("PolicyType", required=True))
    return {"Groups": {"Group": []}, "Users": {"User": []},
            "Roles": {"Role": [{"Arn": role["Arn"], "AttachDate": next(
                a["AttachDate"] for a in role["attached"] if a["PolicyName"] == p.str("PolicyName")),
                "Description": role["Description"], "RoleId": role["RoleId"], "RoleName": role["RoleName"]}
                for role in roles]}}



def list_tag_resources(world: Any, p: Params) -> dict:
    kind = p.str("ResourceType", required=True)
    if kind not in ("policy", "role"):
        raise invalid_parameter("ResourceType", "Enumerated values: role, policy.")
    names = p.list("ResourceNames")
    held = world.ram.policies if kind == "policy" else world.ram.roles
    items = [{"ResourceName": name, "ResourceType": kind, "TagKey": key, "TagValue": value}
             for name, resource in held.items() if not names or name in names
             for key, value in sorted(resource.get("tags", {}).items())]
    return {"TagResources": items}

ACTIONS: dict[str, Callable[[Any, Params], dict]] = {
    "GetRole": get_role, "CreateRole": create_role, "ListPoliciesForRole": list_policies_for_role,
    "CreatePolicy": create_policy, "GetPolicy": get_policy, "GetPolicyVersion": get_policy_version,
    "CreatePolicyVersion": create_policy_version, "ListPolicyVersions": list_policy_versions,
    "DeletePolicyVersion": delete_policy_version, "AttachPolicyToRole": attach_policy_to_role,
    "DetachPolicyFromRole": detach_policy_from_role, "DeletePolicy": delete_policy,
    "ListEntitiesForPolicy": list_entities_for_policy, "ListTagResources": list_tag_resources,
}
