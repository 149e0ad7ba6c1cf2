"""Recipe files: the YAML format (recipes/README.md), loading with errors that name FILE:LINE:COL and the field,
recipe inputs (-p key=value), ${input} substitution, and the check of a recipe's parameters against its template.
No SDK, no terminal."""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from essctl.core.policy_eval import system_policy_documents
from essctl.core.template_parameters import check_heartbeat_timeout, coerce, ess_text
from essctl.core.templates import Parameter, Template
from essctl.errors import UsageError

INPUT_TYPES = ("String", "Number", "Boolean", "List", "Json")
TRANSITIONS = ("SCALE_OUT", "SCALE_IN")
DEFAULT_RESULTS = ("CONTINUE", "ABANDON", "ROLLBACK")
DEFAULT_ROLE = "OOSServiceRole"
DEFAULT_HOOK_TIMEOUT = 600          # ESS's own default HeartbeatTimeout
HOOK_TIMEOUT_RANGE = (30, 21600)
POLICY_DOCUMENT_LIMIT = 6144        # RAM CreatePolicy: PolicyDocument length
# The parameters ESS fills from the scaling activity; a recipe keeps their ${...} defaults (api-facts §1.2, §2.3).
PLACEHOLDER_PARAMETERS = ("regionId", "instanceIds", "lifecycleHookId", "lifecycleActionToken")
# Every ${name} ESS itself substitutes; these are passed through, never read as recipe inputs.
ESS_PLACEHOLDERS = frozenset({*PLACEHOLDER_PARAMETERS, "scalingGroupId", "lifecycleActionResult", "instanceId",
                              "essTaskType"})

HOOK_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,63}")      # also recipe and scaling rule names
TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")
POLICY_NAME = re.compile(r"[A-Za-z0-9-]{1,128}")
ROLE_NAME = re.compile(r"[A-Za-z0-9.-]{1,64}")
INPUT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
VARIANT_NAME = re.compile(r"[a-z][a-z0-9-]*")
RAM_ACTION = re.compile(r"[a-z][a-z0-9-]*:[A-Za-z0-9*?]+")
REFERENCE = re.compile(r"\$\{([^}]*)\}")

NAME_RULE = "2-64 letters, digits, _ - . starting with a letter or digit"


class RecipeError(UsageError):
    """A recipe that cannot be used: "FILE:LINE:COL: field.path: problem" (exit code 2, nothing sent)."""


@dataclass(frozen=True)
class RecipeInput:
    name: str
    type: str                     # String | Number | Boolean | List | Json
    required: bool
    default: Any
    allowed: tuple | None
    help: str
    example: Any                  # shown by `recipe show`, used by dry-run


@dataclass(frozen=True)
class HookSpec:
    name: str
    transition: str               # SCALE_OUT | SCALE_IN
    timeout: int
    default_result: str           # CONTINUE | ABANDON | ROLLBACK


@dataclass(frozen=True)
class Stage:
    template: str
    hook: HookSpec
    parameters: dict[str, Any]    # as written: values may hold ${input} references


@dataclass(frozen=True)
class PolicySpec:
    name: str | None
    derive: bool
    document: dict | None
    system: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Trigger:
    rule: str
    adjustment: int


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    description: str
    role: str
    inputs: tuple[RecipeInput, ...]
    stages: tuple[Stage, ...]     # the main stage, then the optional scale-in counterpart
    policy: PolicySpec
    policy_variants: dict[str, PolicySpec]
    trigger: Trigger | None
    path: Path | None
    reference: str
    locations: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)

    def input(self, name: str) -> RecipeInput | None:
        return next((item for item in self.inputs if item.name == name), None)

    def locate(self, field_path: str) -> str:
        """"FILE:LINE:COL" of a field; a field that is not in the file falls back to its nearest parent."""
        path = field_path
        while path and path not in self.locations:
            path = path.rsplit(".", 1)[0] if "." in path else ""
        line, column = self.locations.get(path, (1, 1))
        return f"{self.path or '<recipe>'}:{line}:{column}"

    def fail(self, field_path: str, problem: str) -> NoReturn:
        raise RecipeError(f"{self.locate(field_path)}: {field_path}: {problem}")

    def stage_field(self, stage: Stage, name: str) -> str:
        """The field path of a stage's field: `parameters.X` or `scale_in.parameters.X` (where it was written)."""
        if len(self.stages) > 1 and stage is self.stages[1]:
            scale_in = f"scale_in.{name}"
            if scale_in in self.locations or not name.startswith("parameters."):
                return scale_in
        return name


