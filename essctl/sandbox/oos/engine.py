"""How the sandbox runs an OOS execution's tasks, as OOS runs them, on the world's clock.

- The tasks run in order: after a task succeeds, its OnSuccess (else the next task); after it fails, its OnError
  (else ACS::END), and the execution will end Failed with the first failure's message. ACS::END ends the run;
  ACS::NEXT is the next task (as OnError it also forgives the failure). A Choice takes the first of its Choices
  whose When the sandbox can decide (Fn::Equals/Not/And/Or of values known without running anything), else its
  DefaultTask.
- A task with a Loop runs once per item of its Items (`{{ ACS::TaskLoopItem }}`), Concurrency at a time (from
  RateControl or Concurrency); each run is a loop child task (ParentTaskExecutionId, LoopItem, LoopBatchNumber).
  The loop fails when more than MaxErrors (default 0) children fail; it then starts no more.
- A task whose Action is another template (ACS::ECS::RunCommand, or ACS::Template with TemplateName) starts a child
  execution of that template with the task's properties as parameters (ParentExecutionId set; the task's
  ChildExecutionId names it) and ends as the child ends.
- A loop with a BatchPauseOption (or under StartExecution's LoopMode) runs batch by batch; FirstBatchPause and
  EveryBatchPause leave the execution Waiting after a batch until NotifyExecution (executions.py). Loop Outputs
  (AggregateField) collect one output of every item.
- ACS::ExecuteAPI / ACS::WaitFor / ACS::CheckFor make their call when they start: authorised then against the
  execution role's policies with the sandbox's own table (ram/actions.py), failing with Forbidden.RAM naming the
  first action the policies do not allow. ESS CompleteLifecycleAction is applied to the sandbox's ESS; the calls
  answers.py lists are answered from the sandbox's state (a task's Outputs read the answer through their
  ValueSelector, jq.py); other calls succeed without effect. Expressions `{{ task.output }}` name earlier tasks'
  outputs; the intrinsic functions whose arguments are known are evaluated (templates.evaluate).
- Time: the scenario's `duration` is shared equally by the root template's work tasks (API calls the sandbox does
  not apply itself, and nested or looped tasks); a loop divides its share among its batches, a child execution
  among its own work tasks. Decisions and the ESS and OOS calls the sandbox answers take no time.
  `behaviour.fail` fails every task of that name (in the execution or its children) when it would have succeeded,
  only in loop batch `batch` or for `instance` when it says so; without a task it fails the loop items that run a
  nested action, before the action starts.
"""
from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from essctl.sandbox.clock import iso
from essctl.sandbox.errors import ApiError
from essctl.sandbox.oos import answers
from essctl.sandbox.oos.jq import JqError, select
from essctl.sandbox.oos.reader import END, NEXT, Task, Template
from essctl.sandbox.oos.templates import evaluate, render
from essctl.sandbox.ram.actions import call_needs
from essctl.sandbox.ram.policy import denied

if TYPE_CHECKING:
    from essctl.sandbox.oos.executions import OosBackend

FORBIDDEN = "Forbidden.RAM: User not authorized to operate on the specified resource. Action: {}"
APPLIED_BY_THE_SANDBOX = {("ESS", "COMPLETELIFECYCLEACTION")}    # calls with an effect in the sandbox: no time
MAX_TASKS = 1000            # tasks one execution may start (a template that branches back forever is stopped)


def is_work(task: Task) -> bool:
    if task.kind == "template":
        return True
    service, api = str(task.properties.get("Service", "")).upper(), str(task.properties.get("API", "")).upper()
    return (task.kind == "api" and (service, api) not in APPLIED_BY_THE_SANDBOX
            and not (service in ("ESS", "OOS") and answers.answered(service, api)))


def fill(value: Any, params: dict[str, Any]) -> Any:
    """Render `{{ }}` expressions, then the intrinsic functions whose arguments are known."""
    return evaluate(render(value, params))


