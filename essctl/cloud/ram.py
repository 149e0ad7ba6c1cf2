"""The RAM gateway: roles, policies, versions and attachments, as typed objects. Its mutating calls have no
ClientToken: each is sent once and, after a lost answer or an "already exists", read back (cloud/converge.py)."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from essctl.cloud import paging
from essctl.cloud.converge import Found, in_place, in_the_way, not_made, send_checked
from essctl.cloud.errors import UNREADABLE_ANSWER
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
from essctl.cloud.resources.ram import trusted_services
from essctl.errors import CloudAPIError
from essctl.facts import ram as facts
from essctl.policies.documents import same_policy

if TYPE_CHECKING:
    from essctl.cloud.session import CloudSession


def _models() -> Any:
    from alibabacloud_ram20150501 import models

    return models


def _role_of(body: Any, action: str) -> dict[str, Any]:
    """The Role of a GetRole or CreateRole answer; an answer without one could not be read (from a server or a
    tape alike), which is said as the API error it is."""
    role = getattr(body, "role", None)
    if role is None:
        raise CloudAPIError(service="ram", action=action, code=UNREADABLE_ANSWER, message="the answer has no Role")
    return role.to_map()


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
            body = self._client.get_role(_models().GetRoleRequest(role_name=name)).body
            return Role.from_api(_role_of(body, "GetRole"))
        except CloudAPIError as exc:
            if exc.code in facts.NOT_FOUND_CODES:
                return None
            raise

    def create_role(self, request: NewRole) -> Role:
        def send() -> Role:
            body = self._client.create_role(_models().CreateRoleRequest().from_map(request.to_api())).body
            return Role.from_api(_role_of(body, "CreateRole"))

        def read_back() -> Found[Role]:
            role = self.get_role(request.name)
            wanted = trusted_services(request.trust_policy)
            if role is None:
                return not_made(f"no role {request.name}")
            if role.trusted_services == wanted:
                return in_place(f"role {request.name} exists, trusted by {_names(wanted)}", role)
            return in_the_way(f"a role {request.name} exists, trusted by {_names(role.trusted_services)}, not "
                              f"{_names(wanted)}")

        return send_checked(self._session, "ram", "CreateRole", f"role {request.name}", send, read_back,
                            taken=frozenset({facts.ROLE_EXISTS}))

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
        """Create a custom policy; one of that name with the same document (by meaning) already there is success."""
        def send() -> None:
            self._client.create_policy(_models().CreatePolicyRequest().from_map(request.to_api()))

        def read_back() -> Found[None]:
            current = self.get_custom_policy(request.name)
            if current is None:
                return not_made(f"no policy {request.name}")
            if same_policy(current.document, request.document):
                return in_place(f"policy {request.name} exists with the same document (version "
                                f"{current.default_version})")
            return in_the_way(f"a policy {request.name} exists with another document (default version "
                              f"{current.default_version}): it is not the one essctl sent")

        send_checked(self._session, "ram", "CreatePolicy", f"policy {request.name}", send, read_back,
                     taken=frozenset({facts.POLICY_EXISTS}))

    def create_policy_version(self, request: NewPolicyVersion) -> str | None:
        """The id of the version holding the document: the new one, or after a lost answer the default version
        that already holds it (a second identical version would use up one of RAM's five)."""
        def send() -> str | None:
            body = self._client.create_policy_version(
                _models().CreatePolicyVersionRequest().from_map(request.to_api())).body
            return body.policy_version.version_id if body.policy_version else None

        def read_back() -> Found[str | None]:
            current = self.get_custom_policy(request.name)
            if current is None:
                return in_the_way(f"policy {request.name} does not exist")
            if request.set_as_default and same_policy(current.document, request.document):
                return in_place(f"the default version {current.default_version} has the document",
                                current.default_version)
            return not_made(f"the default version {current.default_version} has another document")

        return send_checked(self._session, "ram", "CreatePolicyVersion", f"policy {request.name}", send, read_back)

    def policy_versions(self, name: str) -> list[PolicyVersion]:
        body = self._client.list_policy_versions(_models().ListPolicyVersionsRequest(
            policy_name=name, policy_type=facts.CUSTOM)).body
        return [PolicyVersion.from_api(version.to_map()) for version in _items(body.policy_versions, "policy_version")]

    def delete_policy_version(self, name: str, version_id: str) -> None:
        def send() -> None:
            self._client.delete_policy_version(_models().DeletePolicyVersionRequest(policy_name=name,
                                                                                    version_id=version_id))

        def read_back() -> Found[None]:
            try:
                versions = [version.version_id for version in self.policy_versions(name)]
            except CloudAPIError as exc:
                if exc.code not in facts.NOT_FOUND_CODES:
                    raise
                return in_place(f"policy {name} is gone, and its versions")
            if version_id in versions:
                return not_made(f"version {version_id} is still there")
            return in_place(f"version {version_id} is gone")

        send_checked(self._session, "ram", "DeletePolicyVersion", f"policy {name} version {version_id}", send,
                     read_back)

    def delete_policy(self, name: str) -> None:
        def send() -> None:
            self._client.delete_policy(_models().DeletePolicyRequest(policy_name=name))

        def read_back() -> Found[None]:
            if self.get_custom_policy(name) is None:
                return in_place(f"policy {name} is gone")
            return not_made(f"policy {name} is still there")

        send_checked(self._session, "ram", "DeletePolicy", f"policy {name}", send, read_back)

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
        def send() -> bool:
            try:
                self._client.attach_policy_to_role(_models().AttachPolicyToRoleRequest().from_map(attachment.to_api()))
            except CloudAPIError as exc:
                if exc.code != facts.ALREADY_ATTACHED:
                    raise
                return False
            return True

        def read_back() -> Found[bool]:
            if self._is_attached(attachment):
                return in_place("attached", True)
            return not_made("not attached")

        return send_checked(self._session, "ram", "AttachPolicyToRole", _attachment(attachment), send, read_back)

    def detach_policy_from_role(self, attachment: PolicyAttachment) -> None:
        def send() -> None:
            self._client.detach_policy_from_role(_models().DetachPolicyFromRoleRequest().from_map(
                attachment.to_api()))

        def read_back() -> Found[None]:
            if self._is_attached(attachment):
                return not_made("still attached")
            return in_place("detached")

        send_checked(self._session, "ram", "DetachPolicyFromRole", _attachment(attachment), send, read_back)

    def _is_attached(self, attachment: PolicyAttachment) -> bool:
        key = (attachment.policy_name, attachment.policy_type)
        return any(policy.key == key for policy in self.policies_of_role(attachment.role_name))


def _names(services: list[str]) -> str:
    return ", ".join(services) or "nothing"


def _attachment(attachment: PolicyAttachment) -> str:
    return f"{attachment.policy_type} policy {attachment.policy_name} -> role {attachment.role_name}"