# ---------------------------------------------------------------------------------------------------- loading


def _listing(names: Any) -> str:
    return ", ".join(str(name) for name in names) or "none"


def _kind(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "a mapping", type(None): "empty"}.get(type(value), type(value).__name__)


class _Reader:
    """Walks the composed YAML nodes, records where each field is, and fails with FILE:LINE:COL: field: problem."""

    def __init__(self, source: str):
        import yaml

        self.source = source
        self.locations: dict[str, tuple[int, int]] = {}
        self._constructor = yaml.SafeLoader("")

    def fail(self, node: Any, path: str, problem: str) -> NoReturn:
        mark = node.start_mark
        raise RecipeError(f"{self.source}:{mark.line + 1}:{mark.column + 1}: {path}: {problem}")

    def note(self, path: str, node: Any) -> None:
        self.locations[path] = (node.start_mark.line + 1, node.start_mark.column + 1)

    def value(self, node: Any) -> Any:
        return self._constructor.construct_document(node)

    def mapping(self, node: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
        """Field name -> value node; unknown, repeated and missing fields are errors."""
        import yaml

        if not isinstance(node, yaml.MappingNode):
            self.fail(node, path, f"expected a mapping, got {_kind(self.value(node))}")
        fields: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.value(key_node)
            where = f"{path}.{key}" if path != "recipe" else str(key)
            if not isinstance(key, str):
                self.fail(key_node, path, f"field names are strings, got {key!r}")
            if key in fields:
                self.fail(key_node, where, "given twice")
            if allowed and key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                self.fail(key_node, where, "unknown field" + (f" (did you mean {close[0]}?)" if close
                                                             else f" (fields: {_listing(allowed)})"))
            fields[key] = value_node
            self.note(where, value_node)
        for key in required:
            if key not in fields:
                self.fail(node, path, f"missing required field {key}")
        return fields

    def string(self, node: Any, path: str, pattern: re.Pattern[str] | None = None, rule: str = "") -> str:
        value = self.value(node)
        if not isinstance(value, str):
            self.fail(node, path, f"must be a string, got {_kind(value)} {value!r}")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(node, path, f"must be {rule}, got {value!r}")
        return value

    def integer(self, node: Any, path: str) -> int:
        value = self.value(node)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(node, path, f"must be an integer, got {_kind(value)} {value!r}")
        return value

    def boolean(self, node: Any, path: str) -> bool:
        value = self.value(node)
        if not isinstance(value, bool):
            self.fail(node, path, f"must be true or false, got {value!r}")
        return value

    def choice(self, node: Any, path: str, choices: tuple[str, ...]) -> str:
        value = self.value(node)
        if value not in choices:
            self.fail(node, path, f"must be one of {', '.join(choices)}, got {value!r}")
        return value


def _typed_problem(kind: str, value: Any) -> str | None:
    """Why a value written in the recipe does not fit an input type, or None."""
    fits = {
        "String": isinstance(value, str),
        "Number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "Boolean": isinstance(value, bool),
        "List": isinstance(value, list),
        "Json": isinstance(value, (dict, list, str, int, float, bool)),
    }[kind]
    return None if fits else f"must be {kind}, got {_kind(value)} {value!r}" + (
        " (quote it)" if kind == "String" and isinstance(value, (int, float, bool)) else "")


def _read_input(reader: _Reader, name: str, node: Any) -> RecipeInput:
    path = f"inputs.{name}"
    if not INPUT_NAME.fullmatch(name):
        reader.fail(node, path, "input names are letters, digits and _, starting with a letter")
    if name in ESS_PLACEHOLDERS:
        reader.fail(node, path, f"${{{name}}} is filled by ESS; choose another input name")
    fields = reader.mapping(node, path, ("type", "required", "default", "allowed", "help", "example"))
    kind = reader.choice(fields["type"], f"{path}.type", INPUT_TYPES) if "type" in fields else "String"
    required = reader.boolean(fields["required"], f"{path}.required") if "required" in fields else False
    allowed = None
    if "allowed" in fields:
        values = reader.value(fields["allowed"])
        if not isinstance(values, list) or not values:
            reader.fail(fields["allowed"], f"{path}.allowed", "must be a non-empty list of values")
        for value in values:
            problem = _typed_problem(kind, value)
            if problem:
                reader.fail(fields["allowed"], f"{path}.allowed", problem)
        allowed = tuple(values)
    checked = {}
    for key in ("default", "example"):
        if key not in fields:
            continue
        value = reader.value(fields[key])
        problem = _typed_problem(kind, value)
        if problem:
            reader.fail(fields[key], f"{path}.{key}", problem)
        if allowed is not None and value not in allowed:
            reader.fail(fields[key], f"{path}.{key}", f"must be one of {_listing(allowed)}, got {value!r}")
        checked[key] = value
    if required and "default" in checked:
        reader.fail(fields["default"], f"{path}.default", "a required input has no default (drop one of them)")
    help_text = reader.string(fields["help"], f"{path}.help") if "help" in fields else ""
    return RecipeInput(name=name, type=kind, required=required, default=checked.get("default"), allowed=allowed,
                       help=help_text, example=checked.get("example"))


def _read_hook(reader: _Reader, node: Any, path: str, transition: str | None) -> HookSpec:
    """A hook; `transition` is the one a scale-in counterpart must have (None: required and free)."""
    required = ("name",) if transition else ("name", "transition")
    fields = reader.mapping(node, path, ("name", "transition", "timeout", "default_result"), required)
    name = reader.string(fields["name"], f"{path}.name", HOOK_NAME, NAME_RULE)
    if "transition" in fields:
        given = reader.choice(fields["transition"], f"{path}.transition", TRANSITIONS)
        if transition and given != transition:
            reader.fail(fields["transition"], f"{path}.transition",
                        f"must be {transition} (the scale-in counterpart), got {given}")
        transition = given
    timeout = DEFAULT_HOOK_TIMEOUT
    if "timeout" in fields:
        timeout = reader.integer(fields["timeout"], f"{path}.timeout")
        low, high = HOOK_TIMEOUT_RANGE
        if not low <= timeout <= high:
            reader.fail(fields["timeout"], f"{path}.timeout", f"must be {low}..{high}, got {timeout}")
    default_result = "CONTINUE"
    if "default_result" in fields:
        default_result = reader.choice(fields["default_result"], f"{path}.default_result", DEFAULT_RESULTS)
    return HookSpec(name=name, transition=str(transition), timeout=timeout, default_result=default_result)


def _read_statement(reader: _Reader, node: Any, path: str) -> dict[str, Any]:
    fields = reader.mapping(node, path, ("Effect", "Action", "Resource", "Condition"), ("Effect", "Action"))
    effect = reader.choice(fields["Effect"], f"{path}.Effect", ("Allow", "Deny"))
    actions = reader.value(fields["Action"])
    if not isinstance(actions, list) or not actions:
        reader.fail(fields["Action"], f"{path}.Action", "must be a non-empty list of service:Action strings")
    for action in actions:
        if not isinstance(action, str) or not RAM_ACTION.fullmatch(action):
            reader.fail(fields["Action"], f"{path}.Action",
                        f"must be service:Action strings (e.g. ecs:RunCommand), got {action!r}")
    resource = reader.value(fields["Resource"]) if "Resource" in fields else "*"
    if not (isinstance(resource, str) or (isinstance(resource, list) and all(isinstance(r, str) for r in resource))):
        reader.fail(fields["Resource"], f"{path}.Resource", "must be a string or a list of strings")
    statement = {"Effect": effect, "Action": actions, "Resource": resource}
    if "Condition" in fields:
        condition = reader.value(fields["Condition"])
        if not isinstance(condition, dict):
            reader.fail(fields["Condition"], f"{path}.Condition", "must be a mapping")
        statement["Condition"] = condition
    return statement


def _read_policy(reader: _Reader, node: Any, path: str) -> PolicySpec:
    fields = reader.mapping(node, path, ("derive", "name", "statements", "document", "system", "description"))
    kinds = [key for key in ("derive", "statements", "document", "system") if key in fields]
    if len(kinds) != 1:
        reader.fail(node, path, "give exactly one of derive: true, statements, document, system"
                    + (f" (got {', '.join(kinds)})" if kinds else ""))
    kind = kinds[0]
    description = reader.string(fields["description"], f"{path}.description") if "description" in fields else ""
    name = None
    if "name" in fields:
        if kind == "system":
            reader.fail(fields["name"], f"{path}.name", "system policies are named in system; drop name")
        name = reader.string(fields["name"], f"{path}.name", POLICY_NAME, "1-128 letters, digits and -")
    elif kind != "system":
        reader.fail(node, path, f"missing required field name (the RAM policy a {kind} policy creates)")
    if kind == "system":
        names = reader.value(fields["system"])
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            reader.fail(fields["system"], f"{path}.system", "must be a non-empty list of system policy names")
        known = system_policy_documents()
        for system_name in names:
            if system_name not in known:
                close = difflib.get_close_matches(system_name, list(known), n=1)
                reader.fail(fields["system"], f"{path}.system", f"unknown system policy {system_name!r}"
                            + (f" (did you mean {close[0]}?)" if close else f" (known: {_listing(sorted(known))})"))
        return PolicySpec(name=None, derive=False, document=None, system=tuple(names), description=description)
    if kind == "derive":
        if reader.value(fields["derive"]) is not True:
            reader.fail(fields["derive"], f"{path}.derive", "must be true (or give statements, document or system)")
        return PolicySpec(name=name, derive=True, document=None, system=(), description=description)
    if kind == "statements":
        statements_node = fields["statements"]
        document_path = f"{path}.statements"
    else:
        document_fields = reader.mapping(fields["document"], f"{path}.document", ("Version", "Statement"),
                                         ("Statement",))
        if "Version" in document_fields and str(reader.value(document_fields["Version"])) != "1":
            reader.fail(document_fields["Version"], f"{path}.document.Version", "must be \"1\"")
        statements_node = document_fields["Statement"]
        document_path = f"{path}.document.Statement"
    import yaml

    if not isinstance(statements_node, yaml.SequenceNode) or not statements_node.value:
        reader.fail(statements_node, document_path, "must be a non-empty list of statements")
    statements = [_read_statement(reader, item, f"{document_path}[{index}]")
                  for index, item in enumerate(statements_node.value)]
    document = {"Version": "1", "Statement": statements}
    size = len(json.dumps(document, separators=(",", ":")))
    if size > POLICY_DOCUMENT_LIMIT:
        reader.fail(statements_node, document_path, f"the document is {size} characters; RAM accepts at most "
                    f"{POLICY_DOCUMENT_LIMIT}")
    return PolicySpec(name=name, derive=False, document=document, system=(), description=description)


def _read_template_name(reader: _Reader, node: Any, path: str) -> str:
    name = reader.value(node)
    if not isinstance(name, str):
        reader.fail(node, path, f"must be an OOS template name, got {_kind(name)} {name!r}")
    if name.startswith("acs:"):
        reader.fail(node, path, f"give the template name; essctl builds the NotificationArn (got {name!r})")
    if "::" in name:
        reader.fail(node, path, f"{name} is an OOS action, not a template a lifecycle hook can notify")
    if name.endswith((".yml", ".yaml", ".json")):
        reader.fail(node, path, f"give the OOS template name, not a file name (got {name!r})")
    if not TEMPLATE_NAME.fullmatch(name):
        reader.fail(node, path, f"not a valid OOS template name: 1-200 letters, digits, _ - . (got {name!r})")
    if name.startswith("ACS-") and "LifeCycle" not in name:
        reader.fail(node, path, f"{name} is not a lifecycle-hook template (public ones are ACS-ESS-*LifeCycle*)")
    return name


def _read_parameters(reader: _Reader, node: Any, path: str) -> dict[str, Any]:
    fields = reader.mapping(node, path, ())
    parameters = {}
    for name, value_node in fields.items():
        where = f"{path}.{name}"
        value = reader.value(value_node)
        if name in PLACEHOLDER_PARAMETERS and value not in (f"${{{name}}}", [f"${{{name}}}"]):
            reader.fail(value_node, where, f"ESS fills it with ${{{name}}}; remove it (got {value!r})")
        parameters[name] = value
    return parameters


def _references(value: Any) -> list[str]:
    """Every ${name} in a parameter value (strings inside lists and mappings included)."""
    if isinstance(value, str):
        return REFERENCE.findall(value)
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _references(item)]
    return []


