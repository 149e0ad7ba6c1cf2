"""OOS state: executions (root and child) and their task runs. Starting an execution (for a lifecycle hook, for
StartExecution, for a nested task), ending it with its outputs, what ListExecutions and ListTaskExecutions show with
and without children, and GenerateExecutionPolicy. The tasks run in engine.py.

An execution first checks its RamRole (it exists and trusts oos.aliyuncs.com); without a RamRole it runs with the
caller's own permissions, which the sandbox grants."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from essctl.sandbox.clock import iso
from essctl.sandbox.errors import ApiError, invalid_parameter
from essctl.sandbox.oos.answers import command_output
from essctl.sandbox.oos.engine import TaskEngine, fill, work_share
from essctl.sandbox.oos.needs import template_needs
from essctl.sandbox.oos.reader import Template
from essctl.sandbox.oos.templates import TemplateStore, render, resolve_parameters

OOS_SERVICE = "oos.aliyuncs.com"
_IP_OUTPUT = re.compile(r"ip_?address|^ips$", re.IGNORECASE)
_EMPTY = {"List": [], "Json": {}, "Number": 0, "Boolean": False}
DEPTHS = ("RootDepth", "FirstChildDepth")


class OosBackend:
    def __init__(self, world: Any, template_dirs: list[Path]):
        self.world = world
        self.store = TemplateStore(world.scenario.templates, list(template_dirs))
        self.state: dict[str, Any] = {"executions": {}, "tasks": {}, "client_tokens": {}, "runs": {}}
        self.engine = TaskEngine(self)

    @property
    def executions(self) -> dict[str, dict]:
        return self.state["executions"]

    def event_handlers(self) -> dict[str, Any]:
        return self.engine.event_handlers()

    def template(self, name: str) -> Template:
        template = self.store.template(name)
        if template is None:
            raise ApiError("EntityNotExists.Template", f"The template does not exist: {name}.", 404)
        return template

    # starting executions
    def start_for_hook(self, template_name: str, hook: dict, action: dict, group: dict) -> None:
        """What ESS does for a hook whose NotificationArn names an OOS template."""
        try:
            given = json.loads(hook["NotificationMetadata"] or "{}")
        except ValueError:
            given = {}
        context = {"regionId": self.world.region, "instanceIds": list(action["InstanceIds"]),
                   "lifecycleHookId": hook["LifecycleHookId"], "lifecycleActionToken": action["LifecycleActionToken"],
                   "scalingGroupId": group["ScalingGroupId"], "lifecycleActionResult": hook["DefaultResult"],
                   "instanceId": action["InstanceIds"][0] if action["InstanceIds"] else ""}
        tags = {"ESS:ScalingActivityId": action["ScalingActivityId"]}
        try:
            self.start(template_name, given if isinstance(given, dict) else {}, tags, context=context,
                       description=f"Started by lifecycle hook {hook['LifecycleHookId']}")
        except ApiError as exc:
            self._failed_at_start(template_name, given, tags, f"{exc.code}: {exc.message}")

    def start(self, template_name: str, given: dict[str, Any], tags: dict[str, Any], *,
              context: dict[str, Any] | None = None, client_token: str | None = None,
              description: str = "", mode: str = "Automatic", loop_mode: str = "Automatic") -> dict:
        tokens = self.state["client_tokens"]
        if client_token and client_token in tokens:
            return self.executions[tokens[client_token]]
        template = self.template(template_name)
        params = self._parameters(template, given, context or {"regionId": self.world.region})
        role = render(template.ram_role, params) if template.ram_role else None
        duration = self.world.scenario.behaviour_for(template_name).duration
        execution = self._new_execution(template_name, params, tags, role, description, mode,
                                        walk=self._walk(work_share(template, duration), template_name))
        execution["LoopMode"] = loop_mode
        if client_token:
            tokens[client_token] = execution["ExecutionId"]
        problem = self._role_problem(role)
        if problem:
            self._end(execution, "Failed", problem)
        else:
            self.engine.begin(execution)
        self.world.changed = True
        return execution

    def start_child(self, parent: dict, run: dict, name: Any, given: Any, share: float) -> str | None:
        """Start the child execution a nested task runs; a problem that stops it from starting is returned as the
        task's failure message (a problem of the child's own, such as its role, fails the child instead)."""
        if not isinstance(name, str) or "{{" in name:
            return f"InvalidTemplate: the nested template name {name!r} is not a name."
        if name in self._ancestry(parent):
            return f"InvalidTemplate: the nested template {name} runs itself."
        try:
            template = self.template(name)
            params = self._parameters(template, given if isinstance(given, dict) else {},
                                      {"regionId": self.world.region})
        except ApiError as exc:
            return f"{exc.code}: {exc.message}"
        role = render(template.ram_role, params) if template.ram_role else parent["RamRole"]
        walk = self._walk(work_share(template, share), parent["walk"]["behaviour"], parent_task=run["TaskExecutionId"])
        child = self._new_execution(name, params, {}, role or None, "", parent["Mode"], walk=walk,
                                    parent_id=parent["ExecutionId"])
        run["ChildExecutionId"] = child["ExecutionId"]
        parent["IsParent"] = True
        problem = self._role_problem(role) if role != parent["RamRole"] else None
        if problem:
            self._end(child, "Failed", problem)
            self.engine.child_ended(parent, run["TaskExecutionId"], child)
        else:
            self.engine.begin(child)
        return None

    def _parameters(self, template: Template, given: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
        resolved = resolve_parameters(template, given, context)
        builtins = {"ACS::RegionId": self.world.region, "ACS::AccountId": self.world.account_id}
        return {name: render(value, builtins) for name, value in resolved.items()}

    @staticmethod
    def _walk(share: float, behaviour: str, parent_task: str = "") -> dict[str, Any]:
        return {"share": share, "behaviour": behaviour, "parent_task": parent_task, "failure": None, "started": 0}

    def _ancestry(self, execution: dict) -> list[str]:
        names = [execution["TemplateName"]]
        while execution["ParentExecutionId"]:
            execution = self.executions[execution["ParentExecutionId"]]
            names.append(execution["TemplateName"])
        return names

    def _failed_at_start(self, template_name: str, given: Any, tags: dict, message: str) -> None:
        execution = self._new_execution(template_name, given if isinstance(given, dict) else {}, tags, None,
                                        "Started by a lifecycle hook", "Automatic", walk=self._walk(0.0, template_name))
        self._end(execution, "Failed", message)

    def _new_execution(self, name: str, params: dict, tags: dict, role: str | None, description: str,
                       mode: str, *, walk: dict, parent_id: str = "") -> dict:
        execution_id = self.world.new_id("exec", 32)
        now = self.world.now()
        found = self.store.content(name)
        digest = hashlib.sha256((found[0] if found else name).encode()).hexdigest()
        execution = {
            "ExecutionId": execution_id, "TemplateName": name, "TemplateVersion": "v1",
            "TemplateId": f"t-{digest[:14]}", "Parameters": params, "Status": "Running", "StatusMessage": "",
            "StartDate": iso(now), "CreateDate": iso(now), "UpdateDate": iso(now), "started": now,
            "RamRole": role or "", "Tags": dict(tags), "Outputs": "{}", "Mode": mode, "LoopMode": "Automatic",
            "SafetyCheck": "Skip", "ExecutedBy": self.world.account_id, "Description": description,
            "IsParent": False, "ParentExecutionId": parent_id, "ResourceGroupId": "", "walk": walk}
        self.executions[execution_id] = execution
        self.state["tasks"][execution_id] = []
        return execution

    def _role_problem(self, role: str | None) -> str | None:
        if not role:
            return None
        if role not in self.world.ram.roles:
            return (f"AssumeRoleNotExist: The RAM role {role} does not exist, so OOS cannot assume it "
                    f"(create it with the trusted service {OOS_SERVICE}).")
        if not self.world.ram.trusts(role, OOS_SERVICE):
            return (f"Forbidden.RAM: The RAM role {role} does not trust {OOS_SERVICE}, so OOS cannot assume it "
                    "(add the service to its trust policy).")
        return None

    # ending executions
    def finish(self, execution: dict) -> None:
        """The walk reached its end: Failed with the first failure's message, else Success with the outputs; a
        child's parent task then ends the same way."""
        failure = execution["walk"]["failure"]
        if failure:
            self._end(execution, "Failed", failure)
        else:
            self._end(execution, "Success", "", outputs=self._outputs(execution))
        parent_task = execution["walk"]["parent_task"]
        if parent_task:
            self.engine.child_ended(self.executions[execution["ParentExecutionId"]], parent_task, execution)

    def _end(self, execution: dict, status: str, message: str, outputs: dict | None = None) -> None:
        now = iso(self.world.now())
        execution.update(Status=status, StatusMessage=message, EndDate=now, UpdateDate=now,
                         Outputs=json.dumps(outputs or {}, ensure_ascii=False))
        self.world.changed = True

    def _outputs(self, execution: dict) -> dict[str, Any]:
        """The scenario's outputs (for the template a hook or StartExecution ran), else plausible ones: the
        instances' private IPs for an IP-address output, one command output per instance for commandOutputs, the
        type's empty value for anything else."""
        template = self.template(execution["TemplateName"])
        root = not execution["ParentExecutionId"]
        configured = self.world.scenario.behaviour_for(template.name).outputs if root else {}
        params = {**execution["Parameters"], **execution["walk"].get("outputs", {})}
        found = {}
        for name, spec in template.outputs.items():
            value = fill((spec or {}).get("Value"), params) if isinstance(spec, dict) else None
            known = value is not None and "{{" not in json.dumps(value, default=str) and not (
                isinstance(value, dict) and any(str(k).startswith("Fn::") for k in value))
            found[name] = (configured[name] if name in configured else value if known
                           else self._default_output(execution, name, spec or {}))
        return found

    def _default_output(self, execution: dict, name: str, spec: dict) -> Any:
        kind = spec.get("Type")
        instance_ids = _instance_ids(execution["Parameters"])
        if _IP_OUTPUT.search(name):
            known = self.world.ess.instances
            ips = [known[i]["PrivateIpAddress"] for i in instance_ids if i in known]
            return ips if kind == "List" else ",".join(ips)
        if name == "commandOutputs":
            return [command_output(execution["Parameters"].get("commandContent"))] * len(instance_ids)
        return _EMPTY.get(kind, "")

    # pausing, resuming and cancelling
    def wait(self, execution: dict, loop_run: dict, message: str) -> None:
        """A loop paused between batches (BatchPauseOption): the execution waits for NotifyExecution."""
        now = iso(self.world.now())
        loop_run.update(Status="Waiting", StatusMessage=message, UpdateDate=now)
        execution.update(Status="Waiting", StatusMessage=message, UpdateDate=now)
        execution["walk"]["waiting"] = loop_run["TaskExecutionId"]
        self.world.changed = True

    def notify(self, execution: dict, notify_type: str) -> None:
        """NotifyExecution on a Waiting execution: Approve resumes the paused loop with its next batch, Reject
        ends the execution Cancelled (openapi-meta/en-US/oos/NotifyExecution.json: Approve, Reject)."""
        waiting = execution["walk"].get("waiting")
        if execution["Status"] != "Waiting" or not waiting:
            raise ApiError("InvalidStatus.Execution", f"The execution {execution['ExecutionId']} is "
                                                      f"{execution['Status']}, not Waiting.")
        if notify_type == "Reject":
            self.cancel(execution)
            return
        now = iso(self.world.now())
        loop_run = self.engine._run(execution, waiting)
        loop_run.update(Status="Running", StatusMessage="", UpdateDate=now)
        execution.update(Status="Running", StatusMessage="", UpdateDate=now)
        execution["walk"]["waiting"] = None
        self.engine.resume_loop(execution, loop_run)
        self.world.changed = True

    def cancel(self, execution: dict) -> None:
        """CancelExecution: the execution, its running tasks and its running child executions end Cancelled."""
        if execution["Status"] not in ("Running", "Waiting", "Queued", "Started"):
            return
        now = iso(self.world.now())
        for run in self.state["tasks"][execution["ExecutionId"]]:
            if run["Status"] in ("Running", "Waiting"):
                run.update(Status="Cancelled", EndDate=now, UpdateDate=now)
        for child in list(self.executions.values()):
            if child["ParentExecutionId"] == execution["ExecutionId"]:
                self.cancel(child)
        execution.update(Status="Cancelled", StatusMessage="Cancelled by CancelExecution.", EndDate=now,
                         UpdateDate=now)
        self.world.changed = True

    # what the listings show
    def shown(self, execution: dict, *, include_children: bool, depth: str | None, parent_id: str | None,
              execution_id: str | None) -> bool:
        """ListExecutions: root executions only, unless IncludeChildExecution, Depth (RootDepth: roots,
        FirstChildDepth: children of a root) or ParentExecutionId (its children) say otherwise
        (openapi-meta/en-US/oos/ListExecutions.json). An ExecutionId finds its execution at any depth."""
        if depth is not None and depth not in DEPTHS:
            raise invalid_parameter("Depth", f"Valid values: {', '.join(DEPTHS)}.")
        if depth is not None and include_children:
            raise invalid_parameter("Depth", "Specify only one of Depth and IncludeChildExecution.")
        parent = execution["ParentExecutionId"]
        if parent_id is not None:
            return parent == parent_id
        if execution_id is not None:
            return True
        if depth == "FirstChildDepth":
            return bool(parent) and not self.executions[parent]["ParentExecutionId"]
        return include_children or not parent

    def task_runs(self, execution_id: str | None, *, include_children: bool, parent_task_id: str | None) -> list[dict]:
        """ListTaskExecutions: an execution's own top-level tasks; with IncludeChildTaskExecution also its loop
        child tasks and the tasks of its child executions (at any depth); ParentTaskExecutionId: that loop task's
        children (ListTaskExecutions.json; its descriptions are shifted one field against the names)."""
        if execution_id is not None:
            scope = [execution_id] if execution_id in self.executions else []
        else:
            scope = [eid for eid, e in self.executions.items() if not e["ParentExecutionId"]]
        if include_children or parent_task_id is not None:
            scope = [eid for eid in self.executions if any(a in scope for a in self._lineage(eid))]
        runs = [run for eid in scope for run in self.state["tasks"][eid]]
        if parent_task_id is not None:
            return [run for run in runs if run["ParentTaskExecutionId"] == parent_task_id]
        return runs if include_children else [run for run in runs if not run["ParentTaskExecutionId"]]

    def _lineage(self, execution_id: str) -> list[str]:
        """The execution and its ancestors' ids."""
        chain = [execution_id]
        while self.executions[chain[-1]]["ParentExecutionId"]:
            chain.append(self.executions[chain[-1]]["ParentExecutionId"])
        return chain

    # GenerateExecutionPolicy
    def execution_policy(self, template: Template, role: str | None) -> tuple[dict, dict | None]:
        from essctl.sandbox.ram.policy import denied, least_privilege

        actions = template_needs(template, self.store.template).all
        policy = least_privilege(actions)
        if not role:
            return policy, None
        documents = self.world.ram.role_documents(role)
        return policy, least_privilege(denied(actions, documents))


def _instance_ids(params: dict[str, Any]) -> list[str]:
    ids = params.get("instanceIds")
    if isinstance(ids, list):
        return [str(i) for i in ids]
    return [str(params["instanceId"])] if params.get("instanceId") else []
