"""How each kind of result looks as a table. A view turns data into rich renderables."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from essctl.render.tables import FIXED, ID, WRAP, Column

View = Callable[[Any], Iterable[Any]]


def _cell(value: Any) -> str:
    from essctl.render.tables import cell_text

    return cell_text(value)


def table_view(title: str, columns: list[Column], empty: str) -> View:
    """A table of API maps (or of results whose JSON form is one: a Listing's items, with its --wide)."""
    def render(items: Any) -> Iterable[Any]:
        from rich.text import Text

        from essctl.render import Listing, to_data
        from essctl.render.safe import printable
        from essctl.render.tables import fitted

        listing = isinstance(items, Listing)
        rows = [to_data(item) for item in getattr(items, "items", items)]
        if not rows:
            return [Text(printable(empty), style="dim")]
        return [fitted(title, columns, rows, wide=listing and items.wide, has_wide=listing)]

    return render


def generic_view(data: Any) -> Iterable[Any]:
    """Any JSON-shaped value (e.g. after --query) as a table or lines."""
    from rich.table import Table

    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        from essctl.render.tables import fitted

        keys: list[str] = []
        for item in data:
            keys.extend(key for key in item if key not in keys)
        # a column whose values have no space holds ids or names: whole; the others are free text, wrapped
        columns = [Column(key, key, WRAP if any(" " in _cell(item.get(key)) for item in data) else ID)
                   for key in keys]
        return [fitted(None, columns, data, has_wide=False)]
    if isinstance(data, dict):
        table = Table(show_header=False, box=None)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for key, value in data.items():
            table.add_row(str(key), _compact(value) if _nested(value) else _cell(value))
        return [table]
    if isinstance(data, list):
        return [_compact(item) if _nested(item) else _cell(item) for item in data]
    return [_cell(data)]


def _nested(value: Any) -> bool:
    """A dict, or a list holding dicts or lists: shown as compact JSON in a cell."""
    return isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value))


def _compact(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str)


SCALING_GROUPS = table_view("Scaling groups", [
    Column("ID", "ScalingGroupId", ID), Column("Name", "ScalingGroupName"), Column("State", "LifecycleState", FIXED),
    Column("Min", "MinSize", FIXED), Column("Max", "MaxSize", FIXED), Column("Total", "TotalCapacity", FIXED),
    Column("InService", "ActiveCapacity", FIXED, wide=True),
    Column("Pending:Wait", "PendingWaitCapacity", FIXED, wide=True),
    Column("Removing:Wait", "RemovingWaitCapacity", FIXED, wide=True), Column("VPC", "VpcId", ID, wide=True),
], empty="no scaling groups in this region")

LIFECYCLE_HOOKS = table_view("Lifecycle hooks", [
    Column("ID", "LifecycleHookId", ID), Column("Name", "LifecycleHookName", min_width=20),
    Column("Transition", "LifecycleTransition", FIXED), Column("Timeout", "HeartbeatTimeout", FIXED),
    Column("Default", "DefaultResult", FIXED, optional=True), Column("Status", "LifecycleHookStatus", FIXED, wide=True),
    Column("Notification", "NotificationArn", ID, wide=True),
], empty="no lifecycle hooks in this scaling group")

SCALING_ACTIVITIES = table_view("Scaling activities (newest first)", [
    Column("ID", "ScalingActivityId", ID), Column("Status", "StatusCode", FIXED, state="activity"),
    Column("Started", "StartTime", FIXED, optional=True), Column("Message", "StatusMessage", detail=True),
    Column("Progress", "Progress", FIXED, wide=True), Column("Ended", "EndTime", FIXED, wide=True),
    Column("Cause", "Cause", detail=True, wide=True),
], empty="no scaling activities in this scaling group")

EXECUTIONS = table_view("OOS executions (newest first)", [
    Column("ID", "ExecutionId", ID), Column("Template", "TemplateName", min_width=20),
    Column("Status", "Status", FIXED, state="execution"), Column("Started", "StartDate", FIXED, optional=True),
    Column("Ended", "EndDate", FIXED, wide=True), Column("Mode", "Mode", FIXED, wide=True),
    Column("Message", "StatusMessage", detail=True, wide=True),
], empty="no OOS executions match")