def _read_trigger(reader: _Reader, node: Any) -> Trigger | None:
    value = reader.value(node)
    if value is None or value == "none":
        return None
    if isinstance(value, str):
        reader.fail(node, "trigger", f"must be a mapping {{rule, adjustment}} or none, got {value!r}")
    fields = reader.mapping(node, "trigger", ("rule", "adjustment"), ("rule",))
    rule = reader.string(fields["rule"], "trigger.rule", HOOK_NAME, NAME_RULE)
    adjustment = 1
    if "adjustment" in fields:
        adjustment = reader.integer(fields["adjustment"], "trigger.adjustment")
        if adjustment == 0:
            reader.fail(fields["adjustment"], "trigger.adjustment", "must be a nonzero integer (+N adds, -N removes)")
    return Trigger(rule=rule, adjustment=adjustment)


TOP_LEVEL_FIELDS = ("name", "title", "description", "reference", "template", "role", "inputs", "parameters", "hook",
                    "policy", "policy_variants", "trigger", "scale_in")


def parse_recipe(text: str, *, source: str, path: Path | None = None) -> Recipe:
    """Parse recipe text; `source` is what errors name (the file path)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        if "'\\t'" in problem:
            problem = "a tab character; indent with spaces"
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise RecipeError(f"{source}:{where}: yaml: {problem}") from exc
    if root is None:
        raise RecipeError(f"{source}:1:1: recipe: the file is empty (expected a mapping with name, template, ...)")
    reader = _Reader(source)
    top = reader.mapping(root, "recipe", TOP_LEVEL_FIELDS, ("name", "template", "hook", "policy"))
    reader.note("recipe", root)

    name = reader.string(top["name"], "name", HOOK_NAME, NAME_RULE)
    title = reader.string(top["title"], "title") if "title" in top else name
    description = reader.string(top["description"], "description") if "description" in top else ""
    reference = reader.string(top["reference"], "reference") if "reference" in top else ""
    role = reader.string(top["role"], "role", ROLE_NAME, "a RAM role name: 1-64 letters, digits, . -") \
        if "role" in top else DEFAULT_ROLE

    inputs: list[RecipeInput] = []
    if "inputs" in top and reader.value(top["inputs"]) is not None:
        for input_name, input_node in reader.mapping(top["inputs"], "inputs", ()).items():
            inputs.append(_read_input(reader, input_name, input_node))
    declared = {item.name for item in inputs}

    template = _read_template_name(reader, top["template"], "template")
    parameters = _read_parameters(reader, top["parameters"], "parameters") if "parameters" in top else {}
    hook = _read_hook(reader, top["hook"], "hook", None)
    stages = [Stage(template=template, hook=hook, parameters=parameters)]
    written = {f"parameters.{key}": value for key, value in parameters.items()}

    if "scale_in" in top:
        scale_in = reader.mapping(top["scale_in"], "scale_in", ("template", "hook", "parameters"), ("hook",))
        if hook.transition != "SCALE_OUT":
            reader.fail(top["hook"], "hook.transition", "must be SCALE_OUT when the recipe has a scale_in counterpart")
        in_template = _read_template_name(reader, scale_in["template"], "scale_in.template") \
            if "template" in scale_in else template
        overrides = _read_parameters(reader, scale_in["parameters"], "scale_in.parameters") \
            if "parameters" in scale_in else {}
        in_hook = _read_hook(reader, scale_in["hook"], "scale_in.hook", "SCALE_IN")
        if in_hook.name == hook.name:
            reader.fail(scale_in["hook"], "scale_in.hook.name",
                        f"must differ from hook.name ({hook.name}): hook names are unique in a scaling group")
        # The same template keeps the main parameters under the overrides; another template has its own.
        merged = {**parameters, **overrides} if in_template == template else overrides
        stages.append(Stage(template=in_template, hook=in_hook, parameters=merged))
        written.update({f"scale_in.parameters.{key}": value for key, value in overrides.items()})

    used: set[str] = set()
    for where, value in written.items():
        for ref in _references(value):
            if ref in declared:
                used.add(ref)
            elif ref not in ESS_PLACEHOLDERS:
                line, column = reader.locations[where]
                raise RecipeError(f"{source}:{line}:{column}: {where}: ${{{ref}}} names no declared input "
                                  f"(inputs: {_listing(sorted(declared))})")
    for item in inputs:
        if item.name not in used:
            line, column = reader.locations[f"inputs.{item.name}"]
            raise RecipeError(f"{source}:{line}:{column}: inputs.{item.name}: not used by any parameter "
                              f"(reference it as ${{{item.name}}})")
    for stage_path, stage in zip(("parameters", "scale_in.parameters"), stages):
        assumed = stage.parameters.get("OOSAssumeRole")
        if isinstance(assumed, str) and not REFERENCE.search(assumed) and assumed != role:
            where = stage_path + ".OOSAssumeRole"
            line, column = reader.locations.get(where, reader.locations["parameters.OOSAssumeRole"])
            raise RecipeError(f"{source}:{line}:{column}: {where}: the template would run as {assumed} but the "
                              f"recipe grants its policy to role {role}")

    policy = _read_policy(reader, top["policy"], "policy")
    variants: dict[str, PolicySpec] = {}
    if "policy_variants" in top:
        for variant, variant_node in reader.mapping(top["policy_variants"], "policy_variants", ()).items():
            if not VARIANT_NAME.fullmatch(variant):
                reader.fail(variant_node, f"policy_variants.{variant}", "variant names are lower-case letters, "
                            "digits and -, starting with a letter")
            variants[variant] = _read_policy(reader, variant_node, f"policy_variants.{variant}")

    trigger = _read_trigger(reader, top["trigger"]) if "trigger" in top else Trigger(rule="Add1", adjustment=1)
    if trigger is not None:
        needed = "SCALE_OUT" if trigger.adjustment > 0 else "SCALE_IN"
        if all(stage.hook.transition != needed for stage in stages):
            where = "trigger.adjustment" if "trigger.adjustment" in reader.locations else "trigger"
            line, column = reader.locations[where]
            raise RecipeError(f"{source}:{line}:{column}: {where}: {trigger.adjustment:+d} starts a "
                              f"{needed.lower().replace('_', '-')} activity, which no hook of this recipe handles")

    return Recipe(name=name, title=title, description=description, role=role, inputs=tuple(inputs),
                  stages=tuple(stages), policy=policy, policy_variants=variants, trigger=trigger, path=path,
                  reference=reference, locations=dict(reader.locations))


def load_recipe(path: Path) -> Recipe:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecipeError(f"{path}: cannot read the recipe: {getattr(exc, 'strerror', None) or exc}") from exc
    return parse_recipe(text, source=str(path), path=path)


def builtin_recipes_dir() -> Path:
    """essctl/recipes in an installed wheel; the repo's recipes/ in a checkout (see pyproject force-include)."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "recipes"
    return shipped if shipped.is_dir() else package.parent / "recipes"


