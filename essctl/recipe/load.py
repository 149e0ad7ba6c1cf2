"""Reading a recipe file: every field checked where it is written, every problem one line naming FILE:LINE:COL and
the field (recipes/README.md is the format)."""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

from essctl.errors import clip, shorten
from essctl.facts.ess import (
    ADJUSTMENT_RANGE,
    DEFAULT_HEARTBEAT_S,
    DEFAULT_RESULT,
    DEFAULT_RESULTS,
    ESS_PLACEHOLDERS,
    HEARTBEAT_RANGE_S,
    HOOK_NAME,
    NAME_RULE,
    PLACEHOLDER_PARAMETERS,
    TRANSITIONS,
    transition_of,
)
from essctl.facts.oos import DEFAULT_ROLE, PARAMETER_TYPES, TEMPLATE_NAME
from essctl.facts.ram import POLICY_DOCUMENT_LIMIT, POLICY_NAME, RAM_ACTION, ROLE_NAME
from essctl.limits import number_problem
from essctl.policies.system import system_policy_documents
from essctl.recipe.inputs import REFERENCE, references
from essctl.recipe.model import HookSpec, PolicySpec, Recipe, RecipeError, RecipeInput, Stage, Trigger, rule_name
from essctl.yamldoc import Document, FieldPath, kind_of, listing

INPUT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
VARIANT_NAME = re.compile(r"[a-z][a-z0-9-]*")
TOP_LEVEL_FIELDS = ("name", "title", "description", "reference", "template", "role", "inputs", "parameters", "hook",
                    "policy", "policy_variants", "trigger", "scale_in")


def load_recipe(path: Path) -> Recipe:
    return _read(Document.read(path, what="recipe", root="recipe", error=RecipeError, printable=True), path)


def parse_recipe(text: str, *, source: str, path: Path | None = None) -> Recipe:
    """Parse recipe text; `source` is what errors name (the file path)."""
    return _read(Document(text, source, what="recipe", root="recipe", error=RecipeError, printable=True), path)


def _typed_problem(kind: str, value: Any) -> str | None:
    """Why a value written in the recipe does not fit an input type, or None."""
    fits = {
        "String": isinstance(value, str),
        "Number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "Boolean": isinstance(value, bool),
        "List": isinstance(value, list),
        "Json": isinstance(value, (dict, list, str, int, float, bool)),
    }[kind]
    if not fits:
        return f"must be {kind}, got {kind_of(value)} {shorten(value)}" + (
            " (quote it)" if kind == "String" and isinstance(value, (int, float, bool)) else "")
    return number_problem(value) if kind == "Number" else None


def _input(doc: Document, name: str, value: Any) -> RecipeInput:
    path: FieldPath = ("inputs", name)
    if not INPUT_NAME.fullmatch(name):
        doc.fail(path, "input names are 1-64 letters, digits and _, starting with a letter")
    if name in ESS_PLACEHOLDERS:
        doc.fail(path, f"${{{name}}} is filled by ESS; choose another input name")
    fields = doc.mapping(value, path, ("type", "required", "default", "allowed", "help", "example"))
    kind = doc.choice(fields["type"], (*path, "type"), PARAMETER_TYPES) if "type" in fields else "String"
    required = doc.boolean(fields["required"], (*path, "required")) if "required" in fields else False
    allowed = None
    if "allowed" in fields:
        values = doc.sequence(fields["allowed"], (*path, "allowed"), non_empty=True)
        for item in values:
            problem = _typed_problem(kind, item)
            if problem:
                doc.fail((*path, "allowed"), problem)
        allowed = tuple(values)
    checked = {}
    for key in ("default", "example"):
        if key not in fields:
            continue
        problem = _typed_problem(kind, fields[key])
        if problem:
            doc.fail((*path, key), problem)
        if allowed is not None and fields[key] not in allowed:
            doc.fail((*path, key), f"must be one of {listing(allowed)}, got {shorten(fields[key])}")
        checked[key] = fields[key]
    if required and "default" in checked:
        doc.fail((*path, "default"), "a required input has no default (drop one of them)")
    help_text = doc.string(fields["help"], (*path, "help")) if "help" in fields else ""
    return RecipeInput(name=name, type=kind, required=required, default=checked.get("default"), allowed=allowed,
                       help=help_text, example=checked.get("example"))


