"""What a tape may hold, checked whole when it is loaded, so that replaying it can only give the answers an API
could have given: every problem is one line `FILE:LINE:COL: field: problem` (exit 2), never a crash later on.

Besides the structure (README.md, "Tapes"), each recorded body must fit the SDK's own `<Action>ResponseBody`
model: every field the model knows has the model's type (a string, an integer, a list of ..., a nested model), as
the SDK's `from_map` would need it and essctl's gateways then read it. Fields the model does not know are kept
(a newer server may add some); they, error bodies and the model's free-form fields (`Dict[str, Any]`) hold JSON
values only (the YAML reader, essctl/yamldoc.py, bounds their size and depth).
"""
from __future__ import annotations

import datetime as _dt
import difflib
import functools
import inspect
import os
import re
import stat
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from essctl.cloud.services import SERVICES
from essctl.errors import UsageError
from essctl.facts.regions import REGION_ID, REGION_RULE
from essctl.yamldoc import MAX_DOCUMENT_BYTES, Document, FieldPath, dotted, kind_of

TAPE_FORMAT = 1
ERROR_CLASSES = ("ClientException", "ServerException", "ThrottlingException")
HEADER_FIELDS = ("format", "essctl", "recorded_at", "source", "region", "account_redacted", "interactions")
INTERACTION_FIELDS = ("service", "version", "action", "parameters", "response", "error")
RESPONSE_FIELDS = ("status", "request_id", "body")
ERROR_FIELDS = ("class", "status", "code", "message", "request_id", "retry_after", "data")
ACTION = re.compile(r"[A-Z][A-Za-z0-9]{1,99}")
_SHORT = 60
MAX_MESSAGE = 280              # with 'essctl: error: ' in front, within the 300 characters of one line


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHORT else text[:_SHORT - 1] + "…"


def _got(value: Any) -> str:
    """What a wrong value is, as a message says it: 'a string 'x'', 'a list', 'nothing (null)'."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, (list, dict, set, tuple)):
        return kind_of(value)
    return f"{kind_of(value)} {_short(value)}"


def _key(part: Any) -> Any:
    """A field name as a message shows it: cut, so that one odd key cannot make the line long."""
    return part if isinstance(part, int) or len(str(part)) <= 40 else str(part)[:39] + "…"


def _fail(doc: Document, path: FieldPath, problem: str) -> UsageError:
    """The error at `path`, one line of at most MAX_MESSAGE characters: a long field path keeps its end."""
    try:
        line, column = doc.position(path)
        where = f"{doc.source}:{line}:{column}: "
    except Exception:    # the position comes from PyYAML's own parser, which refuses a few texts
        where = f"{doc.source}: "   # libyaml read ('0\t', for one): the error still names the file and field
    field = dotted(tuple(_key(part) for part in path)) or "tape"
    room = MAX_MESSAGE - len(where) - len(problem) - 2
    if len(field) > max(room, 40):
        field = "…" + field[-max(room, 40) + 1:]
    return UsageError(f"{where}{field}: {problem}"[:MAX_MESSAGE])


def _mapping(doc: Document, value: Any, path: FieldPath, allowed: tuple[str, ...], required: tuple[str, ...] = (),
             *, empty_ok: bool = False) -> dict[str, Any]:
    """A mapping of the tape's format: only `allowed` fields (a did-you-mean for others), `required` ones there."""
    if value is None and empty_ok:
        return {}
    if value is None and path == ():
        raise UsageError(f"{doc.source}: the file is empty (expected an essctl tape)")
    if not isinstance(value, dict):
        raise _fail(doc, path, f"must be a mapping, got {_got(value)}")
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1) if isinstance(key, str) else []
            hint = f"did you mean {close[0]}?" if close else f"fields: {', '.join(allowed)}"
            raise _fail(doc, (*path, key if isinstance(key, str) else _short(key)), f"unknown field ({hint})")
    for key in required:
        if key not in value:
            raise _fail(doc, path, f"missing required field {key}")
    return value


