"""The conformance checks: a request against the API's metadata, a response body against its reference page and the
SDK model, an error answer against the documented codes. Each check returns the problems it found (strings); a
problem the known-exceptions table accepts is returned apart, with the entry that accepts it."""
from __future__ import annotations

import importlib
import inspect
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from tests.conformance import reference as ref
from tests.conformance.known import Exceptions

# --- requests ------------------------------------------------------------------------------------------------------

# README "Quirks": parameters only the 2022 SDK (or the SDK of the product) sends, and required-ness that differs.
SDK_ONLY = {("ess", "StartInstanceRefresh"): {"Strategy"}, ("ess", "ScaleWithAdjustment"): {"ParallelTask"},
            ("ess", "ApplyScalingGroup"): {"Format"}, ("ram", "CreateRole"): {"AllowConsoleLogin"},
            ("ram", "UpdateRole"): {"NewAllowConsoleLogin"}}
NOT_REQUIRED = {("ess", "DescribeInstanceRefreshes"): {"ScalingGroupId"}, ("ess", "ModifyInstanceAttribute"): {"Entrusted"},
                ("oos", "DeleteOpsItems"): {"OpsItemIds"}}
_INT = re.compile(r"-?\d+")


def plural(name: str) -> str | None:
    """The 2022 SDK's wire name of a RepeatList the ESS 2014 metadata names in the singular (README alias table:
    ScalingGroupId -> ScalingGroupIds, Process -> Processes); None for a name already plural (LifecycleStates)."""
    if name.endswith("ss"):
        return name + "es"
    return None if name.endswith("s") else name + "s"


def aliases(api: ref.Api) -> dict[str, str]:
    """SDK wire name -> metadata key, for ESS's RepeatList parameters."""
    if api.service != "ess":
        return {}
    found = {}
    for key, param in api.params.items():
        wire = plural(param.name)
        if param.type == "RepeatList" and wire and wire not in api.params:
            found[wire] = key
    return found


@dataclass
class RequestResult:
    problems: list[str] = field(default_factory=list)
    aliased: list[str] = field(default_factory=list)     # parameters matched through the alias table