def _hook(doc: Document, value: Any, path: FieldPath, transition: str | None) -> HookSpec:
    """A hook; `transition` is the one a scale-in counterpart must have (None: required and free)."""
    required = ("name",) if transition else ("name", "transition")
    fields = doc.mapping(value, path, ("name", "transition", "timeout", "default_result"), required)
    name = doc.string(fields["name"], (*path, "name"), HOOK_NAME, NAME_RULE)
    if "transition" in fields:
        given = doc.choice(fields["transition"], (*path, "transition"), TRANSITIONS)
        if transition and given != transition:
            doc.fail((*path, "transition"), f"must be {transition} (the scale-in counterpart), got {given}")
        transition = given
    timeout = DEFAULT_HEARTBEAT_S
    if "timeout" in fields:
        timeout = doc.integer(fields["timeout"], (*path, "timeout"), *HEARTBEAT_RANGE_S)
    default_result = DEFAULT_RESULT
    if "default_result" in fields:
        default_result = doc.choice(fields["default_result"], (*path, "default_result"), DEFAULT_RESULTS)
    return HookSpec(name=name, transition=str(transition), timeout=timeout, default_result=default_result)


def _statement(doc: Document, value: Any, path: FieldPath) -> dict[str, Any]:
    fields = doc.mapping(value, path, ("Effect", "Action", "Resource", "Condition"), ("Effect", "Action"))
    effect = doc.choice(fields["Effect"], (*path, "Effect"), ("Allow", "Deny"))
    actions = doc.sequence(fields["Action"], (*path, "Action"), non_empty=True, what="service:Action strings")
    for action in actions:
        if not isinstance(action, str) or not RAM_ACTION.fullmatch(action):
            doc.fail((*path, "Action"), f"must be service:Action strings (e.g. ecs:RunCommand), got {shorten(action)}")
    resource = fields.get("Resource", "*")
    if not (isinstance(resource, str) or (isinstance(resource, list) and all(isinstance(r, str) for r in resource))):
        doc.fail((*path, "Resource"), "must be a string or a list of strings")
    statement = {"Effect": effect, "Action": actions, "Resource": resource}
    if "Condition" in fields:
        if not isinstance(fields["Condition"], dict):
            doc.fail((*path, "Condition"), "must be a mapping")
        statement["Condition"] = fields["Condition"]
    return statement


def _policy(doc: Document, value: Any, path: FieldPath) -> PolicySpec:
    fields = doc.mapping(value, path, ("derive", "name", "statements", "document", "system", "description"))
    kinds = [key for key in ("derive", "statements", "document", "system") if key in fields]
    if len(kinds) != 1:
        doc.fail(path, "give exactly one of derive: true, statements, document, system"
                 + (f" (got {', '.join(kinds)})" if kinds else ""))
    kind = kinds[0]
    description = doc.string(fields["description"], (*path, "description")) if "description" in fields else ""
    name = None
    if "name" in fields:
        if kind == "system":
            doc.fail((*path, "name"), "system policies are named in system; drop name")
        name = doc.string(fields["name"], (*path, "name"), POLICY_NAME, "1-128 letters, digits and -")
    elif kind != "system":
        doc.fail(path, f"missing required field name (the RAM policy a {kind} policy creates)")
    if kind == "system":
        names = fields["system"]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            doc.fail((*path, "system"), "must be a non-empty list of system policy names")
        known = system_policy_documents()
        for system_name in names:
            if system_name not in known:
                close = difflib.get_close_matches(system_name, list(known), n=1)
                doc.fail((*path, "system"), f"unknown system policy {shorten(system_name)}"
                         + (f" (did you mean {close[0]}?)" if close else f" (known: {listing(sorted(known)[:4])} "
                                                                         f"and {len(known) - 4} more)"))
        return PolicySpec(name=None, derive=False, document=None, system=tuple(names), description=description)
    if kind == "derive":
        if fields["derive"] is not True:
            doc.fail((*path, "derive"), "must be true (or give statements, document or system)")
        return PolicySpec(name=name, derive=True, document=None, system=(), description=description)
    if kind == "statements":
        items, document_path = fields["statements"], (*path, "statements")
    else:
        document_fields = doc.mapping(fields["document"], (*path, "document"), ("Version", "Statement"),
                                      ("Statement",))
        if "Version" in document_fields and str(document_fields["Version"]) != "1":
            doc.fail((*path, "document", "Version"), "must be \"1\"")
        items, document_path = document_fields["Statement"], (*path, "document", "Statement")
    items = doc.sequence(items, document_path, non_empty=True, what="statements")
    document = {"Version": "1", "Statement": [_statement(doc, item, (*document_path, index))
                                              for index, item in enumerate(items)]}
    size = len(json.dumps(document, separators=(",", ":")))
    if size > POLICY_DOCUMENT_LIMIT:
        doc.fail(document_path, f"the document is {size} characters; RAM accepts at most {POLICY_DOCUMENT_LIMIT}")
    return PolicySpec(name=name, derive=False, document=document, system=(), description=description)


