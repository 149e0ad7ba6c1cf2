"""OOS 2019-06-01 on the wire: request parameters in, bodies in the SDK models' flat shapes."""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from essctl.sandbox.clock import parse_iso
from essctl.sandbox.errors import ApiError, invalid_parameter
from essctl.sandbox.params import Params

VERSION = "2019-06-01"
LOOP_MODES = ("Automatic", "FirstBatchPause", "EveryBatchPause")     # StartExecution.json; a loop's BatchPauseOption
_START_FIELDS = ("CreateDate", "Description", "ExecutedBy", "ExecutionId", "IsParent", "LoopMode", "Mode", "Outputs",
                 "Parameters", "ParentExecutionId", "RamRole", "ResourceGroupId", "SafetyCheck", "StartDate", "Status",
                 "StatusMessage", "Tags", "TemplateId", "TemplateName", "TemplateVersion", "UpdateDate")



def throttling(retry_after_ms: int | None) -> ApiError:
    """A call over its quota (faults.quotas): the gateway's per-user flow control (OOS has no error page;
    api-facts-ess-oos-ram.md §4; known_exceptions.yaml, Throttling.User)."""
    return ApiError("Throttling.User", "Request was denied due to user flow control.", 400,
                    retry_after_ms=retry_after_ms)


def _counters(world: Any, execution: dict) -> dict:
    runs = world.oos.state["tasks"][execution["ExecutionId"]]
    statuses = [r["Status"] for r in runs]
    return {"Total": len(runs), "Success": statuses.count("Success"), "Failed": statuses.count("Failed"),
            "Running": statuses.count("Running"), "Cancelled": statuses.count("Cancelled"), "TimedOut": 0,
            "Waiting": statuses.count("Waiting"), "Skipped": 0}


def _current_tasks(world: Any, execution: dict) -> list:
    return [{"TaskAction": r["TaskAction"], "TaskExecutionId": r["TaskExecutionId"], "TaskName": r["TaskName"]}
            for r in world.oos.state["tasks"][execution["ExecutionId"]] if r["Status"] in ("Running", "Waiting")]


def _execution(world: Any, execution: dict, *, listed: bool) -> dict:
    item = {key: execution[key] for key in _START_FIELDS}
    if execution.get("EndDate"):
        item["EndDate"] = execution["EndDate"]
    item.update(Counters=_counters(world, execution), CurrentTasks=_current_tasks(world, execution))
    if listed:
        del item["LoopMode"]
        item.update(AccountId=world.account_id, Category="Other", StatusReason=execution["StatusMessage"],
                    ResourceStatus="", Targets="", WaitingStatus="")
    return item


def get_template(world: Any, p: Params) -> dict:
    name = p.str("TemplateName", required=True)
    version = p.str("TemplateVersion")
    found = world.oos.store.content(name)
    if found is None:
        raise ApiError("EntityNotExists.Template", f"The template does not exist: {name}.", 404)
    if version not in (None, "v1"):
        raise ApiError("EntityNotExists.Template", f"The template does not exist: {name} version {version}.", 404)
    content, _ = found
    template = world.oos.template(name)
    public = name.startswith(("ACS-", "ACS::"))
    owner = "ACS" if public else world.account_id
    return {"Content": content, "Template": {
        "CreatedBy": owner, "CreatedDate": "2024-01-01T00:00:00Z", "Description": template.description or "",
        "HasTrigger": False, "Hash": hashlib.sha256(content.encode()).hexdigest(),
        "ShareType": "Public" if public else "Private", "TemplateFormat": "YAML",
        "TemplateId": f"t-{hashlib.sha256(content.encode()).hexdigest()[:14]}", "TemplateName": name,
        "TemplateType": "Automation", "TemplateVersion": "v1", "UpdatedBy": owner,
        "UpdatedDate": "2024-01-01T00:00:00Z"}}


def start_execution(world: Any, p: Params) -> dict:
    name = p.str("TemplateName")
    if name is None:
        raise ApiError("MissingParameter", 'The input parameter "TemplateName" that is mandatory for processing this '
                                           'request is not supplied (TemplateContent and TemplateURL are not '
                                           'supported by the sandbox).')
    given = p.json("Parameters", default={})
    tags = p.json("Tags", default={})
    if not isinstance(given, dict):
        raise invalid_parameter("Parameters", "Expected a JSON object.")
    if not isinstance(tags, dict):
        raise invalid_parameter("Tags", "Expected a JSON object.")
    mode = p.str("Mode", default="Automatic")
    if mode not in ("Automatic", "FailurePause", "Debug"):
        raise invalid_parameter("Mode", "Valid values: Automatic, FailurePause, Debug.")
    loop_mode = p.str("LoopMode", default="Automatic")
    if loop_mode not in LOOP_MODES:
        raise invalid_parameter("LoopMode", f"Valid values: {', '.join(LOOP_MODES)}.")
    execution = world.oos.start(name, given, tags, client_token=p.str("ClientToken"),
                                description=p.str("Description", default=""), mode=mode, loop_mode=loop_mode)
    return {"Execution": _execution(world, execution, listed=False)}