def _scalar_problem(param: ref.Param, name: str, value: str, constraints: bool) -> str | None:
    kind = param.type
    if kind in ("Integer", "Long"):
        if not _INT.fullmatch(value):
            return f"{name}={value!r} is not an {kind}"
        number = int(value)
        c = param.constraint
        if constraints and ((c.low is not None and number < c.low) or (c.high is not None and number > c.high)):
            return f"{name}={number} is outside {c.low if c.low is not None else '-inf'}..{c.high}"
    elif kind == "Boolean":
        if value.lower() not in ("true", "false"):   # the Python SDK writes str(bool): True / False
            return f"{name}={value!r} is not a Boolean"
    elif kind == "Float":
        try:
            float(value)
        except ValueError:
            return f"{name}={value!r} is not a Float"
    elif kind in ("Json", "Struct"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return f"{name} is not JSON: {value[:60]!r}"
        items = parsed if isinstance(parsed, list) else [parsed]
        unknown = {k for item in items if isinstance(item, dict) for k in item} - set(param.subs) if param.subs else set()
        if unknown:
            return f"{name} has keys the metadata does not know: {sorted(unknown)}"
    elif kind == "String" and constraints and param.constraint.values and value not in param.constraint.values:
        return f"{name}={value!r} is not one of {', '.join(param.constraint.values)}"
    return None


def _value_problems(param: ref.Param, name: str, rest: list[str], value: str, constraints: bool) -> list[str]:
    """A value sent under `name` (the metadata's parameter `param`) with the path `rest` below it (Tags.1.Key ->
    ["1", "Key"])."""
    if param.type == "RepeatList":
        if not rest:
            if value.startswith("["):   # a list sent whole as JSON
                return [p for p in [_scalar_problem(ref.Param(param.name, "Json", False, subs=param.subs), name, value,
                                                    constraints)] if p]
            return [f"{name} is a RepeatList: expected {name}.1, {name}.2, ..."]
        if not rest[0].isdigit() or int(rest[0]) < 1:
            return [f"{name}.{rest[0]}: a RepeatList index must be 1, 2, ..."]
        if param.subs:
            if len(rest) < 2:
                return [f"{name}.{rest[0]} needs a member ({', '.join(param.subs)})"]
            sub = param.subs.get(rest[1])
            if sub is None:
                return [f"{name}.{rest[0]}.{rest[1]} is not a member of {name} ({', '.join(param.subs)})"]
            return _value_problems(sub, f"{name}.{rest[0]}.{rest[1]}", rest[2:], value, constraints)
        if len(rest) > 1:
            return [f"{name}.{'.'.join(rest)}: {name} is a list of plain values"]
        element = ref.Param(param.name, "String", False)
        return [p for p in [_scalar_problem(element, f"{name}.{rest[0]}", value, constraints)] if p]
    if param.type == "Struct" and rest:
        sub = param.subs.get(rest[0]) if param.subs else None
        if param.subs and sub is None:
            return [f"{name}.{rest[0]} is not a member of {name}"]
        return _value_problems(sub, f"{name}.{rest[0]}", rest[1:], value, constraints) if sub else []
    if rest:
        return [f"{name}.{'.'.join(rest)}: {name} is a {param.type}, not a list"]
    problem = _scalar_problem(param, name, value, constraints)
    return [problem] if problem else []


def check_request(service: str, action: str, parameters: dict[str, str], exceptions: Exceptions) -> RequestResult:
    result = RequestResult()
    api = ref.api(service, action)
    if api is None:
        result.problems.append(f"{service}:{action} has no metadata: the API does not exist")
        return result
    constraints = not exceptions.descriptions_unreliable(service, action)
    alias = aliases(api)
    seen: dict[str, set[str]] = {}
    indices: dict[str, set[str]] = {}
    for name, value in sorted(parameters.items()):
        top, *rest = name.split(".")
        if top in ref.OWNER_PARAMETERS or top in SDK_ONLY.get((service, action), ()):
            continue
        key = top if top in api.params and not api.params[top].repeated else None
        if key is None and rest and rest[0].isdigit() and f"{top}.N" in api.params:
            key = f"{top}.N"
        if key is None and top in alias:
            key = alias[top]
            result.aliased.append(top)
        if key is None:
            result.problems.append(f"{name}: the metadata of {action} has no such parameter")
            continue
        param = api.params[key]
        seen.setdefault(key, set()).add(name)
        if param.type == "RepeatList" and rest:
            indices.setdefault(key, set()).add(rest[0])
        result.problems += _value_problems(param, top, rest, value, constraints)
    for key, found in indices.items():
        limit = api.params[key].constraint.max_items
        if constraints and limit is not None and len(found) > limit:
            result.problems.append(f"{api.params[key].name}: {len(found)} items, at most {limit}")
    for key, param in api.params.items():
        if param.required and key not in seen and param.name not in NOT_REQUIRED.get((service, action), ()):
            result.problems.append(f"{param.name} is required and missing")
    result.aliased = sorted(set(result.aliased))
    return result


SDK_PACKAGES = {"ess": "alibabacloud_ess20220222", "oos": "alibabacloud_oos20190601", "ram": "alibabacloud_ram20150501"}

# --- response bodies -----------------------------------------------------------------------------------------------

_MINUTES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")
_SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_ANY_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z")
_JSON_TYPES = {"Integer": (int,), "Long": (int,), "Float": (int, float), "Boolean": (bool,), "String": (str,)}

# A response field whose valid values the page does not list, and the request parameter whose en-US description
# lists them (service, field) -> (service, API, parameter). A field of the same name as a request parameter of the
# same API takes that parameter's values without being listed here.
RESPONSE_VALUES = {
    ("ess", "DefaultResult"): ("ess", "CreateLifecycleHook", "DefaultResult"),
    ("ess", "LifecycleTransition"): ("ess", "CreateLifecycleHook", "LifecycleTransition"),
    ("ess", "LifecycleHookStatus"): ("ess", "ModifyLifecycleHook", "LifecycleHookStatus"),
    ("ess", "LifecycleActionResult"): ("ess", "CompleteLifecycleAction", "LifecycleActionResult"),
    ("ess", "LifecycleActionStatus"): ("ess", "DescribeLifecycleActions", "LifecycleActionStatus"),
    ("ess", "AdjustmentType"): ("ess", "CreateScalingRule", "AdjustmentType"),
    ("ess", "ScalingRuleType"): ("ess", "CreateScalingRule", "ScalingRuleType"),
    ("oos", "Status"): ("oos", "ListExecutions", "Status"),
    ("oos", "Mode"): ("oos", "StartExecution", "Mode"),
    ("oos", "LoopMode"): ("oos", "StartExecution", "LoopMode"),
    ("oos", "SafetyCheck"): ("oos", "StartExecution", "SafetyCheck"),
    ("oos", "ShareType"): ("oos", "ListTemplates", "ShareType"),
    ("oos", "TemplateFormat"): ("oos", "ListTemplates", "TemplateFormat"),
    ("oos", "TemplateType"): ("oos", "ListTemplates", "TemplateType"),
    ("ram", "PolicyType"): ("ram", "AttachPolicyToRole", "PolicyType"),
}


@dataclass
class BodyResult:
    problems: list[str] = field(default_factory=list)
    documented: set[str] = field(default_factory=set)    # field names the page knows
    sdk_only: set[str] = field(default_factory=set)      # field names only the 2022 SDK model knows


_WIRE = re.compile(r"result\['([^']+)'\]\s*=\s*(?:\[\]\s*\n\s*if\s+)?self\.(\w+)")


@lru_cache(maxsize=None)
def _wire_names(cls: type) -> dict[str, str]:
    """python attribute -> wire name of an SDK model class, read from its to_map."""
    return {attr: wire for wire, attr in _WIRE.findall(inspect.getsource(cls.to_map))}


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, str]:
    return {name: str(p.annotation) for name, p in inspect.signature(cls.__init__).parameters.items()}


