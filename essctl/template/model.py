"""An OOS template as essctl reads it: parameters (with the ESS placeholders they default to), RamRole, tasks and
outputs, parsed from YAML or JSON text."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from essctl.errors import UsageError
from essctl.facts.oos import ACTION_NAME, PARAMETER_TYPES
from essctl.yamldoc import Document, read_text

_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


class TemplateError(UsageError):
    """A template that cannot be read or makes no sense: FILE:LINE:COL: field: problem."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: Any = None
    has_default: bool = False
    allowed_values: list[Any] | None = None
    min_value: float | None = None
    max_value: float | None = None
    description: str | None = None

    @property
    def required(self) -> bool:
        return not self.has_default

    @property
    def placeholder(self) -> str | None:
        """The ESS placeholder this parameter defaults to (e.g. 'instanceIds'), if any: ESS fills it."""
        match = _PLACEHOLDER.search(json.dumps(self.default)) if self.has_default else None
        return match.group(1) if match else None


@dataclass(frozen=True)
class Task:
    name: str
    action: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Template:
    name: str
    source: str                      # a file path, or oos:NAME[@version]
    description: str | None
    parameters: dict[str, Parameter]
    ram_role: str | None
    tasks: tuple[Task, ...]
    outputs: dict[str, Any]
    version: str | None = None

    def is_lifecycle_template(self) -> bool:
        """A template a lifecycle hook can run: ESS hands it the lifecycle action token to complete the action."""
        return any(parameter.placeholder == "lifecycleActionToken" for parameter in self.parameters.values())


def _text(value: Any) -> str | None:
    """A description in one language (OOS gives {en, zh-cn} maps)."""
    if isinstance(value, dict):
        return value.get("en") or value.get("zh-cn") or next((v for v in value.values() if isinstance(v, str)), None)
    return value if isinstance(value, str) else None


def parse_template(content: str, *, name: str, source: str, version: str | None = None,
                   printable: bool = False) -> Template:
    """Parse template text (YAML or JSON; JSON is YAML); with `printable`, as a file a person wrote (no control
    characters)."""
    doc = Document(content, source, what="OOS template (a mapping with FormatVersion and Tasks)",
                   root="template", error=TemplateError, unique_keys=False, printable=printable)
    top = doc.mapping(doc.root, ())
    task_specs = doc.sequence(top.get("Tasks"), ("Tasks",), non_empty=True, what="tasks")
    parameters: dict[str, Parameter] = {}
    specs = doc.mapping(top.get("Parameters"), ("Parameters",), empty_ok=True)
    for pname, spec in specs.items():
        where = ("Parameters", pname)
        spec = doc.mapping(spec, where, empty_ok=True)
        ptype = doc.choice(spec.get("Type", "String"), (*where, "Type"), PARAMETER_TYPES)
        bounds = {key: spec.get(key) for key in ("MinValue", "MaxValue")}
        if ptype == "Number":
            bounds["Default"] = spec.get("Default")
        for key, bound in bounds.items():
            if bound is not None:
                doc.number(bound, (*where, key))
        allowed = spec.get("AllowedValues")
        if allowed is not None:
            allowed = doc.sequence(allowed, (*where, "AllowedValues"), non_empty=True)
        parameters[pname] = Parameter(
            name=pname, type=ptype, default=spec.get("Default"), has_default="Default" in spec,
            allowed_values=allowed, min_value=bounds["MinValue"], max_value=bounds["MaxValue"],
            description=_text(spec.get("Description")) or _text(spec.get("Label")),
        )
    tasks = []
    for index, spec in enumerate(task_specs):
        spec = doc.mapping(spec, ("Tasks", index))
        action = doc.string(spec.get("Action"), ("Tasks", index, "Action"), ACTION_NAME,
                            "an OOS action such as ACS::ExecuteAPI or ACS::ECS::RunCommand")
        properties = spec.get("Properties")
        tasks.append(Task(name=str(spec.get("Name", f"task{index}")), action=action,
                          properties=properties if isinstance(properties, dict) else {}))
    outputs = top.get("Outputs")
    return Template(
        name=name, source=source, description=_text(top.get("Description")), parameters=parameters,
        ram_role=top.get("RamRole") if isinstance(top.get("RamRole"), str) else None, tasks=tuple(tasks),
        outputs=outputs if isinstance(outputs, dict) else {}, version=version,
    )


def load_template_file(path: Path) -> Template:
    return parse_template(read_text(path, "template", TemplateError), name=path.name.rsplit(".", 1)[0],
                          source=str(path), printable=True)
