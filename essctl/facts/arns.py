"""The ARNs a lifecycle hook deals in (api-facts §2.2): the NotificationArn that starts an OOS template, and the
account id a RAM role's Arn carries."""
from __future__ import annotations

import re

ACCOUNT_PENDING = "{account}"   # the account id, known once the role exists
OOS_TEMPLATE_ARN = re.compile(
    r"^acs:oos:(?P<region>[a-z0-9-]+):(?P<account>\d+):template/(?P<name>[A-Za-z0-9][-_.A-Za-z0-9]*)$")
LEGACY_OOS_ARN = re.compile(   # the ROS/CDK form; still accepted, not documented by the API
    r"^acs:ess:(?P<region>[a-z0-9-]+):(?P<account>\d+):oos/(?P<name>[A-Za-z0-9][-_.A-Za-z0-9]*)$")


def notification_arn(region: str, account_id: str | None, template: str) -> str:
    """The NotificationArn that makes ESS start an OOS execution of `template`."""
    return f"acs:oos:{region}:{account_id or ACCOUNT_PENDING}:template/{template}"


def oos_template_of(arn: str | None) -> str | None:
    """The template an OOS NotificationArn names (either form), or None for any other target."""
    match = OOS_TEMPLATE_ARN.match(arn or "") or LEGACY_OOS_ARN.match(arn or "")
    return match.group("name") if match else None


def account_from_arn(arn: str | None) -> str | None:
    """acs:ram::1234567890123456:role/OOSServiceRole -> 1234567890123456."""
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 4 and parts[3] else None


ROLE_ARN = re.compile(r"^acs:ram::(?P<account>\d*):role/(?P<name>[^/\s]+)$")


def role_name(value: str) -> str:
    """A RAM role named outright or by its Arn (an execution's RamRole may be either):
    acs:ram::1234567890123456:role/OOSServiceRole -> OOSServiceRole."""
    match = ROLE_ARN.match(value.strip())
    return match.group("name") if match else value.strip()
