"""The OOS gateway: executions, their tasks, templates and GenerateExecutionPolicy, as typed objects."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from essctl.cloud import paging
from essctl.cloud.resources import Execution, GeneratedPolicy, TaskExecution, TemplateContent, TemplateSummary
from essctl.facts import oos as facts

if TYPE_CHECKING:
    from essctl.cloud.session import CloudSession


def _models() -> Any:
    from alibabacloud_oos20190601 import models

    return models


def _actions(policy: Any) -> frozenset[str] | None:
    """The Allow actions of a policy the API gives as JSON text or (as its reference samples show) an object."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy or "{}")
        except ValueError:
            return None
    if policy is None:
        policy = {}
    if not isinstance(policy, dict):
        return None
    statements = policy.get("Statement") or []
    actions: set[str] = set()
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict) and statement.get("Effect", "Allow") == "Allow":
            names = statement.get("Action") or []
            actions.update([names] if isinstance(names, str) else names)
    return frozenset(actions)


class OosGateway:
    def __init__(self, session: CloudSession):
        self._session = session
        self.region = session.region

    @property
    def _client(self) -> Any:
        return self._session.client("oos")

    # --- executions --------------------------------------------------------------------------------------------

    def list_executions(self, *, template: str | None = None, status: str | None = None,
                        max_items: int | None = None) -> list[Execution]:
        """Newest first. OOS matches TemplateName as a substring, so the template filter is also applied exactly."""
        m = _models()

        def fetch(token: str | None) -> Any:
            return self._client.list_executions(m.ListExecutionsRequest(
                region_id=self.region, template_name=template, status=status, next_token=token,
                max_results=max(10, min(facts.OOS_PAGE_SIZE, max_items) if max_items else facts.OOS_PAGE_SIZE),
                sort_field="StartDate", sort_order="Descending")).body

        keep = (lambda execution: execution.template_name == template) if template else None
        executions = paging.by_token(fetch, lambda body: body.executions, max_items=max_items, keep=keep)
        return [Execution.from_api(execution.to_map()) for execution in executions]

    def get_execution(self, execution_id: str) -> Execution | None:
        body = self._client.list_executions(_models().ListExecutionsRequest(
            region_id=self.region, execution_id=execution_id)).body
        found = body.executions or []
        return Execution.from_api(found[0].to_map()) if found else None

    def executions_of_activity(self, activity_id: str) -> list[Execution]:
        """The executions ESS started for the activity, of any template: found by their ESS:ScalingActivityId tag
        alone, so they are found after the hook that started them was edited or deleted."""
        body = self._client.list_executions(_models().ListExecutionsRequest(
            region_id=self.region, tags={facts.ACTIVITY_TAG: activity_id},
            max_results=facts.EXECUTIONS_PER_ACTIVITY)).body
        executions = [Execution.from_api(e.to_map()) for e in body.executions or []]
        return [e for e in executions if (e.tags or {}).get(facts.ACTIVITY_TAG, activity_id) == activity_id]

    def task_executions(self, execution_id: str) -> list[TaskExecution]:
        """Every task of the execution, oldest first: loop iterations, which OOS lists only when asked
        (IncludeChildTaskExecution), and the tasks of the child executions nested actions such as
        ACS::ECS::RunCommand start (ChildExecutionId), each once, at most facts.MAX_TASKS."""
        m = _models()
        found: dict[str, TaskExecution] = {}
        pending, visited = [execution_id], set()
        while pending and len(found) < facts.MAX_TASKS:
            current = pending.pop(0)
            if current in visited:
                continue
            visited.add(current)

            def fetch(token: str | None, current: str = current) -> Any:
                return self._client.list_task_executions(m.ListTaskExecutionsRequest(
                    region_id=self.region, execution_id=current, include_child_task_execution=True,
                    sort_field="StartDate", sort_order="Ascending", max_results=facts.TASKS_PAGE_SIZE,
                    next_token=token)).body

            for task in paging.by_token(fetch, lambda body: body.task_executions,
                                        max_items=facts.MAX_TASKS - len(found)):
                item = TaskExecution.from_api(task.to_map())
                found.setdefault(item.id, item)
                if item.child_execution_id:
                    pending.append(item.child_execution_id)
        return list(found.values())

    def start_execution(self, template: str, parameters: dict[str, Any], client_token: str, *,
                        tags: dict[str, str] | None = None, loop_mode: str | None = None) -> Execution:
        """Start an execution of `template` (a repeat with the same ClientToken answers the first execution)."""
        body = self._client.start_execution(_models().StartExecutionRequest(
            region_id=self.region, template_name=template, client_token=client_token, loop_mode=loop_mode,
            parameters=json.dumps(parameters, ensure_ascii=False, separators=(",", ":")),
            tags=tags or None)).body
        return Execution.from_api(body.execution.to_map() if body.execution else {})

    def executions_tagged(self, tags: dict[str, str], *, template: str | None = None,
                          max_items: int | None = None) -> list[Execution]:
        """Newest first: the executions carrying every tag in `tags` (of exactly `template` when given)."""
        m = _models()

        def fetch(token: str | None) -> Any:
            return self._client.list_executions(m.ListExecutionsRequest(
                region_id=self.region, template_name=template, tags=tags, next_token=token,
                max_results=facts.OOS_PAGE_SIZE, sort_field="StartDate", sort_order="Descending")).body

        keep = (lambda execution: execution.template_name == template) if template else None
        found = paging.by_token(fetch, lambda body: body.executions, max_items=max_items, keep=keep)
        return [Execution.from_api(execution.to_map()) for execution in found]

    def notify_execution(self, execution_id: str, notify_type: str, *, note: str | None = None) -> None:
        self._client.notify_execution(_models().NotifyExecutionRequest(
            region_id=self.region, execution_id=execution_id, notify_type=notify_type, notify_note=note))

    def cancel_execution(self, execution_id: str) -> None:
        self._client.cancel_execution(_models().CancelExecutionRequest(region_id=self.region,
                                                                       execution_id=execution_id))

    # --- templates ---------------------------------------------------------------------------------------------

    def get_template(self, name: str, version: str | None = None) -> TemplateContent:
        body = self._client.get_template(_models().GetTemplateRequest(
            region_id=self.region, template_name=name, template_version=version)).body
        found_version = (body.template.template_version if body.template else None) or version
        return TemplateContent(name=name, version=found_version, content=body.content or "")

    def list_templates(self, *, prefix: str = "", max_items: int | None = None) -> list[TemplateSummary]:
        """Templates whose name starts with `prefix`: the public ones and the account's own, by name."""
        m = _models()
        found: list[TemplateSummary] = []
        for share_type in ("Public", "Private"):
            def fetch(token: str | None, share_type: str = share_type) -> Any:
                return self._client.list_templates(m.ListTemplatesRequest(
                    region_id=self.region, share_type=share_type, template_name=prefix or None,
                    next_token=token, max_results=facts.OOS_PAGE_SIZE)).body

            keep = (lambda template: (template.template_name or "").startswith(prefix)) if prefix else None
            remaining = max_items - len(found) if max_items else None
            found.extend(TemplateSummary.from_api(t.to_map())
                         for t in paging.by_token(fetch, lambda body: body.templates, max_items=remaining, keep=keep))
            if max_items and len(found) >= max_items:
                break
        return sorted(found, key=lambda template: template.name or "")

    def generate_execution_policy(self, template: str, *, version: str | None = None,
                                  role: str | None = None) -> GeneratedPolicy:
        """The actions OOS says the template needs and, given a role, those the role lacks (MissingPolicy)."""
        body = self._client.generate_execution_policy(_models().GenerateExecutionPolicyRequest(
            region_id=self.region, template_name=template, template_version=version, ram_role=role)).body
        return GeneratedPolicy(actions=_actions(body.policy),
                               missing=_actions(body.missing_policy) if role else None)