_ROLE_POLICIES = table_view("Attached policies", [
    Column("Policy", "PolicyName", ID), Column("Type", "PolicyType", FIXED), Column("Version", "DefaultVersion", FIXED),
    Column("Attached", "AttachDate", FIXED), Column("Description", "Description", WRAP, max_width=50, detail=True),
], empty="no policies attached")


def role_view(report: Any) -> Iterable[Any]:
    data = report.to_data()
    role = data.get("Role") or {}
    summary = {
        "Role": role.get("RoleName"), "Arn": role.get("Arn"), "Trusted services": data.get("TrustedServices"),
        "Max session (s)": role.get("MaxSessionDuration"), "Created": role.get("CreateDate"),
        "Description": role.get("Description"),
    }
    return [*generic_view(summary), "", *_ROLE_POLICIES(data.get("Policies") or [])]


_ROLE_DEPENDENTS = [
    Column("Group", "ScalingGroupId", ID), Column("Hook", "LifecycleHookName", ID), Column("Template", "TemplateName", ID),
    Column("Status", "Status", WRAP), Column("Needs", "Needs", FIXED), Column("Missing today", "MissingActions", WRAP),
]


def role_impact_view(report: Any) -> Iterable[Any]:
    """One row per hook that runs as the role: its group, hook, template, status, how many actions it needs, and
    which of them the role's policies lack today."""
    data = report.to_data()
    policies = [f"{p['PolicyName']} ({p['PolicyType']}{'' if p['Evaluated'] else ', not evaluated'})"
                for p in data.get("Policies") or []]
    summary = data.get("Summary") or {}
    header = {"Role": data.get("RoleName") if data.get("RoleExists") else f"{data.get('RoleName')} (does not exist)",
              "Policies": policies or None,
              "Scanned": f"{summary.get('GroupsScanned')} scaling groups, {summary.get('HooksScanned')} OOS hooks"}
    rows = []
    for item in data.get("Dependents") or []:
        status = item["Status"] + ("" if item.get("LifecycleHookStatus") != "InActive" else ", inactive")
        needs = "?" if item.get("TemplateError") else f"{len(item['RequiredActions'])} actions"
        rows.append({**item, "Status": status, "Needs": needs, "MissingActions": item["MissingActions"] or "none"})
    table = table_view(f"Lifecycle hooks that run as {data.get('RoleName')}", _ROLE_DEPENDENTS,
                       empty=f"no lifecycle hook in the region runs as {data.get('RoleName')}")(rows)
    notes = [f"{item['LifecycleHookName']} in {item['ScalingGroupId']}: {item['TemplateError']}"
             for item in data.get("Dependents") or [] if item.get("TemplateError")]
    notes += sorted({f"{item['TemplateName']}: unresolved: {line}" for item in data.get("Dependents") or []
                     for line in item.get("Unresolved") or []})
    return [*generic_view(header), "", *table, *notes, summary.get("Text", "")]


_DOCTOR = [Column("Check", "Check", FIXED), Column("Target", "Target", WRAP, max_width=60),
           Column("Result", "Status", FIXED, state="doctor"), Column("Detail", "Detail", WRAP, max_width=90, detail=True)]


def doctor_view(report: Any) -> Iterable[Any]:
    """Where the calls went, one row per probe, and the counts."""
    data = report.to_data()
    header = {"Region": data["Region"], "Credentials": data["Credentials"],
              "Endpoints": [f"{service} {url}" for service, url in data["Endpoints"].items()]}
    rows = [{**row, "Status": row["Status"].upper() if row["Status"] != "pass" else "pass"} for row in data["Checks"]]
    counts = data["Summary"]
    verdict = ("every answer matches what essctl assumes" if not counts["fail"]
               else f"{counts['fail']} answers differ from what essctl assumes: share the tape of "
                    "`essctl doctor --record FILE --redact-account`")
    return [*generic_view(header), "", *table_view("essctl doctor", _DOCTOR, empty="nothing probed")(rows),
            f"{counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail: {verdict}"]


