"""The sandbox's own reader of the OOS template format (FormatVersion OOS-2019-06-01, YAML or JSON): the parts an
execution needs, Parameters, RamRole, Tasks (Name, Action, Properties, Loop, OnSuccess, OnError, Outputs) and
Outputs. It checks the shape, not the meaning: what a task calls is decided when the execution runs it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PARAMETER_TYPES = ("String", "Number", "Boolean", "List", "Json")
END, NEXT = "ACS::END", "ACS::NEXT"      # OnSuccess / OnError targets that name no task
# The built-in actions the templates in shared/oos-templates use (compared upper-cased: both ACS::ExecuteAPI and
# ACS::ExecuteApi occur). Any other action names a template that runs nested: ACS::Template names it in
# Properties.TemplateName, an action such as ACS::ECS::RunCommand is itself the template's name.
API_ACTIONS = frozenset({"ACS::EXECUTEAPI", "ACS::WAITFOR", "ACS::CHECKFOR"})
CHOICE = "ACS::CHOICE"
FLOW_ACTIONS = frozenset({"ACS::SLEEP", "ACS::SELECTTARGETS", "ACS::APPROVE", "ACS::NOTIFY", "ACS::PAUSE",
                          "ACS::WAITFORSIGNAL"})
TEMPLATE_ACTION = "ACS::TEMPLATE"


class TemplateFormatError(ValueError):
    """Template text that is not an OOS template."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str = "String"
    default: Any = None
    has_default: bool = False
    allowed_values: list[Any] | None = None


@dataclass(frozen=True)
class Loop:
    """A task's Loop: run the task once per item of `items` (an expression until rendered), `concurrency` at a
    time, failing the loop after more than `max_errors` failed items."""

    items: Any
    rate_control: Any = None
    concurrency: Any = None
    max_errors: Any = None
    outputs: dict[str, Any] = field(default_factory=dict)
    batch_pause: Any = None     # BatchPauseOption: Automatic, FirstBatchPause, EveryBatchPause (batch by batch)


@dataclass(frozen=True)
class Task:
    name: str
    action: str
    properties: dict[str, Any] = field(default_factory=dict)
    loop: Loop | None = None
    on_success: str | None = None
    on_error: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


    @property
    def kind(self) -> str:
        """api (one cloud API call), choice, flow (no call), or template (a nested execution)."""
        action = self.action.upper()
        return ("api" if action in API_ACTIONS else "choice" if action == CHOICE else "flow"
                if action in FLOW_ACTIONS else "template")

    @property
    def nested_template(self) -> Any:
        """The name of the template a nested task runs (an expression until rendered)."""
        return self.properties.get("TemplateName") if self.action.upper() == TEMPLATE_ACTION else self.action


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    parameters: dict[str, Parameter]
    ram_role: str | None
    tasks: tuple[Task, ...]
    outputs: dict[str, Any]

    def task(self, name: str) -> Task | None:
        return next((t for t in self.tasks if t.name == name), None)


def _description(value: Any) -> str:
    if isinstance(value, dict):
        found = value.get("en") or value.get("zh-cn")
        return found if isinstance(found, str) else ""
    return value if isinstance(value, str) else ""


def _mapping(value: Any, where: str, *, optional: bool = True) -> dict[str, Any]:
    if value is None and optional:
        return {}
    if not isinstance(value, dict):
        raise TemplateFormatError(f"{where}: expected a mapping")
    return value


def _name(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TemplateFormatError(f"{where}: expected a task name")
    return value.strip()


def read_template(text: str, name: str) -> Template:
    """Read template text; raises TemplateFormatError naming what is wrong."""
    import yaml

    try:
        top = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TemplateFormatError(f"not YAML or JSON: {exc}") from None
    top = _mapping(top, "template", optional=False)
    parameters = {}
    for pname, spec in _mapping(top.get("Parameters"), "Parameters").items():
        spec = _mapping(spec, f"Parameters.{pname}")
        kind = spec.get("Type", "String")
        if kind not in PARAMETER_TYPES:
            raise TemplateFormatError(f"Parameters.{pname}.Type: expected one of {', '.join(PARAMETER_TYPES)}")
        allowed = spec.get("AllowedValues")
        parameters[str(pname)] = Parameter(str(pname), kind, spec.get("Default"), "Default" in spec,
                                           allowed if isinstance(allowed, list) else None)
    specs = top.get("Tasks")
    if not isinstance(specs, list) or not specs:
        raise TemplateFormatError("Tasks: expected a list of tasks")
    tasks = []
    for index, spec in enumerate(specs):
        where = f"Tasks[{index}]"
        spec = _mapping(spec, where, optional=False)
        action = spec.get("Action")
        if not isinstance(action, str) or not action.strip():
            raise TemplateFormatError(f"{where}.Action: expected an action name")
        loop = None
        if spec.get("Loop") is not None:
            raw = _mapping(spec["Loop"], f"{where}.Loop")
            if "Items" not in raw:
                raise TemplateFormatError(f"{where}.Loop.Items: missing")
            loop = Loop(raw["Items"], raw.get("RateControl"), raw.get("Concurrency"), raw.get("MaxErrors"),
                        _mapping(raw.get("Outputs"), f"{where}.Loop.Outputs"), raw.get("BatchPauseOption"))
        tasks.append(Task(name=_name(spec.get("Name"), f"{where}.Name") or f"task{index}", action=action.strip(),
                          properties=_mapping(spec.get("Properties"), f"{where}.Properties"), loop=loop,
                          on_success=_name(spec.get("OnSuccess"), f"{where}.OnSuccess"),
                          on_error=_name(spec.get("OnError"), f"{where}.OnError"),
                          outputs=_mapping(spec.get("Outputs"), f"{where}.Outputs")))
    names = [t.name for t in tasks]
    for task in tasks:
        for target in (task.on_success, task.on_error):
            if target is not None and target not in (END, NEXT) and target not in names:
                raise TemplateFormatError(f"task {task.name}: no task named {target}")
    role = top.get("RamRole")
    return Template(name=name, description=_description(top.get("Description")), parameters=parameters,
                    ram_role=role if isinstance(role, str) and role.strip() else None, tasks=tuple(tasks),
                    outputs=_mapping(top.get("Outputs"), "Outputs"))
