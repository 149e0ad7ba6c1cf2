"""OOS state: executions and their task runs, and the simulation of an execution (of a template from templates.py).

A simulated execution checks the template's RamRole (exists, trusts oos.aliyuncs.com), then walks the work
tasks in order (every task that is not an ESS CompleteLifecycleAction call), each taking an equal share of the
scenario's `duration`. A task whose RAM actions the role's policies do not allow fails with Forbidden.RAM; the
scenario's `behaviour.fail` fails a named task. After the work, the CONTINUE completion task runs; after a
failure, the template's other completion task (its failure path) runs with its result, and the execution ends
Failed with the failing task's message. Choice branches are not evaluated: every work task runs."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from essctl.sandbox.clock import iso
from essctl.sandbox.errors import ApiError
from essctl.sandbox.oos.needs import template_needs
from essctl.sandbox.oos.templates import TemplateStore, render, resolve_parameters

OOS_SERVICE = "oos.aliyuncs.com"
_IP_OUTPUT = re.compile(r"ip_?address|^ips$", re.IGNORECASE)
_EMPTY = {"List": [], "Json": {}, "Number": 0, "Boolean": False}
FORBIDDEN = "Forbidden.RAM: User not authorized to operate on the specified resource. Action: {}"


def _is_completion(task: Any) -> bool:
    props = task.properties
    return (task.action.upper() == "ACS::EXECUTEAPI" and str(props.get("Service", "")).upper() == "ESS"
            and props.get("API") == "CompleteLifecycleAction")


class OosBackend:
    def __init__(self, world: Any, template_dirs: list[Path]):
        self.world = world
        self.store = TemplateStore(world.scenario.templates, list(template_dirs))
        self.state: dict[str, Any] = {"executions": {}, "tasks": {}, "client_tokens": {}}
        self._task_actions: dict[tuple[str, str], list[str]] = {}

    @property
    def executions(self) -> dict[str, dict]:
        return self.state["executions"]

    def event_handlers(self) -> dict[str, Any]:
        return {"oos.task_end": self._on_task_end, "oos.finish_path": self._on_finish_path}

    def template(self, name: str) -> Any:
        template = self.store.template(name)
        if template is None:
            raise ApiError("EntityNotExists.Template", f"The template does not exist: {name}.", 404)
        return template

    def task_actions(self, template: Any, task: Any) -> list[str]:
        key = (template.name, task.name)
        if key not in self._task_actions:
            needs = template_needs(replace(template, tasks=(task,)), self.store.template)
            self._task_actions[key] = sorted(needs.actions)
        return self._task_actions[key]

    # executions
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
              description: str = "", mode: str = "Automatic") -> dict:
        tokens = self.state["client_tokens"]
        if client_token and client_token in tokens:
            return self.executions[tokens[client_token]]
        template = self.template(template_name)
        params = resolve_parameters(template, given, context or {"regionId": self.world.region})
        role = render(template.ram_role, params) if template.ram_role else None
        execution = self._new_execution(template_name, params, tags, role, description, mode)
        if client_token:
            tokens[client_token] = execution["ExecutionId"]
        problem = self._role_problem(role)
        if problem:
            self._end(execution, "Failed", problem)
        else:
            self._plan(execution, template)
            self._start_task(execution, 0)
        self.world.changed = True
        return execution

    def _failed_at_start(self, template_name: str, given: Any, tags: dict, message: str) -> None:
        execution = self._new_execution(template_name, given if isinstance(given, dict) else {}, tags, None,
                                        "Started by a lifecycle hook", "Automatic")
        self._end(execution, "Failed", message)

    def _new_execution(self, name: str, params: dict, tags: dict, role: str | None, description: str,
                       mode: str) -> dict:
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
            "IsParent": False, "ParentExecutionId": "", "ResourceGroupId": "", "plan": None}
        self.executions[execution_id] = execution
        self.state["tasks"][execution_id] = []
        return execution

    def _role_problem(self, role: str | None) -> str | None:
        if not role:
            return None     # no RamRole: the caller's own permissions, which the sandbox grants
        if role not in self.world.ram.roles:
            return (f"AssumeRoleNotExist: The RAM role {role} does not exist, so OOS cannot assume it "
                    f"(create it with the trusted service {OOS_SERVICE}).")
        if not self.world.ram.trusts(role, OOS_SERVICE):
            return (f"Forbidden.RAM: The RAM role {role} does not trust {OOS_SERVICE}, so OOS cannot assume it "
                    "(add the service to its trust policy).")
        return None

    def _plan(self, execution: dict, template: Any) -> None:
        completions = [t for t in template.tasks if _is_completion(t)]
        work = [t.name for t in template.tasks if not _is_completion(t)]
        on_continue = next((t.name for t in completions
                            if t.properties.get("Parameters", {}).get("LifecycleActionResult") == "CONTINUE"),
                           completions[0].name if completions else None)
        on_failure = next((t.name for t in completions if t.name != on_continue), None)
        behaviour = self.world.scenario.behaviour_for(template.name)
        execution["plan"] = {"work": work, "continue": on_continue, "failure": on_failure,
                             "step": behaviour.duration / len(work) if work else 0.0}

    def _task(self, execution: dict, name: str) -> Any:
        template = self.template(execution["TemplateName"])
        return next(t for t in template.tasks if t.name == name)

    def _denied(self, execution: dict, task: Any) -> str | None:
        """The first action of the task the role does not allow, or None."""
        if not execution["RamRole"]:
            return None
        from essctl.sandbox.ram.policy import denied

        template = self.template(execution["TemplateName"])
        missing = denied(self.task_actions(template, task), self.world.ram.role_documents(execution["RamRole"]))
        return missing[0] if missing else None

    def _new_task_run(self, execution: dict, task: Any) -> dict:
        now = self.world.now()
        run = {"TaskExecutionId": self.world.new_id("task", 32), "ExecutionId": execution["ExecutionId"],
               "TaskName": task.name, "TaskAction": task.action, "Status": "Running", "StatusMessage": "",
               "StartDate": iso(now), "CreateDate": iso(now), "UpdateDate": iso(now), "Outputs": "{}",
               "Properties": json.dumps(render(task.properties, execution["Parameters"]), ensure_ascii=False,
                                        default=str),
               "TemplateId": execution["TemplateId"]}
        self.state["tasks"][execution["ExecutionId"]].append(run)
        return run

    def _end_task(self, run: dict, status: str, message: str = "") -> None:
        now = iso(self.world.now())
        run.update(Status=status, StatusMessage=message, EndDate=now, UpdateDate=now)

    def _start_task(self, execution: dict, index: int) -> None:
        plan = execution["plan"]
        if index >= len(plan["work"]):
            self._finish_path(execution, failed_message=None)
            return
        task = self._task(execution, plan["work"][index])
        run = self._new_task_run(execution, task)
        denied = self._denied(execution, task)
        if denied:
            self._end_task(run, "Failed", FORBIDDEN.format(denied))
            self.world.schedule(1.0, "oos.finish_path", execution_id=execution["ExecutionId"],
                                failed_message=run["StatusMessage"])
            return
        self.world.schedule(plan["step"], "oos.task_end", execution_id=execution["ExecutionId"], index=index)

    def _on_task_end(self, execution_id: str, index: int) -> None:
        execution = self.executions[execution_id]
        run = self.state["tasks"][execution_id][-1]
        failure = self.world.scenario.behaviour_for(execution["TemplateName"]).fail
        if failure and failure.task == run["TaskName"]:
            self._end_task(run, "Failed", f"{failure.code}: {failure.message}")
            self._finish_path(execution, failed_message=run["StatusMessage"])
            return
        self._end_task(run, "Success")
        self._start_task(execution, index + 1)

    def _on_finish_path(self, execution_id: str, failed_message: str | None) -> None:
        self._finish_path(self.executions[execution_id], failed_message)

    def _finish_path(self, execution: dict, failed_message: str | None) -> None:
        """Run the completion task (CONTINUE after success, the failure path after a failure) and end."""
        plan = execution["plan"]
        name = plan["continue"] if failed_message is None else plan["failure"]
        problem = None
        if name is not None:
            task = self._task(execution, name)
            run = self._new_task_run(execution, task)
            denied = self._denied(execution, task)
            if denied:
                problem = FORBIDDEN.format(denied)
            else:
                props = render(task.properties.get("Parameters", {}), execution["Parameters"])
                try:
                    self.world.ess.lifecycle.complete_action(str(props.get("LifecycleHookId")),
                                                             str(props.get("LifecycleActionToken")),
                                                             props.get("LifecycleActionResult"), None)
                except ApiError as exc:
                    problem = f"{exc.code}: {exc.message}"
            self._end_task(run, "Failed" if problem else "Success", problem or "")
        if failed_message is not None:
            self._end(execution, "Failed", failed_message)
        elif problem:
            self._end(execution, "Failed", problem)
        else:
            self._end(execution, "Success", "", outputs=self._outputs(execution))

    def _outputs(self, execution: dict) -> dict[str, Any]:
        """The scenario's outputs, else plausible ones: the instances' private IPs for an IP-address output, one
        command output per instance for commandOutputs, the type's empty value for anything else."""
        template = self.template(execution["TemplateName"])
        configured = self.world.scenario.behaviour_for(template.name).outputs
        return {name: configured[name] if name in configured else self._default_output(execution, name, spec or {})
                for name, spec in template.outputs.items()}

    def _default_output(self, execution: dict, name: str, spec: dict) -> Any:
        kind = spec.get("Type")
        instance_ids = _instance_ids(execution["Parameters"])
        if _IP_OUTPUT.search(name):
            known = self.world.ess.instances
            ips = [known[i]["PrivateIpAddress"] for i in instance_ids if i in known]
            return ips if kind == "List" else ",".join(ips)
        if name == "commandOutputs":
            return [_command_output(execution["Parameters"].get("commandContent"))] * len(instance_ids)
        return _EMPTY.get(kind, "")

    def _end(self, execution: dict, status: str, message: str, outputs: dict | None = None) -> None:
        now = iso(self.world.now())
        execution.update(Status=status, StatusMessage=message, EndDate=now, UpdateDate=now,
                         Outputs=json.dumps(outputs or {}, ensure_ascii=False))
        self.world.changed = True

    # GenerateExecutionPolicy
    def execution_policy(self, template: Any, role: str | None) -> tuple[dict, dict | None]:
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


def _command_output(script: Any) -> str:
    """What a script of plain `echo` lines prints (the sandbox runs nothing else; redirected echoes print nothing)."""
    printed = []
    for line in str(script or "").splitlines():
        words = line.strip()
        if words.startswith("echo ") and ">" not in words:
            text = words[5:].strip()
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
                text = text[1:-1]
            printed.append(text + "\n")
    return "".join(printed)
