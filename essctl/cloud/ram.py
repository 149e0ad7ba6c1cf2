"""The RAM gateway: roles, policies, versions and attachments, as typed objects."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from essctl.cloud import paging
from essctl.cloud.resources import (
    AttachedPolicy,
    NewPolicy,
    NewPolicyVersion,
    NewRole,
    Policy,
    PolicyAttachment,
    PolicyEntity,
    PolicyVersion,
    Role,
)
from essctl.errors import CloudAPIError
from essctl.facts import ram as facts

if TYPE_CHECKING:
    from essctl.cloud.session import CloudSession


def _models() -> Any:
    from alibabacloud_ram20150501 import models

    return models


def _items(wrapper: Any, name: str) -> list[Any]:
    """RAM wraps lists: Policies.Policy, Roles.Role, ..."""
    return (getattr(wrapper, name) if wrapper is not None else None) or []


class RamGateway:
    def __init__(self, session: CloudSession):
        self._session = session

    @property
    def _client(self) -> Any:
        return self._session.client("ram")

    # --- roles -------------------------------------------------------------------------------------------------

    def get_role(self, name: str) -> Role | None:
        try:
            return Role.from_api(self._client.get_role(_models().GetRoleRequest(role_name=name)).body.role.to_map())
        except CloudAPIError as exc:
            if exc.code in facts.NOT_FOUND_CODES:
                return None
            raise

    def create_role(self, request: NewRole) -> Role:
        body = self._client.create_role(_models().CreateRoleRequest().from_map(request.to_api())).body
        return Role.from_api(body.role.to_map())

    def policies_of_role(self, role: str) -> list[AttachedPolicy]:
        body = self._client.list_policies_for_role(_models().ListPoliciesForRoleRequest(role_name=role)).body
        return [AttachedPolicy.from_api(policy.to_map()) for policy in _items(body.policies, "policy")]

    # --- policies ----------------------------------------------------------------------------------------------

    def get_custom_policy(self, name: str) -> Policy | None:
        """The custom policy with its default version's document, or None when there is no such policy."""
        try:
            body = self._client.get_policy(_models().GetPolicyRequest(policy_name=name, policy_type=facts.CUSTOM)).body
        except CloudAPIError as exc:
            if exc.code in facts.NOT_FOUND_CODES:
                return None
            raise
        version = body.default_policy_version
        text = (version.policy_document if version else None) or (body.policy.policy_document if body.policy else None)
        try:
            document = json.loads(text or "{}")
        except ValueError:
            document = {"unparsable": text}
        return Policy(name=name, policy_type=facts.CUSTOM, document=document,
                      default_version=version.version_id if version else None)

    def create_policy(self, request: NewPolicy) -> None:
        self._client.create_policy(_models().CreatePolicyRequest().from_map(request.to_api()))

    def create_policy_version(self, request: NewPolicyVersion) -> str | None:
        """The new version's id."""
        body = self._client.create_policy_version(
            _models().CreatePolicyVersionRequest().from_map(request.to_api())).body
        return body.policy_version.version_id if body.policy_version else None

    def policy_versions(self, name: str) -> list[PolicyVersion]:
        body = self._client.list_policy_versions(_models().ListPolicyVersionsRequest(
            policy_name=name, policy_type=facts.CUSTOM)).body
        return [PolicyVersion.from_api(version.to_map()) for version in _items(body.policy_versions, "policy_version")]

    def delete_policy_version(self, name: str, version_id: str) -> None:
        self._client.delete_policy_version(_models().DeletePolicyVersionRequest(policy_name=name, version_id=version_id))

    def delete_policy(self, name: str) -> None:
        self._client.delete_policy(_models().DeletePolicyRequest(policy_name=name))

    def policy_tags(self, name: str) -> dict[str, str]:
        """The tags of a custom policy (ListTagResources)."""
        m = _models()

        def fetch(token: str | None) -> Any:
            return self._client.list_tag_resources(m.ListTagResourcesRequest(
                resource_type=facts.POLICY_RESOURCE_TYPE, resource_names=[name], next_token=token)).body

        tags = paging.by_token(fetch, lambda body: body.tag_resources)
        return {tag.tag_key: tag.tag_value for tag in tags if tag.resource_name == name}

    def policy_entities(self, name: str) -> list[PolicyEntity]:
        """Every user, group and role a custom policy is attached to."""
        body = self._client.list_entities_for_policy(_models().ListEntitiesForPolicyRequest(
            policy_name=name, policy_type=facts.CUSTOM)).body
        return ([PolicyEntity("User", u.user_name) for u in _items(body.users, "user")]
                + [PolicyEntity("Group", g.group_name) for g in _items(body.groups, "group")]
                + [PolicyEntity("Role", r.role_name) for r in _items(body.roles, "role")])

    # --- attachments -------------------------------------------------------------------------------------------

    def attach_policy_to_role(self, attachment: PolicyAttachment) -> bool:
        """False when the policy was attached already."""
        try:
            self._client.attach_policy_to_role(_models().AttachPolicyToRoleRequest().from_map(attachment.to_api()))
        except CloudAPIError as exc:
            if exc.code != facts.ALREADY_ATTACHED:
                raise
            return False
        return True

    def detach_policy_from_role(self, attachment: PolicyAttachment) -> None:
        self._client.detach_policy_from_role(_models().DetachPolicyFromRoleRequest().from_map(attachment.to_api()))
