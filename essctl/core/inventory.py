"""Read-only listings of scaling groups, hooks, activities, OOS executions and RAM roles.

Items are returned as the API names them (the SDK model's `to_map()`), so `--output json` and `--query`
see the documented field names.
"""
from __future__ import annotations

import json
from typing import Any

from essctl.cloud import paging
from essctl.cloud.session import CloudSession

ESS_PAGE_SIZE = 50    # the API's maximum
OOS_PAGE_SIZE = 100   # the API's maximum


def _page_size(limit: int, max_items: int | None) -> int:
    return min(limit, max_items) if max_items else limit


def list_scaling_groups(session: CloudSession, *, max_items: int | None = None) -> list[dict[str, Any]]:
    from alibabacloud_ess20220222 import models

    def fetch(page: int, size: int) -> Any:
        request = models.DescribeScalingGroupsRequest(region_id=session.region, page_number=page, page_size=size)
        return session.ess.describe_scaling_groups(request).body

    groups = paging.by_page_number(fetch, lambda body: body.scaling_groups,
                                   page_size=_page_size(ESS_PAGE_SIZE, max_items), max_items=max_items)
    return [group.to_map() for group in groups]


def list_lifecycle_hooks(session: CloudSession, group_id: str, *, max_items: int | None = None) -> list[dict[str, Any]]:
    from alibabacloud_ess20220222 import models

    def fetch(page: int, size: int) -> Any:
        request = models.DescribeLifecycleHooksRequest(
            region_id=session.region, scaling_group_id=group_id, page_number=page, page_size=size)
        return session.ess.describe_lifecycle_hooks(request).body

    hooks = paging.by_page_number(fetch, lambda body: body.lifecycle_hooks,
                                  page_size=_page_size(ESS_PAGE_SIZE, max_items), max_items=max_items)
    return [hook.to_map() for hook in hooks]


def list_scaling_activities(
    session: CloudSession, group_id: str, *, status: str | None = None, max_items: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first, as ESS returns them."""
    from alibabacloud_ess20220222 import models

    def fetch(page: int, size: int) -> Any:
        request = models.DescribeScalingActivitiesRequest(
            region_id=session.region, scaling_group_id=group_id, status_code=status,
            page_number=page, page_size=size)
        return session.ess.describe_scaling_activities(request).body

    activities = paging.by_page_number(fetch, lambda body: body.scaling_activities,
                                       page_size=_page_size(ESS_PAGE_SIZE, max_items), max_items=max_items)
    return [activity.to_map() for activity in activities]


def list_executions(
    session: CloudSession, *, template: str | None = None, status: str | None = None, max_items: int | None = None,
) -> list[dict[str, Any]]:
    """Newest first. OOS matches TemplateName loosely, so the template filter is also applied exactly here."""
    from alibabacloud_oos20190601 import models

    def fetch(token: str | None) -> Any:
        request = models.ListExecutionsRequest(
            region_id=session.region, template_name=template, status=status, next_token=token,
            max_results=max(10, _page_size(OOS_PAGE_SIZE, max_items)),
            sort_field="StartDate", sort_order="Descending")
        return session.oos.list_executions(request).body

    keep = (lambda execution: execution.template_name == template) if template else None
    executions = paging.by_token(fetch, lambda body: body.executions, max_items=max_items, keep=keep)
    return [execution.to_map() for execution in executions]


def show_role(session: CloudSession, name: str) -> dict[str, Any]:
    """The role, the services its trust policy names, and the policies attached to it."""
    from alibabacloud_ram20150501 import models

    role = session.ram.get_role(models.GetRoleRequest(role_name=name)).body.role
    policies = session.ram.list_policies_for_role(models.ListPoliciesForRoleRequest(role_name=name)).body.policies
    return {
        "Role": role.to_map(),
        "TrustedServices": trusted_services(role.assume_role_policy_document),
        "Policies": [policy.to_map() for policy in (policies.policy if policies else None) or []],
    }


def trusted_services(assume_role_policy_document: str | None) -> list[str]:
    """The service principals (e.g. oos.aliyuncs.com) allowed to assume the role."""
    try:
        document = json.loads(assume_role_policy_document or "{}")
    except ValueError:
        return []
    services: list[str] = []
    for statement in document.get("Statement") or []:
        if statement.get("Effect") != "Allow":
            continue
        service = (statement.get("Principal") or {}).get("Service") or []
        services.extend([service] if isinstance(service, str) else service)
    return sorted(set(services))


def list_templates(session: CloudSession, *, prefix: str = "", max_items: int | None = None) -> list[dict[str, Any]]:
    """OOS templates whose name starts with `prefix`: the public ones and the account's own."""
    from alibabacloud_oos20190601 import models

    found: list[dict[str, Any]] = []
    for share_type in ("Public", "Private"):
        def fetch(token: str | None, share_type: str = share_type) -> Any:
            request = models.ListTemplatesRequest(
                region_id=session.region, share_type=share_type, template_name=prefix or None,
                next_token=token, max_results=OOS_PAGE_SIZE)
            return session.oos.list_templates(request).body

        keep = (lambda template: (template.template_name or "").startswith(prefix)) if prefix else None
        remaining = max_items - len(found) if max_items else None
        found.extend(t.to_map() for t in paging.by_token(fetch, lambda body: body.templates,
                                                         max_items=remaining, keep=keep))
        if max_items and len(found) >= max_items:
            break
    return sorted(found, key=lambda template: template.get("TemplateName") or "")