def builtin_recipe_paths() -> dict[str, Path]:
    """Built-in recipe name (the file name without .yaml) -> path."""
    directory = builtin_recipes_dir()
    return {path.stem: path for path in sorted(directory.glob("*.yaml"))} if directory.is_dir() else {}


def find_recipe(name_or_path: str) -> Recipe:
    """A built-in recipe by name, or a recipe file."""
    builtins = builtin_recipe_paths()
    if name_or_path in builtins:
        return load_recipe(builtins[name_or_path])
    path = Path(name_or_path)
    if path.exists() or "/" in name_or_path or path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise RecipeError(f"{name_or_path}: no such recipe file")
        return load_recipe(path)
    close = difflib.get_close_matches(name_or_path, list(builtins), n=1)
    raise RecipeError(f"{name_or_path}: not a built-in recipe or a file"
                      + (f" (did you mean {close[0]}?)" if close else "")
                      + f"; built-ins: {_listing(builtins)}")


# ---------------------------------------------------------------------------------------------------- inputs


def resolve_inputs(recipe: Recipe, raw: dict[str, str], *, use_examples: bool = False) -> dict[str, Any]:
    """The typed value of every input that has one: given with -p, else the example (dry-run), else the default.
    An unknown key, a missing required input and a value that does not fit are UsageErrors naming -p key."""
    for key in raw:
        if recipe.input(key) is None:
            close = difflib.get_close_matches(key, [item.name for item in recipe.inputs], n=1)
            raise UsageError(f"-p {key}: not an input of recipe {recipe.name}"
                             + (f" (did you mean {close[0]}?)" if close else
                                f" (inputs: {_listing(item.name for item in recipe.inputs)})"))
    values: dict[str, Any] = {}
    for item in recipe.inputs:
        if item.name in raw:
            value, problem = coerce(Parameter(name=item.name, type=item.type), raw[item.name])
            if problem:
                raise UsageError(f"-p {problem}")
            if item.allowed is not None and value not in item.allowed:
                raise UsageError(f"-p {item.name}: must be one of {_listing(item.allowed)}, got {raw[item.name]!r}")
            values[item.name] = value
        elif use_examples and item.example is not None:
            values[item.name] = item.example
        elif item.default is not None:
            values[item.name] = item.default
        elif item.required:
            raise UsageError(f"-p {item.name}: required by recipe {recipe.name}"
                             + (f" ({item.help})" if item.help else ""))
    return values


