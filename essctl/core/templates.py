"""OOS templates: load (a local YAML/JSON file, or OOS GetTemplate), and parse parameters, placeholders,
RamRole, tasks and outputs. No terminal code."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from essctl import yaml_errors
from essctl.errors import UsageError

PARAMETER_TYPES = ("String", "Number", "Boolean", "List", "Json")
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


class TemplateError(UsageError):
    """A template that cannot be read or makes no sense; names the source and, where known, the line."""


@dataclass
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


@dataclass
class Task:
    name: str
    action: str
    properties: dict[str, Any] = field(default_factory=dict)
    loop: dict[str, Any] | None = None
    on_success: str | None = None
    on_error: str | None = None


@dataclass
class Template:
    name: str
    source: str                      # a file path, or oos:NAME[@version]
    description: str | None
    parameters: dict[str, Parameter]
    ram_role: str | None
    tasks: list[Task]
    outputs: dict[str, Any]
    version: str | None = None


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("en") or value.get("zh-cn") or next((v for v in value.values() if isinstance(v, str)), None)
    return value if isinstance(value, str) else None


def _line_of(text: str, key: str) -> str:
    """':LINE' of the first line that declares `key:` (for error messages), or ''."""
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"\s*-?\s*['\"]?{re.escape(key)}['\"]?\s*:", line):
            return f":{number}"
    return ""


def parse_template(content: str, *, name: str, source: str, version: str | None = None) -> Template:
    """Parse template text (YAML or JSON; JSON is YAML)."""
    import yaml

    try:
        document = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{source}{yaml_errors.where(exc)}: not valid YAML or JSON: "
                            f"{yaml_errors.problem(exc)}") from exc
    if not isinstance(document, dict):
        raise TemplateError(f"{source}: not an OOS template (expected a mapping with FormatVersion and Tasks)")
    if not isinstance(document.get("Tasks"), list) or not document["Tasks"]:
        raise TemplateError(f"{source}{_line_of(content, 'Tasks')}: Tasks: expected a non-empty list of tasks")

    parameters: dict[str, Parameter] = {}
    for pname, spec in (document.get("Parameters") or {}).items():
        where = f"{source}{_line_of(content, pname)}: Parameters.{pname}"
        if not isinstance(spec, dict):
            raise TemplateError(f"{where}: expected a mapping with Type")
        ptype = spec.get("Type", "String")
        if ptype not in PARAMETER_TYPES:
            raise TemplateError(f"{where}.Type: must be one of {', '.join(PARAMETER_TYPES)}, got {ptype!r}")
        parameters[pname] = Parameter(
            name=pname, type=ptype, default=spec.get("Default"), has_default="Default" in spec,
            allowed_values=spec.get("AllowedValues"), min_value=spec.get("MinValue"), max_value=spec.get("MaxValue"),
            description=_text(spec.get("Description")) or _text(spec.get("Label")),
        )

    tasks = []
    for index, spec in enumerate(document["Tasks"]):
        if not isinstance(spec, dict) or not isinstance(spec.get("Action"), str):
            label = spec.get("Name", index) if isinstance(spec, dict) else index
            raise TemplateError(f"{source}: Tasks[{index}] ({label}): Action: expected an action name")
        tasks.append(Task(
            name=str(spec.get("Name", f"task{index}")), action=spec["Action"],
            properties=spec.get("Properties") or {}, loop=spec.get("Loop"),
            on_success=spec.get("OnSuccess"), on_error=spec.get("OnError"),
        ))
    return Template(
        name=name, source=source, description=_text(document.get("Description")), parameters=parameters,
        ram_role=document.get("RamRole"), tasks=tasks, outputs=document.get("Outputs") or {}, version=version,
    )


def load_template_file(path: Path) -> Template:
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"{path}: cannot read template: {exc.strerror}") from exc
    return parse_template(content, name=path.name.rsplit(".", 1)[0], source=str(path))


def template_cache_path(region: str, name: str, version: str) -> Path:
    """Where GetTemplate content is kept: $XDG_CACHE_HOME/essctl/templates/REGION/NAME@VERSION.yaml."""
    import os

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path(os.path.expanduser("~")) / ".cache")
    safe_name = name.replace("/", "_")
    return base / "essctl" / "templates" / region / f"{safe_name}@{version}.yaml"


def load_template_from_oos(session: Any, name: str, version: str | None = None) -> Template:
    """GetTemplate (live, or from a tape through the session). A given version is served from the cache when
    present (a version's content never changes); the latest version is always asked for."""
    if version:
        cached = template_cache_path(session.region, name, version)
        if cached.exists():
            return parse_template(cached.read_text(encoding="utf-8"), name=name, source=f"oos:{name}@{version}",
                                  version=version)
    from alibabacloud_oos20190601 import models

    body = session.oos.get_template(models.GetTemplateRequest(
        region_id=session.region, template_name=name, template_version=version)).body
    found_version = (body.template.template_version if body.template else None) or version
    content = body.content or ""
    template = parse_template(content, name=name, source=f"oos:{name}@{found_version}", version=found_version)
    if found_version and not session.replaying:
        cache = template_cache_path(session.region, name, found_version)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(content, encoding="utf-8")
        except OSError:
            pass   # a cache that cannot be written only costs a call next time
    return template


TemplateResolver = Callable[[str], "Template | None"]


def action_dir_resolver(directory: Path) -> TemplateResolver:
    """Nested actions as files named after the action (ACS::ECS::RunCommand.yml), as in CloudProductActions/."""
    def resolve(action: str) -> Template | None:
        for suffix in (".yml", ".yaml", ".json"):
            path = directory / f"{action}{suffix}"
            if path.exists():
                return load_template_file(path)
        return None

    return resolve


def oos_resolver(session: Any) -> TemplateResolver:
    """Nested actions fetched with GetTemplate; a name OOS does not know resolves to None."""
    from essctl.errors import CloudAPIError

    def resolve(action: str) -> Template | None:
        try:
            return load_template_from_oos(session, action)
        except CloudAPIError as exc:
            if exc.code.startswith("EntityNotExists"):
                return None
            raise

    return resolve