def _with_tags(world: Any, tags: dict) -> list[dict]:
    """The executions that may carry every tag in `tags`: through the tag index when it can answer (a value the
    index keeps; None also matches an execution without the tag), else all of them."""
    executions = world.oos.executions
    keys = [(key, value) for key, value in tags.items() if isinstance(value, (str, int, float, bool))]
    if not keys or len(keys) != len(tags):
        return list(executions.values())
    found = executions.find("tag", keys[0])
    if world.oos.executions and not found:
        return list(executions.values())[:1]      # Depth is checked on the first execution, as a scan checks it
    return found


def list_executions(world: Any, p: Params) -> dict:
    name, status, execution_id = p.str("TemplateName"), p.str("Status"), p.str("ExecutionId")
    tags = p.json("Tags", default={}) or {}
    after, before = p.str("StartDateAfter"), p.str("StartDateBefore")
    try:
        after_t = parse_iso(after) if after else None
        before_t = parse_iso(before) if before else None
    except ValueError as exc:
        raise invalid_parameter("StartDateAfter", str(exc)) from None
    size = p.int("MaxResults", default=50, low=10, high=100)
    depth = {"include_children": p.bool("IncludeChildExecution"), "depth": p.str("Depth"),
             "parent_id": p.str("ParentExecutionId"), "execution_id": execution_id}
    found = [e for e in _with_tags(world, tags) if world.oos.shown(e, **depth)
             and (name is None or name in e["TemplateName"])           # OOS matches names by substring
             and (status is None or e["Status"] == status) and (execution_id is None or e["ExecutionId"] == execution_id)
             and all(e["Tags"].get(k) == v for k, v in tags.items())
             and (after_t is None or e["started"] >= after_t) and (before_t is None or e["started"] <= before_t)]
    descending = p.str("SortOrder", default="Descending") != "Ascending"
    found.sort(key=lambda e: (e["started"], e["ExecutionId"]), reverse=descending)
    start = p.int("NextToken", default=0, low=0, high=10**6) if p.str("NextToken") else 0
    body = {"Executions": [_execution(world, e, listed=True) for e in found[start:start + size]],
            "MaxResults": size, "TotalCount": len(found)}
    if start + size < len(found):
        body["NextToken"] = str(start + size)
    return body


def list_task_executions(world: Any, p: Params) -> dict:
    execution_id = p.str("ExecutionId")
    task_name, status, task_id = p.str("TaskName"), p.str("Status"), p.str("TaskExecutionId")
    scope = world.oos.task_runs(execution_id, include_children=p.bool("IncludeChildTaskExecution"),
                                parent_task_id=p.str("ParentTaskExecutionId"))
    runs = [r for r in scope
            if (task_name is None or r["TaskName"] == task_name) and (status is None or r["Status"] == status)
            and (task_id is None or r["TaskExecutionId"] == task_id)]
    size = p.int("MaxResults", default=50, low=1, high=100)
    start = p.int("NextToken", default=0, low=0, high=10**6) if p.str("NextToken") else 0
    items = [{"ExtraData": {}, "Loop": {}, "ParentTaskExecutionId": "", "ChildExecutionId": "", **r}
             for r in runs[start:start + size]]
    body = {"TaskExecutions": items, "MaxResults": size}
    if start + size < len(runs):
        body["NextToken"] = str(start + size)
    return body


def generate_execution_policy(world: Any, p: Params) -> dict:
    name = p.str("TemplateName")
    content = p.str("TemplateContent")
    if name is None and content is None:
        raise ApiError("MissingParameter", 'The input parameter "TemplateName" that is mandatory for processing this '
                                           'request is not supplied.')
    if name is not None:
        template = world.oos.template(name)
    else:
        from essctl.sandbox.oos.reader import TemplateFormatError, read_template

        try:
            template = read_template(content, "TemplateContent")
        except TemplateFormatError as exc:
            raise invalid_parameter("TemplateContent", str(exc)) from None
    role = p.str("RamRole")
    policy, missing = world.oos.execution_policy(template, role)
    body = {"Policy": json.dumps(policy)}
    if missing is not None:
        body["MissingPolicy"] = json.dumps(missing)
    return body


