"""OOS resources: executions and their tasks, templates, and GenerateExecutionPolicy's answer."""
from __future__ import annotations

import dataclasses
from typing import Any

from essctl.cloud.resources.base import ApiObject, api, as_mapping, json_or_text, parse_time


@dataclasses.dataclass(frozen=True)
class Execution(ApiObject):
    id: str = api("ExecutionId", default="")
    template_name: str | None = api("TemplateName")
    status: str | None = api("Status")
    status_message: str | None = api("StatusMessage")
    status_reason: str | None = api("StatusReason")
    start_date: str | None = api("StartDate")
    end_date: str | None = api("EndDate")
    ram_role: str | None = api("RamRole")
    parameters: dict[str, Any] = api("Parameters", convert=as_mapping, default=None)
    tags: dict[str, Any] = api("Tags", convert=as_mapping, default=None)
    outputs: Any = api("Outputs", convert=json_or_text)
    outputs_text: Any = api("Outputs")       # as OOS gives it (JSON text)

    @property
    def duration_s(self) -> int | None:
        begin, end = parse_time(self.start_date), parse_time(self.end_date)
        return int((end - begin).total_seconds()) if begin and end else None


@dataclasses.dataclass(frozen=True)
class TaskExecution(ApiObject):
    id: str = api("TaskExecutionId", default="")
    execution_id: str | None = api("ExecutionId")
    name: str | None = api("TaskName")
    action: str | None = api("TaskAction")
    status: str | None = api("Status")
    status_message: str | None = api("StatusMessage")
    start_date: str | None = api("StartDate")
    end_date: str | None = api("EndDate")
    parent_id: str | None = api("ParentTaskExecutionId")    # the loop task this iteration belongs to
    child_execution_id: str | None = api("ChildExecutionId")   # the execution a nested action started
    loop_item: Any = api("LoopItem")
    outputs: Any = api("Outputs", convert=json_or_text)


@dataclasses.dataclass(frozen=True)
class TemplateContent(ApiObject):
    """GetTemplate's answer: the template's text and the version it is."""

    name: str = api("TemplateName", default="")
    version: str | None = api("TemplateVersion")
    content: str = ""


@dataclasses.dataclass(frozen=True)
class TemplateSummary(ApiObject):
    name: str | None = api("TemplateName")
    version: str | None = api("TemplateVersion")


@dataclasses.dataclass(frozen=True)
class GeneratedPolicy:
    """GenerateExecutionPolicy's answer as action sets; None where the answer held no readable document."""

    actions: frozenset[str] | None
    missing: frozenset[str] | None