def _leaves(model: Any, raw: Any, path: str = "") -> Iterable[tuple[str, str, Any, str]]:
    """(path, wire name, raw value, SDK type hint) of every field the SDK model declares, nested models entered
    (list indices dropped from the path); a free-form map (Dict in the model: OOS Parameters, Tags) is one value."""
    from darabonba.model import DaraModel

    if not isinstance(raw, dict):
        return
    names, hints = _wire_names(type(model)), _hints(type(model))
    for attr, value in vars(model).items():
        wire = names.get(attr)
        if wire is None or wire not in raw:
            continue
        here = f"{path}.{wire}" if path else wire
        yield here, wire, raw[wire], hints.get(attr, "")
        if isinstance(value, DaraModel):
            yield from _leaves(value, raw[wire], here)
        elif isinstance(value, list) and isinstance(raw[wire], list):
            for item, raw_item in zip(value, raw[wire]):
                if isinstance(item, DaraModel):
                    yield from _leaves(item, raw_item, f"{here}[]")


def _values_for(service: str, action: str, name: str, page: ref.Page | None,
                same_api: bool) -> tuple[tuple[str, ...] | None, str]:
    documented = page.fields.get(name) if page else None
    if documented and documented.values and documented.type == "String":
        return documented.values, f"{page.paths[0].name}"
    mapped = RESPONSE_VALUES.get((service, name))
    if mapped:
        param = (ref.api(mapped[0], mapped[1]) or ref.Api("", "", {})).params.get(mapped[2])
        return (param.constraint.values if param else None), f"{mapped[1]}.{mapped[2]} (en-US)"
    api = ref.api(service, action) if same_api else None
    param = api.params.get(name) if api else None
    if param is not None and param.type == "String":
        return param.constraint.values, f"{action}.{name} (en-US)"
    return None, ""