def _execution_named(world: Any, p: Params) -> dict:
    execution_id = p.str("ExecutionId", required=True)
    execution = world.oos.executions.get(execution_id)
    if execution is None:
        raise ApiError("EntityNotExists.Execution", f"The execution does not exist: {execution_id}.", 404)
    return execution


def notify_execution(world: Any, p: Params) -> dict:
    """Approve resumes a batch-paused execution, Reject cancels it; the debugging notifications (ExecuteTask,
    CancelTask, CompleteExecution, RetryTask, SkipTask) are not modelled (InvalidParameter)."""
    execution = _execution_named(world, p)
    notify_type = p.str("NotifyType", required=True)
    if notify_type not in ("Approve", "Reject"):
        raise invalid_parameter("NotifyType", "The sandbox answers Approve (resume a paused batch) and Reject.")
    world.oos.notify(execution, notify_type)
    return {}


def cancel_execution(world: Any, p: Params) -> dict:
    world.oos.cancel(_execution_named(world, p))
    return {}


_SORT_FIELDS = ("TotalExecutionCount", "Popularity", "TemplateName", "CreatedDate")


def list_templates(world: Any, p: Params) -> dict:
    """ListTemplates over the sandbox's store (openapi-meta/en-US/oos/ListTemplates.json): TemplateName matches by
    substring, ShareType Public (ACS- templates) or Private, CreatedBy ACS or the account, Category (OOS's own, or a
    template's Description.categories such as elastic_manage), TemplateType Automation, TemplateFormat; sorted by
    SortField (TotalExecutionCount by default), SortOrder Descending by default; MaxResults 10..100 (50)."""
    name, share, created_by = p.str("TemplateName"), p.str("ShareType"), p.str("CreatedBy")
    category, kind, fmt = p.str("Category"), p.str("TemplateType"), p.str("TemplateFormat")
    if share is not None and share not in ("Public", "Private"):
        raise invalid_parameter("ShareType", "Valid values: Public, Private.")
    sort_field = p.str("SortField", default="TotalExecutionCount")
    if sort_field not in _SORT_FIELDS:
        raise invalid_parameter("SortField", f"Valid values: {', '.join(_SORT_FIELDS)}.")
    size = p.int("MaxResults", default=50, low=10, high=100)
    start = p.int("NextToken", default=0, low=0, high=10**6) if p.str("NextToken") else 0
    store = world.oos.store
    counts: dict[str, int] = {}
    for execution in world.oos.executions.values():
        if not execution["ParentExecutionId"]:
            counts[execution["TemplateName"]] = counts.get(execution["TemplateName"], 0) + 1
    found = []
    for template_name in store.names():
        public = template_name.startswith(("ACS-", "ACS::"))
        owner = "ACS" if public else world.account_id
        if ((name is not None and name not in template_name) or (share is not None and share != ("Public" if public
                                                                                                   else "Private"))
                or (created_by is not None and created_by != owner) or (kind not in (None, "Automation"))):
            continue
        if category is not None or fmt is not None:         # only these filters need the template read
            summary = store.summary(template_name)
            if ((category is not None and category not in (summary["categories"] or ["Other"]))
                    or (fmt is not None and fmt != summary["format"])):
                continue
        found.append({"TemplateName": template_name, "ShareType": "Public" if public else "Private",
                      "CreatedBy": owner, "UpdatedBy": owner, "CreatedDate": "2024-01-01T00:00:00Z",
                      "UpdatedDate": "2024-01-01T00:00:00Z", "TotalExecutionCount": counts.get(template_name, 0),
                      "Popularity": 0})
    found.sort(key=lambda t: t["TemplateName"])
    found.sort(key=lambda t: t[sort_field], reverse=p.str("SortOrder", default="Descending") != "Ascending")
    page = found[start:start + size]
    for item in page:
        summary = store.summary(item["TemplateName"])
        digest = hashlib.sha256(store.content(item["TemplateName"])[0].encode()).hexdigest()
        item.update(TemplateId=f"t-{digest[:14]}", TemplateVersion="v1", Description=summary["description"],
                    Category=(summary["categories"] or ["Other"])[0], TemplateType="Automation",
                    TemplateFormat=summary["format"], HasTrigger=False, Hash=digest, Tags={}, ResourceGroupId="")
    body = {"Templates": page, "MaxResults": size}
    if start + size < len(found):
        body["NextToken"] = str(start + size)
    return body


ACTIONS: dict[str, Callable[[Any, Params], dict]] = {
    "ListTemplates": list_templates, "NotifyExecution": notify_execution, "CancelExecution": cancel_execution,
    "GetTemplate": get_template, "StartExecution": start_execution, "ListExecutions": list_executions,
    "ListTaskExecutions": list_task_executions, "GenerateExecutionPolicy": generate_execution_policy,
}