_UNSET = object()


def _substitute(value: Any, values: dict[str, Any], where: str) -> Any:
    if isinstance(value, list):
        return [_substitute(item, values, where) for item in value]
    if isinstance(value, dict):
        return {key: _substitute(item, values, where) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    whole = REFERENCE.fullmatch(value)
    if whole and whole.group(1) not in ESS_PLACEHOLDERS:
        return values.get(whole.group(1), _UNSET)

    def replace(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref in ESS_PLACEHOLDERS:
            return match.group(0)
        if ref not in values:
            raise UsageError(f"{where}: ${{{ref}}} has no value (give -p {ref}=...)")
        return ess_text(values[ref])

    return REFERENCE.sub(replace, value)


def stage_parameters(stage: Stage, values: dict[str, Any]) -> dict[str, Any]:
    """The stage's parameters with ${input} references replaced: "${x}" alone keeps x's typed value, a reference
    inside text becomes text. A parameter that is just a reference to an input without a value is left out (the
    template's default applies); ESS placeholders such as ${regionId} are kept for ESS."""
    resolved = {}
    for name, value in stage.parameters.items():
        result = _substitute(value, values, f"parameters.{name}")
        if result is not _UNSET:
            resolved[name] = result
    return resolved


# ---------------------------------------------------------------------------------------------------- templates


def _fits_parameter(parameter: Parameter, value: Any) -> str | None:
    """Why a literal recipe value does not fit a template parameter, or None."""
    _, problem = coerce(parameter, value)
    if problem:
        return problem.split(": ", 1)[1]
    if parameter.type == "String" and not isinstance(value, str):
        return f"must be a string, got {_kind(value)} {value!r} (quote it)"
    if parameter.allowed_values and value not in parameter.allowed_values:
        return f"must be one of {_listing(parameter.allowed_values)} (template {parameter.name}), got {value!r}"
    return None


def _check_input_feeds(recipe: Recipe, item: RecipeInput, parameter: Parameter, template: Template) -> None:
    where = f"inputs.{item.name}"
    if item.type != parameter.type:
        recipe.fail(f"{where}.type", f"{template.name} parameter {parameter.name} is {parameter.type}, "
                                     f"the input is {item.type}")
    if not parameter.allowed_values:
        return
    for key, candidates in (("allowed", item.allowed or ()), ("default", [item.default]),
                            ("example", [item.example])):
        for value in candidates:
            if value is not None and value not in parameter.allowed_values:
                recipe.fail(f"{where}.{key}", f"{value!r} is not allowed by {template.name} parameter "
                                              f"{parameter.name} (allowed: {_listing(parameter.allowed_values)})")


def is_lifecycle_template(template: Template) -> bool:
    """A template a lifecycle hook can run: ESS hands it the lifecycle action token to complete the action."""
    return any(parameter.placeholder == "lifecycleActionToken" for parameter in template.parameters.values())


def check_against_template(recipe: Recipe, stage: Stage, template: Template) -> None:
    """RecipeError at the field for a stage parameter the template does not have, a placeholder parameter set to
    anything but its placeholder, a value the template does not accept, a required template parameter not set,
    a role mismatch, or a hook timeout shorter than the template's own timeout plus the margin."""
    if not is_lifecycle_template(template):
        recipe.fail(recipe.stage_field(stage, "template"), f"{template.name} is not a lifecycle-hook template: no "
                                                           "parameter takes ${lifecycleActionToken} from ESS")
    for name, value in stage.parameters.items():
        where = recipe.stage_field(stage, f"parameters.{name}")
        parameter = template.parameters.get(name)
        if parameter is None:
            close = difflib.get_close_matches(name, list(template.parameters), n=1)
            recipe.fail(where, f"not a parameter of {template.name}"
                        + (f" (did you mean {close[0]}?)" if close else
                           f" (parameters: {_listing(template.parameters)})"))
        if parameter.placeholder:
            if value not in (f"${{{parameter.placeholder}}}", parameter.default):
                recipe.fail(where, f"ESS fills it with ${{{parameter.placeholder}}}; remove it (got {value!r})")
            continue
        whole = REFERENCE.fullmatch(value) if isinstance(value, str) else None
        if whole and whole.group(1) in ESS_PLACEHOLDERS:
            continue
        if whole:
            _check_input_feeds(recipe, recipe.input(whole.group(1)), parameter, template)
            continue
        if _references(value):
            if parameter.type not in ("String", "Json", "List"):
                recipe.fail(where, f"{template.name} parameter {name} is {parameter.type}; a reference inside "
                                   "text makes a string (use the reference alone)")
            continue
        problem = _fits_parameter(parameter, value)
        if problem:
            recipe.fail(where, problem)
    for parameter in template.parameters.values():
        if parameter.required and not parameter.placeholder and parameter.name not in stage.parameters:
            recipe.fail(recipe.stage_field(stage, "parameters"),
                        f"{template.name} requires {parameter.name} (it has no default): set it or reference "
                        f"an input (`{parameter.name}: ${{{parameter.name}}}`)")
    role = template.parameters.get("OOSAssumeRole")
    if role is not None and "OOSAssumeRole" not in stage.parameters and role.default != recipe.role:
        recipe.fail(recipe.stage_field(stage, "parameters"),
                    f"{template.name} runs as OOSAssumeRole {role.default!r} but the recipe grants role "
                    f"{recipe.role}; set OOSAssumeRole: {recipe.role}")
    literal = {name: value for name, value in stage.parameters.items() if not _references(value)}
    timeout_ref = REFERENCE.fullmatch(str(stage.parameters.get("timeout", "")))
    if timeout_ref and recipe.input(timeout_ref.group(1)) is not None:
        item = recipe.input(timeout_ref.group(1))
        if item.default is not None or item.example is not None:
            literal["timeout"] = item.default if item.default is not None else item.example
    advice = check_heartbeat_timeout(template, stage.hook.timeout, literal)
    if advice is not None:
        recipe.fail(recipe.stage_field(stage, "hook.timeout"),
                    f"{advice.heartbeat_timeout} s is too short: {advice.reason}; use at least {advice.suggested}")
