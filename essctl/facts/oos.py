"""CloudOps Orchestration (OOS 2019-06-01) facts: the service principal, the role it assumes, template names."""
from __future__ import annotations

import re

OOS_SERVICE = "oos.aliyuncs.com"        # the principal a role must trust for OOS to assume it
DEFAULT_ROLE = "OOSServiceRole"         # the role lifecycle templates run as unless OOSAssumeRole says otherwise
ACTIVITY_TAG = "ESS:ScalingActivityId"  # the tag ESS puts on the executions its hooks start
PARAMETER_TYPES = ("String", "Number", "Boolean", "List", "Json")
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")
TEMPLATE_RULE = "an OOS template name (1-200 letters, digits, _ - .) or action (ACS::ECS::RunCommand)"
# A nested action OOS serves with GetTemplate (ACS::ECS::RunCommand, ACS::Template) and a template version as OOS
# numbers them (v1, v2, ...): with TEMPLATE_NAME, what may become part of a file name (the template cache).
ACTION_NAME = re.compile(r"ACS(::[A-Za-z0-9]{1,64}){1,3}")
TEMPLATE_VERSION = re.compile(r"v[0-9]{1,9}")
TEMPLATE_NOT_FOUND_PREFIX = "EntityNotExists"   # EntityNotExists.Template and its kin
# Actions that call one cloud API (Service + API properties); flow-control actions call none; anything else
# (ACS::Template, ACS::ECS::RunCommand, ...) is a nested template.
API_ACTIONS = frozenset({"ACS::EXECUTEAPI", "ACS::WAITFOR", "ACS::CHECKFOR"})   # compared upper-cased
FLOW_ACTIONS = frozenset({
    "ACS::CHOICE", "ACS::SLEEP", "ACS::SELECTTARGETS", "ACS::APPROVE", "ACS::NOTIFY", "ACS::PAUSE",
    "ACS::WAITFORSIGNAL", "ACS::END",
})
TEMPLATE_ACTION = "ACS::TEMPLATE"
OOS_PAGE_SIZE = 100
TASKS_PAGE_SIZE = 100                   # ListTaskExecutions MaxResults: 20-100 (openapi-meta en-US)
MAX_TASKS = 1000                        # loop iterations and nested executions included; more is not read
EXECUTIONS_PER_ACTIVITY = 20
# Time OOS needs beyond a template's own timeout: start-up, the CompleteLifecycleAction call, and slack.
HEARTBEAT_MARGIN_S = 300