def _template_name(doc: Document, name: Any, path: FieldPath) -> str:
    if not isinstance(name, str):
        doc.fail(path, f"must be an OOS template name, got {kind_of(name)} {shorten(name)}")
    if name.startswith("acs:"):
        doc.fail(path, f"give the template name; essctl builds the NotificationArn (got {shorten(name)})")
    if "::" in name:
        doc.fail(path, f"{clip(name)} is an OOS action, not a template a lifecycle hook can notify")
    if name.endswith((".yml", ".yaml", ".json")):
        doc.fail(path, f"give the OOS template name, not a file name (got {shorten(name)})")
    if not TEMPLATE_NAME.fullmatch(name):
        doc.fail(path, f"not a valid OOS template name: 1-200 letters, digits, _ - . (got {shorten(name)})")
    if name.startswith("ACS-") and "LifeCycle" not in name:
        doc.fail(path, f"{clip(name)} is not a lifecycle-hook template (public ones are ACS-ESS-*LifeCycle*)")
    return name


def _parameters(doc: Document, value: Any, path: FieldPath) -> dict[str, Any]:
    fields = doc.mapping(value, path)
    for name, item in fields.items():
        if name in PLACEHOLDER_PARAMETERS and item not in (f"${{{name}}}", [f"${{{name}}}"]):
            doc.fail((*path, name), f"ESS fills it with ${{{name}}}; remove it (got {shorten(item)})")
    return dict(fields)


def _trigger(doc: Document, value: Any, name: str) -> Trigger | None:
    if value is None or value == "none":
        return None
    if isinstance(value, str):
        doc.fail(("trigger",), f"must be a mapping {{rule, adjustment}} or none, got {shorten(value)}")
    fields = doc.mapping(value, ("trigger",), ("rule", "adjustment"))
    adjustment = 1
    if "adjustment" in fields:
        adjustment = doc.integer(fields["adjustment"], ("trigger", "adjustment"), *ADJUSTMENT_RANGE)
        if adjustment == 0:
            doc.fail(("trigger", "adjustment"), "must be a nonzero integer (+N adds, -N removes)")
    if "rule" not in fields:
        return Trigger(rule=rule_name(name, adjustment), adjustment=adjustment)
    return Trigger(rule=doc.string(fields["rule"], ("trigger", "rule"), HOOK_NAME, NAME_RULE), adjustment=adjustment,
                   named=True)