TEMPLATES = table_view("OOS templates", [
    Column("Name", "TemplateName", ID), Column("Version", "TemplateVersion", FIXED),
    Column("Description", "Description", max_width=60, detail=True), Column("Share", "ShareType", FIXED, wide=True),
    Column("Updated", "UpdatedDate", FIXED, wide=True),
], empty="no templates match")

_TEMPLATE_PARAMETERS = table_view("Parameters", [
    Column("Name", "Name", ID), Column("Type", "Type", FIXED), Column("Required", "Required", FIXED),
    Column("Filled by", "FilledBy", WRAP), Column("Default", "Default", WRAP, max_width=40),
    Column("Allowed", "AllowedValues", WRAP, max_width=40),
], empty="no parameters")


def template_view(report: Any) -> Iterable[Any]:
    data = report.to_data()
    summary = {"Template": data.get("Name"), "Source": data.get("Source"), "Description": data.get("Description"),
               "RamRole": data.get("RamRole"), "Outputs": data.get("Outputs"),
               "Nested actions": data.get("NestedActions")}
    rows = [{"Service": service, "Actions": actions} for service, actions in (data.get("RequiredActions") or {}).items()]
    actions = table_view("RAM actions it needs", [Column("Service", "Service", FIXED), Column("Actions", "Actions", WRAP)],
                         empty="none derived")(rows)
    out = [*generic_view(summary), "", *_TEMPLATE_PARAMETERS(data.get("Parameters") or []), "", *actions]
    for line in data.get("Unresolved") or []:
        out.append(f"unresolved: {line}")
    return out


RECIPES = table_view("Recipes", [
    Column("Name", "Name", ID), Column("Title", "Title"), Column("Transitions", "Transitions", FIXED),
    Column("Template", "Template", ID, wide=True), Column("Policy", "Policy", FIXED, wide=True),
], empty="no recipes")

_RECIPE_INPUTS = table_view("Inputs (-p key=value)", [
    Column("Name", "Name", ID), Column("Type", "Type", FIXED), Column("Required", "Required", FIXED),
    Column("Default", "Default", WRAP), Column("Allowed", "Allowed", WRAP, max_width=40),
    Column("Example", "Example", WRAP, max_width=40), Column("Help", "Help", WRAP, max_width=50),
], empty="no inputs")

_RECIPE_STEPS = table_view("Steps", [
    Column("#", "Step", FIXED), Column("Service", "Service", FIXED), Column("Action", "Action", FIXED),
    Column("Detail", "Detail", WRAP),
], empty="no steps")


def _policy_lines(label: str, policy: dict[str, Any]) -> list[Any]:
    import json

    if policy.get("SystemPolicies"):
        return [f"{label}: system policies {', '.join(policy['SystemPolicies'])}"]
    document = policy.get("Document")
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    return [f"{label}: {policy.get('Kind')} policy {policy.get('Name')}", text]


def recipe_view(description: Any) -> Iterable[Any]:
    data = description.to_data()
    summary = {key: data.get(key) for key in ("Name", "Title", "Description", "Reference", "File", "Role")}
    out = [*generic_view(summary), "", *_RECIPE_INPUTS(data.get("Inputs") or []), "",
           *_RECIPE_STEPS(data.get("Steps") or []), "", *_policy_lines("Policy", data.get("Policy") or {})]
    for name, policy in (data.get("PolicyVariants") or {}).items():
        out += ["", *_policy_lines(f"Policy variant {name}", policy)]
    return out


def policy_document_lines(report: Any) -> Iterable[str]:
    """A policy document ready to paste: indented JSON."""
    import json

    return json.dumps(report.document, indent=2).splitlines()


ROLLOUTS = table_view("Rollouts (newest first)", [
    Column("ID", "RolloutId"), Column("Engine", "Engine"), Column("Template", "TemplateName"),
    Column("Status", "Status"), Column("Started", "StartTime"), Column("Ended", "EndTime"),
], empty="no rollouts in this group")

LISTINGS: dict[str, View] = {
    "scaling_groups": SCALING_GROUPS, "lifecycle_hooks": LIFECYCLE_HOOKS, "scaling_activities": SCALING_ACTIVITIES,
    "executions": EXECUTIONS, "templates": TEMPLATES, "recipes": RECIPES,
    "rollouts": ROLLOUTS,
}