def task_outputs(task: Task, body: Any) -> dict[str, Any]:
    """A task's Outputs from what its call answered (or its child execution's outputs): each ValueSelector read by
    the sandbox's jq subset; a List keeps every value, another type the first (an empty string when none)."""
    found = {}
    for name, spec in task.outputs.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("ValueSelector"), str) or body is None:
            continue
        try:
            values = [v for v in select(spec["ValueSelector"], body) if v is not None]
        except JqError:
            continue
        found[name] = values if spec.get("Type") == "List" else (values[0] if values else "")
    return found


def work_share(template: Template, total: float) -> float:
    work = sum(1 for task in template.tasks if is_work(task))
    return total / work if work else 0.0


class TaskEngine:
    def __init__(self, oos: OosBackend):
        self.oos = oos
        self.world = oos.world

    @property
    def _runs(self) -> dict[str, dict]:
        """Task execution id -> what the engine keeps about it (task, loop progress); not on the wire."""
        return self.oos.state.setdefault("runs", {})

    def event_handlers(self) -> dict[str, Any]:
        return {"oos.task_end": self._on_task_end}

    # the walk
    def begin(self, execution: dict) -> None:
        self._start(execution, 0)

    def _start(self, execution: dict, index: int) -> None:
        template = self.oos.template(execution["TemplateName"])
        walk = execution["walk"]
        if index >= len(template.tasks):
            self.oos.finish(execution)
            return
        walk["started"] += 1
        if walk["started"] > MAX_TASKS:
            walk["failure"] = walk["failure"] or f"Sandbox.TooManyTasks: more than {MAX_TASKS} tasks were started."
            self.oos.finish(execution)
            return
        task = template.tasks[index]
        run = self._new_run(execution, task, index)
        share = walk["share"] if is_work(task) else 0.0
        if task.loop is not None:
            self._start_loop(execution, task, run, share)
        else:
            self._perform(execution, task, run, None, share)

    def _advance(self, execution: dict, run: dict) -> None:
        """A top-level task ended: go where the template says."""
        template = self.oos.template(execution["TemplateName"])
        kept = self._runs[run["TaskExecutionId"]]
        task = template.tasks[kept["index"]]
        walk = execution["walk"]
        if run["Status"] == "Success":
            target = kept.get("chosen") or task.on_success
        elif task.on_error == NEXT:
            target = NEXT
        else:
            walk["failure"] = walk["failure"] or run["StatusMessage"]
            target = task.on_error or END
        if target == END:
            self.oos.finish(execution)
        elif target in (None, NEXT):
            self._start(execution, kept["index"] + 1)
        else:
            self._start(execution, next(i for i, t in enumerate(template.tasks) if t.name == target))

    # one task (a top-level task, or one item of a loop)
    def _perform(self, execution: dict, task: Task, run: dict, item: Any, share: float) -> None:
        params = self._params(execution, item)
        tid = run["TaskExecutionId"]
        if task.kind == "api":
            problem, body = self._call(execution, fill(task.properties, params))
            self._keep_outputs(execution, run, task_outputs(task, body))
            self._end_later(tid, 0.0 if problem or not is_work(task) else share, problem)
        elif task.kind == "choice":
            self._runs[tid]["chosen"] = _choose(task, params)
            self._end_later(tid, 0.0, None)
        elif task.kind == "flow":
            if task.action.upper() == "ACS::SELECTTARGETS":
                body = answers.select_targets(self.world, fill(task.properties, params))
                self._keep_outputs(execution, run, task_outputs(task, body))
            self._end_later(tid, 0.0, None)
        else:
            kept = self._runs[tid]
            rule = self.world.scenario.behaviour_for(execution["walk"]["behaviour"]).fail
            if (run["ParentTaskExecutionId"] and rule is not None
                    and rule.hits(run["TaskName"], kept.get("batch"), kept.get("instance"))):
                self._end_later(tid, share, f"{rule.code}: {rule.message}")     # fails before it changes anything
                return
            problem = self.oos.start_child(execution, run, fill(task.nested_template, params),
                                           fill(_child_parameters(task), params), share)
            if problem:
                self._end_later(tid, 0.0, problem)

    def _keep_outputs(self, execution: dict, run: dict, outputs: dict[str, Any]) -> None:
        """A task's outputs: on its run, and for a top-level task as `{{ task.output }}` for the later tasks."""
        run["Outputs"] = json.dumps(outputs, ensure_ascii=False, default=str)
        self._runs[run["TaskExecutionId"]]["outputs"] = outputs
        if not run["ParentTaskExecutionId"]:
            execution["walk"].setdefault("outputs", {}).update(
                {f"{run['TaskName']}.{name}": value for name, value in outputs.items()})

    def _call(self, execution: dict, properties: dict) -> tuple[str | None, dict | None]:
        """Make a task's API call now: (the failure message or None, the body the sandbox answers or None)."""
        service, api = properties.get("Service"), properties.get("API")
        if not isinstance(service, str) or not isinstance(api, str) or "{{" in service + api:
            return f"InvalidTemplate: the task calls Service={service!r} API={api!r}, which names no API.", None
        role = execution["RamRole"]
        if role:
            try:
                documents = self.world.ram.role_documents(role)
            except ApiError as exc:
                return f"{exc.code}: {exc.message}", None
            needs = call_needs(service, api)
            missing = denied(needs.actions, documents)
            first = next((action for action in needs.actions if action in missing), None)
            if first:
                return FORBIDDEN.format(first), None
        if (service.upper(), api.upper()) == ("ESS", "COMPLETELIFECYCLEACTION"):
            given = properties.get("Parameters") or {}
            try:
                self.world.ess.lifecycle.complete_action(str(given.get("LifecycleHookId")),
                                                         str(given.get("LifecycleActionToken")),
                                                         given.get("LifecycleActionResult"), None)
            except ApiError as exc:
                return f"{exc.code}: {exc.message}", None
            return None, None
        given = properties.get("Parameters")
        try:
            return None, answers.answer(self.world, service, api, given if isinstance(given, dict) else {})
        except ApiError as exc:
            return f"{exc.code}: {exc.message}", None

    def _params(self, execution: dict, item: Any) -> dict[str, Any]:
        params = {**execution["Parameters"], **execution["walk"].get("outputs", {}),
                  "ACS::RegionId": self.world.region,
                  "ACS::AccountId": self.world.account_id, "ACS::ExecutionId": execution["ExecutionId"]}
        if item is not None:
            params["ACS::TaskLoopItem"] = item
        return params

    # loops
    def _start_loop(self, execution: dict, task: Task, run: dict, share: float) -> None:
        params = self._params(execution, None)
        items = fill(task.loop.items, params)
        items = items if isinstance(items, list) else [] if items in (None, "") else [items]
        rate = fill(task.loop.rate_control, params)
        rate = rate if isinstance(rate, dict) else {}
        concurrency = _count(rate.get("Concurrency", fill(task.loop.concurrency, params)), len(items), 1)
        max_errors = _count(rate.get("MaxErrors", fill(task.loop.max_errors, params)), len(items), 0)
        pause = fill(task.loop.batch_pause, params)
        if pause in (None, "Automatic") and execution.get("LoopMode", "Automatic") != "Automatic":
            pause = execution["LoopMode"]      # StartExecution LoopMode pauses a loop that does not say otherwise
        batches = math.ceil(len(items) / concurrency) if items else 1
        run["Loop"] = {"Items": items, "Concurrency": concurrency, "MaxErrors": max_errors}
        self._runs[run["TaskExecutionId"]].update(items=items, next=0, running=0, failed=0, failure=None,
                                                  concurrency=concurrency, max_errors=max_errors,
                                                  item_share=share / batches, batches=batches,
                                                  pause=pause if isinstance(pause, str) else None, children=[])
        if not items:
            self._end_later(run["TaskExecutionId"], 0.0, None)
            return
        self._launch(execution, task, run)

    def _launch(self, execution: dict, task: Task, loop_run: dict) -> None:
        kept = self._runs[loop_run["TaskExecutionId"]]
        if kept.get("pause") is not None and kept["running"]:
            return          # batch by batch: the next batch starts when this one has ended
        while (kept["failed"] <= kept["max_errors"] and kept["next"] < len(kept["items"])
               and kept["running"] < kept["concurrency"]):
            number = kept["next"]
            kept["next"] += 1
            kept["running"] += 1
            item = kept["items"][number]
            child = self._new_run(execution, task, kept["index"], parent=loop_run["TaskExecutionId"])
            child.update(LoopItem=item if isinstance(item, str) else json.dumps(item),
                         LoopBatchNumber=number // kept["concurrency"] + 1)
            self._runs[child["TaskExecutionId"]].update(item=item, batch=child["LoopBatchNumber"],
                                                        instance=_instance_of(item))
            kept.setdefault("children", []).append(child["TaskExecutionId"])
            self._perform(execution, task, child, item, kept["item_share"])

    def _loop_child_ended(self, execution: dict, child: dict) -> None:
        loop_id = child["ParentTaskExecutionId"]
        kept = self._runs[loop_id]
        kept["running"] -= 1
        if child["Status"] == "Failed":
            kept["failed"] += 1
            kept["failure"] = kept["failure"] or child["StatusMessage"]
        task = self.oos.template(execution["TemplateName"]).tasks[kept["index"]]
        loop_run = self._run(execution, loop_id)
        if kept["running"] == 0 and (kept["failed"] > kept["max_errors"] or kept["next"] >= len(kept["items"])):
            self._keep_outputs(execution, loop_run, self._aggregate(task, kept))
            self._end_later(loop_id, 0.0, kept["failure"] if kept["failed"] > kept["max_errors"] else None)
            return
        done = kept["next"] // kept["concurrency"]      # batches started, all ended when nothing runs
        if kept["running"] == 0 and (kept.get("pause") == "EveryBatchPause"
                                     or (kept.get("pause") == "FirstBatchPause" and done == 1)):
            self.oos.wait(execution, loop_run, f"Paused after batch {done} of {kept['batches']} "
                                               f"(BatchPauseOption {kept['pause']}).")
            return
        self._launch(execution, task, loop_run)

    def resume_loop(self, execution: dict, loop_run: dict) -> None:
        """A batch-paused loop goes on with its next batch (NotifyExecution)."""
        task = self.oos.template(execution["TemplateName"]).tasks[self._runs[loop_run["TaskExecutionId"]]["index"]]
        self._launch(execution, task, loop_run)

    def _aggregate(self, task: Task, kept: dict) -> dict[str, Any]:
        """A loop's Outputs: Fn::ListJoin of one output of every item, in item order."""
        outputs = {}
        for name, spec in (task.loop.outputs if task.loop else {}).items():
            if isinstance(spec, dict) and spec.get("AggregateField"):
                outputs[name] = [self._runs[c].get("outputs", {}).get(spec["AggregateField"])
                                 for c in kept.get("children", []) if c in self._runs]
        return outputs

    # task runs
    def _new_run(self, execution: dict, task: Task, index: int, parent: str = "") -> dict:
        now = iso(self.world.now())
        params = self._params(execution, None)
        run = {"TaskExecutionId": self.world.new_id("task", 32), "ExecutionId": execution["ExecutionId"],
               "TaskName": task.name, "TaskAction": task.action, "Status": "Running", "StatusMessage": "",
               "StartDate": now, "CreateDate": now, "UpdateDate": now, "Outputs": "{}",
               "Properties": json.dumps(render(task.properties, params), ensure_ascii=False, default=str),
               "TemplateId": execution["TemplateId"], "ParentTaskExecutionId": parent, "ChildExecutionId": ""}
        self.oos.state["tasks"][execution["ExecutionId"]].append(run)
        self._runs[run["TaskExecutionId"]] = {"execution": execution["ExecutionId"], "index": index}
        self.world.changed = True
        return run

    def _run(self, execution: dict, task_execution_id: str) -> dict:
        return next(r for r in self.oos.state["tasks"][execution["ExecutionId"]]
                    if r["TaskExecutionId"] == task_execution_id)

    def _end_later(self, task_execution_id: str, delay: float, failed: str | None) -> None:
        self.world.schedule(delay, "oos.task_end", task_execution_id=task_execution_id, failed=failed)

    def child_ended(self, parent_execution: dict, task_execution_id: str, child: dict) -> None:
        """A child execution ended: its parent task ends the same way, with the child's outputs."""
        run = self._run(parent_execution, task_execution_id)
        template = self.oos.template(parent_execution["TemplateName"])
        task = template.tasks[self._runs[task_execution_id]["index"]]
        self._keep_outputs(parent_execution, run, task_outputs(task, json.loads(child["Outputs"] or "{}")))
        self._end_later(task_execution_id, 0.0, child["StatusMessage"] if child["Status"] == "Failed" else None)

    def _on_task_end(self, task_execution_id: str, failed: str | None) -> None:
        execution = self.oos.executions[self._runs[task_execution_id]["execution"]]
        run = self._run(execution, task_execution_id)
        if run["Status"] != "Running" or execution["Status"] != "Running":
            return
        rule = self.world.scenario.behaviour_for(execution["walk"]["behaviour"]).fail
        kept = self._runs[task_execution_id]
        if (failed is None and rule is not None and rule.task is not None   # no task: only nested updates fail
                and rule.hits(run["TaskName"], kept.get("batch"), kept.get("instance"))):
            failed = f"{rule.code}: {rule.message}"
        now = iso(self.world.now())
        run.update(Status="Failed" if failed else "Success", StatusMessage=failed or "", EndDate=now, UpdateDate=now)
        self.world.changed = True
        if run["ParentTaskExecutionId"]:
            self._loop_child_ended(execution, run)
        else:
            self._advance(execution, run)


def _instance_of(item: Any) -> str | None:
    """The instance a loop item is about: an instance id, or a mapping with InstanceId."""
    if isinstance(item, dict):
        item = item.get("InstanceId")
    return item if isinstance(item, str) and item.startswith("i-") else None


def _child_parameters(task: Task) -> Any:
    return task.properties.get("Parameters", {}) if task.action.upper() == "ACS::TEMPLATE" else task.properties


def _count(value: Any, total: int, default: int) -> int:
    """A Concurrency or MaxErrors value: a number, or a percentage of the items ("10%")."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return max(default, math.ceil(total * float(value.strip()[:-1]) / 100))
        except ValueError:
            return max(default, 1)
    if value in (None, ""):
        return default
    try:
        return max(default, int(value))
    except (TypeError, ValueError):
        return default


def _choose(task: Task, params: dict[str, Any]) -> str | None:
    for choice in task.properties.get("Choices") or []:
        if isinstance(choice, dict) and _decide(fill(choice.get("When"), params)) is True:
            return choice.get("NextTask")
    return task.properties.get("DefaultTask")


def _known(value: Any) -> bool:
    return "{{" not in json.dumps(value, default=str)


def _decide(condition: Any) -> bool | None:
    """Fn::Equals / Fn::Not / Fn::And / Fn::Or over known values; None when the sandbox cannot tell."""
    if isinstance(condition, bool):
        return condition
    if not isinstance(condition, dict) or len(condition) != 1:
        return None
    (function, args), = condition.items()
    if function == "Fn::Equals" and isinstance(args, list) and len(args) == 2 and _known(args):
        return args[0] == args[1]
    if function == "Fn::Not":
        inner = _decide(args[0] if isinstance(args, list) and args else args)
        return None if inner is None else not inner
    if function in ("Fn::And", "Fn::Or") and isinstance(args, list):
        verdicts = [_decide(a) for a in args]
        if None in verdicts:
            return None
        return all(verdicts) if function == "Fn::And" else any(verdicts)
    return None