def _read(doc: Document, path: Path | None) -> Recipe:
    top = doc.mapping(doc.root, (), TOP_LEVEL_FIELDS, ("name", "template", "hook", "policy"))
    name = doc.string(top["name"], ("name",), HOOK_NAME, NAME_RULE)
    title = doc.string(top["title"], ("title",)) if "title" in top else name
    description = doc.string(top["description"], ("description",)) if "description" in top else ""
    reference = doc.string(top["reference"], ("reference",)) if "reference" in top else ""
    role = doc.string(top["role"], ("role",), ROLE_NAME, "a RAM role name: 1-64 letters, digits, . -") \
        if "role" in top else DEFAULT_ROLE

    inputs = [_input(doc, input_name, value)
              for input_name, value in doc.mapping(top.get("inputs"), ("inputs",), empty_ok=True).items()]
    declared = {item.name for item in inputs}

    template = _template_name(doc, top["template"], ("template",))
    parameters = _parameters(doc, top["parameters"], ("parameters",)) if "parameters" in top else {}
    hook = _hook(doc, top["hook"], ("hook",), None)
    stages = [Stage(template=template, hook=hook, parameters=parameters)]
    written: dict[FieldPath, Any] = {("parameters", key): value for key, value in parameters.items()}

    if "scale_in" in top:
        scale_in = doc.mapping(top["scale_in"], ("scale_in",), ("template", "hook", "parameters"), ("hook",))
        if hook.transition != "SCALE_OUT":
            doc.fail(("hook", "transition"), "must be SCALE_OUT when the recipe has a scale_in counterpart")
        in_template = _template_name(doc, scale_in["template"], ("scale_in", "template")) \
            if "template" in scale_in else template
        overrides = _parameters(doc, scale_in["parameters"], ("scale_in", "parameters")) \
            if "parameters" in scale_in else {}
        in_hook = _hook(doc, scale_in["hook"], ("scale_in", "hook"), "SCALE_IN")
        if in_hook.name == hook.name:
            doc.fail(("scale_in", "hook", "name"),
                     f"must differ from hook.name ({hook.name}): hook names are unique in a scaling group",
                     at=("scale_in", "hook"))
        # The same template keeps the main parameters under the overrides; another template has its own.
        merged = {**parameters, **overrides} if in_template == template else overrides
        stages.append(Stage(template=in_template, hook=in_hook, parameters=merged))
        written.update({("scale_in", "parameters", key): value for key, value in overrides.items()})

    used: set[str] = set()
    for where, value in written.items():
        for ref in references(value):
            if ref in declared:
                used.add(ref)
            elif ref not in ESS_PLACEHOLDERS:
                doc.fail(where, f"${{{clip(ref)}}} names no declared input (inputs: "
                                f"{listing(sorted(declared))})")
    for item in inputs:
        if item.name not in used:
            doc.fail(("inputs", item.name), f"not used by any parameter (reference it as ${{{clip(item.name)}}})")
    for stage_path, stage in zip((("parameters",), ("scale_in", "parameters")), stages):
        assumed = stage.parameters.get("OOSAssumeRole")
        if isinstance(assumed, str) and not REFERENCE.search(assumed) and assumed != role:
            where = (*stage_path, "OOSAssumeRole")
            doc.fail(where, f"the template would run as {clip(assumed)} but the recipe grants its policy to role "
                            f"{role}",
                     at=where if doc.has(where) else ("parameters", "OOSAssumeRole"))

    policy = _policy(doc, top["policy"], ("policy",))
    variants: dict[str, PolicySpec] = {}
    for variant, value in doc.mapping(top.get("policy_variants"), ("policy_variants",), empty_ok=True).items():
        if not VARIANT_NAME.fullmatch(variant):
            doc.fail(("policy_variants", variant), "variant names are lower-case letters, digits and -, starting "
                                                   "with a letter")
        variants[variant] = _policy(doc, value, ("policy_variants", variant))

    trigger = _trigger(doc, top["trigger"], name) if "trigger" in top else Trigger(rule=rule_name(name, 1), adjustment=1)
    if trigger is not None:
        needed = transition_of(trigger.adjustment)
        if all(stage.hook.transition != needed for stage in stages):
            where = ("trigger", "adjustment") if doc.has(("trigger", "adjustment")) else ("trigger",)
            doc.fail(where, f"{trigger.adjustment:+d} starts a {needed.lower().replace('_', '-')} activity, which no "
                            "hook of this recipe handles")

    return Recipe(name=name, title=title, description=description, role=role, inputs=tuple(inputs),
                  stages=tuple(stages), policy=policy, policy_variants=variants, trigger=trigger, path=path,
                  reference=reference, document=doc)