# --- the file -----------------------------------------------------------------------------------------------------

def read_tape_document(path: Path) -> Document:
    """The tape file as a YAML document: a regular file of at most MAX_DOCUMENT_BYTES (not a pipe or a device,
    which could block or never end), in UTF-8."""
    try:
        status = os.stat(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the tape: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(status.st_mode):
        raise UsageError(f"{path}: not a tape: not a regular file")
    if status.st_size > MAX_DOCUMENT_BYTES:
        raise UsageError(f"{path}: the tape is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MiB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the tape: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UsageError(f"{path}:{line}:{column}: yaml: not UTF-8 text (byte 0x{data[exc.start]:02x}); a tape is "
                         "written in UTF-8") from None
    import yaml

    try:
        return Document(text, str(path), what="tape")
    except yaml.YAMLError as exc:   # PyYAML's own parser, which finds positions, refusing a text libyaml read
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise UsageError(f"{path}: yaml: {problem[:120]}") from None


# --- JSON values ------------------------------------------------------------------------------------------------

def check_json(doc: Document, value: Any, path: FieldPath) -> None:
    """`value` is what a JSON body could hold. The YAML reader already bounded its size and depth and refused
    aliases inside themselves and values JSON has no form for; what remains is a field name that is not text
    (`7: x`). Iterative, like the reader."""
    stack: list[tuple[Any, FieldPath]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise _fail(doc, where, f"field names are strings, got {_short(key)}")
                stack.append((child, (*where, key)))
        elif isinstance(item, list):
            stack.extend((child, (*where, index)) for index, child in enumerate(item))


# --- the SDK's response models ------------------------------------------------------------------------------------

def sdk_models(service: str) -> ModuleType | None:
    """The SDK's models module of a service; None when that SDK is not installed (its calls cannot be made)."""
    name = f"{SERVICES[service].package}.models"
    try:
        __import__(name)     # an import statement's way, which `python -X importtime` (tests/e2e/test_startup.py) sees
    except ImportError:
        return None
    return sys.modules[name]


def _example(kind: str, models: ModuleType) -> Any:
    """A value of the type an SDK model annotates a field with ('str', 'List[main_models.X]', ...)."""
    if kind.startswith("List["):
        return [_example(kind[5:-1], models)]
    if kind.startswith("main_models."):
        return getattr(models, kind.split(".", 1)[1])()
    return {"str": "x", "int": 7, "bool": True, "float": 1.5}.get(kind, {"k": "v"})


@functools.lru_cache(maxsize=None)
def model_fields(model: type, models: ModuleType) -> dict[str, str]:
    """Wire name -> annotation of each field of an SDK model, found the way the SDK writes them: `to_map` of the
    model with that one field set."""
    empty = model().to_map()
    fields: dict[str, str] = {}
    for name, parameter in list(inspect.signature(model.__init__).parameters.items())[1:]:
        kind = str(parameter.annotation)
        probe = model()
        setattr(probe, name, _example(kind, models))
        written = probe.to_map()
        changed = [key for key in written if written[key] != empty.get(key)]
        if len(changed) == 1:
            fields[changed[0]] = kind
    return fields


_KINDS = {"str": "a string", "int": "an integer", "bool": "true or false", "float": "a number"}


def _fits(value: Any, kind: str) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind.startswith("List["):
        return isinstance(value, list)
    return isinstance(value, dict)     # Dict[...] and nested models


# Fields whose model hint is narrower than what the service answers: (action, field path) -> the hint taken
# instead. OOS answers StartExecution's Execution.Parameters as an object, as in ListExecutions, although the SDK
# model hints str (shared/docs/sdk-internals.md §4; tests/conformance/known_exceptions.yaml).
HINT_WIDENED: dict[tuple[str, FieldPath], str] = {("StartExecution", ("Execution", "Parameters")): "Dict[str, Any]"}


def body_problem(models: ModuleType, action: str, body: dict[str, Any]) -> tuple[FieldPath, str] | None:
    """(where, what) when a body does not fit `<action>ResponseBody`; None when it does."""
    stack: list[tuple[Any, str, FieldPath]] = [(body, f"main_models.{action}ResponseBody", ())]
    while stack:
        value, kind, where = stack.pop()
        if value is None:
            continue
        if not _fits(value, kind):
            wanted = _KINDS.get(kind) or ("a list" if kind.startswith("List[") else "a mapping")
            return where, f"must be {wanted} (the SDK's model), got {_got(value)}"
        if kind.startswith("List["):
            inner = kind[5:-1]
            for index, item in enumerate(value):
                if item is None:
                    return (*where, index), "must not be empty (null) in a list"
                stack.append((item, inner, (*where, index)))
        elif kind.startswith("main_models."):
            fields = model_fields(getattr(models, kind.split(".", 1)[1]), models)
            stack.extend((child, HINT_WIDENED.get((action, (*where, key)), fields[key]), (*where, key))
                         for key, child in value.items() if key in fields)
    return None


def has_action(models: ModuleType, action: str) -> bool:
    return isinstance(getattr(models, f"{action}ResponseBody", None), type)


# --- the tape -----------------------------------------------------------------------------------------------------

def _text(doc: Document, value: Any, path: FieldPath, *, empty_ok: bool = True) -> str | None:
    """A header's text (a timestamp or a date YAML read as one is written back as text)."""
    if value is None and empty_ok:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if not isinstance(value, str):
        raise _fail(doc, path, f"must be a string, got {_got(value)}")
    return value


def _integer(doc: Document, value: Any, path: FieldPath, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(doc, path, f"must be an integer {low}..{high}, got {_got(value)}")
    return value


def check_header(doc: Document) -> dict[str, Any]:
    top = _mapping(doc, doc.root, (), HEADER_FIELDS)
    version = top.get("format")
    if isinstance(version, bool) or version != TAPE_FORMAT or not isinstance(version, int):
        raise _fail(doc, ("format",), f"expected an essctl tape of format {TAPE_FORMAT}, got {_got(version)}")
    region = top.get("region")
    if region is not None and not (isinstance(region, str) and REGION_ID.fullmatch(region)):
        raise _fail(doc, ("region",), f"must be {REGION_RULE}, got {_got(region)}")
    redacted = top.get("account_redacted")
    if redacted is not None and not isinstance(redacted, bool):
        raise _fail(doc, ("account_redacted",), f"must be true or false, got {_got(redacted)}")
    return {
        "region": region, "account_redacted": bool(redacted),
        "recorded_at": _text(doc, top.get("recorded_at"), ("recorded_at",)),
        "source": _text(doc, top.get("source"), ("source",)),
        "essctl": top.get("essctl"),
        "interactions": _interactions(doc, top.get("interactions")),
    }


def _interactions(doc: Document, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(doc, ("interactions",), f"must be a list of interactions, got {_got(value)}")
    return value


def check_interaction(doc: Document, item: Any, where: FieldPath) -> dict[str, Any]:
    """One recorded call, checked whole: service, version, action, parameters, and its answer."""
    item = _mapping(doc, item, where, INTERACTION_FIELDS, ("service", "version", "action"))
    service = item["service"]
    if not isinstance(service, str) or service not in SERVICES:
        raise _fail(doc, (*where, "service"), f"must be one of {', '.join(SERVICES)}, got {_got(service)}")
    spec = SERVICES[service]
    version = _text(doc, item["version"], (*where, "version"), empty_ok=False)
    if version != spec.api_version:
        raise _fail(doc, (*where, "version"), f"must be {spec.api_version!r} (the {service} API essctl speaks), "
                                              f"got {_got(item['version'])}")
    action = item["action"]
    if not isinstance(action, str) or not ACTION.fullmatch(action):
        raise _fail(doc, (*where, "action"), f"must be an API action name such as DescribeScalingGroups, "
                                             f"got {_got(action)}")
    models = sdk_models(service)
    if models is not None and not has_action(models, action):
        raise _fail(doc, (*where, "action"), f"{service} has no API action {_short(action)}")
    parameters = item.get("parameters")
    if parameters is None:
        parameters = {}
    if not isinstance(parameters, dict):
        raise _fail(doc, (*where, "parameters"), f"must be a mapping, got {_got(parameters)}")
    for name, value in parameters.items():
        if not isinstance(name, str):
            raise _fail(doc, (*where, "parameters"), f"parameter names are strings, got {_got(name)}")
        if not (value is None or isinstance(value, (str, int, float))):
            raise _fail(doc, (*where, "parameters", name),
                        f"must be a text, number or boolean (the query as the SDK flattened it), got {_got(value)}")
    if ("response" in item) == ("error" in item):
        raise _fail(doc, where, "needs exactly one of 'response' or 'error'")
    if "response" in item:
        response = _check_response(doc, item["response"], (*where, "response"), models, action)
        return {"service": service, "version": version, "action": action, "parameters": dict(parameters),
                "response": response}
    error = _check_error(doc, item["error"], (*where, "error"))
    return {"service": service, "version": version, "action": action, "parameters": dict(parameters),
            "error": error}


def _check_response(doc: Document, value: Any, where: FieldPath, models: ModuleType | None, action: str) -> dict[str, Any]:
    response = _mapping(doc, value, where, RESPONSE_FIELDS, ("body",))
    status = _integer(doc, response.get("status", 200), (*where, "status"), 200, 299)
    request_id = _text(doc, response.get("request_id"), (*where, "request_id"))
    body = response["body"]
    if not isinstance(body, dict):
        raise _fail(doc, (*where, "body"), f"must be a mapping (the answer's JSON body), got {_got(body)}")
    check_json(doc, body, (*where, "body"))
    if models is not None:
        problem = body_problem(models, action, body)
        if problem is not None:
            raise _fail(doc, (*where, "body", *problem[0]), problem[1])
    return {"status": status, "request_id": request_id, "body": body}


def _check_error(doc: Document, value: Any, where: FieldPath) -> dict[str, Any]:
    error = _mapping(doc, value, where, ERROR_FIELDS, ("code", "status"))
    name = error.get("class", "ClientException")
    if name not in ERROR_CLASSES:
        raise _fail(doc, (*where, "class"), f"must be one of {', '.join(ERROR_CLASSES)}, got {_got(name)}")
    status = _integer(doc, error["status"], (*where, "status"), 400, 599)
    code = error["code"]
    if not isinstance(code, str) or not code.strip():
        raise _fail(doc, (*where, "code"), f"must be the error code's text, got {_got(code)}")
    retry_after = error.get("retry_after")
    if retry_after is not None:
        _integer(doc, retry_after, (*where, "retry_after"), 0, 86_400_000)
    data = error.get("data")
    if data is not None:
        if not isinstance(data, dict):
            raise _fail(doc, (*where, "data"), f"must be a mapping (the raw error body), got {_got(data)}")
        check_json(doc, data, (*where, "data"))
        for key, wanted in (("Code", str), ("Message", str), ("RequestId", str), ("AccessDeniedDetail", dict)):
            if data.get(key) is not None and not isinstance(data[key], wanted):
                raise _fail(doc, (*where, "data", key), f"must be {'a mapping' if wanted is dict else 'a string'}, "
                                                        f"got {_got(data[key])}")
    return {"class": name, "status": status, "code": code,
            "message": _text(doc, error.get("message"), (*where, "message")),
            "request_id": _text(doc, error.get("request_id"), (*where, "request_id")),
            "retry_after": retry_after, "data": dict(data or {})}