def _time_format(service: str, name: str, page: ref.Page | None) -> tuple[re.Pattern | None, str]:
    """The precision a time field must have: what the page's example shows, else seconds for OOS."""
    examples: list[str] = []
    if page:
        if name in page.fields:
            examples.append(page.fields[name].example)
        examples += sorted(page.example_values.get(name, ()))
    for example in examples:
        if _MINUTES.fullmatch(example):
            return _MINUTES, f"minutes, as {example} on {page.paths[0].name}"
        if _SECONDS.fullmatch(example):
            return _SECONDS, f"seconds, as {example} on {page.paths[0].name}"
    if service == "oos":
        return _SECONDS, "seconds (OOS writes yyyy-MM-ddTHH:mm:ssZ)"
    return None, ""


_HINT_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}


def check_body(service: str, action: str, body: dict, exceptions: Exceptions) -> BodyResult:
    from tests.support.sdk_roundtrip import round_trip_problem

    result = BodyResult()
    problem = round_trip_problem(service, action, body)
    if problem:
        result.problems.append(problem)
        return result
    models = importlib.import_module(f"{SDK_PACKAGES[service]}.models")
    model = getattr(models, f"{action}ResponseBody")().from_map(body)
    page = ref.page(service, action)
    known = (set(page.fields) | page.example_names) if page else set()
    same_api = not exceptions.descriptions_unreliable(service, action)
    for path, name, value, hint in _leaves(model, body):
        (result.documented if name in known else result.sdk_only).add(name)
        if value is None:
            continue
        documented = page.fields.get(name) if page else None
        expected = _HINT_TYPES.get(hint)
        if expected and (not isinstance(value, expected) or (bool not in expected and isinstance(value, bool))):
            result.problems.append(f"{path}={value!r}: the SDK model declares {hint}")
        elif documented is not None and documented.type in _JSON_TYPES and not hint.startswith(("Dict", "List")):
            kinds = _JSON_TYPES[documented.type]
            if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
                result.problems.append(f"{path}={value!r}: {page.paths[0].name} documents {documented.type}")
        if isinstance(value, str):
            if _ANY_TIME.fullmatch(value):
                pattern, why = _time_format(service, name, page)
                if pattern is not None and not pattern.fullmatch(value):
                    result.problems.append(f"{path}={value}: the time should have the precision of {why}")
            values, source = _values_for(service, action, name, page, same_api)
            if values and value not in values:
                result.problems.append(f"{path}={value!r} is not one of {', '.join(values)} ({source})")
    return result


# --- error codes ---------------------------------------------------------------------------------------------------

MISSPELT = "InvalidParamter"   # the code some ESS pages document for a bad parameter value


@dataclass
class ErrorResult:
    problems: list[str] = field(default_factory=list)
    documented: str = ""     # where: "the API's page", "the product's common codes", "another API's page"
    exception: str = ""      # the known-exceptions entry that accepts it


def check_error(service: str, action: str, code: str, status: int | None, exceptions: Exceptions) -> ErrorResult:
    if service not in ref.SERVICES:   # a version no product has: the gateway answers before knowing the product
        results = [check_error(known, action, code, status, exceptions) for known in ref.SERVICES]
        return next((r for r in results if not r.problems), results[0])
    result = ErrorResult()
    page = ref.page(service, action) if service in ref.SERVICES else None
    own = page.errors if page else {}
    if code == "InvalidParameter" and MISSPELT in own:
        result.problems.append(f"{action}'s page documents {MISSPELT} (sic) for a bad parameter, not InvalidParameter")
        return result
    statuses: set[int] = set()
    if code in own:
        result.documented, statuses = f"{page.paths[0].name}", own[code]
    elif code in ref.common_errors(service):
        result.documented, statuses = f"{service}'s common codes", ref.common_errors(service)[code]
    elif code in ref.product_errors(service):
        result.documented, statuses = "another API's page", ref.product_errors(service)[code]
    entry = exceptions.error_code(service, code, status)
    if entry is not None:
        result.exception = entry.label
        return result
    if not result.documented:
        result.problems.append(f"{code} is documented nowhere for {service} and is not a known exception")
    elif status is not None and statuses and status not in statuses:
        result.problems.append(f"{code} answered with HTTP {status}; {result.documented} documents "
                               f"{'/'.join(map(str, sorted(statuses)))}")
    return result
